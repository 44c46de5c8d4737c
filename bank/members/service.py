"""Registering and changing members (L3): every write to a member goes through here.

Each function takes the session and the acting :class:`~bank.actor.Actor`, checks every rule
before it touches the session (so a refusal writes nothing), and records an audit event in the
same transaction. Nothing here commits; the web, API, CLI or demo loader does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.db import is_postgresql
from bank.errors import N_, InvalidTransition, Message, NotFound, PermissionDenied, ValidationError
from bank.members import validation as check
from bank.members.models import (
    MEMBER_STATUS,
    DocumentKind,
    IdentityCheck,
    LegalForm,
    Member,
    MemberKind,
    MemberStatus,
    Representative,
)

T = TypeVar("T")

#: Staff roles that may register and change members (admins pass every staff check).
MEMBER_ROLES = ("teller", "credit_officer", "admin")

MAX_NOTES_LENGTH = 5000

#: Statuses that need a reason in the audit trail when set.
REASON_REQUIRED = frozenset({MemberStatus.SUSPENDED, MemberStatus.LEFT})

PERSON_DOCUMENTS = frozenset(
    {DocumentKind.PASSPORT, DocumentKind.ID_CARD, DocumentKind.DRIVING_LICENCE, DocumentKind.RESIDENCE_PERMIT}
)
ORGANISATION_DOCUMENTS = frozenset({DocumentKind.KVK_EXTRACT})

#: An arbitrary constant for PostgreSQL's advisory lock around member numbering.
_NUMBER_LOCK_KEY = 7_300_002

#: Fields :func:`update_member` may change, per kind.
_COMMON_FIELDS = (
    "email",
    "phone",
    "street",
    "house_number",
    "postcode",
    "city",
    "external_iban",
    "language",
    "notes",
)
PERSON_FIELDS = ("first_name", "name_prefix", "last_name", "date_of_birth", "bsn", *_COMMON_FIELDS)
ORGANISATION_FIELDS = (
    "legal_name",
    "legal_form",
    "kvk_number",
    "rsin",
    "activity",
    "listing_consent",
    *_COMMON_FIELDS,
)
#: Never written to the audit log in full.
_SECRET_FIELDS = frozenset({"bsn"})


# ---------------------------------------------------------------------------------------------
# Registering


def register_person(
    session: Session,
    *,
    actor: Actor,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | None,
    street: str,
    house_number: str,
    postcode: str,
    city: str,
    name_prefix: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    external_iban: str | None = None,
    bsn: str | None = None,
    language: str = "nl",
    notes: str = "",
) -> Member:
    """Register a person as an applicant member; active once their first share is paid."""
    _require_member_staff(actor)
    values = _clean(
        {
            "first_name": first_name,
            "name_prefix": name_prefix,
            "last_name": last_name,
            "date_of_birth": date_of_birth,
            "bsn": bsn,
            "email": email,
            "phone": phone,
            "street": street,
            "house_number": house_number,
            "postcode": postcode,
            "city": city,
            "external_iban": external_iban,
            "language": language,
            "notes": notes,
        },
    )
    lock_member_register(session)
    _refuse_duplicates(session, values, member_id=None)
    member = Member(kind=MemberKind.PERSON, status=MemberStatus.APPLICANT, **values)
    return _add_new_member(session, member, actor)


def register_organisation(
    session: Session,
    *,
    actor: Actor,
    legal_name: str,
    legal_form: LegalForm | str | None,
    kvk_number: str,
    street: str,
    house_number: str,
    postcode: str,
    city: str,
    activity: str = "",
    listing_consent: bool = False,
    rsin: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    external_iban: str | None = None,
    language: str = "nl",
    notes: str = "",
) -> Member:
    """Register a coöperatie, vereniging, stichting or other organisation as an applicant member.

    ``listing_consent`` says whether member-investors may see the organisation by name as a
    borrower; without it they see only the activity and the postcode area.
    """
    _require_member_staff(actor)
    values = _clean(
        {
            "legal_name": legal_name,
            "legal_form": legal_form,
            "kvk_number": kvk_number,
            "rsin": rsin,
            "activity": activity,
            "listing_consent": listing_consent,
            "email": email,
            "phone": phone,
            "street": street,
            "house_number": house_number,
            "postcode": postcode,
            "city": city,
            "external_iban": external_iban,
            "language": language,
            "notes": notes,
        },
    )
    lock_member_register(session)
    _refuse_duplicates(session, values, member_id=None)
    member = Member(kind=MemberKind.ORGANISATION, status=MemberStatus.APPLICANT, **values)
    return _add_new_member(session, member, actor)


def _add_new_member(session: Session, member: Member, actor: Actor) -> Member:
    member.display_name = display_name_of(member)
    member.number = next_member_number(session)
    session.add(member)
    session.flush()
    audit.record(
        session,
        actor,
        "member.register",
        "member",
        member.id,
        after=_audit_view(member, ("number", "kind", *_fields_for(member.kind))),
        detail=f"{member.number} {member.display_name}",
    )
    return member


def lock_member_register(session: Session) -> None:
    """Make writers of member numbers and unique identifiers take turns until they commit.

    On PostgreSQL a transaction-scoped advisory lock: two registrations never compute the same
    member number, and the duplicate checks for e-mail, KvK number and BSN see what the other
    committed (so the second gets a clear ValidationError instead of a constraint error).
    SQLite's ``BEGIN IMMEDIATE`` already serialises writers. Taking the lock twice is harmless.
    """
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _NUMBER_LOCK_KEY})


def next_member_number(session: Session) -> int:
    """The next running member number (1, 2, 3 …); numbers are never reused."""
    lock_member_register(session)
    highest = session.scalar(select(func.max(Member.number)))
    return (highest or 0) + 1


def display_name_of(member: Member) -> str:
    """Sort-and-search name: "Berg, Pieter van der" for persons, the legal name otherwise."""
    if member.kind is MemberKind.ORGANISATION:
        return member.legal_name or ""
    given = " ".join(part for part in (member.first_name, member.name_prefix) if part)
    return f"{member.last_name}, {given}" if given else (member.last_name or "")


# ---------------------------------------------------------------------------------------------
# Changing


def update_member(
    session: Session, member: Member, *, actor: Actor, iban_approved: bool = False, **changes: Any
) -> dict[str, Any]:
    """Change a member's data; returns the changed fields with their new values.

    A new payout IBAN (``external_iban``) is where withdrawals go, so one person must not set
    it: it takes effect only through an approved profile change (``bank.portal.service``), which
    passes ``iban_approved``; the change time is kept, and payouts in the next 30 days need
    approval. Removing the IBAN stays possible (it only stops payouts).

    Only fields of the member's kind may be given (:data:`PERSON_FIELDS`,
    :data:`ORGANISATION_FIELDS`). Unchanged values are ignored; when something changed, one
    ``member.update`` audit event holds the before and after of exactly those fields (a BSN
    masked). A member who left is no longer changed.
    """
    _require_member_staff(actor)
    allowed = _fields_for(member.kind)
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise ValidationError({name: N_("cannot be changed for this kind of member") for name in unknown})
    MEMBER_STATUS.require_action(
        "change", member.status, N_("a member who has left can no longer be changed")
    )
    values = _clean(changes)
    changed = {name: value for name, value in values.items() if getattr(member, name) != value}
    if not changed:
        return {}
    if changed.get("external_iban") and not iban_approved:
        raise ValidationError(
            "external_iban", N_("a new payout IBAN takes effect only after a second staff member approves it")
        )
    if changed.get("external_iban"):
        member.external_iban_changed_at = clock.now_utc()
    if changed.keys() & {"email", "kvk_number", "bsn"}:
        lock_member_register(session)
    _refuse_duplicates(session, changed, member_id=member.id)
    before = _audit_view(member, changed)
    for name, value in changed.items():
        setattr(member, name, value)
    member.display_name = display_name_of(member)
    session.flush()
    audit.record(
        session,
        actor,
        "member.update",
        "member",
        member.id,
        before=before,
        after=_audit_view(member, changed),
        detail=", ".join(sorted(changed)),
    )
    return changed


def _fields_for(kind: MemberKind) -> tuple[str, ...]:
    return PERSON_FIELDS if kind is MemberKind.PERSON else ORGANISATION_FIELDS


def _audit_view(member: Member, names: Mapping[str, Any] | tuple[str, ...]) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for name in names:
        value = getattr(member, name)
        view[name] = check.mask_bsn(value) if name in _SECRET_FIELDS else value
    return view


# ---------------------------------------------------------------------------------------------
# Field rules, all at once


def _clean(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and normalise every given field; raise one ValidationError listing all failures."""
    today = clock.today()
    rules: dict[str, Callable[[Any], Any]] = {
        "first_name": lambda v: check.required_text(v, "first_name", max_length=100),
        "name_prefix": lambda v: check.optional_text(v, "name_prefix", max_length=30) or None,
        "last_name": lambda v: check.required_text(v, "last_name", max_length=150),
        "date_of_birth": lambda v: check.date_of_birth(v, today),
        "bsn": lambda v: _optional(v, check.bsn),
        "legal_name": lambda v: check.required_text(v, "legal_name", max_length=300),
        "legal_form": _legal_form,
        "kvk_number": lambda v: check.kvk_number(v),
        "rsin": lambda v: _optional(v, check.rsin),
        "activity": lambda v: check.required_text(v, "activity", max_length=200),
        "listing_consent": bool,
        "email": lambda v: _optional(v, check.email),
        "phone": lambda v: _optional(v, check.phone),
        "street": lambda v: check.required_text(v, "street", max_length=200),
        "house_number": lambda v: check.house_number(v),
        "postcode": lambda v: check.postcode(v),
        "city": lambda v: check.required_text(v, "city", max_length=100),
        "external_iban": lambda v: _optional(v, check.iban),
        "language": lambda v: check.language(v),
        "notes": _notes,
    }
    cleaned: dict[str, Any] = {}
    failures: dict[str, str] = {}
    for name, value in raw.items():
        try:
            cleaned[name] = rules[name](value)
        except ValidationError as error:
            failures.update(error.fields)
    if failures:
        raise ValidationError(failures)
    return cleaned


