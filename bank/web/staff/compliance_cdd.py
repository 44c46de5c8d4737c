"""Compliance in the back office: the due-diligence file per member, the reviews due, the index.

Only compliance officers and administrators come here. Other staff see on the member page only
whether the member is cleared (``bank.compliance.gate.clearance_of``), never the risk behind it.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3, not in its stubs
from wtforms.validators import Length, Optional

from bank import clock
from bank.compliance import cdd_queries, countries, gate, screening_queries, screening_service
from bank.compliance import due_diligence as cdd
from bank.compliance.cdd_models import EddStatus, InterestKind
from bank.compliance.risk import REVIEW_YEARS, TURNOVER_THRESHOLDS, RiskClass
from bank.errors import NotFound, ValidationError
from bank.extensions import db
from bank.members import queries as member_queries
from bank.members.models import DocumentKind, Member
from bank.monitoring import queries as monitoring_queries
from bank.monitoring.models import CaseStatus as MonitoringCaseStatus
from bank.web import labels
from bank.web.access import staff_required
from bank.web.forms import Attempt, new_form_key, read_amount, whole_number
from bank.web.messages import render
from bank.web.staff import bp

ROLES = cdd.ROLES
#: How many one-time form keys a browser session remembers (double submits of the file's forms).
_KEYS_KEPT = 30


class FactsForm(FlaskForm):
    residence_country = SelectField(_l("Country of residence or registration"), validate_choice=False)
    nationality = SelectField(_l("Nationality"), validate_choice=False)
    sector = SelectField(_l("Sector"), validate_choice=False)
    expected_monthly_turnover = StringField(_l("Expected turnover a month"), validators=[Length(max=30)])
    purpose = SelectField(_l("Purpose of the relationship"), validate_choice=False)


class FlagForm(FlaskForm):
    flag = SelectField(
        _l("Flag"),
        choices=[
            SelectChoice("pep", _l("Politically exposed person (PEP)")),
            SelectChoice("sanctions_hit", _l("Confirmed sanctions hit")),
        ],
        validate_choice=False,
    )
    set_to = SelectField(
        _l("Set to"),
        choices=[SelectChoice("yes", _l("yes")), SelectChoice("no", _l("no"))],
        validate_choice=False,
    )
    reason = StringField(_l("Reason"), validators=[Length(max=cdd.REASON_MAX)])


class AssessForm(FlaskForm):
    form_key = HiddenField()
    raise_to = SelectField(_l("Class"), validate_choice=False)
    raise_reason = TextAreaField(
        _l("Why a higher class than computed"), validators=[Length(max=cdd.REASON_MAX)]
    )


class EddForm(FlaskForm):
    note = TextAreaField(_l("Note (required for a rejection)"), validators=[Length(max=cdd.REASON_MAX)])


class DocumentForm(FlaskForm):
    form_key = HiddenField()
    kind = SelectField(_l("Document"), validate_choice=False)
    number = StringField(_l("Document number"), validators=[Length(max=60)])
    issuing_country = SelectField(_l("Issuing country"), validate_choice=False)
    issued_on = DateField(_l("Issued on"), validators=[Optional()])
    expires_on = DateField(_l("Expires on"), validators=[Optional()])


class RevealForm(FlaskForm):
    reason = StringField(_l("Reason for showing the whole number"), validators=[Length(max=cdd.REASON_MAX)])


class OwnerForm(FlaskForm):
    form_key = HiddenField()
    name = StringField(_l("Name"), validators=[Length(max=300)])
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    nationality = SelectField(_l("Nationality"), validate_choice=False)
    residence_country = SelectField(_l("Country of residence"), validate_choice=False)
    interest = SelectField(_l("Nature of the interest"), validate_choice=False)
    share_percent = StringField(_l("Share (per cent)"), validators=[Length(max=20)])
    document_kind = SelectField(_l("Identity document seen"), validate_choice=False)
    document_number_last4 = StringField(
        _l("Last 4 characters of the document number"), validators=[Length(max=20)]
    )
    member_number = StringField(_l("Member number, if a member"), validators=[Length(max=12)])


class PlainForm(FlaskForm):
    """Only the CSRF token (remove buttons)."""


# ---------------------------------------------------------------------------------------------
# Choices in the reader's language


def _country_choices(blank: bool = False) -> list[SelectChoice]:
    territories = get_locale().territories
    named = sorted(
        ((code, str(territories.get(code, code))) for code in countries.COUNTRY_CODES),
        key=lambda pair: pair[1],
    )
    choices = [SelectChoice(code, name) for code, name in named]
    return [SelectChoice("", "—"), *choices] if blank else choices


def _choices(table: dict[Any, Any], blank: bool = False) -> list[SelectChoice]:
    choices = [SelectChoice(key.value, label) for key, label in table.items()]
    return [SelectChoice("", "—"), *choices] if blank else choices


def _facts_form(member: Member, file: Any, formdata: Any = None) -> FactsForm:
    form = FactsForm(formdata=formdata)
    form.residence_country.choices = _country_choices()
    form.nationality.choices = _country_choices(blank=True)
    form.sector.choices = _choices(labels.SECTOR_LABELS, blank=True)
    form.purpose.choices = _choices(labels.RELATION_PURPOSE_LABELS, blank=True)
    if formdata is None:
        form.residence_country.data = file.residence_country if file else "NL"
        form.nationality.data = (file.nationality if file else None) or ("NL" if member.is_person else "")
        form.sector.data = file.sector.value if file and file.sector else ""
        form.purpose.data = file.purpose.value if file and file.purpose else ""
        turnover = file.expected_monthly_turnover if file else None
        form.expected_monthly_turnover.data = "" if turnover is None else _amount_text(turnover)
    return form


def _amount_text(amount: Any) -> str:
    text = f"{amount:.2f}"
    return text.replace(".", ",") if str(get_locale()) == "nl" else text


def _assess_form(computed: RiskClass, formdata: Any = None) -> AssessForm:
    form = AssessForm(formdata=formdata)
    form.raise_to.choices = [
        SelectChoice("", _("as computed (%(risk_class)s)", risk_class=labels.RISK_CLASS_LABELS[computed])),
        *[
            SelectChoice(risk_class.value, labels.RISK_CLASS_LABELS[risk_class])
            for risk_class in RiskClass
            if risk_class.rank > computed.rank
        ],
    ]
    if not form.form_key.data:
        form.form_key.data = new_form_key()
    return form


def _document_form(member: Member, formdata: Any = None) -> DocumentForm:
    form = DocumentForm(formdata=formdata)
    kinds = cdd.PERSON_DOCUMENTS if member.is_person else frozenset({DocumentKind.KVK_EXTRACT})
    form.kind.choices = [
        SelectChoice(kind.value, labels.DOCUMENT_LABELS[kind]) for kind in DocumentKind if kind in kinds
    ]
    form.issuing_country.choices = _country_choices()
    if formdata is None:
        form.issuing_country.data = "NL"
    if not form.form_key.data:
        form.form_key.data = new_form_key()
    return form


def _owner_form(formdata: Any = None) -> OwnerForm:
    form = OwnerForm(formdata=formdata)
    form.nationality.choices = _country_choices()
    form.residence_country.choices = _country_choices()
    form.interest.choices = _choices(labels.INTEREST_LABELS)
    form.document_kind.choices = [
        SelectChoice(kind.value, labels.DOCUMENT_LABELS[kind])
        for kind in DocumentKind
        if kind in cdd.PERSON_DOCUMENTS
    ]
    if formdata is None:
        form.nationality.data = "NL"
        form.residence_country.data = "NL"
    if not form.form_key.data:
        form.form_key.data = new_form_key()
    return form


def _already_done(key: str | None) -> bool:
    """Whether this browser session already carried out the form with ``key`` (a double submit)."""
    return bool(key) and key in session.get("cdd_form_keys", [])


def _done(key: str | None) -> None:
    """Remember that the form with ``key`` was carried out (a refused form may be sent again)."""
    if key:
        session["cdd_form_keys"] = [*session.get("cdd_form_keys", []), key][-_KEYS_KEPT:]


def _member_or_404(member_id: int) -> Member:
    try:
        return member_queries.member_detail(db.session, member_id)
    except NotFound:
        abort(404)


# ---------------------------------------------------------------------------------------------
# Index and queue


@bp.route("/compliance")
@staff_required(*ROLES)
def compliance_index() -> ResponseReturnValue:
    """The sections of compliance, and finding a member's file by member number."""
    session_ = db.session
    number_text = (request.args.get("number") or "").strip()
    lookup_error = None
    if number_text:
        number = whole_number(number_text)
        found = member_queries.by_number(session_, number) if number is not None else None
        if found is not None:
            return redirect(url_for("staff.compliance_member", member_id=found.id))
        lookup_error = _("No member has this number.")
    today = clock.today()
    not_assessed_count, _newest = cdd_queries.not_assessed(session_, limit=0)
    return (
        render_template(
            "staff/compliance/index.html",
            reviews_due=len(cdd_queries.reviews_due(session_, today)),
            edd_waiting=len(cdd_queries.edd_waiting(session_)),
            not_assessed_count=not_assessed_count,
            undecided_hits=len(screening_queries.undecided_hits(session_)),
            open_alerts=monitoring_queries.open_alert_count(session_),
            open_cases=len(monitoring_queries.cases(session_, MonitoringCaseStatus.OPEN)),
            class_counts=cdd_queries.class_counts(session_),
            organisations=cdd_queries.organisations_and_owners(session_),
            risk_class_labels=labels.RISK_CLASS_LABELS,
            number=number_text[:20],
            lookup_error=lookup_error,
        ),
        404 if lookup_error else 200,
    )


