"""Erasure (AVG art. 17) within the retention duties: answer a request, anonymise when due.

The bank may not forget what the law makes it keep (``retention``), so a member's request before
then is answered with what is kept until when, and the contact details no law keeps are erased
at once when the relationship has ended. When every period has passed, :func:`anonymise` (run by
the retention job) replaces what identifies the person — names, address, BSN, birth date,
e-mail, telephone, IBANs, identity documents, uploaded files, statements, mail — and keeps the
ledger, the amounts and the decisions, which then name the member by number only.

The audit log is append-only (triggers refuse changes), so the details recorded in its past
events stay; what it shows of an erased member from then on is the number.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.applications.models import Attachment, LoanApplication
from bank.auth.models import User
from bank.collateral.models import CollateralItem
from bank.compliance.cdd_models import BeneficialOwner, IdentityDocument
from bank.compliance.models import ScreeningHit
from bank.errors import N_, Message, PermissionDenied, ValidationError
from bank.ledger import queries as ledger_queries
from bank.loans.models import Loan, LoanStatus
from bank.members.models import IdentityCheck, Member, MemberKind, MemberStatus
from bank.notifications.models import OutboxMessage
from bank.payment_orders.models import PaymentOrder
from bank.payments.models import Mandate
from bank.portal.models import ProfileChange
from bank.privacy import retention
from bank.privacy.models import Erasure, ErasureRequest, RequestChannel
from bank.savings.models import DepositAccount, DepositAccountStatus
from bank.shares.models import ShareHolding
from bank.statements.models import StoredStatement

#: Who may record a request for a member, see the retention overview and erase by hand.
PRIVACY_ROLES = ("compliance", "admin")
#: Tellers record a request made at the counter too.
REQUEST_ROLES = ("compliance", "admin", "teller")


@dataclass(frozen=True)
class Files:
    """Where the uploaded files and the stored statements are (the edge passes its configuration)."""

    upload_dir: Path | None = None
    statement_dir: Path | None = None


def had_relationship(session: Session, member: Member) -> bool:
    """Whether the person ever became a customer: a share paid, an account, an identity checked."""
    if member.joined_on is not None:
        return True
    checked = session.scalar(select(exists().where(IdentityCheck.member_id == member.id)))
    has_account = session.scalar(select(exists().where(DepositAccount.member_id == member.id)))
    return bool(checked or has_account)


def still_open(session: Session, member: Member) -> list[Message]:
    """Why the member's data cannot be anonymised yet, whatever the dates (empty: nothing open)."""
    reasons: list[Message] = []
    if member.status is not MemberStatus.LEFT:
        reasons.append(Message(N_("the member has not left the bank")))
    open_accounts = session.scalars(
        select(DepositAccount.number).where(
            DepositAccount.member_id == member.id, DepositAccount.status != DepositAccountStatus.CLOSED
        )
    ).all()
    if open_accounts:
        reasons.append(Message(N_("%(count)s deposit account(s) still open"), count=len(open_accounts)))
    active_loans = session.scalars(
        select(Loan.number).where(Loan.borrower_id == member.id, Loan.status == LoanStatus.ACTIVE)
    ).all()
    if active_loans:
        reasons.append(Message(N_("loan %(numbers)s still running"), numbers=tuple(active_loans)))
    holdings = list(
        session.scalars(select(ShareHolding.ledger_account_id).where(ShareHolding.member_id == member.id))
    )
    if holdings and any(amount != 0 for amount in ledger_queries.balances(session, holdings).values()):
        reasons.append(Message(N_("member shares not yet redeemed")))
    return reasons


def retention_for(session: Session, member: Member) -> list[retention.Kept]:
    """What is kept about the member until when (periods from an end not yet known while a member)."""
    if member.status is not MemberStatus.LEFT or member.left_on is None:
        return retention.retention_while_member()
    return retention.retention_of(member.left_on, had_relationship=had_relationship(session, member))


def erasable_on(session: Session, member: Member) -> dt.date | None:
    """The first day the retention job may anonymise the member (None while a member)."""
    if member.status is not MemberStatus.LEFT or member.left_on is None:
        return None
    return retention.erasable_on(member.left_on, had_relationship=had_relationship(session, member))


