"""The member's overview: accounts and balances, shares, loans, applications (own and organisations')."""

from __future__ import annotations

from flask import render_template

from bank.extensions import db
from bank.portal import queries
from bank.web.access import member_required
from bank.web.portal import add_portal_nav, bp
from bank.web.portal.helpers import me
from bank.web.portal.labels import labels

add_portal_nav("portal.dashboard", "Overview", order=10)


@bp.route("/")
@member_required
def dashboard():  # type: ignore[no-untyped-def]
    views = queries.dashboard(db.session, me())
    return render_template("portal/dashboard.html", views=views, **labels())
