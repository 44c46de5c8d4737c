"""Members in the back office: list and search, register, detail, edit, status, identity, BSN.

Other sections show a panel on the member page without editing it: a :class:`MemberPanel` (a
template and the function that gives it its variables), listed in ``bank.web.nav.MEMBER_PANELS``,
which the app factory installs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField, DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3, not in its stubs
from wtforms.validators import InputRequired, Optional

from bank import clock
from bank.auth import queries as users
from bank.compliance import due_diligence, gate, screening_service
from bank.errors import NotFound, PermissionDenied, ValidationError
from bank.extensions import db
from bank.members import queries, service
from bank.members.models import DocumentKind, LegalForm, Member, MemberKind, MemberStatus
from bank.portal import service as portal_service
from bank.web import labels as status_tables
from bank.web.access import staff_required
from bank.web.forms import Attempt, form_status
from bank.web.messages import render
from bank.web.pagination import page_number
from bank.web.staff import bp

MEMBER_ROLES = service.MEMBER_ROLES
PER_PAGE = 25


@dataclass(frozen=True)
class MemberPanel:
    """A part of the member page: a template rendered with ``member`` and what ``context`` adds."""

    template: str
    context: Callable[[Session, Member], dict[str, Any]]


#: ``app.extensions`` key of the member page's panels (``bank.web.nav.install`` sets it).
PANELS = "bank_member_panels"


def _panels(session: Session, member: Member) -> tuple[list[str], dict[str, Any]]:
    """The installed panels' templates, in order, and the variables they need."""
    panels: Sequence[MemberPanel] = current_app.extensions[PANELS]
    context: dict[str, Any] = {}
    for panel in panels:
        context.update(panel.context(session, member))
    return [panel.template for panel in panels], context


STATUS_LABELS = status_tables.MEMBER_STATUS
#: The button that moves a member to the status.
STATUS_ACTIONS = {
    MemberStatus.ACTIVE: _l("Reinstate"),
    MemberStatus.SUSPENDED: _l("Suspend"),
    MemberStatus.LEFT: _l("End membership"),
}
LEGAL_FORM_LABELS = status_tables.LEGAL_FORM_LABELS
DOCUMENT_LABELS = status_tables.DOCUMENT_LABELS
KIND_LABELS = status_tables.MEMBER_KIND_LABELS
LANGUAGE_CHOICES = status_tables.LANGUAGE_CHOICES


def _labels() -> dict[str, Any]:
    return {
        "status_labels": STATUS_LABELS,
        "status_actions": STATUS_ACTIONS,
        "legal_form_labels": LEGAL_FORM_LABELS,
        "document_labels": DOCUMENT_LABELS,
        "kind_labels": KIND_LABELS,
    }


# ---------------------------------------------------------------------------------------------
# Forms: they only parse; every rule lives in bank.members.service / validation.


class ContactForm(FlaskForm):
    street = StringField(_l("Street"))
    house_number = StringField(_l("House number"))
    postcode = StringField(_l("Postcode"), description=_l("like 1092 AB"))
    city = StringField(_l("City"), default="Amsterdam")
    email = StringField(_l("E-mail"))
    phone = StringField(_l("Phone"))
    external_iban = StringField(_l("Own IBAN elsewhere"), description=_l("withdrawals are paid here"))
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES, default="nl")
    notes = TextAreaField(_l("Notes"))

    CONTACT_FIELDS = (
        "street",
        "house_number",
        "postcode",
        "city",
        "email",
        "phone",
        "external_iban",
        "language",
        "notes",
    )


class PersonForm(ContactForm):
    first_name = StringField(_l("First name"))
    name_prefix = StringField(_l("Prefix"), description=_l("van, de, van der …"))
    last_name = StringField(_l("Last name"))
    date_of_birth = DateField(_l("Date of birth"), validators=[Optional()])
    bsn = StringField(_l("BSN"), description=_l("optional; 9 digits"))

    def values(self) -> dict[str, Any]:
        names = (*service.PERSON_FIELDS[:5], *self.CONTACT_FIELDS)
        return {name: getattr(self, name).data for name in names}


