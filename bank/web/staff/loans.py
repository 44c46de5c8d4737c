"""Loans in the back office: list, arrears by bucket, and a loan's page with its schedule
(every version), transactions, arrears, payoff quote and the servicing forms (prepayment,
full early repayment, write-off proposal for a second approver, recovery).

Money forms carry a one-time ``form_key`` that ends up in the ledger key, so a double submit
books once. A write-off is only *proposed* here; another staff member approves it on the
approvals page (four eyes), where the maker cannot approve their own request.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3, not in its stubs
from wtforms.validators import Length, Optional

from bank import clock
from bank.approvals.queries import pending_for
from bank.extensions import db
from bank.forbearance import service as forbearance
from bank.loans import queries, servicing
from bank.loans.models import InstalmentStatus, Loan, LoanStatus
from bank.web import labels as status_tables
from bank.web.access import staff_required
from bank.web.filters import money_filter
from bank.web.forms import Attempt, form_status, new_form_key, read_amount, read_percent
from bank.web.labels import FREQUENCY_LABELS, METHOD_LABELS
from bank.web.pagination import page_count, page_number
from bank.web.staff import bp
from bank.web.staff.collateral import register_context
from bank.web.staff.collection_cases import loan_arrears_context
from bank.web.staff.forbearance import RequestForm, loan_forbearance_context
from bank.web.staff.loan_provision import provision_context
from bank.web.staff.mandates import collection_form, loan_collection_context, save_collection

VIEW_ROLES = ("admin", "teller", "credit_officer")
BOOK_ROLES = ("admin", "teller")
PER_PAGE = 25

LOAN_STATUS_LABELS = status_tables.LOAN_STATUS
INSTALMENT_STATUS_LABELS = status_tables.INSTALMENT_STATUS
VERSION_REASONS = {
    "disbursement": _l("disbursement"),
    "prepayment_shorten_term": _l("prepayment, term shortened"),
    "prepayment_lower_instalment": _l("prepayment, instalment lowered"),
    "payoff": _l("full early repayment"),
    "forbearance": _l("forbearance"),
}


class PrepayForm(FlaskForm):
    form_key = HiddenField()
    amount = StringField(_l("Extra repayment (€)"), validators=[Length(max=40)])
    mode = SelectField(
        _l("Then"),
        choices=[
            SelectChoice(servicing.PrepaymentMode.SHORTEN_TERM, _l("shorten the term (same instalment)")),
            SelectChoice(
                servicing.PrepaymentMode.LOWER_INSTALMENT, _l("lower the instalment (same end date)")
            ),
        ],
    )


class PayoffForm(FlaskForm):
    form_key = HiddenField()


class WriteOffForm(FlaskForm):
    form_key = HiddenField()
    reason = StringField(_l("Reason"), validators=[Length(max=1000)])


class RecoveryForm(FlaskForm):
    form_key = HiddenField()
    amount = StringField(_l("Amount recovered (€)"), validators=[Length(max=40)])
    source = SelectField(
        _l("Received"),
        choices=[
            SelectChoice("account", _l("from the borrower's account")),
            SelectChoice("settlement", _l("by bank transfer (settlement)")),
        ],
    )


class QuoteForm(FlaskForm):
    class Meta:
        csrf = False

    on = DateField(_l("Payoff date"), validators=[Optional()])


def _keyed(form: FlaskForm) -> FlaskForm:
    if not form.form_key.data:
        form.form_key.data = new_form_key()
    return form


def _loan_or_404(loan_id: int) -> Loan:
    loan = db.session.get(Loan, loan_id)
    if loan is None:
        abort(404)
    return loan


@bp.route("/loans")
@staff_required(*VIEW_ROLES)
def loans() -> ResponseReturnValue:
    status = request.args.get("status", "")
    if status not in {s.value for s in LoanStatus}:
        status = ""
    text = request.args.get("q", "").strip()[:100]
    page = page_number()
    rows, total = queries.loans_list(
        db.session, status=status or None, text=text, page=page, per_page=PER_PAGE, as_of=clock.today()
    )
    return render_template(
        "staff/loans/list.html",
        rows=rows,
        total=total,
        q=text,
        status=status,
        page=page,
        pages=page_count(total, PER_PAGE),
        status_labels=LOAN_STATUS_LABELS,
        Status=LoanStatus,
    )


@bp.route("/arrears")
@staff_required(*VIEW_ROLES)
def arrears() -> ResponseReturnValue:
    today = clock.today()
    buckets = queries.arrears_overview(db.session, today)
    return render_template("staff/loans/arrears.html", buckets=buckets, today=today)


@bp.route("/loans/<int:loan_id>")
@staff_required(*VIEW_ROLES)
def loan(loan_id: int) -> ResponseReturnValue:
    return _render_loan(_loan_or_404(loan_id))


def _render_loan(loan: Loan, *, status: int = 200, **forms: Any) -> ResponseReturnValue:
    today = clock.today()
    quote_form = QuoteForm(request.args)
    quote_on = quote_form.on.data if quote_form.validate() and quote_form.on.data else today
    detail = queries.loan_detail(db.session, loan, today, quote_on=quote_on)
    return (
        render_template(
            "staff/loans/detail.html",
            loan=loan,
            detail=detail,
            today=today,
            quote_form=quote_form,
            prepay_form=_keyed(forms.get("prepay_form") or PrepayForm(formdata=None)),
            payoff_form=_keyed(forms.get("payoff_form") or PayoffForm(formdata=None)),
            write_off_form=_keyed(forms.get("write_off_form") or WriteOffForm(formdata=None)),
            recovery_form=_keyed(forms.get("recovery_form") or RecoveryForm(formdata=None)),
            recovered=servicing.recoveries_total(db.session, loan)
            if loan.status is LoanStatus.WRITTEN_OFF
            else None,
            pending=_pending_write_off(loan),
            can_book=g.actor.has_role(*BOOK_ROLES),
            can_write_off=g.actor.role == "admin",
            status_labels=LOAN_STATUS_LABELS,
            instalment_labels=INSTALMENT_STATUS_LABELS,
            version_reasons=VERSION_REASONS,
            method_labels=METHOD_LABELS,
            frequency_labels=FREQUENCY_LABELS,
            Status=LoanStatus,
            InstalmentStatus=InstalmentStatus,
            **loan_collection_context(db.session, loan, forms.get("collection_form")),
            **loan_arrears_context(db.session, loan),
            **register_context(db.session, loan=loan, today=today),
            **provision_context(db.session, loan, forms.get("flag_errors"), forms.get("flag_values")),
            **loan_forbearance_context(db.session, loan, forms.get("forbearance_form")),
        ),
        status,
    )


def _pending_write_off(loan: Loan) -> list[Any]:
    return [a for a in pending_for(db.session, "loan", loan.id) if a.kind == servicing.WRITE_OFF_APPROVAL]


@bp.route("/loans/<int:loan_id>/collection", methods=["POST"])
@staff_required("admin", "teller", "credit_officer")
def set_loan_collection(loan_id: int) -> ResponseReturnValue:
    """By direct debit on one of the borrower's mandates, or from the repayment account."""
    loan = _loan_or_404(loan_id)
    form = collection_form(db.session, loan, formdata=request.form)
    if save_collection(loan, form):
        flash(_("Collection method saved."), "success")
        return redirect(url_for("staff.loan", loan_id=loan.id) + "#collection")
    return _render_loan(_loan_or_404(loan_id), status=422, collection_form=form)


