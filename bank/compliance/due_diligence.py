"""The compliance officer's due-diligence file of a member (cliëntenonderzoek, Wwft).

Every write to the file goes through here: the facts (country, nationality, sector, expected use,
purpose), the PEP and sanctions flags, the risk assessments (a new one at registration and at
every periodic review; high risk needs enhanced due diligence approved by a second person),
identity documents (the number kept whole, shown masked, revealed only with a reason, audited)
and an organisation's ultimate beneficial owners.

Members registered before due diligence existed have no file: they are "not yet assessed",
never stopped for it. Once an organisation has a file its UBOs count: without one (an owner of
25 % or more, or a senior managing official) it may not borrow.

How the documents relate to ``members.IdentityCheck``: recording a valid document here also
records the member's identity check (kind, last four, today, the officer), so the teller's page
shows that identity was checked without showing the number; the document row points at it.

The gate (:mod:`bank.compliance.gate`) asks :func:`ubo_hindrances` and :func:`edd_hindrances`.
Audit events are about the object ``due_diligence`` (the member's id), so the teller's view of a
member's audit trail does not show compliance's work; the staff audit log does.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor, system
from bank.compliance import countries, risk
from bank.compliance.cdd_models import (
    BeneficialOwner,
    DueDiligenceFile,
    EddStatus,
    IdentityDocument,
    InterestKind,
    RiskAssessment,
)
from bank.compliance.risk import RelationPurpose, RiskClass, Sector
from bank.compliance.verdicts import Hindrance, Purpose
from bank.errors import N_, Message, NotFound, PermissionDenied, ValidationError
from bank.members import validation as check
from bank.members.models import DocumentKind, IdentityCheck, Member, MemberKind, MemberStatus
from bank.money import to_decimal

#: The compliance officer; admins pass every staff check anyway.
ROLES = ("compliance", "admin")
REASON_MAX = 1000
#: The audit log's object for everything in a member's file (its id is the member's).
OBJECT = "due_diligence"
#: A UBO holds at least this share (per cent), unless they are a senior managing official.
UBO_THRESHOLD_PERCENT = Decimal("25")
MAX_TURNOVER = Decimal("100000000.00")
PERSON_DOCUMENTS = frozenset(
    {DocumentKind.PASSPORT, DocumentKind.ID_CARD, DocumentKind.DRIVING_LICENCE, DocumentKind.RESIDENCE_PERMIT}
)

#: What stops the bank for an organisation without its UBOs, and for a high-risk member whose
#: enhanced due diligence is not approved.
UBO_PURPOSES = frozenset({Purpose.BORROW, Purpose.DISBURSE})
EDD_PURPOSES = frozenset({Purpose.OPEN_ACCOUNT, Purpose.DISBURSE})


def require_officer(actor: Actor) -> None:
    if not actor.has_role(*ROLES):
        raise PermissionDenied(N_("only compliance officers may work on a due-diligence file"))


def _reason(value: str | None, field: str, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(field, N_("is required"))
    if len(text) > REASON_MAX:
        raise ValidationError(field, N_("must be at most %(max_length)s characters"), max_length=REASON_MAX)
    return text


def country(value: str | None, field: str, *, required: bool = True) -> str | None:
    """An ISO 3166 alpha-2 code ("NL"); an unknown one is refused naming the field."""
    code = countries.normalise(value)
    if not code:
        if required:
            raise ValidationError(field, N_("is required"))
        return None
    if not countries.is_country(code):
        raise ValidationError(field, N_("is not a known country code (two letters, like NL)"))
    return code


# ---------------------------------------------------------------------------------------------
# The file and its facts


def file_of(session: Session, member_id: int) -> DueDiligenceFile | None:
    return session.scalar(select(DueDiligenceFile).where(DueDiligenceFile.member_id == member_id))


def open_at_registration(session: Session, member: Member) -> DueDiligenceFile:
    """Open the file of a member just registered, whoever registered them: from then on an
    organisation without its ultimate beneficial owners recorded may not borrow (``ubo_hindrances``).

    Members registered before files existed have none and are shown as not yet assessed.
    """
    return ensure_file(session, member, actor=system("registration"))


def ensure_file(session: Session, member: Member, *, actor: Actor) -> DueDiligenceFile:
    """The member's file, opened (audited) when there is none yet."""
    require_officer(actor)
    found = file_of(session, member.id)
    if found is not None:
        return found
    opened = DueDiligenceFile(
        member_id=member.id,
        residence_country="NL",
        pep=False,
        pep_reason="",
        sanctions_hit=False,
        sanctions_reason="",
        created_at=clock.now_utc(),
    )
    session.add(opened)
    session.flush()
    audit.record(session, actor, "compliance.file_open", OBJECT, member.id)
    return opened