def _notes(value: str | None) -> str:
    """Free text for staff; line breaks kept (unlike the one-line fields)."""
    text = (value or "").strip()
    if len(text) > MAX_NOTES_LENGTH:
        raise ValidationError(
            "notes", N_("must be at most %(max_notes_length)s characters"), max_notes_length=MAX_NOTES_LENGTH
        )
    return text


def _optional(value: Any, rule: Callable[[Any], T]) -> T | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return rule(value)


def _legal_form(value: LegalForm | str | None) -> LegalForm:
    try:
        return LegalForm(value or "")
    except ValueError:
        choices = tuple(LegalForm)
        raise ValidationError("legal_form", N_("must be one of %(choices)s"), choices=choices) from None


def _refuse_duplicates(session: Session, values: Mapping[str, Any], *, member_id: int | None) -> None:
    """E-mail, KvK number and BSN each belong to one member; refuse a second, naming the field."""
    failures: dict[str, str] = {}
    checks = (
        ("email", Member.email, N_("is already used by member %(number)s")),
        ("kvk_number", Member.kvk_number, N_("is already registered for member %(number)s")),
        ("bsn", Member.bsn, N_("is already registered for another member")),
    )
    for name, column, message in checks:
        value = values.get(name)
        if not value:
            continue
        query = select(Member.number).where(column == value)
        if member_id is not None:
            query = query.where(Member.id != member_id)
        number = session.scalar(query.limit(1))
        if number is not None:
            failures[name] = Message(message, number=number)
    if failures:
        raise ValidationError(failures)


