"""SEPA direct-debit mandates: register, amend, revoke, expire; and a loan's collection method.

Every function takes the session and the acting :class:`~bank.actor.Actor`, checks every rule
before it changes anything (a refusal writes nothing), and records an audit line in the same
transaction. Nothing here commits and nothing here writes money: a mandate only permits the
collections (``bank.payments`` collections) that later fill a loan's repayment account.

Rules, and why:

* Scheme: Core for any member; B2B only for an organisation (the SEPA B2B rulebook is for
  debtors that are not consumers, who then give up the 8-week refund).
* Reference (unique mandate reference): at most 35 characters of the SEPA set (letters, digits
  and ``/ - ? : ( ) . , ' +``), no spaces, not starting or ending with ``/`` and without ``//``;
  unique for the bank as creditor.
* Debtor account: the IBAN checked with schwifty in the SEPA zone (the members' own check,
  :func:`bank.members.validation.iban`); the BIC typed or, when left out, the one schwifty knows
  for the IBAN's bank; a typed BIC must be of the IBAN's bank when schwifty knows it.
* Creditor identifier (incassant-ID): checked with python-stdnum's ``eu.at_02`` (SEPA AT-02,
  ISO 7064 mod 97-10 over the national part).
* Expiry: a mandate on which no collection has been made for 36 months expires (the SEPA
  rulebook), counted from the last collection or, never used, from the date signed; on the day
  36 calendar months later it has been unused for 36 months (:func:`expires_on`).
* A loan collected by mandate uses a mandate of its own borrower; when that mandate is revoked or
  expires the loan falls back to its repayment account, said in its audit trail and on its page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from bank import audit
from bank.actor import Actor
from bank.applications import attachments
from bank.calendar import add_months
from bank.errors import N_, NotFound, PermissionDenied, ValidationError
from bank.loans.models import LOAN_STATUS, CollectionMethod, Loan
from bank.members import validation as check
from bank.members.models import Member, MemberKind, MemberStatus
from bank.payments import sepa_files
from bank.payments.models import (
    MANDATE_STATUS,
    Mandate,
    MandateAmendment,
    MandateScheme,
    MandateStatus,
)

#: Staff roles that may register, amend and revoke mandates and choose how a loan is collected.
MANDATE_ROLES = ("teller", "credit_officer", "admin")
#: A mandate unused for this many months expires.
EXPIRY_MONTHS = 36
MAX_DEBTOR_NAME_LENGTH = 70
MAX_REASON_LENGTH = 1000
#: What a signed mandate may be: the PDF, or a scan or photo of the paper.
DOCUMENT_TYPES = frozenset({attachments.PDF, attachments.PNG, attachments.JPEG})


@dataclass(frozen=True)
class Upload:
    """A file as it came in: the name the sender gave it and its bytes (checked here)."""

    filename: str
    content: bytes


# ---------------------------------------------------------------------------------------------
# Checks (pure): each returns the value as stored or raises ValidationError naming the field.


def check_reference(value: str | None, field: str = "reference") -> str:
    """A mandate reference by the rule the collection file will apply (:mod:`sepa_files`).

    One rule, not two: a reference accepted here and refused when the batch is built would stop
    a collection weeks after the mandate was registered.
    """
    return sepa_files.mandate_reference(value, field)


def check_bic(value: str | None, iban: str, field: str = "bic") -> str:
    """The BIC typed (8 or 11 characters) or, when blank, the one schwifty knows for ``iban``."""
    text = "".join((value or "").split()).upper()
    known = _bic_of(iban)
    if not text:
        if known is None:
            raise ValidationError(field, N_("is required: the bank of this IBAN is not known to us"))
        return known
    try:
        typed = BIC(text)
    except SchwiftyException:
        raise ValidationError(
            field, N_("is not a valid BIC (8 or 11 letters and digits, like ABNANL2A)")
        ) from None
    if known is not None and typed.compact[:6] != known[:6]:
        raise ValidationError(
            field, N_("is not the BIC of the bank of this IBAN (that is %(expected)s)"), expected=known
        )
    return typed.compact


def _bic_of(iban: str) -> str | None:
    try:
        known = IBAN(iban).bic
    except SchwiftyException:
        return None
    return known.compact if known is not None else None


def check_creditor_id(value: str | None, field: str = "creditor_id") -> str:
    """The bank's SEPA creditor identifier (incassant-ID), compact: ``NL69ZZZ123456780000``.

    The same check as the collection file's (:func:`sepa_files.creditor_identifier`).
    """
    return sepa_files.creditor_identifier(value, field)


def check_scheme(value: MandateScheme | str | None, member: Member, field: str = "scheme") -> MandateScheme:
    """Core for anyone; B2B only for an organisation."""
    try:
        scheme = MandateScheme(str(value or ""))
    except ValueError:
        raise ValidationError(field, N_("must be one of %(choices)s"), choices=tuple(MandateScheme)) from None
    if scheme is MandateScheme.B2B and member.kind is not MemberKind.ORGANISATION:
        raise ValidationError(field, N_("B2B is only for organisations; a person signs a Core mandate"))
    return scheme


def check_document(upload: Upload | None, field: str = "document") -> tuple[str, str]:
    """(clean name, content type) of the signed form: a PDF, PNG or JPEG, checked by its content."""
    if upload is None or (not upload.content and not upload.filename):
        raise ValidationError(field, N_("attach the signed mandate (a PDF or a scan)"))
    try:
        name, content_type = attachments.check_upload(upload.filename, upload.content)
    except ValidationError as error:
        raise ValidationError(
            {(field if name == "file" else name): rule for name, rule in error.fields.items()}
        ) from None
    if content_type not in DOCUMENT_TYPES:
        raise ValidationError(field, N_("must be a PDF, PNG or JPEG file (checked by its content)"))
    return name, content_type


def expires_on(mandate: Mandate) -> dt.date:
    """The day a mandate not collected on before it has been unused for 36 months and expires."""
    return add_months(mandate.last_used_on, EXPIRY_MONTHS)


# ---------------------------------------------------------------------------------------------
# Register, amend, revoke, expire


def register_mandate(
    session: Session,
    member: Member,
    *,
    actor: Actor,
    reference: str,
    scheme: MandateScheme | str,
    signed_on: dt.date | None,
    debtor_name: str,
    iban: str,
    bic: str | None,
    creditor_id: str,
    document: Upload | None,
    upload_dir: str | Path,
    today: dt.date,
) -> Mandate:
    """Register the mandate ``member`` signed on paper or as a PDF, with the signed form stored."""
    _require_staff(actor)
    if member.status is MemberStatus.LEFT:
        raise ValidationError("member", N_("has left the bank; no new mandate"))
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    checks = (
        ("reference", lambda: check_reference(reference)),
        ("scheme", lambda: check_scheme(scheme, member)),
        ("signed_on", lambda: check.past_or_today(signed_on, today, "signed_on")),
        (
            "debtor_name",
            lambda: check.required_text(debtor_name, "debtor_name", max_length=MAX_DEBTOR_NAME_LENGTH),
        ),
        ("iban", lambda: check.iban(iban, "iban")),
        ("creditor_id", lambda: check_creditor_id(creditor_id)),
    )
    for name, run in checks:
        try:
            values[name] = run()
        except ValidationError as error:
            errors.update(error.fields)
    if "iban" in values:
        try:
            values["bic"] = check_bic(bic, str(values["iban"]))
        except ValidationError as error:
            errors.update(error.fields)
    document_name, content_type = "", ""
    try:
        document_name, content_type = check_document(document)
    except ValidationError as error:
        errors.update(error.fields)
    if "reference" in values and _reference_taken(session, str(values["reference"])):
        errors["reference"] = N_("is already used by another mandate")
    if errors:
        raise ValidationError(errors)
    assert document is not None
    stored_name = attachments.write_upload(upload_dir, document.content)
    mandate = Mandate(
        member_id=member.id,
        status=MandateStatus.ACTIVE,
        document_name=document_name,
        document_stored_name=stored_name,
        document_content_type=content_type,
        document_size_bytes=len(document.content),
        document_sha256=hashlib.sha256(document.content).hexdigest(),
        created_by_id=actor.user_id,
        created_by_label=actor.label,
        **values,
    )
    session.add(mandate)
    session.flush()
    audit.record(
        session,
        actor,
        "mandate.register",
        "mandate",
        mandate.id,
        after={
            "member": member.number,
            "reference": mandate.reference,
            "scheme": mandate.scheme.value,
            "signed_on": mandate.signed_on,
            "iban": mandate.iban,
            "bic": mandate.bic,
            "creditor_id": mandate.creditor_id,
            "document": document_name,
        },
        detail=f"{mandate.reference} {member.number} {member.display_name}",
    )
    return mandate


def amend_mandate(
    session: Session,
    mandate: Mandate,
    *,
    actor: Actor,
    on: dt.date,
    new_reference: str | None = None,
    new_iban: str | None = None,
    new_bic: str | None = None,
    reason: str = "",
) -> MandateAmendment:
    """Give ``mandate`` a new reference and/or a new debtor account, keeping the old ones.

    A blank new value leaves that part as it is; at least one must change.
    """
    _require_staff(actor)
    MANDATE_STATUS.require_action(
        "amend",
        mandate.status,
        N_("mandate %(reference)s is %(status)s; only an active mandate can be amended"),
        reference=mandate.reference,
        status=mandate.status,
    )
    errors: dict[str, str] = {}
    reference = (new_reference or "").strip()
    iban_text = "".join((new_iban or "").split())
    checked_reference: str | None = None
    checked_iban: str | None = None
    checked_bic: str | None = None
    if reference:
        try:
            checked_reference = check_reference(reference, "new_reference")
        except ValidationError as error:
            errors.update(error.fields)
        else:
            if checked_reference == mandate.reference:
                checked_reference = None
            elif _reference_taken(session, checked_reference):
                errors["new_reference"] = N_("is already used by another mandate")
    if iban_text:
        try:
            checked_iban = check.iban(iban_text, "new_iban")
            checked_bic = check_bic(new_bic, checked_iban, "new_bic")
        except ValidationError as error:
            errors.update(error.fields)
        else:
            if checked_iban == mandate.iban and checked_bic == mandate.bic:
                checked_iban = checked_bic = None
    elif (new_bic or "").strip():
        errors["new_iban"] = N_("is required with a new BIC")
    try:
        reason = check.optional_text(reason, "reason", max_length=MAX_REASON_LENGTH)
    except ValidationError as error:
        errors.update(error.fields)
    if not errors and checked_reference is None and checked_iban is None:
        errors["new_reference"] = N_("give a new reference or a new IBAN; nothing would change")
    if errors:
        raise ValidationError(errors)
    amendment = MandateAmendment(
        mandate_id=mandate.id,
        amended_on=on,
        reason=reason,
        recorded_by_label=actor.label,
    )
    before: dict[str, object] = {}
    after: dict[str, object] = {}
    if checked_reference is not None:
        amendment.original_reference, amendment.new_reference = mandate.reference, checked_reference
        before["reference"], after["reference"] = mandate.reference, checked_reference
        mandate.reference = checked_reference
    if checked_iban is not None:
        amendment.original_iban, amendment.original_bic = mandate.iban, mandate.bic
        amendment.new_iban, amendment.new_bic = checked_iban, checked_bic
        before.update(iban=mandate.iban, bic=mandate.bic)
        after.update(iban=checked_iban, bic=checked_bic)
        mandate.iban, mandate.bic = checked_iban, str(checked_bic)
    session.add(amendment)
    session.flush()
    audit.record(
        session,
        actor,
        "mandate.amend",
        "mandate",
        mandate.id,
        before=before,
        after={**after, "reason": reason} if reason else after,
        detail=mandate.reference,
    )
    return amendment


def revoke_mandate(
    session: Session,
    mandate: Mandate,
    *,
    actor: Actor,
    on: dt.date,
    reason: str,
    acting_for: Collection[int] = (),
) -> None:
    """End ``mandate`` for good: by staff (a reason is required) or by its member in the portal.

    A portal user revokes the mandates of their own member and of the organisations they
    represent (``acting_for``, the portal's rule); any other is NotFound. Loans collected by it
    fall back to their repayment accounts (:func:`_fall_back_loans`).
    """
    by_member = actor.role == "member"
    if by_member:
        if mandate.member_id != actor.member_id and mandate.member_id not in acting_for:
            raise NotFound(N_("mandate %(mandate_id)s does not exist"), mandate_id=mandate.id)
    else:
        _require_staff(actor)
    MANDATE_STATUS.require(
        mandate.status,
        MandateStatus.REVOKED,
        N_("mandate %(reference)s is %(status)s; only an active mandate can be revoked"),
        reference=mandate.reference,
        status=mandate.status,
    )
    text = check.optional_text(reason, "reason", max_length=MAX_REASON_LENGTH)
    if not text and not by_member:
        raise ValidationError("reason", N_("is required"))
    mandate.status = MandateStatus.REVOKED
    mandate.revoked_on = on
    mandate.revoked_reason = text
    mandate.revoked_by_label = actor.label
    mandate.revoked_by_member = by_member
    session.flush()
    audit.record(
        session,
        actor,
        "mandate.revoke",
        "mandate",
        mandate.id,
        before={"status": MandateStatus.ACTIVE.value},
        after={"status": MandateStatus.REVOKED.value, "on": on, "reason": text},
        detail=mandate.reference,
    )
    _fall_back_loans(session, mandate, actor)


def expire_unused_mandates(session: Session, actor: Actor, today: dt.date) -> list[Mandate]:
    """Active mandates unused for 36 months on ``today`` expire; their loans fall back.

    Idempotent: an expired mandate is final, so a second call for the same day expires nothing.
    """
    # No mandate last used after this can have reached its 36 months (a day of slack for the
    # clipping of 29-31 to a shorter month); the exact day is expires_on's.
    latest = add_months(today, -EXPIRY_MONTHS) + dt.timedelta(days=3)
    last_used = func.coalesce(Mandate.last_collected_on, Mandate.signed_on)
    candidates = session.scalars(
        select(Mandate)
        .where(Mandate.status == MandateStatus.ACTIVE, last_used <= latest)
        .order_by(Mandate.id)
    ).all()
    expired: list[Mandate] = []
    for mandate in candidates:
        if expires_on(mandate) > today:
            continue
        MANDATE_STATUS.require(
            mandate.status,
            MandateStatus.EXPIRED,
            N_("mandate %(reference)s cannot expire"),
            reference=mandate.reference,
        )
        mandate.status = MandateStatus.EXPIRED
        mandate.expired_on = today
        audit.record(
            session,
            actor,
            "mandate.expire",
            "mandate",
            mandate.id,
            before={"status": MandateStatus.ACTIVE.value},
            after={"status": MandateStatus.EXPIRED.value, "on": today, "last_used_on": mandate.last_used_on},
            detail=mandate.reference,
        )
        _fall_back_loans(session, mandate, actor)
        expired.append(mandate)
    session.flush()
    return expired


def record_collection(session: Session, mandate: Mandate, collected_on: dt.date) -> None:
    """A collection on ``mandate`` for ``collected_on`` settled: the next one is recurring.

    For the collections (the statement shows the money came in); the 36 months restart.
    """
    MANDATE_STATUS.require_action(
        "collect",
        mandate.status,
        N_("mandate %(reference)s is %(status)s; nothing can be collected on it"),
        reference=mandate.reference,
        status=mandate.status,
    )
    if mandate.first_collected_on is None or collected_on < mandate.first_collected_on:
        mandate.first_collected_on = collected_on
    if mandate.last_collected_on is None or collected_on > mandate.last_collected_on:
        mandate.last_collected_on = collected_on
    session.flush()


# ---------------------------------------------------------------------------------------------
# A loan's collection method


def set_collection_method(
    session: Session,
    loan: Loan,
    method: CollectionMethod | str,
    *,
    actor: Actor,
    mandate: Mandate | None = None,
) -> None:
    """Collect ``loan`` by ``mandate`` (one of its borrower's active mandates) or from its
    repayment account (today's way, the default)."""
    _require_staff(actor)
    try:
        chosen = CollectionMethod(method)
    except ValueError:
        raise ValidationError(
            "collection_method", N_("must be one of %(choices)s"), choices=tuple(CollectionMethod)
        ) from None
    LOAN_STATUS.require_action(
        "service",
        loan.status,
        N_("loan %(number)s is %(status)s; its collection can no longer be changed"),
        number=loan.number,
        status=loan.status,
    )
    before = {
        "collection_method": loan.collection_method.value,
        "mandate": _reference_of(session, loan.mandate_id),
    }
    if chosen is CollectionMethod.MANDATE:
        if mandate is None:
            raise ValidationError("mandate_id", N_("choose the mandate to collect by"))
        if mandate.member_id != loan.borrower_id:
            raise ValidationError(
                "mandate_id",
                N_("mandate %(reference)s is of another member, not of the borrower of loan %(number)s"),
                reference=mandate.reference,
                number=loan.number,
            )
        MANDATE_STATUS.require_action(
            "assign_to_loan",
            mandate.status,
            N_("mandate %(reference)s is %(status)s; a loan can only be collected by an active mandate"),
            reference=mandate.reference,
            status=mandate.status,
        )
        loan.collection_method = CollectionMethod.MANDATE
        loan.mandate_id = mandate.id
    else:
        loan.collection_method = CollectionMethod.REPAYMENT_ACCOUNT
        loan.mandate_id = None
    session.flush()
    audit.record(
        session,
        actor,
        "loan.collection_method",
        "loan",
        loan.id,
        before=before,
        after={
            "collection_method": loan.collection_method.value,
            "mandate": mandate.reference if mandate is not None and loan.mandate_id else None,
        },
        detail=loan.number,
    )


def _fall_back_loans(session: Session, mandate: Mandate, actor: Actor) -> None:
    """Loans collected by ``mandate``, which just ended, are collected from their repayment
    accounts again. The link to the mandate stays so the loan page says why (nothing silent)."""
    loans = session.scalars(
        select(Loan)
        .where(Loan.mandate_id == mandate.id, Loan.collection_method == CollectionMethod.MANDATE)
        .order_by(Loan.id)
    ).all()
    for loan in loans:
        loan.collection_method = CollectionMethod.REPAYMENT_ACCOUNT
        audit.record(
            session,
            actor,
            "loan.collection_method",
            "loan",
            loan.id,
            before={"collection_method": CollectionMethod.MANDATE.value, "mandate": mandate.reference},
            after={
                "collection_method": CollectionMethod.REPAYMENT_ACCOUNT.value,
                "mandate": mandate.reference,
                "mandate_status": mandate.status.value,
            },
            detail=loan.number,
        )
    session.flush()


# ---------------------------------------------------------------------------------------------
# Helpers


def _require_staff(actor: Actor) -> None:
    if not actor.has_role(*MANDATE_ROLES):
        raise PermissionDenied(N_("only tellers, credit officers and administrators manage mandates"))


def _reference_taken(session: Session, reference: str) -> bool:
    """Whether a mandate has (or had, before an amendment) this reference."""
    in_use = session.scalar(select(Mandate.id).where(Mandate.reference == reference).limit(1))
    if in_use is not None:
        return True
    earlier = session.scalar(
        select(MandateAmendment.id)
        .where(
            or_(MandateAmendment.original_reference == reference, MandateAmendment.new_reference == reference)
        )
        .limit(1)
    )
    return earlier is not None


def _reference_of(session: Session, mandate_id: int | None) -> str | None:
    if mandate_id is None:
        return None
    return session.scalar(select(Mandate.reference).where(Mandate.id == mandate_id))


def document_of(mandate: Mandate, upload_dir: str | Path) -> bytes:
    """The stored signed form of ``mandate`` (NotFound when it has none)."""
    if not mandate.document_stored_name:
        raise NotFound(
            N_("mandate %(reference)s has no signed document on file"), reference=mandate.reference
        )
    return attachments.read_upload(mandate.document_stored_name, upload_dir)