def update_facts(
    session: Session,
    member: Member,
    *,
    actor: Actor,
    residence_country: str | None,
    nationality: str | None = None,
    sector: Sector | str | None = None,
    expected_monthly_turnover: Decimal | str | None = None,
    purpose: RelationPurpose | str | None = None,
) -> dict[str, Any]:
    """Set the facts the class is computed from; returns what changed (audited before/after).

    A change does not reassess by itself: the officer assesses when the facts are complete.
    """
    require_officer(actor)
    failures: dict[str, str] = {}
    values: dict[str, Any] = {}
    rules: tuple[tuple[str, Any], ...] = (
        ("residence_country", lambda: country(residence_country, "residence_country")),
        (
            "nationality",
            lambda: None if not member.is_person else country(nationality, "nationality", required=False),
        ),
        ("sector", lambda: _sector(member, sector)),
        ("expected_monthly_turnover", lambda: _turnover(expected_monthly_turnover)),
        ("purpose", lambda: _choice(RelationPurpose, purpose, "purpose")),
    )
    for name, rule in rules:
        try:
            values[name] = rule()
        except ValidationError as error:
            failures.update(error.fields)
    if failures:
        raise ValidationError(failures)
    file = ensure_file(session, member, actor=actor)
    changed = {name: value for name, value in values.items() if getattr(file, name) != value}
    if not changed:
        return {}
    before = {name: _plain(getattr(file, name)) for name in changed}
    for name, value in changed.items():
        setattr(file, name, value)
    session.flush()
    audit.record(
        session,
        actor,
        "compliance.facts",
        OBJECT,
        member.id,
        before=_renamed(before),
        after=_renamed({name: _plain(value) for name, value in changed.items()}),
    )
    return changed


def _renamed(values: dict[str, Any]) -> dict[str, Any]:
    # "purpose" in the audit log means a loan's purpose; this is the relationship's.
    return {("relation_purpose" if name == "purpose" else name): value for name, value in values.items()}


def _plain(value: Any) -> Any:
    return getattr(value, "value", value)


def _sector(member: Member, value: Sector | str | None) -> Sector | None:
    if member.is_person:
        return None
    return _choice(Sector, value, "sector")


def _choice(enum_class: Any, value: Any, field: str) -> Any:
    if value is None or value == "":
        return None
    try:
        return enum_class(value)
    except ValueError:
        raise ValidationError(field, N_("is not one of the choices")) from None


def _turnover(value: Decimal | str | None) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = to_decimal(value)
    except (ValueError, TypeError, ArithmeticError):
        raise ValidationError("expected_monthly_turnover", N_("must be an amount in euros")) from None
    if amount < 0:
        raise ValidationError("expected_monthly_turnover", N_("must not be negative"))
    if amount > MAX_TURNOVER:
        raise ValidationError("expected_monthly_turnover", N_("is not a plausible monthly turnover"))
    return amount


def set_flag(session: Session, member: Member, *, actor: Actor, flag: str, value: bool, reason: str) -> bool:
    """Mark or clear a member as a PEP (``flag`` "pep") or a confirmed sanctions hit ("sanctions_hit").

    A reason is required either way; returns whether the flag changed. The next assessment
    takes it into account.
    """
    require_officer(actor)
    if flag not in ("pep", "sanctions_hit"):
        raise ValidationError("flag", N_("is not one of the choices"))
    clean = _reason(reason, "reason")
    file = ensure_file(session, member, actor=actor)
    if getattr(file, flag) == value:
        raise ValidationError("reason", N_("nothing changes: the flag is already set that way"))
    before = getattr(file, flag)
    setattr(file, flag, value)
    setattr(file, f"{flag}_reason", clean)
    session.flush()
    audit.record(
        session,
        actor,
        "compliance.flag",
        OBJECT,
        member.id,
        before={flag: before},
        after={flag: value},
        detail=clean,
    )
    return True


# ---------------------------------------------------------------------------------------------
# Assessments


