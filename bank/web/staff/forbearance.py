"""Forbearance in the back office: a credit officer asks on the loan page; a second person decides.

The list (``/staff/forbearance``) shows what waits, for whom (a credit officer, or the loan
committee above the product's limit), and the loans in their 24-month probation. A request's
page shows the loan, the borrower's reason and the schedule the measure would give, computed on
today's date by the same engine that applies it, so the decider weighs what will be booked.
The committee finds its requests on its own page too.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length

from bank import clock
from bank.arrears import queries as arrears_queries
from bank.errors import BankError
from bank.extensions import db
from bank.forbearance import queries
from bank.forbearance import service as forbearance
from bank.forbearance.models import ForbearanceMeasure, MeasureStatus
from bank.ledger import queries as ledger_queries
from bank.loans.models import Loan, LoanStatus
from bank.web.access import staff_required
from bank.web.forms import Attempt, form_status, new_form_key
from bank.web.labels import FREQUENCY_LABELS, MEASURE_STATUS_LABELS
from bank.web.messages import error_text
from bank.web.staff import bp

READ_ROLES = forbearance.READ_ROLES
ASK_ROLES = forbearance.FORBEARANCE_ROLES
#: The review shows this many instalments of the planned schedule (and the last one).
PREVIEW_ROWS = 12


class RequestForm(FlaskForm):
    form_key = HiddenField()
    holiday_periods = StringField(
        _l("Payment holiday: instalments of interest only"), validators=[Length(max=4)]
    )
    extension_periods = StringField(_l("Longer term: instalments added"), validators=[Length(max=4)])
    rate_annual = StringField(_l("Lower rate, per cent (empty: the rate stays)"), validators=[Length(max=20)])
    reason = TextAreaField(_l("Why the borrower needs it"), validators=[Length(max=forbearance.REASON_MAX)])


class DecideForm(FlaskForm):
    note = TextAreaField(
        _l("Remarks (required for a rejection)"), validators=[Length(max=forbearance.REASON_MAX)]
    )


def _measure_or_404(measure_id: int) -> ForbearanceMeasure:
    measure = db.session.get(ForbearanceMeasure, measure_id)
    if measure is None:
        abort(404)
    return measure


def _labels() -> dict[str, Any]:
    return {"measure_status_labels": MEASURE_STATUS_LABELS, "MeasureStatus": MeasureStatus}


def loan_forbearance_context(session: Session, loan: Loan, form: RequestForm | None = None) -> dict[str, Any]:
    """What the loan page shows: the loan's measures, its probation, and the request form."""
    if form is None:
        form = RequestForm(formdata=None)
    if not form.form_key.data:
        form.form_key.data = new_form_key()
    today = clock.today()
    return {
        "forbearance_measures": queries.measures_of_loan(session, loan.id),
        "forborne_until": queries.probation_until(session, loan.id, today),
        "forbearance_form": form,
        "can_ask_forbearance": loan.status is LoanStatus.ACTIVE
        and g.actor.has_role(*ASK_ROLES)
        and forbearance.pending_of(session, loan.id) is None,
        "forbearance_limit": loan.product.forbearance_committee_above,
        "can_read_forbearance": g.actor.has_role(*READ_ROLES),
        **_labels(),
    }


@bp.route("/forbearance")
@staff_required(*READ_ROLES)
def forbearance_list() -> ResponseReturnValue:
    session = db.session
    today = clock.today()
    return render_template(
        "staff/forbearance/list.html",
        waiting=queries.waiting(session),
        in_probation=queries.in_probation(session, today),
        decided=queries.recently_decided(session, limit=25),
        today=today,
        **_labels(),
    )


@bp.route("/forbearance/<int:measure_id>")
@staff_required(*READ_ROLES)
def forbearance_measure(measure_id: int) -> ResponseReturnValue:
    return _render_measure(_measure_or_404(measure_id))


def _render_measure(
    measure: ForbearanceMeasure, *, status: int = 200, form: DecideForm | None = None
) -> ResponseReturnValue:
    session = db.session
    today = clock.today()
    plan = None
    plan_error = None
    if measure.status is MeasureStatus.REQUESTED:
        proposal = forbearance.Proposal(
            measure.holiday_periods, measure.extension_periods, measure.rate_annual_new
        )
        try:
            plan = forbearance.plan(session, measure.loan, proposal, on=today)
        except BankError as error:
            plan_error = error_text(error)
    refusal = forbearance.decider_refusal(measure, g.actor)
    return (
        render_template(
            "staff/forbearance/detail.html",
            measure=measure,
            loan=measure.loan,
            plan=plan,
            plan_error=plan_error,
            preview_rows=PREVIEW_ROWS,
            overdue=arrears_queries.overdue(session, today, [measure.loan_id]).get(measure.loan_id),
            outstanding=ledger_queries.balance(session, measure.loan.principal_account_id),
            may_decide=measure.status is MeasureStatus.REQUESTED and refusal is None,
            refusal=refusal,
            may_withdraw=measure.status is MeasureStatus.REQUESTED
            and (g.actor.user_id == measure.requested_by_id or g.actor.role == "admin"),
            may_open_loan=g.actor.has_role("admin", "teller", "credit_officer"),
            decide_form=form or DecideForm(formdata=None),
            frequency_labels=FREQUENCY_LABELS,
            today=today,
            **_labels(),
        ),
        status,
    )


@bp.route("/forbearance/<int:measure_id>/decide", methods=["POST"])
@staff_required(*READ_ROLES)
def decide_forbearance(measure_id: int) -> ResponseReturnValue:
    measure = _measure_or_404(measure_id)
    form = DecideForm()
    grant = request.form.get("decision") == "grant"
    if form.validate():
        attempt = Attempt(form, expire=True)
        with attempt as session:
            forbearance.decide(
                session, measure, grant=grant, note=form.note.data or "", on=clock.today(), actor=g.actor
            )
        if attempt.succeeded:
            if grant:
                flash(
                    _("Forbearance granted: the new schedule is in force and the borrower is told."),
                    "success",
                )
            else:
                flash(_("Forbearance rejected."), "success")
            return redirect(url_for("staff.forbearance_measure", measure_id=measure.id))
    return _render_measure(_measure_or_404(measure_id), status=form_status(form), form=form)


@bp.route("/forbearance/<int:measure_id>/withdraw", methods=["POST"])
@staff_required(*READ_ROLES)
def withdraw_forbearance(measure_id: int) -> ResponseReturnValue:
    measure = _measure_or_404(measure_id)
    attempt = Attempt()
    with attempt as session:
        forbearance.withdraw(session, measure, on=clock.today(), actor=g.actor)
    if attempt.succeeded:
        flash(_("Forbearance request withdrawn."), "success")
    return redirect(url_for("staff.forbearance_measure", measure_id=measure_id))


def committee_context(session: Session) -> dict[str, Any]:
    """The requests waiting for the loan committee (its queue page)."""
    return {"forbearance_for_committee": [m for m in queries.waiting(session) if m.needs_committee]}
