"""SEPA mandates in the back office: the list, a mandate's page (details, amendment history,
amend, revoke with a reason, the signed form), registering one from the member page, and the
collection method of a loan (its panel on the loan page, :func:`loan_collection_context`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3, not in its stubs
from wtforms.validators import Optional

from bank import clock
from bank.errors import NotFound
from bank.extensions import db
from bank.loans.models import CollectionMethod, Loan, LoanStatus
from bank.members import queries as member_queries
from bank.members.models import Member, MemberKind, MemberStatus
from bank.payments import mandates as service
from bank.payments import queries
from bank.payments.models import MANDATE_STATUS, Mandate, MandateScheme, MandateStatus
from bank.web.access import staff_required
from bank.web.forms import Attempt, form_id, form_status
from bank.web.labels import (
    COLLECTION_METHOD_LABELS,
    MANDATE_SCHEME_LABELS,
    MANDATE_SEQUENCE_LABELS,
)
from bank.web.labels import MANDATE_STATUS as STATUS_LABELS
from bank.web.pagination import page_number
from bank.web.staff import bp

ROLES = service.MANDATE_ROLES
PER_PAGE = 25


def _labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "scheme_labels": MANDATE_SCHEME_LABELS,
        "sequence_labels": MANDATE_SEQUENCE_LABELS,
        "method_labels": COLLECTION_METHOD_LABELS,
        "Status": MandateStatus,
    }


class MandateForm(FlaskForm):
    reference = StringField(
        _l("Mandate reference"), description=_l("at most 35 letters, digits and - / . ; unique")
    )
    scheme = SelectField(_l("Scheme"))
    signed_on = DateField(_l("Signed on"), validators=[Optional()])
    debtor_name = StringField(_l("Account holder"), description=_l("as on the signed form"))
    iban = StringField(_l("IBAN"))
    bic = StringField(_l("BIC"), description=_l("may stay empty for a Dutch IBAN: we know its bank"))


class AmendForm(FlaskForm):
    new_reference = StringField(_l("New mandate reference"))
    new_iban = StringField(_l("New IBAN"))
    new_bic = StringField(_l("New BIC"))
    reason = StringField(_l("Reason"))


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))


class CollectionForm(FlaskForm):
    collection_method = SelectField(_l("Collection method"))
    mandate_id = SelectField(_l("Mandate"), validate_choice=False)


def _mandate_form(member: Member, formdata: Any = None) -> MandateForm:
    form = MandateForm(formdata=formdata)
    schemes = [MandateScheme.CORE]
    if member.kind is MemberKind.ORGANISATION:
        schemes.append(MandateScheme.B2B)
    form.scheme.choices = [SelectChoice(s.value, MANDATE_SCHEME_LABELS[s]) for s in schemes]
    if formdata is None:
        form.debtor_name.data = member.full_name[: service.MAX_DEBTOR_NAME_LENGTH]
        form.iban.data = member.external_iban or ""
        form.signed_on.data = clock.today()
    return form


def _mandate_or_404(mandate_id: int) -> Mandate:
    try:
        return queries.mandate_detail(db.session, mandate_id)
    except NotFound:
        abort(404)


# ---------------------------------------------------------------------------------------------
# List and detail


@bp.route("/mandates")
@staff_required(*ROLES)
def mandates() -> ResponseReturnValue:
    raw = request.args.get("status", "")
    status = MandateStatus(raw) if raw in {s.value for s in MandateStatus} else None
    text = (request.args.get("q") or "").strip()[:100]
    result = queries.mandates_list(
        db.session, status=status, text=text, page=page_number(), per_page=PER_PAGE
    )
    return render_template(
        "staff/payments/mandates.html",
        result=result,
        q=text,
        status=status.value if status else "",
        **_labels(),
    )


@bp.route("/mandates/<int:mandate_id>")
@staff_required(*ROLES)
def mandate(mandate_id: int) -> ResponseReturnValue:
    return _render_mandate(_mandate_or_404(mandate_id))


def _render_mandate(mandate: Mandate, *, status: int = 200, **forms: Any) -> ResponseReturnValue:
    return (
        render_template(
            "staff/payments/mandate.html",
            mandate=mandate,
            loans=queries.loans_of_mandate(db.session, mandate.id),
            expires_on=service.expires_on(mandate),
            can_amend=MANDATE_STATUS.allows_action("amend", mandate.status),
            can_revoke=MANDATE_STATUS.allows(mandate.status, MandateStatus.REVOKED),
            amend_form=forms.get("amend_form") or AmendForm(formdata=None),
            revoke_form=forms.get("revoke_form") or RevokeForm(formdata=None),
            **_labels(),
        ),
        status,
    )


@bp.route("/mandates/<int:mandate_id>/document")
@staff_required(*ROLES)
def mandate_document(mandate_id: int) -> ResponseReturnValue:
    found = _mandate_or_404(mandate_id)
    try:
        content = service.document_of(found, current_app.config["UPLOAD_DIR"])
    except (NotFound, OSError):
        abort(404)
    response = Response(content, mimetype=found.document_content_type or "application/octet-stream")
    name = found.document_name or "machtiging.pdf"
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/mandates/<int:mandate_id>/amend", methods=["POST"])
@staff_required(*ROLES)
def amend_mandate(mandate_id: int) -> ResponseReturnValue:
    found = _mandate_or_404(mandate_id)
    form = AmendForm()
    if form.validate_on_submit():
        attempt = Attempt(form, expire=True)
        with attempt as session:
            service.amend_mandate(
                session,
                found,
                actor=g.actor,
                on=clock.today(),
                new_reference=form.new_reference.data,
                new_iban=form.new_iban.data,
                new_bic=form.new_bic.data,
                reason=form.reason.data or "",
            )
        if attempt.succeeded:
            flash(_("Mandate amended; the next collection carries the amendment."), "success")
            return redirect(url_for("staff.mandate", mandate_id=found.id))
    return _render_mandate(_mandate_or_404(mandate_id), status=422, amend_form=form)


@bp.route("/mandates/<int:mandate_id>/revoke", methods=["POST"])
@staff_required(*ROLES)
def revoke_mandate(mandate_id: int) -> ResponseReturnValue:
    found = _mandate_or_404(mandate_id)
    form = RevokeForm()
    if form.validate_on_submit():
        attempt = Attempt(form, expire=True)
        with attempt as session:
            service.revoke_mandate(
                session, found, actor=g.actor, on=clock.today(), reason=form.reason.data or ""
            )
        if attempt.succeeded:
            flash(
                _("Mandate revoked. Loans it collected are collected from their repayment accounts again."),
                "success",
            )
            return redirect(url_for("staff.mandate", mandate_id=found.id))
    return _render_mandate(_mandate_or_404(mandate_id), status=422, revoke_form=form)


# ---------------------------------------------------------------------------------------------
# Register from the member page


@bp.route("/members/<int:member_id>/mandates/new", methods=["GET", "POST"])
@staff_required(*ROLES)
def new_mandate(member_id: int) -> ResponseReturnValue:
    try:
        member = member_queries.member_detail(db.session, member_id)
    except NotFound:
        abort(404)
    if member.status is MemberStatus.LEFT:
        flash(_("A member who has left can no longer be changed."), "error")
        return redirect(url_for("staff.member", member_id=member.id))
    form = _mandate_form(member, formdata=request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate_on_submit():
        upload = request.files.get("document")
        content = upload.stream.read(service.attachments.MAX_BYTES + 1) if upload else b""
        attempt = Attempt(form)
        with attempt as session:
            created = service.register_mandate(
                session,
                member,
                actor=g.actor,
                reference=form.reference.data or "",
                scheme=form.scheme.data,
                signed_on=form.signed_on.data,
                debtor_name=form.debtor_name.data or "",
                iban=form.iban.data or "",
                bic=form.bic.data,
                creditor_id=current_app.config["SEPA_CREDITOR_ID"],
                document=service.Upload((upload.filename or "") if upload else "", content),
                upload_dir=current_app.config["UPLOAD_DIR"],
                today=clock.today(),
            )
        if attempt.succeeded:
            flash(_("Mandate %(reference)s registered.", reference=created.reference), "success")
            return redirect(url_for("staff.mandate", mandate_id=created.id))
        document_error = _document_error(form)
    else:
        document_error = None
    return render_template(
        "staff/payments/new_mandate.html",
        form=form,
        member=member,
        creditor_id=current_app.config["SEPA_CREDITOR_ID"],
        document_error=document_error,
        **_labels(),
    ), form_status(form) if request.method == "POST" else 200


def _document_error(form: MandateForm) -> str | None:
    """The refusal of the upload, which the form shows beside its file field (not a WTForms field)."""
    label = str(_l("Signed mandate"))
    for line in list(form.form_errors):
        if line.startswith(label + ":"):
            form.form_errors.remove(line)
            return line[len(label) + 1 :].strip()
    return None


def member_panel_context(session: Session, member: Member) -> dict[str, Any]:
    """The member page's mandates panel (``bank.web.nav.MEMBER_PANELS``)."""
    return {"member_mandates": queries.mandates_of(session, member.id), "mandate_labels": _labels()}