def facts_of(member: Member, file: DueDiligenceFile | None) -> risk.RiskFacts:
    if file is None:
        return risk.RiskFacts(is_organisation=not member.is_person)
    return risk.RiskFacts(
        is_organisation=not member.is_person,
        residence_country=file.residence_country,
        nationality=file.nationality,
        pep=file.pep,
        sanctions_hit=file.sanctions_hit,
        sector=file.sector,
        expected_monthly_turnover=file.expected_monthly_turnover,
        purpose=file.purpose,
    )


def preview(session: Session, member: Member) -> risk.Outcome:
    """What an assessment today would compute (the page shows it before the officer assesses)."""
    return risk.assess(facts_of(member, file_of(session, member.id)))


def assess_member(
    session: Session,
    member: Member,
    *,
    actor: Actor,
    on: dt.date | None = None,
    raise_to: RiskClass | str | None = None,
    raise_reason: str = "",
) -> RiskAssessment:
    """Assess the member's risk now (at registration, or to complete a periodic review).

    The class is computed from the file's facts; the officer may set a higher one with a reason,
    never a lower one. High risk waits for a second person's approval (enhanced due diligence).
    """
    require_officer(actor)
    if member.status is MemberStatus.LEFT:
        raise ValidationError("member", N_("has left the bank"))
    today = clock.today()
    assessed_on = check.past_or_today(on or today, today, "on")
    target = _choice(RiskClass, raise_to, "raise_to")
    file = ensure_file(session, member, actor=actor)
    outcome = risk.assess(facts_of(member, file))
    clean_reason = _reason(raise_reason, "raise_reason", required=False)
    if target is not None and target.rank < outcome.risk_class.rank:
        raise ValidationError(
            "raise_to",
            N_("may not be lower than the computed class (%(risk_class)s)"),
            risk_class=outcome.risk_class,
        )
    raised = target is not None and target.rank > outcome.risk_class.rank
    if raised and not clean_reason:
        raise ValidationError("raise_reason", N_("is required when setting a higher class than computed"))
    final = risk.final_class(outcome.risk_class, target)
    assessment = RiskAssessment(
        member_id=member.id,
        assessed_on=assessed_on,
        assessed_by_id=actor.user_id,
        assessed_by_label=actor.label,
        computed_class=outcome.risk_class,
        risk_class=final,
        reasons=[reason.to_json() for reason in outcome.reasons],
        raise_reason=clean_reason if raised else "",
        review_due_on=risk.review_due_on(final, assessed_on),
        edd_status=EddStatus.PENDING if final is RiskClass.HIGH else EddStatus.NOT_NEEDED,
        edd_note="",
        created_at=clock.now_utc(),
    )
    session.add(assessment)
    session.flush()
    before = file.latest_assessment.risk_class.value if file.latest_assessment is not None else None
    file.latest_assessment_id = assessment.id
    file.latest_assessment = assessment
    session.flush()
    audit.record(
        session,
        actor,
        "compliance.assessment",
        OBJECT,
        member.id,
        before={"risk_class": before},
        after={
            "risk_class": final.value,
            "computed_class": outcome.risk_class.value,
            "review_due_on": assessment.review_due_on,
            "edd_status": assessment.edd_status.value,
        },
        detail=assessment.raise_reason,
    )
    return assessment


def reasons_of(assessment: RiskAssessment) -> list[risk.Reason]:
    return [risk.Reason.from_json(item) for item in assessment.reasons]


def edd_refusal(assessment: RiskAssessment, actor: Actor) -> Message | None:
    """Why ``actor`` may not decide this assessment's enhanced due diligence (None: they may)."""
    if not actor.has_role(*ROLES):
        return Message(N_("only compliance officers may work on a due-diligence file"))
    if assessment.edd_status is not EddStatus.PENDING:
        return Message(N_("this enhanced due diligence was already decided"))
    same = (
        assessment.assessed_by_id == actor.user_id
        if (assessment.assessed_by_id is not None or actor.user_id is not None)
        else assessment.assessed_by_label == actor.label
    )
    if same:
        return Message(
            N_(
                "four eyes: you made this assessment, so another compliance officer or an administrator"
                " decides"
            )
        )
    return None