@bp.route("/compliance/reviews")
@staff_required(*ROLES)
def compliance_reviews() -> ResponseReturnValue:
    session_ = db.session
    today = clock.today()
    not_assessed_count, newest = cdd_queries.not_assessed(session_, limit=25)
    return render_template(
        "staff/compliance/reviews.html",
        due=cdd_queries.reviews_due(session_, today),
        edd_waiting=cdd_queries.edd_waiting(session_),
        not_assessed_count=not_assessed_count,
        not_assessed=newest,
        risk_class_labels=labels.RISK_CLASS_LABELS,
        today=today,
    )


# ---------------------------------------------------------------------------------------------
# The file


def _render_file(
    member: Member, *, status: int = 200, revealed: dict[int, str] | None = None, **forms: Any
) -> Any:
    session_ = db.session
    file = cdd.file_of(session_, member.id)
    latest = file.latest_assessment if file is not None else None
    outcome = cdd.preview(session_, member)
    owners = [] if member.is_person else cdd.owners_of(session_, member.id)
    clearance = gate.clearance_of(session_, (member.id,))[member.id]
    today = clock.today()
    documents = cdd.documents_of(session_, member.id)
    context = {
        "member": member,
        "file": file,
        "latest": latest,
        "latest_reasons": cdd.reasons_of(latest) if latest is not None else [],
        "outcome": outcome,
        "history": cdd_queries.history(session_, member.id),
        "documents": documents,
        "documents_expired": bool(documents) and all(d.expires_on < today for d in documents),
        "revealed": revealed or {},
        "owners": owners,
        "owners_total": sum((o.share_percent for o in owners if o.share_percent is not None), start=0),
        "ubo_complete": any(cdd.qualifies_as_ubo(o) for o in owners),
        "clearance": clearance,
        "clearance_reasons": "; ".join(render(reason) for reason in clearance.reasons),
        "edd_refusal": cdd.edd_refusal(latest, g.actor) if latest is not None else None,
        "facts_form": forms.get("facts_form") or _facts_form(member, file),
        "flag_form": forms.get("flag_form") or FlagForm(formdata=None),
        "assess_form": forms.get("assess_form") or _assess_form(outcome.risk_class),
        "edd_form": forms.get("edd_form") or EddForm(formdata=None),
        "document_form": forms.get("document_form") or _document_form(member),
        "reveal_form": forms.get("reveal_form") or RevealForm(formdata=None),
        "reveal_for": forms.get("reveal_for"),
        "owner_form": forms.get("owner_form") or _owner_form(),
        "plain_form": PlainForm(formdata=None),
        "risk_class_labels": labels.RISK_CLASS_LABELS,
        "edd_status_labels": labels.EDD_STATUS_LABELS,
        "sector_labels": labels.SECTOR_LABELS,
        "purpose_labels": labels.RELATION_PURPOSE_LABELS,
        "interest_labels": labels.INTEREST_LABELS,
        "document_labels": labels.DOCUMENT_LABELS,
        "EddStatus": EddStatus,
        "InterestKind": InterestKind,
        "review_years": {risk_class.value: years for risk_class, years in REVIEW_YEARS.items()},
        "turnover_threshold": TURNOVER_THRESHOLDS["person" if member.is_person else "organisation"],
        "today": today,
    }
    response = make_response(render_template("staff/compliance/member.html", **context), status)
    if revealed:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/compliance/members/<int:member_id>")