# ---------------------------------------------------------------------------------------------
# Representatives and identity


def add_representative(
    session: Session,
    organisation: Member,
    person: Member,
    *,
    actor: Actor,
    role: str,
    since: dt.date | None = None,
) -> Representative:
    """Let a person-member act for an organisation-member in ``role`` ("voorzitter", …).

    Representatives see the organisation's accounts in the portal and may apply for loans on
    its behalf, so they must themselves be members (persons) who have not left.
    """
    _require_member_staff(actor)
    if organisation.kind is not MemberKind.ORGANISATION:
        raise ValidationError("organisation", N_("must be an organisation-member"))
    if person.kind is not MemberKind.PERSON:
        raise ValidationError("person", N_("must be a person-member, not an organisation"))
    if person.status is MemberStatus.LEFT:
        raise ValidationError("person", N_("has left the bank and cannot represent an organisation"))
    if organisation.status is MemberStatus.LEFT:
        raise ValidationError("organisation", N_("has left the bank"))
    clean_role = check.required_text(role, "role", max_length=100)
    since = check.past_or_today(since or clock.today(), clock.today(), "since")
    existing = session.scalar(
        select(Representative.id).where(
            Representative.organisation_id == organisation.id, Representative.person_id == person.id
        )
    )
    if existing is not None:
        raise ValidationError("person", N_("already represents this organisation"))
    link = Representative(organisation=organisation, person=person, role=clean_role, since=since)
    session.add(link)
    session.flush()
    audit.record(
        session,
        actor,
        "member.representative_add",
        "member",
        organisation.id,
        after={"person_number": person.number, "person": person.display_name, "role": clean_role},
        detail=f"{person.number} {person.display_name} as {clean_role}",
    )
    return link