def decide_edd(
    session: Session, assessment: RiskAssessment, *, actor: Actor, approve: bool, note: str
) -> RiskAssessment:
    """Approve or reject the enhanced due diligence of a high-risk assessment, as the second person."""
    require_officer(actor)
    refusal = edd_refusal(assessment, actor)
    if refusal is not None:
        raise PermissionDenied(refusal)
    clean = _reason(note, "note", required=not approve)
    assessment.edd_status = EddStatus.APPROVED if approve else EddStatus.REJECTED
    assessment.edd_decided_by_id = actor.user_id
    assessment.edd_decided_by_label = actor.label
    assessment.edd_decided_at = clock.now_utc()
    assessment.edd_note = clean
    session.flush()
    audit.record(
        session,
        actor,
        "compliance.edd_approve" if approve else "compliance.edd_reject",
        OBJECT,
        assessment.member_id,
        before={"edd_status": EddStatus.PENDING.value},
        after={"edd_status": assessment.edd_status.value, "assessed_by": assessment.assessed_by_label},
        detail=clean,
    )
    return assessment


def get_assessment(session: Session, member_id: int, assessment_id: int) -> RiskAssessment:
    found = session.get(RiskAssessment, assessment_id)
    if found is None or found.member_id != member_id:
        raise NotFound(N_("assessment %(assessment_id)s does not exist"), assessment_id=assessment_id)
    return found


# ---------------------------------------------------------------------------------------------
# Identity documents


def record_document(
    session: Session,
    member: Member,
    *,
    actor: Actor,
    kind: DocumentKind | str,
    number: str,
    issuing_country: str,
    issued_on: dt.date | None,
    expires_on: dt.date | None,
) -> IdentityDocument:
    """Record an identity document the officer saw; it also counts as the member's identity check.

    Refused, naming the field: an unknown kind or country, an expiry before the issue date, an
    expired document (it proves nothing today), an issue date in the future.
    """
    require_officer(actor)
    today = clock.today()
    failures: dict[str, str] = {}
    values: dict[str, Any] = {}
    rules: tuple[tuple[str, Any], ...] = (
        ("kind", lambda: _document_kind(member, kind)),
        ("number", lambda: _document_number(number)),
        ("issuing_country", lambda: country(issuing_country, "issuing_country")),
        ("issued_on", lambda: check.past_or_today(issued_on, today, "issued_on")),
        ("expires_on", lambda: _required_date(expires_on, "expires_on")),
    )
    for name, rule in rules:
        try:
            values[name] = rule()
        except ValidationError as error:
            failures.update(error.fields)
    expiry = values.get("expires_on")
    if expiry is not None and "expires_on" not in failures:
        if values.get("issued_on") is not None and expiry <= values["issued_on"]:
            failures["expires_on"] = Message(N_("must be after the issue date"))
        elif expiry < today:
            failures["expires_on"] = Message(
                N_("is in the past: an expired document does not prove identity")
            )
    if failures:
        raise ValidationError(failures)
    identity_check = IdentityCheck(
        member=member,
        document_kind=values["kind"],
        document_number_last4=values["number"][-4:],
        checked_on=today,
        checked_by_id=actor.user_id,
        note="",
    )
    if actor.user_id is not None:
        session.add(identity_check)
        session.flush()
    document = IdentityDocument(
        member_id=member.id,
        identity_check_id=identity_check.id if actor.user_id is not None else None,
        recorded_by_id=actor.user_id,
        recorded_by_label=actor.label,
        recorded_at=clock.now_utc(),
        **values,
    )
    session.add(document)
    session.flush()
    audit.record(
        session,
        actor,
        "compliance.document_record",
        OBJECT,
        member.id,
        after={
            "document_kind": document.kind.value,
            "document_number": document.masked_number,
            "issuing_country": document.issuing_country,
            "expires_on": document.expires_on,
        },
    )
    return document


def _document_kind(member: Member, value: DocumentKind | str) -> DocumentKind:
    try:
        kind = DocumentKind(value)
    except ValueError:
        raise ValidationError("kind", N_("is not one of the choices")) from None
    fitting = PERSON_DOCUMENTS if member.kind is MemberKind.PERSON else frozenset({DocumentKind.KVK_EXTRACT})
    if kind not in fitting:
        raise ValidationError(
            "kind",
            N_("does not identify a person") if member.is_person else N_("does not identify an organisation"),
        )
    return kind


def _document_number(value: str | None) -> str:
    text = "".join((value or "").split()).upper()
    if not text:
        raise ValidationError("number", N_("is required"))
    if not text.isascii() or not text.isalnum() or not 5 <= len(text) <= 40:
        raise ValidationError("number", N_("must be 5 to 40 letters and digits"))
    return text