def request_erasure(
    session: Session,
    member: Member,
    *,
    actor: Actor,
    channel: RequestChannel,
    on: dt.date | None = None,
    files: Files | None = None,
) -> ErasureRequest:
    """Record a request to be forgotten and answer it.

    Before the periods have passed the answer lists what is kept until when; a former member's
    contact details (e-mail, telephone, portal log-in) are erased at once, and a registration that
    never became a relationship is anonymised whole. A member whose periods have all passed is
    anonymised now rather than at the next retention run.
    """
    _require_may_request(actor, member)
    on = on or clock.today()
    if member.anonymised_on is not None:
        raise ValidationError(
            "member", N_("has already been anonymised on %(date)s"), date=member.anonymised_on
        )
    kept = retention_for(session, member)
    due_on = erasable_on(session, member)
    erased_now: list[str] = []
    if member.status is MemberStatus.LEFT:
        if due_on is not None and due_on <= on and not still_open(session, member):
            anonymise(session, member, actor=actor, on=on, files=files)
            erased_now = ["everything"]
        else:
            erased_now = _erase_contact(session, member)
    request = ErasureRequest(
        member_id=member.id,
        received_on=on,
        channel=channel,
        recorded_by_id=actor.user_id,
        recorded_by_label=actor.label,
        answer=[
            {
                "category": item.category.value,
                "law": item.law.value,
                "kept_until": item.kept_until.isoformat() if item.kept_until else None,
            }
            for item in kept
        ],
        erasable_on=due_on,
        erased_now=erased_now,
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        actor,
        "privacy.erasure_request",
        "member",
        member.id,
        after={
            "erasable_on": due_on,
            "contact_erased": bool(erased_now) and "everything" not in erased_now,
            "everything_erased": "everything" in erased_now,
        },
    )
    return request


def _require_may_request(actor: Actor, member: Member) -> None:
    if actor.member_id is not None:
        if actor.member_id != member.id:
            raise PermissionDenied(N_("a member may ask to erase only their own data"))
        return
    if not actor.has_role(*REQUEST_ROLES):
        raise PermissionDenied(
            N_("only compliance officers, tellers and administrators record erasure requests")
        )


def _erase_contact(session: Session, member: Member) -> list[str]:
    """A former member's e-mail, telephone and portal log-in: kept for no law, erased on request."""
    erased: list[str] = []
    if member.email:
        member.email = None
        erased.append("email")
    if member.phone:
        member.phone = None
        erased.append("phone")
    users = list(session.scalars(select(User).where(User.member_id == member.id)))
    for user in users:
        _close_login(user)
    if users:
        erased.append("portal_login")
    session.flush()
    return erased


def _close_login(user: User) -> None:
    user.email = f"erased-{user.id}@invalid.example"
    user.name = ""
    user.password_hash = ""
    user.is_active = False
    user.totp_secret = None
    user.totp_setup_secret = None


def due_for_erasure(session: Session, on: dt.date) -> list[Member]:
    """Former members not yet anonymised whose every retention period has passed on ``on``."""
    former = session.scalars(
        select(Member)
        .where(Member.status == MemberStatus.LEFT, Member.anonymised_on.is_(None))
        .order_by(Member.number)
    )
    return [member for member in former if (due := erasable_on(session, member)) is not None and due <= on]


