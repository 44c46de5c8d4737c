"""A loan's page: schedule with paid and unpaid instalments, payments, outstanding principal, arrears,
and the follow-up of arrears: the reminder letters received (downloadable), the promises to pay
agreed with the bank and, after forbearance, what was agreed with the schedule it replaced.
Everything is looked up through the member's own loan (``loan_for``), so a letter or promise of
somebody else's loan is a plain 404."""

from __future__ import annotations

from flask import abort, render_template
from flask.typing import ResponseReturnValue

from bank.arrears import queries as arrears_queries
from bank.arrears.letters import letter_reference
from bank.extensions import db
from bank.forbearance import queries as forbearance_queries
from bank.portal import queries
from bank.web.access import member_required
from bank.web.labels import LETTER_KIND_LABELS, PROMISE_STATUS_LABELS
from bank.web.portal import bp
from bank.web.portal.helpers import me, or_404
from bank.web.portal.labels import labels
from bank.web.staff.collection_cases import pdf_response


@bp.route("/loans/<int:loan_id>")
@member_required
def loan(loan_id: int) -> ResponseReturnValue:
    session = db.session
    found = or_404(queries.loan_for, session, me(), loan_id)
    return render_template(
        "portal/loan.html",
        page=queries.loan_page(session, found),
        reminder_letters=arrears_queries.letters_of_loan(session, found.id),
        promises=arrears_queries.promises_of_loan(session, found.id),
        forbearance_measures=forbearance_queries.granted_of_loan(session, found.id),
        replaced=queries.replaced_instalments(session, found),
        letter_kind_labels=LETTER_KIND_LABELS,
        promise_status_labels=PROMISE_STATUS_LABELS,
        **labels(),
    )


@bp.route("/loans/<int:loan_id>/reminder-letters/<int:letter_id>")
@member_required
def reminder_letter(loan_id: int, letter_id: int) -> ResponseReturnValue:
    session = db.session
    found = or_404(queries.loan_for, session, me(), loan_id)
    letter = arrears_queries.letter_of_loan(session, found.id, letter_id)
    if letter is None:
        abort(404)
    return pdf_response(
        letter.pdf, letter_reference(found.number, letter.kind, letter.sent_on, letter.language)
    )