@bp.route("/loans/<int:loan_id>/prepay", methods=["POST"])
@staff_required(*BOOK_ROLES)
def loan_prepay(loan_id: int) -> ResponseReturnValue:
    loan = _loan_or_404(loan_id)
    form = PrepayForm()
    if form.validate():
        attempt = Attempt(form)
        with attempt as session:
            servicing.prepay(
                session,
                loan,
                read_amount(form.amount.data, field="amount"),
                mode=form.mode.data,
                on=clock.today(),
                key=form.form_key.data or new_form_key(),
                actor=g.actor,
            )
        if attempt.succeeded:
            flash(_("Extra repayment booked; the new schedule is shown below."), "success")
            return redirect(url_for("staff.loan", loan_id=loan.id))
    return _render_loan(loan, status=422, prepay_form=form)


@bp.route("/loans/<int:loan_id>/payoff", methods=["POST"])
@staff_required(*BOOK_ROLES)
def loan_payoff(loan_id: int) -> ResponseReturnValue:
    loan = _loan_or_404(loan_id)
    form = PayoffForm()
    if form.validate():
        attempt = Attempt(form)
        with attempt as session:
            quote = servicing.pay_off(
                session, loan, on=clock.today(), key=form.form_key.data or new_form_key(), actor=g.actor
            )
        if attempt.succeeded:
            flash(
                _(
                    "Loan %(number)s repaid in full (%(amount)s).",
                    number=loan.number,
                    amount=money_filter(quote.total),
                ),
                "success",
            )
            return redirect(url_for("staff.loan", loan_id=loan.id))
    return _render_loan(loan, status=422, payoff_form=form)