def anonymise(
    session: Session,
    member: Member,
    *,
    actor: Actor,
    on: dt.date,
    run_id: int | None = None,
    files: Files | None = None,
) -> Erasure:
    """Replace everything that identifies the member; keep the ledger, amounts and decisions.

    Refused while anything is open or before the retention periods have passed. Returns the
    record of the erasure (counts per kind of record, no personal data).
    """
    if not actor.is_system and actor.member_id is None and not actor.has_role(*PRIVACY_ROLES):
        raise PermissionDenied(N_("only compliance officers and administrators erase a member's data"))
    if member.anonymised_on is not None:
        raise ValidationError(
            "member", N_("has already been anonymised on %(date)s"), date=member.anonymised_on
        )
    reasons = still_open(session, member)
    if reasons:
        raise ValidationError("member", reasons[0])
    due_on = erasable_on(session, member)
    if due_on is None or due_on > on:
        raise ValidationError(
            "member",
            N_("must be kept until %(date)s (retention periods)"),
            date=(due_on or on) - dt.timedelta(days=1),
        )
    files = files or Files()
    counts: dict[str, int] = {"member": 1}
    _anonymise_member(member)
    users = list(session.scalars(select(User).where(User.member_id == member.id)))
    for user in users:
        _close_login(user)
    counts["portal_logins"] = len(users)
    counts["identity_checks"] = _rowcount(
        session.execute(
            update(IdentityCheck)
            .where(IdentityCheck.member_id == member.id)
            .values(document_number_last4="", note="")
        )
    )
    counts["identity_documents"] = _rowcount(
        session.execute(
            update(IdentityDocument).where(IdentityDocument.member_id == member.id).values(number="")
        )
    )
    owners = list(
        session.scalars(
            select(BeneficialOwner).where(
                (BeneficialOwner.organisation_id == member.id) | (BeneficialOwner.member_id == member.id)
            )
        )
    )
    for owner in owners:
        # The year stays (the column is required): alone it names nobody.
        owner.name = _label(member)
        owner.date_of_birth = dt.date(owner.date_of_birth.year, 1, 1)
        owner.document_number_last4 = ""
    counts["beneficial_owners"] = len(owners)
    counts["screening_hits"] = _rowcount(
        session.execute(
            update(ScreeningHit)
            .where(ScreeningHit.member_id == member.id)
            .values(subject_name=_label(member), subject_birth_date=None)
        )
    )
    counts["mandates"] = _rowcount(
        session.execute(
            update(Mandate).where(Mandate.member_id == member.id).values(debtor_name=_label(member), iban="")
        )
    )
    mandate_documents = list(
        session.scalars(
            select(Mandate).where(Mandate.member_id == member.id, Mandate.document_stored_name.is_not(None))
        )
    )
    for mandate in mandate_documents:
        _remove_file(files.upload_dir, mandate.document_stored_name)
        mandate.document_stored_name = None
        mandate.document_name = None
    counts["mandate_documents"] = len(mandate_documents)
    counts["payment_orders"] = _rowcount(
        session.execute(
            update(PaymentOrder)
            .where(PaymentOrder.member_id == member.id)
            .values(creditor_name=_label(member), creditor_iban="")
        )
    )
    counts["profile_changes"] = _rowcount(
        session.execute(
            update(ProfileChange)
            .where(ProfileChange.member_id == member.id)
            .values(old_value=None, new_value="")
        )
    )
    counts["mails"] = _rowcount(
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.member_id == member.id)
            .values(to_address=None, subject="", body="")
        )
    )
    application_ids = list(
        session.scalars(select(LoanApplication.id).where(LoanApplication.applicant_id == member.id))
    )
    attachments = list(
        session.scalars(select(Attachment).where(Attachment.application_id.in_(application_ids)))
    )
    for attachment in attachments:
        _remove_file(files.upload_dir, attachment.stored_name)
        attachment.original_name = ""
    counts["attachments"] = len(attachments)
    counts["loans"] = _rowcount(
        session.execute(
            update(Loan)
            .where(Loan.borrower_id == member.id, Loan.paid_to_iban.is_not(None))
            .values(paid_to_iban=None, paid_to_name=None)
        )
    )
    deeds = list(
        session.scalars(
            select(CollateralItem).where(
                CollateralItem.loan_id.in_(select(Loan.id).where(Loan.borrower_id == member.id)),
                CollateralItem.deed_stored_name.is_not(None),
            )
        )
    )
    for item in deeds:
        _remove_file(files.upload_dir, item.deed_stored_name)
        item.deed_stored_name = None
        item.deed_original_name = None
        item.deed_content_type = None
    counts["deeds"] = len(deeds)
    statements = list(session.scalars(select(StoredStatement).where(StoredStatement.member_id == member.id)))
    for statement in statements:
        _remove_file(files.statement_dir, statement.relative_path)
    counts["statements"] = len(statements)
    member.anonymised_on = on
    erasure = Erasure(
        member_id=member.id,
        erased_on=on,
        run_id=run_id,
        actor_label=actor.label,
        member_number=member.number,
        counts=counts,
    )
    session.add(erasure)
    session.flush()
    audit.record(
        session,
        actor,
        "privacy.anonymise",
        "member",
        member.id,
        after={
            "anonymised_on": on,
            "records_anonymised": erasure.records_count,
            "files_deleted": erasure.files_count,
        },
    )
    return erasure


def _label(member: Member) -> str:
    """What an anonymised member is called in stored text: the number only, in no language."""
    return f"#{member.number}"


def _anonymise_member(member: Member) -> None:
    label = _label(member)
    member.display_name = label
    if member.kind is MemberKind.PERSON:
        member.first_name = None
        member.name_prefix = None
        member.last_name = label
    member.date_of_birth = None
    member.bsn = None
    member.email = None
    member.phone = None
    member.street = ""
    member.house_number = ""
    # The four digits stay: the neighbourhood counts in the impact reports and names nobody.
    member.postcode = member.postcode_area
    member.city = ""
    member.external_iban = None
    member.notes = ""


def _remove_file(folder: Path | None, relative: str | None) -> None:
    """Delete a stored file; a folder not configured or a file already gone is not an error."""
    if folder is None or not relative:
        return
    path = (folder / relative).resolve()
    if folder.resolve() not in path.parents:
        return
    path.unlink(missing_ok=True)


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