def _required_date(value: dt.date | None, field: str) -> dt.date:
    if value is None:
        raise ValidationError(field, N_("is required"))
    return value


def reveal_document_number(session: Session, document: IdentityDocument, *, actor: Actor, reason: str) -> str:
    """The whole document number, for a compliance officer who gives a reason; always audited."""
    require_officer(actor)
    clean = _reason(reason, "reason")
    audit.record(
        session,
        actor,
        "compliance.document_reveal",
        OBJECT,
        document.member_id,
        after={"document_kind": document.kind.value, "document_number": document.masked_number},
        detail=clean,
    )
    return document.number


def documents_of(session: Session, member_id: int) -> list[IdentityDocument]:
    return list(
        session.scalars(
            select(IdentityDocument)
            .where(IdentityDocument.member_id == member_id)
            .order_by(IdentityDocument.expires_on.desc(), IdentityDocument.id.desc())
        )
    )


def get_document(session: Session, member_id: int, document_id: int) -> IdentityDocument:
    found = session.get(IdentityDocument, document_id)
    if found is None or found.member_id != member_id:
        raise NotFound(N_("document %(document_id)s does not exist"), document_id=document_id)
    return found


# ---------------------------------------------------------------------------------------------
# Ultimate beneficial owners


def add_beneficial_owner(
    session: Session,
    organisation: Member,
    *,
    actor: Actor,
    name: str,
    date_of_birth: dt.date | None,
    nationality: str,
    residence_country: str,
    interest: InterestKind | str,
    share_percent: Decimal | str | None,
    document_kind: DocumentKind | str,
    document_number_last4: str,
    member: Member | None = None,
) -> BeneficialOwner:
    """Record a UBO of an organisation-member.

    Ownership and voting rights need a share (> 0 and at most 100 per cent); a senior managing
    official may have none. The shares of an organisation's UBOs together are at most 100.
    """
    require_officer(actor)
    if organisation.kind is not MemberKind.ORGANISATION:
        raise ValidationError("organisation", N_("must be an organisation-member"))
    today = clock.today()
    failures: dict[str, str] = {}
    values: dict[str, Any] = {}
    rules: tuple[tuple[str, Any], ...] = (
        ("name", lambda: check.required_text(name, "name", max_length=300)),
        ("date_of_birth", lambda: check.past_or_today(date_of_birth, today, "date_of_birth")),
        ("nationality", lambda: country(nationality, "nationality")),
        ("residence_country", lambda: country(residence_country, "residence_country")),
        ("interest", lambda: _interest(interest)),
        ("document_kind", lambda: _ubo_document(document_kind)),
        ("document_number_last4", lambda: check.document_last4(document_number_last4)),
    )
    for field_name, rule in rules:
        try:
            values[field_name] = rule()
        except ValidationError as error:
            failures.update(error.fields)
    try:
        values["share_percent"] = _share(share_percent, values.get("interest"))
    except ValidationError as error:
        failures.update(error.fields)
    if not failures and values["share_percent"] is not None:
        held = sum(
            (owner.share_percent or Decimal("0") for owner in owners_of(session, organisation.id)),
            Decimal("0"),
        )
        if held + values["share_percent"] > 100:
            failures["share_percent"] = Message(
                N_("would bring the UBOs' shares to %(total_percent)s per cent; together at most 100"),
                total_percent=held + values["share_percent"],
            )
    if failures:
        raise ValidationError(failures)
    owner = BeneficialOwner(
        organisation_id=organisation.id,
        member_id=member.id if member is not None else None,
        added_by_label=actor.label,
        added_at=clock.now_utc(),
        **values,
    )
    session.add(owner)
    session.flush()
    audit.record(
        session,
        actor,
        "compliance.ubo_add",
        OBJECT,
        organisation.id,
        after={
            "name": owner.name,
            "interest": owner.interest.value,
            "share_percent": owner.share_percent,
            "nationality": owner.nationality,
        },
    )
    return owner


def _interest(value: InterestKind | str) -> InterestKind:
    try:
        return InterestKind(value)
    except ValueError:
        raise ValidationError("interest", N_("is not one of the choices")) from None


def _ubo_document(value: DocumentKind | str) -> DocumentKind:
    try:
        kind = DocumentKind(value)
    except ValueError:
        raise ValidationError("document_kind", N_("is not one of the choices")) from None
    if kind not in PERSON_DOCUMENTS:
        raise ValidationError("document_kind", N_("does not identify a person"))
    return kind