def remove_representative(session: Session, link: Representative, *, actor: Actor) -> None:
    """End a person's representation of an organisation (recorded in the organisation's trail)."""
    _require_member_staff(actor)
    organisation, person = link.organisation, link.person
    audit.record(
        session,
        actor,
        "member.representative_remove",
        "member",
        organisation.id,
        before={"person_number": person.number, "person": person.display_name, "role": link.role},
        detail=f"{person.number} {person.display_name}",
    )
    organisation.representatives.remove(link)
    session.flush()


def record_identity_check(
    session: Session,
    member: Member,
    *,
    actor: Actor,
    document_kind: DocumentKind | str,
    document_number_last4: str,
    checked_on: dt.date | None,
    note: str = "",
) -> IdentityCheck:
    """Record that a staff member saw an identity document (persons) or KvK extract (organisations).

    Only the last four characters of the document number are kept: enough to recognise the
    document again, too little to misuse. The check is signed by the acting staff user.
    """
    _require_member_staff(actor)
    if actor.user_id is None:
        raise PermissionDenied(N_("an identity check is recorded by the staff member who saw the document"))
    failures: dict[str, str] = {}
    kind: DocumentKind | None = None
    try:
        kind = DocumentKind(document_kind)
    except ValueError:
        failures["document_kind"] = Message(N_("must be one of %(choices)s"), choices=tuple(DocumentKind))
    if kind is not None:
        fitting = PERSON_DOCUMENTS if member.kind is MemberKind.PERSON else ORGANISATION_DOCUMENTS
        if kind not in fitting:
            failures["document_kind"] = (
                N_("does not identify a person")
                if member.kind.value == "person"
                else N_("does not identify an organisation")
            )
    values: dict[str, Any] = {}
    for name, rule in (
        ("document_number_last4", lambda: check.document_last4(document_number_last4)),
        ("checked_on", lambda: check.past_or_today(checked_on, clock.today(), "checked_on")),
        ("note", lambda: check.optional_text(note, "note", max_length=1000)),
    ):
        try:
            values[name] = rule()
        except ValidationError as error:
            failures.update(error.fields)
    if failures:
        raise ValidationError(failures)
    identity_check = IdentityCheck(
        member=member,
        document_kind=kind,
        checked_by_id=actor.user_id,
        **values,
    )
    session.add(identity_check)
    session.flush()
    audit.record(
        session,
        actor,
        "member.identity_check",
        "member",
        member.id,
        after={
            "document_kind": identity_check.document_kind.value,
            "document_number_last4": identity_check.document_number_last4,
            "checked_on": identity_check.checked_on,
        },
    )
    return identity_check


