"""Arrears follow-up in the back office: the reminder ladder of a loan product, a loan's reminder
letters (download), and the collection cases (incassodossiers): the list (by owner and status)
and a case's page with its owner, contacts, notes and promises to pay.

The loan page shows the letters and the case through :func:`loan_arrears_context`; the product
page shows the ladder through :func:`ladder_context`. Cases are the credit officers' and the
administrators' work; the ladder is the administrators'.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3, not in its stubs
from wtforms.validators import Length, Optional

from bank import clock
from bank.arrears import ladder as ladders
from bank.arrears import queries
from bank.arrears import service as cases
from bank.arrears.letters import letter_reference
from bank.arrears.models import CASE_STATUS, CaseStatus, CollectionCase, ContactChannel, LetterKind
from bank.auth import queries as user_queries
from bank.errors import NotFound
from bank.extensions import db
from bank.loans import products
from bank.loans.models import Loan, LoanStatus
from bank.loans.products_models import LoanProduct
from bank.web.access import staff_required
from bank.web.forms import Attempt, form_status, read_amount
from bank.web.labels import (
    CASE_STATUS_LABELS,
    CONTACT_CHANNEL_LABELS,
    LETTER_KIND_LABELS,
    PROMISE_STATUS_LABELS,
)
from bank.web.staff import bp

CASE_ROLES = cases.CASE_ROLES
#: Who sees a loan's letters (the loan page's roles).
LETTER_ROLES = ("admin", "teller", "credit_officer")
LADDER_ROWS = ladders.MAX_STEPS


class ContactForm(FlaskForm):
    contacted_on = DateField(_l("Date"), validators=[Optional()])
    channel = SelectField(_l("How"), choices=[])
    note = TextAreaField(_l("What was said"), validators=[Length(max=cases.NOTE_MAX)])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Note"), validators=[Length(max=cases.NOTE_MAX)])


class PromiseForm(FlaskForm):
    amount = StringField(_l("Amount (€)"), validators=[Length(max=40)])
    promised_on = DateField(_l("Paid by"), validators=[Optional()])
    note = StringField(_l("Note"), validators=[Length(max=cases.NOTE_MAX)])


class OwnerForm(FlaskForm):
    owner_id = SelectField(_l("Owner"), choices=[])


class CloseForm(FlaskForm):
    reason = StringField(_l("Why the case is closed"), validators=[Length(max=cases.NOTE_MAX)])


def _owner_choices(session: Session) -> list[SelectChoice]:
    people = [u for u in user_queries.staff_users(session) if u.is_active and u.role in CASE_ROLES]
    return [SelectChoice("", _("— nobody —")), *(SelectChoice(str(u.id), u.name) for u in people)]


def _channel_choices() -> list[SelectChoice]:
    return [SelectChoice(c.value, CONTACT_CHANNEL_LABELS[c]) for c in ContactChannel]


def _case_or_404(case_id: int) -> CollectionCase:
    case = db.session.get(CollectionCase, case_id)
    if case is None:
        abort(404)
    return case


def _labels() -> dict[str, Any]:
    return {
        "case_status_labels": CASE_STATUS_LABELS,
        "letter_kind_labels": LETTER_KIND_LABELS,
        "channel_labels": CONTACT_CHANNEL_LABELS,
        "promise_status_labels": PROMISE_STATUS_LABELS,
    }


# --- the ladder on the product page -------------------------------------------------------------


def ladder_context(session: Session, product: LoanProduct) -> dict[str, Any]:
    """What the product page shows of the product's reminder ladder."""
    return {
        "ladder": ladders.ladder_of(session, product.code),
        "ladder_is_default": ladders.is_default(session, product.code),
        "letter_kind_labels": LETTER_KIND_LABELS,
    }


@bp.route("/loan-products/<code>/reminder-ladder", methods=["GET", "POST"])
@staff_required("admin")
def edit_reminder_ladder(code: str) -> ResponseReturnValue:
    """The admin edits the ladder: a row per step (days past due, letter kind); empty rows are dropped."""
    session = db.session
    try:
        product = products.current_version(session, code)
    except NotFound:
        abort(404)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        rows = [
            (request.form.get(f"steps-{i}-days", ""), request.form.get(f"steps-{i}-kind", ""))
            for i in range(LADDER_ROWS)
        ]
        attempt = Attempt(errors, general="steps")
        with attempt as work:
            ladders.set_ladder(work, product.code, rows, actor=g.actor)
        if attempt.succeeded:
            flash(_("Reminder ladder of %(code)s saved.", code=product.code), "success")
            return redirect(url_for("staff.loan_product", code=product.code))
        values = rows
    else:
        values = [(str(step.days), step.kind.value) for step in ladders.ladder_of(session, product.code)]
    values = list(values) + [("", "")] * (LADDER_ROWS - len(values))
    return (
        render_template(
            "staff/arrears/ladder_form.html",
            product=product,
            values=values,
            errors=errors,
            kinds=list(LetterKind),
            letter_kind_labels=LETTER_KIND_LABELS,
        ),
        form_status(errors),
    )