@staff_required(*ROLES)
def compliance_member(member_id: int) -> ResponseReturnValue:
    member = _member_or_404(member_id)
    # A reveal (POST, audited) sends the officer here once with the document's id in the session.
    revealed_id = session.pop("cdd_revealed", None)
    revealed = None
    if revealed_id is not None:
        try:
            document = cdd.get_document(db.session, member.id, int(revealed_id))
        except (NotFound, TypeError, ValueError):
            document = None
        if document is not None:
            revealed = {document.id: document.number}
    return _render_file(member, revealed=revealed)


def _back(member: Member, anchor: str) -> ResponseReturnValue:
    return redirect(url_for("staff.compliance_member", member_id=member.id) + anchor)


@bp.route("/compliance/members/<int:member_id>/facts", methods=["POST"])
@staff_required(*ROLES)
def compliance_facts(member_id: int) -> ResponseReturnValue:
    member = _member_or_404(member_id)
    form = _facts_form(member, None, formdata=request.form)
    if form.validate_on_submit():
        attempt = Attempt(form, expire=True)
        with attempt as work:
            text = form.expected_monthly_turnover.data or ""
            turnover = (
                read_amount(text, field="expected_monthly_turnover", allow_zero=True)
                if text.strip()
                else None
            )
            changed = cdd.update_facts(
                work,
                member,
                actor=g.actor,
                residence_country=form.residence_country.data,
                nationality=form.nationality.data,
                sector=form.sector.data,
                expected_monthly_turnover=turnover,
                purpose=form.purpose.data,
            )
        if attempt.succeeded:
            flash(
                _("Facts saved; assess the risk again to apply them.")
                if changed
                else _("Nothing was changed."),
                "success" if changed else "info",
            )
            return _back(member, "#facts")
    return _render_file(_member_or_404(member_id), status=422, facts_form=form)