class OrganisationForm(ContactForm):
    legal_name = StringField(_l("Legal name"))
    legal_form = SelectField(
        _l("Legal form"),
        choices=[SelectChoice(form.value, label) for form, label in LEGAL_FORM_LABELS.items()],
    )
    kvk_number = StringField(_l("KvK number"), description=_l("8 digits"))
    rsin = StringField(_l("RSIN"), description=_l("optional; 9 digits"))
    activity = StringField(_l("Activity"), description=_l("shown when the name is not, e.g. co-op bakery"))
    listing_consent = BooleanField(_l("May be named to member-investors as a borrower"))

    def values(self) -> dict[str, Any]:
        names = (
            "legal_name",
            "legal_form",
            "kvk_number",
            "rsin",
            "activity",
            "listing_consent",
            *self.CONTACT_FIELDS,
        )
        return {name: getattr(self, name).data for name in names}


class IdentityCheckForm(FlaskForm):
    document_kind = SelectField(_l("Document"))
    document_number_last4 = StringField(_l("Last 4 characters of the document number"))
    checked_on = DateField(_l("Checked on"), validators=[Optional()], default=clock.today)
    note = StringField(_l("Note"))


class RepresentativeForm(FlaskForm):
    person_number = IntegerField(_l("Member number of the person"), validators=[InputRequired()])
    role = StringField(_l("Role"), description=_l("e.g. chair, treasurer, director"))


class StatusForm(FlaskForm):
    status = SelectField(_l("New status"))
    on = DateField(_l("Effective on"), validators=[Optional()], default=clock.today)
    reason = StringField(_l("Reason"))


class PlainForm(FlaskForm):
    """Only the CSRF token (the BSN reveal button)."""


def _member_or_404(member_id: int) -> Member:
    try:
        return queries.member_detail(db.session, member_id)
    except NotFound:
        abort(404)


# ---------------------------------------------------------------------------------------------
# List and register


@bp.route("/members")
@staff_required(*MEMBER_ROLES)
def members() -> ResponseReturnValue:
    text = (request.args.get("q") or "").strip()[:100]
    kind = _enum_arg(MemberKind, "kind")
    status = _enum_arg(MemberStatus, "status")
    page = page_number()
    result = queries.search(db.session, text, kind=kind, status=status, page=page, per_page=PER_PAGE)
    return render_template("staff/members/list.html", result=result, q=text, **_labels())


def _enum_arg(enum_class: Any, name: str) -> Any:
    raw = request.args.get(name) or ""
    try:
        return enum_class(raw) if raw else None
    except ValueError:
        return None


@bp.route("/members/new/person", methods=["GET", "POST"])
@staff_required(*MEMBER_ROLES)
def new_person() -> ResponseReturnValue:
    form = PersonForm()
    if form.validate_on_submit():
        attempt = Attempt(form)
        with attempt as session:
            member = service.register_person(session, actor=g.actor, **form.values())
            screening_service.screen_member(session, member, g.actor)
        if attempt.succeeded:
            flash(_("Member %(number)s registered.", number=member.number), "success")
            return redirect(url_for("staff.member", member_id=member.id))
    status = form_status(form)
    return render_template("staff/members/person_form.html", form=form, member=None), status


@bp.route("/members/new/organisation", methods=["GET", "POST"])
@staff_required(*MEMBER_ROLES)
def new_organisation() -> ResponseReturnValue:
    form = OrganisationForm()
    if form.validate_on_submit():
        attempt = Attempt(form)
        with attempt as session:
            member = service.register_organisation(session, actor=g.actor, **form.values())
            due_diligence.open_at_registration(session, member)
            screening_service.screen_member(session, member, g.actor)
        if attempt.succeeded:
            flash(_("Member %(number)s registered.", number=member.number), "success")
            return redirect(url_for("staff.member", member_id=member.id))
    status = form_status(form)
    return render_template("staff/members/organisation_form.html", form=form, member=None), status


# ---------------------------------------------------------------------------------------------
# Detail


def _identity_form(member: Member, formdata: Any = None) -> IdentityCheckForm:
    form = IdentityCheckForm(formdata=formdata)
    kinds = service.PERSON_DOCUMENTS if member.is_person else service.ORGANISATION_DOCUMENTS
    form.document_kind.choices = [
        SelectChoice(kind.value, DOCUMENT_LABELS[kind]) for kind in DocumentKind if kind in kinds
    ]
    return form