@bp.route("/loans/<int:loan_id>/write-off", methods=["POST"])
@staff_required("admin")
def loan_write_off(loan_id: int) -> ResponseReturnValue:
    loan = _loan_or_404(loan_id)
    form = WriteOffForm()
    if form.validate():
        attempt = Attempt(form)
        with attempt as session:
            servicing.request_write_off(
                session,
                loan,
                reason=form.reason.data or "",
                key=form.form_key.data or new_form_key(),
                actor=g.actor,
            )
        if attempt.succeeded:
            flash(
                _("Write-off proposed; a second staff member must approve it on the approvals page."),
                "success",
            )
            return redirect(url_for("staff.loan", loan_id=loan.id))
    return _render_loan(loan, status=422, write_off_form=form)


@bp.route("/loans/<int:loan_id>/recovery", methods=["POST"])
@staff_required(*BOOK_ROLES)
def loan_recovery(loan_id: int) -> ResponseReturnValue:
    loan = _loan_or_404(loan_id)
    form = RecoveryForm()
    if form.validate():
        attempt = Attempt(form)
        with attempt as session:
            servicing.record_recovery(
                session,
                loan,
                read_amount(form.amount.data, field="amount"),
                key=form.form_key.data or new_form_key(),
                actor=g.actor,
                from_repayment_account=form.source.data == "account",
            )
        if attempt.succeeded:
            flash(_("Recovery booked."), "success")
            return redirect(url_for("staff.loan", loan_id=loan.id))
    return _render_loan(loan, status=422, recovery_form=form)


@bp.route("/loans/<int:loan_id>/forbearance", methods=["POST"])
@staff_required(*forbearance.FORBEARANCE_ROLES)
def request_forbearance(loan_id: int) -> ResponseReturnValue:
    """The credit officer asks for forbearance; a refusal is shown next to its field on the loan page."""
    loan = _loan_or_404(loan_id)
    form = RequestForm()
    if form.validate():
        attempt = Attempt(form)
        with attempt as session:
            rate_text = (form.rate_annual.data or "").strip()
            proposal = forbearance.proposal_of(
                form.holiday_periods.data,
                form.extension_periods.data,
                read_percent(rate_text, field="rate_annual") if rate_text else None,
            )
            measure = forbearance.request(
                session,
                loan,
                proposal,
                reason=form.reason.data or "",
                on=clock.today(),
                key=form.form_key.data or new_form_key(),
                actor=g.actor,
            )
        if attempt.succeeded:
            if measure.needs_committee:
                flash(_("Forbearance requested; the loan committee decides it."), "success")
            else:
                flash(_("Forbearance requested; a second credit officer decides it."), "success")
            return redirect(url_for("staff.forbearance_measure", measure_id=measure.id))
    return _render_loan(_loan_or_404(loan_id), status=form_status(form), forbearance_form=form)