@bp.route("/compliance/members/<int:member_id>/flags", methods=["POST"])
@staff_required(*ROLES)
def compliance_flag(member_id: int) -> ResponseReturnValue:
    member = _member_or_404(member_id)
    form = FlagForm()
    if form.validate_on_submit():
        attempt = Attempt(form, expire=True)
        with attempt as work:
            cdd.set_flag(
                work,
                member,
                actor=g.actor,
                flag=form.flag.data or "",
                value=form.set_to.data == "yes",
                reason=form.reason.data or "",
            )
        if attempt.succeeded:
            flash(_("Flag changed; assess the risk again to apply it."), "success")
            return _back(member, "#flags")
    return _render_file(_member_or_404(member_id), status=422, flag_form=form)


@bp.route("/compliance/members/<int:member_id>/assess", methods=["POST"])
@staff_required(*ROLES)
def compliance_assess(member_id: int) -> ResponseReturnValue:
    member = _member_or_404(member_id)
    form = _assess_form(cdd.preview(db.session, member).risk_class, formdata=request.form)
    if form.validate_on_submit():
        if _already_done(form.form_key.data):
            return _back(member, "#assessment")
        attempt = Attempt(form, expire=True)
        with attempt as work:
            assessment = cdd.assess_member(
                work,
                member,
                actor=g.actor,
                raise_to=form.raise_to.data or None,
                raise_reason=form.raise_reason.data or "",
            )
        if attempt.succeeded:
            _done(form.form_key.data)
            if assessment.edd_status is EddStatus.PENDING:
                flash(
                    _(
                        "Risk assessed as high: a second compliance officer approves the enhanced due"
                        " diligence."
                    ),
                    "success",
                )
            else:
                flash(_("Risk assessed."), "success")
            return _back(member, "#assessment")
    return _render_file(_member_or_404(member_id), status=422, assess_form=form)


@bp.route("/compliance/members/<int:member_id>/assessments/<int:assessment_id>/edd", methods=["POST"])
@staff_required(*ROLES)
def compliance_edd(member_id: int, assessment_id: int) -> ResponseReturnValue:
    member = _member_or_404(member_id)
    try:
        assessment = cdd.get_assessment(db.session, member.id, assessment_id)
    except NotFound:
        abort(404)
    form = EddForm()
    approve = request.form.get("decision") == "approve"
    if form.validate_on_submit():
        attempt = Attempt(form, expire=True)
        with attempt as work:
            cdd.decide_edd(work, assessment, actor=g.actor, approve=approve, note=form.note.data or "")
        if attempt.succeeded:
            flash(
                _("Enhanced due diligence approved.") if approve else _("Enhanced due diligence rejected."),
                "success",
            )
            return _back(member, "#assessment")
    return _render_file(
        _member_or_404(member_id),
        status=422,
        edd_form=form,
    )