def _share(value: Decimal | str | None, interest: InterestKind | None) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if interest is InterestKind.SENIOR_MANAGER:
            return None
        raise ValidationError("share_percent", N_("is required for ownership or voting rights"))
    try:
        share = to_decimal(value)
    except (ValueError, TypeError, ArithmeticError):
        raise ValidationError("share_percent", N_("must be a number of per cent")) from None
    if share <= 0 or share > 100:
        raise ValidationError("share_percent", N_("must be more than 0 and at most 100 per cent"))
    if share != share.quantize(Decimal("0.01")):
        raise ValidationError("share_percent", N_("may have at most 2 decimals"))
    return share


def remove_beneficial_owner(session: Session, owner: BeneficialOwner, *, actor: Actor) -> None:
    require_officer(actor)
    audit.record(
        session,
        actor,
        "compliance.ubo_remove",
        OBJECT,
        owner.organisation_id,
        before={"name": owner.name, "interest": owner.interest.value, "share_percent": owner.share_percent},
    )
    session.delete(owner)
    session.flush()


def owners_of(session: Session, organisation_id: int) -> list[BeneficialOwner]:
    return list(
        session.scalars(
            select(BeneficialOwner)
            .where(BeneficialOwner.organisation_id == organisation_id)
            .order_by(BeneficialOwner.id)
        )
    )


def get_owner(session: Session, organisation_id: int, owner_id: int) -> BeneficialOwner:
    found = session.get(BeneficialOwner, owner_id)
    if found is None or found.organisation_id != organisation_id:
        raise NotFound(N_("beneficial owner %(owner_id)s does not exist"), owner_id=owner_id)
    return found


def qualifies_as_ubo(owner: BeneficialOwner) -> bool:
    """An owner or holder of voting rights of 25 % or more, or a senior managing official."""
    if owner.interest is InterestKind.SENIOR_MANAGER:
        return True
    return owner.share_percent is not None and owner.share_percent >= UBO_THRESHOLD_PERCENT


# ---------------------------------------------------------------------------------------------
# The gate's sources


def ubo_hindrances(session: Session, member_ids: frozenset[int]) -> dict[int, list[Hindrance]]:
    """Organisations with a due-diligence file but no qualifying UBO may not borrow or be paid a loan."""
    organisations = set(
        session.scalars(
            select(DueDiligenceFile.member_id)
            .join(Member, Member.id == DueDiligenceFile.member_id)
            .where(DueDiligenceFile.member_id.in_(member_ids), Member.kind == MemberKind.ORGANISATION)
        )
    )
    if not organisations:
        return {}
    qualifying = select(BeneficialOwner.organisation_id).where(
        BeneficialOwner.organisation_id.in_(organisations),
        (BeneficialOwner.interest == InterestKind.SENIOR_MANAGER)
        | (BeneficialOwner.share_percent >= UBO_THRESHOLD_PERCENT),
    )
    complete = set(session.scalars(qualifying))
    hindrance = Hindrance(
        "ubo_missing",
        UBO_PURPOSES,
        Message(
            N_(
                "the organisation's ultimate beneficial owners (UBO) are not recorded: an owner of 25 per "
                "cent or more, or a senior managing official, is missing"
            )
        ),
    )
    return {member_id: [hindrance] for member_id in organisations - complete}


def edd_hindrances(session: Session, member_ids: frozenset[int]) -> dict[int, list[Hindrance]]:
    """High-risk members whose enhanced due diligence waits (or was rejected): no account, no loan paid."""
    rows = session.execute(
        select(DueDiligenceFile.member_id, RiskAssessment.edd_status)
        .join(RiskAssessment, RiskAssessment.id == DueDiligenceFile.latest_assessment_id)
        .where(
            DueDiligenceFile.member_id.in_(member_ids),
            RiskAssessment.edd_status.in_((EddStatus.PENDING, EddStatus.REJECTED)),
        )
    ).all()
    pending = Hindrance(
        "edd_pending",
        EDD_PURPOSES,
        Message(N_("high risk: the enhanced due diligence waits for a second compliance officer's approval")),
    )
    rejected = Hindrance(
        "edd_rejected",
        EDD_PURPOSES,
        Message(N_("high risk: the enhanced due diligence was rejected")),
    )
    return {member_id: [pending if status is EddStatus.PENDING else rejected] for member_id, status in rows}