def _status_form(member: Member, formdata: Any = None) -> StatusForm:
    form = StatusForm(formdata=formdata)
    form.status.choices = [
        SelectChoice(status.value, STATUS_ACTIONS[status]) for status in service.allowed_statuses(member)
    ]
    return form


def _render_detail(
    member: Member, *, status: int = 200, revealed_bsn: str | None = None, **forms: Any
) -> Any:
    session = db.session
    audit_page = page_number("audit_page")
    panels, context = _panels(session, member)
    checkers = users.names_by_id(session, {c.checked_by_id for c in member.identity_checks})
    # Staff outside compliance see only the verdict, never the risk details behind it.
    clearance = gate.clearance_of(session, (member.id,))[member.id]
    context.update(
        clearance=clearance,
        clearance_reasons="; ".join(render(reason) for reason in clearance.reasons),
        can_open_compliance_file=g.actor.has_role("compliance", "admin"),
        member=member,
        m=member,
        checkers=checkers,
        member_panels=panels,
        revealed_bsn=revealed_bsn,
        representations=[] if not member.is_person else queries.representations_of(session, member.id),
        trail=queries.audit_trail(session, member.id, page=audit_page),
        identity_form=forms.get("identity_form") or _identity_form(member, formdata=None),
        representative_form=forms.get("representative_form") or RepresentativeForm(formdata=None),
        status_form=forms.get("status_form") or _status_form(member, formdata=None),
        plain_form=PlainForm(formdata=None),
        can_reveal_bsn=g.actor.role == "admin" and bool(member.bsn),
        **_labels(),
    )
    response = make_response(render_template("staff/members/detail.html", **context), status)
    if revealed_bsn:
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/members/<int:member_id>")
@staff_required(*MEMBER_ROLES)
def member(member_id: int) -> ResponseReturnValue:
    return _render_detail(_member_or_404(member_id))


@bp.route("/members/<int:member_id>/bsn", methods=["POST"])
@staff_required(*MEMBER_ROLES)
def reveal_bsn(member_id: int) -> ResponseReturnValue:
    """Show the full BSN once, to an administrator; reveals and refusals are both audited."""
    form = PlainForm()
    if not form.validate_on_submit():
        abort(400)
    member = _member_or_404(member_id)
    refusal: PermissionDenied | None = None
    with db.unit_of_work() as session:
        try:
            bsn = service.reveal_bsn(session, member, g.actor)
        except PermissionDenied as error:
            refusal = error  # committed with its audit line, then shown
        except NotFound:
            abort(404)
    if refusal is not None:
        raise refusal
    return _render_detail(member, revealed_bsn=bsn)


@bp.route("/members/<int:member_id>/identity-checks", methods=["POST"])
@staff_required(*MEMBER_ROLES)
def record_identity_check(member_id: int) -> ResponseReturnValue:
    member = _member_or_404(member_id)
    form = _identity_form(member, formdata=request.form)
    if form.validate_on_submit():
        attempt = Attempt(form)
        with attempt as session:
            service.record_identity_check(
                session,
                member,
                actor=g.actor,
                document_kind=form.document_kind.data,
                document_number_last4=form.document_number_last4.data or "",
                checked_on=form.checked_on.data,
                note=form.note.data or "",
            )
        if attempt.succeeded:
            flash(_("Identity check recorded."), "success")
            return redirect(url_for("staff.member", member_id=member.id) + "#identity")
    return _render_detail(_member_or_404(member_id), status=422, identity_form=form)


@bp.route("/members/<int:member_id>/representatives", methods=["POST"])
@staff_required(*MEMBER_ROLES)
def add_representative(member_id: int) -> ResponseReturnValue:
    organisation = _member_or_404(member_id)
    form = RepresentativeForm()
    if form.validate_on_submit():
        attempt = Attempt(form)
        with attempt as session:
            person = queries.by_number(session, form.person_number.data or 0)
            if person is None:
                raise ValidationError("person_number", _("no member has this number"))
            try:
                service.add_representative(
                    session, organisation, person, actor=g.actor, role=form.role.data or ""
                )
            except ValidationError as error:
                fields = {("person_number" if k == "person" else k): v for k, v in error.fields.items()}
                raise ValidationError(fields) from None
        if attempt.succeeded:
            flash(_("Representative added."), "success")
            return redirect(url_for("staff.member", member_id=organisation.id) + "#representatives")
    return _render_detail(_member_or_404(member_id), status=422, representative_form=form)