# --- the loan page: letters and the case ---------------------------------------------------------


def loan_arrears_context(session: Session, loan: Loan) -> dict[str, Any]:
    """The loan page's follow-up panel: the letters sent, the cases, and whether one can be opened."""
    loan_cases = queries.cases_of_loan(session, loan.id)
    return {
        "reminder_letters": queries.letters_of_loan(session, loan.id),
        "collection_cases": loan_cases,
        "can_see_cases": g.actor.has_role(*CASE_ROLES),
        "can_open_case": g.actor.has_role(*CASE_ROLES)
        and loan.status is LoanStatus.ACTIVE
        and all(c.status is CaseStatus.CLOSED for c in loan_cases),
        **_labels(),
    }


@bp.route("/loans/<int:loan_id>/reminder-letters/<int:letter_id>")
@staff_required(*LETTER_ROLES)
def reminder_letter(loan_id: int, letter_id: int) -> ResponseReturnValue:
    letter = queries.letter_of_loan(db.session, loan_id, letter_id)
    if letter is None:
        abort(404)
    return pdf_response(
        letter.pdf, letter_reference(letter.loan.number, letter.kind, letter.sent_on, letter.language)
    )


def pdf_response(content: bytes, name: str) -> Response:
    """A stored letter as an inline PDF (never cached: it is a member's data)."""
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/loans/<int:loan_id>/collection-case", methods=["POST"])
@staff_required(*CASE_ROLES)
def open_collection_case(loan_id: int) -> ResponseReturnValue:
    loan = db.session.get(Loan, loan_id)
    if loan is None:
        abort(404)
    attempt = Attempt()
    with attempt as session:
        case = cases.open_case(session, loan, on=clock.today(), actor=g.actor, owner_id=g.actor.user_id)
        case_id = case.id
    if attempt.succeeded:
        flash(_("Collection case opened; you own it."), "success")
        return redirect(url_for("staff.collection_case", case_id=case_id))
    return redirect(url_for("staff.loan", loan_id=loan_id))


# --- the cases ----------------------------------------------------------------------------------


@bp.route("/collection-cases")
@staff_required(*CASE_ROLES)
def collection_cases() -> ResponseReturnValue:
    session = db.session
    owner = request.args.get("owner", "")
    status_text = request.args.get("status", "")
    status = CaseStatus(status_text) if status_text in {s.value for s in CaseStatus} else None
    owner_id = int(owner) if owner.isdigit() else None
    if owner == "me":
        owner_id = g.actor.user_id
    rows = queries.cases(session, owner_id=owner_id, status=status, unowned=owner == "none")
    overdue = queries.overdue(session, clock.today(), [case.loan_id for case in rows])
    owners = user_queries.names_by_id(session, {case.owner_id for case in rows if case.owner_id})
    return render_template(
        "staff/arrears/cases.html",
        rows=rows,
        overdue=overdue,
        owners=owners,
        owner=owner,
        status=status_text if status else "",
        owner_choices=_owner_choices(session),
        statuses=list(CaseStatus),
        **_labels(),
    )


@bp.route("/collection-cases/<int:case_id>")
@staff_required(*CASE_ROLES)
def collection_case(case_id: int) -> ResponseReturnValue:
    return _render_case(_case_or_404(case_id))