def reveal_bsn(session: Session, member: Member, actor: Actor) -> str:
    """The member's full BSN, for an administrator; every reveal and every refusal is audited.

    A refusal is recorded in the caller's transaction before :class:`PermissionDenied` is
    raised, so the caller must commit it (catch the error inside its unit of work).
    """
    if actor.role != "admin" and not actor.is_system:
        audit.record(
            session,
            actor,
            "bsn.reveal_refused",
            "member",
            member.id,
            detail=f"role {actor.role} may not see a BSN",
        )
        raise PermissionDenied(N_("only administrators may reveal a BSN"))
    if not member.bsn:
        raise NotFound(N_("no BSN is recorded for this member"))
    audit.record(session, actor, "bsn.reveal", "member", member.id, detail=f"member {member.number}")
    return member.bsn


# ---------------------------------------------------------------------------------------------
# Status


def allowed_statuses(member: Member) -> list[MemberStatus]:
    """The statuses staff may move this member to with :func:`set_status` (for the buttons)."""
    return MEMBER_STATUS.targets(member.status)


def require_transition(current: MemberStatus, target: MemberStatus) -> None:
    """Refuse a move :data:`~bank.members.models.MEMBER_STATUS` does not allow staff to make."""
    if current is MemberStatus.APPLICANT and target is MemberStatus.ACTIVE:
        # Not in the table on purpose; say how an applicant does become active.
        raise InvalidTransition(N_("an applicant becomes active when the first member share is paid"))
    MEMBER_STATUS.require(
        current,
        target,
        N_("a member cannot go from %(current)s to %(target)s"),
        current=current,
        target=target,
    )


def set_status(
    session: Session,
    member: Member,
    target: MemberStatus | str,
    *,
    actor: Actor,
    on: dt.date | None = None,
    reason: str = "",
) -> Member:
    """Suspend, reinstate or end a membership, by the table :data:`~bank.members.models.MEMBER_STATUS`.

    ``on`` is the date it takes effect (today by default); for leaving it becomes ``left_on``.
    Suspending and leaving need a reason, which the audit trail keeps.
    """
    _require_member_staff(actor)
    try:
        target_status = MemberStatus(target)
    except ValueError:
        raise ValidationError("status", N_("is not a member status")) from None
    require_transition(member.status, target_status)
    today = clock.today()
    effective_on = check.past_or_today(on or today, today, "on")
    clean_reason = check.optional_text(reason, "reason", max_length=500)
    if target_status in REASON_REQUIRED and not clean_reason:
        raise ValidationError("reason", N_("is required to suspend a member or end a membership"))
    if target_status is MemberStatus.LEFT:
        earliest = member.joined_on or member.created_at.astimezone(clock.BANK_TZ).date()
        if effective_on < earliest:
            raise ValidationError("on", N_("must not be before the member joined"))
    before = {"status": member.status.value, "left_on": member.left_on}
    member.status = target_status
    if target_status is MemberStatus.LEFT:
        member.left_on = effective_on
    session.flush()
    audit.record(
        session,
        actor,
        "member.status",
        "member",
        member.id,
        before=before,
        after={"status": member.status.value, "left_on": member.left_on, "on": effective_on},
        detail=clean_reason,
    )
    return member


def activate_on_first_share(session: Session, member: Member, *, actor: Actor, on: dt.date) -> bool:
    """Make an applicant active because a member share was paid; the shares code calls this.

    Returns True when the member became active, False when they already were a member
    (active or suspended: later shares change nothing). A member who left cannot buy shares.
    """
    MEMBER_STATUS.require_action(
        "pay_share", member.status, N_("a member who has left cannot become active again through a share")
    )
    if member.status is not MemberStatus.APPLICANT:
        return False
    member.status = MemberStatus.ACTIVE
    member.joined_on = on
    session.flush()
    audit.record(
        session,
        actor,
        "member.status",
        "member",
        member.id,
        before={"status": MemberStatus.APPLICANT.value},
        after={"status": MemberStatus.ACTIVE.value, "joined_on": on},
        detail="first member share paid",
    )
    return True


# ---------------------------------------------------------------------------------------------


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise NotFound(N_("member %(member_id)s does not exist"), member_id=member_id)
    return member


def _require_member_staff(actor: Actor) -> None:
    if not actor.has_role(*MEMBER_ROLES):
        raise PermissionDenied(N_("role %(role)s may not register or change members"), role=actor.role)