@bp.route("/members/<int:member_id>/representatives/<int:representative_id>/remove", methods=["POST"])
@staff_required(*MEMBER_ROLES)
def remove_representative(member_id: int, representative_id: int) -> ResponseReturnValue:
    organisation = _member_or_404(member_id)
    form = PlainForm()
    if not form.validate_on_submit():
        abort(400)
    link = next((r for r in organisation.representatives if r.id == representative_id), None)
    if link is None:
        abort(404)
    with db.unit_of_work() as session:
        service.remove_representative(session, link, actor=g.actor)
    flash(_("Representative removed."), "success")
    return redirect(url_for("staff.member", member_id=organisation.id) + "#representatives")


@bp.route("/members/<int:member_id>/status", methods=["POST"])
@staff_required(*MEMBER_ROLES)
def change_status(member_id: int) -> ResponseReturnValue:
    member = _member_or_404(member_id)
    form = _status_form(member, formdata=request.form)
    if form.validate_on_submit():
        attempt = Attempt(form)
        with attempt as session:
            service.set_status(
                session,
                member,
                form.status.data,
                actor=g.actor,
                on=form.on.data,
                reason=form.reason.data or "",
            )
        if attempt.succeeded:
            flash(_("Status changed to %(status)s.", status=STATUS_LABELS[member.status]), "success")
            return redirect(url_for("staff.member", member_id=member.id))
    return _render_detail(_member_or_404(member_id), status=422, status_form=form)


# ---------------------------------------------------------------------------------------------
# Edit


@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@staff_required(*MEMBER_ROLES)
def edit_member(member_id: int) -> ResponseReturnValue:
    member = _member_or_404(member_id)
    if member.status is MemberStatus.LEFT:
        flash(_("A member who has left can no longer be changed."), "error")
        return redirect(url_for("staff.member", member_id=member.id))
    form_class = PersonForm if member.is_person else OrganisationForm
    form = form_class(obj=None if request.method == "POST" else _form_data_of(member))
    if form.validate_on_submit():
        values = form.values()
        if member.is_person and not (values.get("bsn") or "").strip():
            values.pop("bsn")  # left blank: keep the BSN we have (it is never shown in the form)
        # A new payout IBAN waits for a second staff member (bank.portal.service.request_iban_change).
        new_iban = (values.get("external_iban") or "").replace(" ", "").upper()
        asks_new_iban = bool(new_iban) and new_iban != (member.external_iban or "")
        if asks_new_iban:
            values.pop("external_iban")
        attempt = Attempt(form)
        with attempt as session:
            changed = service.update_member(session, member, actor=g.actor, **values)
            screening_service.screen_after_change(session, member, changed, g.actor)
            if asks_new_iban:
                portal_service.request_iban_change(session, member, new_iban, actor=g.actor)
        if attempt.succeeded:
            if asks_new_iban:
                flash(
                    _(
                        "The new payout IBAN waits for a second staff member's approval under "
                        "Portal changes; the member is told by e-mail."
                    ),
                    "info",
                )
            if changed:
                flash(_("Changes saved."), "success")
            elif not asks_new_iban:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("staff.member", member_id=member.id))
    template = (
        "staff/members/person_form.html" if member.is_person else "staff/members/organisation_form.html"
    )
    status = form_status(form)
    return render_template(template, form=form, member=member), status


class _Values:
    """An object view of a member for prefilling a form (enums as their values, BSN blank)."""

    def __init__(self, member: Member) -> None:
        for name in (*service.PERSON_FIELDS, *service.ORGANISATION_FIELDS):
            value = getattr(member, name)
            if isinstance(value, LegalForm):
                value = value.value
            setattr(self, name, value)
        self.bsn = ""


def _form_data_of(member: Member) -> _Values:
    return _Values(member)
