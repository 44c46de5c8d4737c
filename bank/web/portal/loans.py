"""A loan's page: schedule with paid and unpaid instalments, payments, outstanding principal, arrears."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from bank.extensions import db
from bank.portal import queries
from bank.web.access import member_required
from bank.web.portal import bp
from bank.web.portal.helpers import me, or_404
from bank.web.portal.labels import labels


@bp.route("/loans/<int:loan_id>")
@member_required
def loan(loan_id: int) -> ResponseReturnValue:
    session = db.session
    found = or_404(queries.loan_for, session, me(), loan_id)
    return render_template("portal/loan.html", page=queries.loan_page(session, found), **labels())