# ---------------------------------------------------------------------------------------------
# A loan's collection method


def _collection_form(loan: Loan, choices: list[Mandate], formdata: Any = None) -> CollectionForm:
    form = CollectionForm(formdata=formdata)
    form.collection_method.choices = [
        SelectChoice(m.value, label) for m, label in COLLECTION_METHOD_LABELS.items()
    ]
    form.mandate_id.choices = [SelectChoice("", _("— choose a mandate —"))] + [
        SelectChoice(str(m.id), f"{m.reference} · {m.iban}") for m in choices
    ]
    if formdata is None:
        form.collection_method.data = loan.collection_method.value
        form.mandate_id.data = str(loan.mandate_id) if loan.mandate_id else ""
    return form


def loan_collection_context(
    session: Session, loan: Loan, form: CollectionForm | None = None
) -> dict[str, Any]:
    """What the loan page shows about collection: the method, the mandate, a notice when the
    mandate ended (the loan fell back to its repayment account), and the form to change it."""
    current = queries.mandate_of_loan(session, loan)
    ended = current is not None and current.status is not MandateStatus.ACTIVE
    return {
        "collection_mandate": current,
        "collection_mandate_ended": ended,
        "collection_form": form or collection_form(session, loan),
        "can_set_collection": g.actor.has_role(*ROLES) and loan.status is LoanStatus.ACTIVE,
        "collection_labels": _labels(),
    }


def save_collection(loan: Loan, form: CollectionForm) -> bool:
    """Set the loan's collection method from ``form`` (the loan page's POST); True when saved."""
    if not form.validate_on_submit():
        return False
    attempt = Attempt(form, expire=True)
    with attempt as session:
        chosen = None
        mandate_id = form_id("mandate_id")
        if form.collection_method.data == CollectionMethod.MANDATE.value and mandate_id is not None:
            chosen = session.get(Mandate, mandate_id)
        service.set_collection_method(
            session, loan, form.collection_method.data, actor=g.actor, mandate=chosen
        )
    return attempt.succeeded


def collection_form(session: Session, loan: Loan, formdata: Any = None) -> CollectionForm:
    return _collection_form(loan, queries.active_mandates_of(session, loan.borrower_id), formdata=formdata)