@bp.route("/compliance/members/<int:member_id>/documents", methods=["POST"])
@staff_required(*ROLES)
def compliance_document(member_id: int) -> ResponseReturnValue:
    member = _member_or_404(member_id)
    form = _document_form(member, formdata=request.form)
    if form.validate_on_submit():
        if _already_done(form.form_key.data):
            return _back(member, "#documents")
        attempt = Attempt(form, expire=True)
        with attempt as work:
            cdd.record_document(
                work,
                member,
                actor=g.actor,
                kind=form.kind.data or "",
                number=form.number.data or "",
                issuing_country=form.issuing_country.data or "",
                issued_on=form.issued_on.data,
                expires_on=form.expires_on.data,
            )
        if attempt.succeeded:
            _done(form.form_key.data)
            flash(_("Identity document recorded; it counts as the member's identity check."), "success")
            return _back(member, "#documents")
    return _render_file(_member_or_404(member_id), status=422, document_form=form)


@bp.route("/compliance/members/<int:member_id>/documents/<int:document_id>/reveal", methods=["POST"])
@staff_required(*ROLES)
def compliance_reveal(member_id: int, document_id: int) -> ResponseReturnValue:
    """Show a document's whole number once (on the file page it redirects to), for a reason the
    audit log keeps."""
    member = _member_or_404(member_id)
    try:
        document = cdd.get_document(db.session, member.id, document_id)
    except NotFound:
        abort(404)
    form = RevealForm()
    if form.validate_on_submit():
        attempt = Attempt(form)
        with attempt as work:
            cdd.reveal_document_number(work, document, actor=g.actor, reason=form.reason.data or "")
        if attempt.succeeded:
            # Shown once on the page this redirects to; the number never travels in the cookie.
            session["cdd_revealed"] = document_id
            return _back(member, "#documents")
    return _render_file(_member_or_404(member_id), status=422, reveal_form=form, reveal_for=document_id)


@bp.route("/compliance/members/<int:member_id>/owners", methods=["POST"])
@staff_required(*ROLES)
def compliance_add_owner(member_id: int) -> ResponseReturnValue:
    organisation = _member_or_404(member_id)
    if organisation.is_person:
        abort(404)
    form = _owner_form(formdata=request.form)
    if form.validate_on_submit():
        if _already_done(form.form_key.data):
            return _back(organisation, "#owners")
        attempt = Attempt(form, expire=True)
        with attempt as work:
            linked = None
            number_text = (form.member_number.data or "").strip()
            if number_text:
                number = whole_number(number_text)
                linked = member_queries.by_number(work, number) if number is not None else None
                if linked is None:
                    raise ValidationError("member_number", _("no member has this number"))
            owner = cdd.add_beneficial_owner(
                work,
                organisation,
                actor=g.actor,
                name=form.name.data or "",
                date_of_birth=form.date_of_birth.data,
                nationality=form.nationality.data or "",
                residence_country=form.residence_country.data or "",
                interest=form.interest.data or "",
                share_percent=_percent_text(form.share_percent.data),
                document_kind=form.document_kind.data or "",
                document_number_last4=form.document_number_last4.data or "",
                member=linked,
            )
            screening_service.screen_owner(work, owner, g.actor)
        if attempt.succeeded:
            _done(form.form_key.data)
            flash(_("Beneficial owner added."), "success")
            return _back(organisation, "#owners")
    return _render_file(_member_or_404(member_id), status=422, owner_form=form)


def _percent_text(text: str | None) -> str:
    """ "25,5" (Dutch) -> "25.5"; the service reads and checks it."""
    return (text or "").strip().replace(",", ".")


@bp.route("/compliance/members/<int:member_id>/owners/<int:owner_id>/remove", methods=["POST"])
@staff_required(*ROLES)
def compliance_remove_owner(member_id: int, owner_id: int) -> ResponseReturnValue:
    organisation = _member_or_404(member_id)
    form = PlainForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        owner = cdd.get_owner(db.session, organisation.id, owner_id)
    except NotFound:
        abort(404)
    with db.unit_of_work() as work:
        cdd.remove_beneficial_owner(work, owner, actor=g.actor)
    flash(_("Beneficial owner removed."), "success")
    return _back(organisation, "#owners")