def _render_case(case: CollectionCase, *, status: int = 200, **forms: Any) -> ResponseReturnValue:
    session = db.session
    owner_form = forms.get("owner_form") or OwnerForm(formdata=None, owner_id=str(case.owner_id or ""))
    owner_form.owner_id.choices = _owner_choices(session)
    contact_form = forms.get("contact_form") or ContactForm(formdata=None, contacted_on=clock.today())
    contact_form.channel.choices = _channel_choices()
    people = (
        {case.owner_id} | {c.recorded_by_id for c in case.contacts} | {n.written_by_id for n in case.notes}
    )
    people |= {p.recorded_by_id for p in case.promises}
    return (
        render_template(
            "staff/arrears/case.html",
            case=case,
            loan=case.loan,
            overdue=queries.overdue(session, clock.today(), [case.loan_id]).get(case.loan_id),
            letters=queries.letters_of_loan(session, case.loan_id),
            names=user_queries.names_by_id(session, {p for p in people if p}),
            is_open=CASE_STATUS.allows_action("follow_up", case.status),
            # A form sent back with its refusal stays on the page even when the case has closed
            # meanwhile (somebody else closed it): the refusal says why.
            submitted=set(forms),
            owner_form=owner_form,
            contact_form=contact_form,
            note_form=forms.get("note_form") or NoteForm(formdata=None),
            promise_form=forms.get("promise_form") or PromiseForm(formdata=None),
            close_form=forms.get("close_form") or CloseForm(formdata=None),
            **_labels(),
        ),
        status,
    )


@bp.route("/collection-cases/<int:case_id>/owner", methods=["POST"])
@staff_required(*CASE_ROLES)
def collection_case_owner(case_id: int) -> ResponseReturnValue:
    case = _case_or_404(case_id)
    form = OwnerForm()
    form.owner_id.choices = _owner_choices(db.session)
    if form.validate_on_submit():
        chosen = form.owner_id.data
        attempt = Attempt(form, expire=True)
        with attempt as session:
            cases.assign(session, case, int(chosen) if chosen else None, actor=g.actor)
        if attempt.succeeded:
            flash(_("Owner saved."), "success")
            return redirect(url_for("staff.collection_case", case_id=case_id))
    return _render_case(case, status=form_status(form), owner_form=form)


@bp.route("/collection-cases/<int:case_id>/contacts", methods=["POST"])
@staff_required(*CASE_ROLES)
def collection_case_contact(case_id: int) -> ResponseReturnValue:
    case = _case_or_404(case_id)
    form = ContactForm()
    form.channel.choices = _channel_choices()
    if form.validate_on_submit():
        attempt = Attempt(form, expire=True)
        with attempt as session:
            cases.add_contact(
                session,
                case,
                contacted_on=form.contacted_on.data,
                channel=form.channel.data or "",
                note=form.note.data or "",
                actor=g.actor,
            )
        if attempt.succeeded:
            flash(_("Contact recorded."), "success")
            return redirect(url_for("staff.collection_case", case_id=case_id))
    return _render_case(case, status=form_status(form), contact_form=form)


@bp.route("/collection-cases/<int:case_id>/notes", methods=["POST"])
@staff_required(*CASE_ROLES)
def collection_case_note(case_id: int) -> ResponseReturnValue:
    case = _case_or_404(case_id)
    form = NoteForm()
    if form.validate_on_submit():
        attempt = Attempt(form, expire=True)
        with attempt as session:
            cases.add_note(session, case, note=form.note.data or "", actor=g.actor)
        if attempt.succeeded:
            flash(_("Note added."), "success")
            return redirect(url_for("staff.collection_case", case_id=case_id))
    return _render_case(case, status=form_status(form), note_form=form)


@bp.route("/collection-cases/<int:case_id>/promises", methods=["POST"])
@staff_required(*CASE_ROLES)
def collection_case_promise(case_id: int) -> ResponseReturnValue:
    case = _case_or_404(case_id)
    form = PromiseForm()
    if form.validate_on_submit():
        attempt = Attempt(form, expire=True)
        with attempt as session:
            cases.add_promise(
                session,
                case,
                amount=read_amount(form.amount.data, field="amount"),
                promised_on=form.promised_on.data,
                note=form.note.data or "",
                actor=g.actor,
            )
        if attempt.succeeded:
            flash(_("Promise to pay recorded; the close day of its date checks it."), "success")
            return redirect(url_for("staff.collection_case", case_id=case_id))
    return _render_case(case, status=form_status(form), promise_form=form)


@bp.route("/collection-cases/<int:case_id>/close", methods=["POST"])
@staff_required(*CASE_ROLES)
def collection_case_close(case_id: int) -> ResponseReturnValue:
    case = _case_or_404(case_id)
    form = CloseForm()
    if form.validate_on_submit():
        attempt = Attempt(form, expire=True)
        with attempt as session:
            cases.close_case(session, case, reason=form.reason.data or "", actor=g.actor)
        if attempt.succeeded:
            flash(_("Collection case closed."), "success")
            return redirect(url_for("staff.collection_case", case_id=case_id))
    return _render_case(case, status=form_status(form), close_form=form)
