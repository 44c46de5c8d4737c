"""Collection batches: the instalments due on a date, collected by SEPA direct debit (issue 14).

``prepare_collections`` takes the open instalments falling due on a collection date of active
loans collected by mandate (``bank.loans.queries.instalments_due_by_mandate``), one pain.008 file
per scheme (Core and B2B are never mixed), each item for what is still owed on its instalment,
FRST on a mandate never collected and RCUR after; it builds the file (XSD-checked by
``build_pain008``), stores it with its checksum, and queues a pre-notification to every borrower
in their language. The date must leave the borrowers ``PRE_NOTIFICATION_DAYS`` of notice.
Preparing a date again prepares only instalments not yet in a batch, so a second call prepares
nothing more and says so.

``mark_exported`` hands out a stored file's bytes after checking them against their checksum
and the schema again; the first download moves the batch from prepared to exported.

``settle_collection_batch`` books what the statement shows arrived: per item Dr 1000 / Cr the
borrower's repayment account (key ``collection-settle:{end_to_end_id}``), after which the
repayment run collects the instalment from that account as it always has. Preparing and
exporting move no money.

A return (an R-transaction) is booked by ``bank.payments.returns.record_return``: by the time it
arrives the repayment run has usually applied the settled money, so the payment is un-applied
from the instalment first (``bank.loans.servicing.unapply_payment``). A returned instalment is
open again and ``prepare_collections`` collects it again in a later batch (recurring, end-to-end
id ``…-R1``), unless the return ended the loan's mandate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from babel.dates import format_date
from babel.numbers import format_currency
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bank import audit, clock
from bank.actor import Actor
from bank.errors import N_, BankError, PermissionDenied, ValidationError
from bank.ledger import chart
from bank.ledger.models import JournalEntry
from bank.ledger.service import EntryRequest, account_by_code, credit, debit, post
from bank.loans import queries as loan_queries
from bank.loans.models import CollectionMethod, Instalment, InstalmentStatus, Loan, LoanStatus
from bank.members.models import Member
from bank.notifications import service as notifications
from bank.payments import mandates as mandate_rules
from bank.payments import sepa_files, sepa_schemas
from bank.payments.batch_models import (
    BATCH_STATE,
    ITEM_STATE,
    BatchKind,
    BatchState,
    ItemState,
    PaymentBatch,
    PaymentBatchItem,
)
from bank.payments.models import MANDATE_STATUS, Mandate, MandateAmendment, MandateScheme, MandateSequence

#: Borrowers are told of a direct debit at least this many days before its collection date
#: (the SEPA rulebook's default; a loan product has no shorter period of its own yet).
PRE_NOTIFICATION_DAYS = 14
#: The message version of the files, unless the clearing bank asks for ``pain.008.001.08``.
PAIN_VERSION = "pain.008.001.02"
#: The versions a batch may be prepared in (offered by the staff form and the command); the
#: batch records its own (``PaymentBatch.pain_version``), so a download is checked against the
#: schema it was built for.
PAIN_VERSIONS = sepa_schemas.PAIN_008_VERSIONS
#: Who may prepare a batch and download (export) its file.
PREPARE_ROLES = ("admin", "credit_officer")
EXPORT_ROLES = ("admin", "credit_officer")
#: The name the bank collects under, when the settings name none.
BANK_NAME = "Wijkbank"

_SCHEMES = {MandateScheme.CORE: sepa_files.Scheme.CORE, MandateScheme.B2B: sepa_files.Scheme.B2B}
_SEQUENCES = {
    MandateSequence.FIRST: sepa_files.SequenceType.FIRST,
    MandateSequence.RECURRING: sepa_files.SequenceType.RECURRING,
}


class CollectionDateTooSoon(ValidationError):
    """The collection date leaves the borrowers less notice than the pre-notification period."""

    code = "collection_date_too_soon"


class StoredFileTampered(BankError):
    """A stored SEPA file no longer matches its checksum or its schema: it is not handed out."""

    code = "stored_file_tampered"
    http_status = 409


@dataclass(frozen=True)
class Preparation:
    """What one call of :func:`prepare_collections` did for its date."""

    collection_on: dt.date
    #: The batches prepared by this call (none when everything due was already in a batch).
    prepared: tuple[PaymentBatch, ...]
    #: The batches of the same date prepared before.
    earlier: tuple[PaymentBatch, ...]
    #: Pre-notifications queued.
    notified: int

    @property
    def nothing_new(self) -> bool:
        return not self.prepared


def creditor_from_settings(settings: Mapping[str, object]) -> sepa_files.Creditor:
    """The bank as creditor: its settlement account (the first of ``SETTLEMENT_IBANS``), the BIC
    of that IBAN and its incassant-ID (``SEPA_CREDITOR_ID``)."""
    ibans = settings.get("SETTLEMENT_IBANS") or ()
    if not isinstance(ibans, tuple | list) or not ibans:
        raise ValidationError(
            "creditor", N_("no settlement account is set (BANK_SETTLEMENT_IBANS); nothing can be collected")
        )
    iban_text = str(ibans[0])
    try:
        iban = IBAN(iban_text)
        bic = str(iban.bic) if iban.bic is not None else ""
    except SchwiftyException:
        raise ValidationError(
            "creditor", N_("the settlement account %(iban)s is not a valid IBAN"), iban=iban_text
        ) from None
    name = str(settings.get("BANK_NAME") or BANK_NAME)
    return sepa_files.Creditor(
        name=name, iban=iban.compact, bic=bic, creditor_id=str(settings.get("SEPA_CREDITOR_ID") or "")
    )


def earliest_collection_on(today: dt.date) -> dt.date:
    return today + dt.timedelta(days=PRE_NOTIFICATION_DAYS)


def prepare_collections(
    session: Session,
    actor: Actor,
    collection_on: dt.date,
    *,
    creditor: sepa_files.Creditor,
    today: dt.date | None = None,
    version: str = PAIN_VERSION,
) -> Preparation:
    """Prepare the collection batches for ``collection_on``: one stored pain.008 per scheme, in
    the message ``version`` the clearing bank asks for (one of :data:`PAIN_VERSIONS`)."""
    if not actor.has_role(*PREPARE_ROLES):
        raise PermissionDenied(N_("only a credit officer or an administrator may prepare collections"))
    if version not in PAIN_VERSIONS:
        # Checked before anything else: with nothing due no file is built, and a wrong version
        # would pass unnoticed until the next date that has collections.
        raise ValidationError("version", sepa_files.UNKNOWN_VERSION, allowed=", ".join(PAIN_VERSIONS))
    today = today or clock.today()
    earliest = earliest_collection_on(today)
    if collection_on < earliest:
        raise CollectionDateTooSoon(
            "collection_on",
            N_(
                "must be at least %(days)s days ahead, on or after %(earliest)s: the borrowers are told "
                "of a direct debit %(days)s days before it is collected"
            ),
            days=PRE_NOTIFICATION_DAYS,
            earliest=earliest,
        )
    earlier = tuple(
        session.scalars(
            select(PaymentBatch)
            .where(PaymentBatch.kind == BatchKind.COLLECTION, PaymentBatch.collection_on == collection_on)
            .order_by(PaymentBatch.id)
        )
    )
    in_batches = set(
        session.scalars(
            select(PaymentBatchItem.instalment_id).where(PaymentBatchItem.due_on == collection_on)
        )
    )
    due = [
        i for i in loan_queries.instalments_due_by_mandate(session, collection_on) if i.id not in in_batches
    ]
    attempts = _returned_to_collect_again(session, collection_on)
    due.extend(
        sorted(
            (i for i in session.scalars(select(Instalment).where(Instalment.id.in_(attempts)))),
            key=lambda i: (i.loan_id, i.number),
        )
    )
    mandates = _active_mandates(session, {i.loan.mandate_id for i in due if i.loan.mandate_id is not None})
    by_scheme: dict[MandateScheme, list[tuple[Instalment, Mandate]]] = {}
    for instalment in due:
        mandate = mandates.get(instalment.loan.mandate_id or 0)
        if mandate is None or mandate.member_id != instalment.loan.borrower_id:
            continue
        by_scheme.setdefault(mandate.scheme, []).append((instalment, mandate))
    collected_before = _mandates_collected_before(session, set(mandates))
    prepared: list[PaymentBatch] = []
    notified = 0
    for scheme in (MandateScheme.CORE, MandateScheme.B2B):
        rows = by_scheme.get(scheme)
        if not rows:
            continue
        batch = _prepare_batch(
            session,
            actor,
            collection_on,
            scheme,
            rows,
            collected_before,
            creditor=creditor,
            version=version,
            attempts=attempts,
        )
        prepared.append(batch)
        for item in batch.items:
            _pre_notify(session, item, creditor)
            notified += 1
    return Preparation(collection_on, tuple(prepared), earlier, notified)


def _active_mandates(session: Session, ids: set[int]) -> dict[int, Mandate]:
    if not ids:
        return {}
    mandates = session.scalars(
        select(Mandate).where(Mandate.id.in_(ids)).options(selectinload(Mandate.amendments))
    )
    return {m.id: m for m in mandates if MANDATE_STATUS.allows_action("collect", m.status)}


def _mandates_collected_before(session: Session, mandate_ids: set[int]) -> set[int]:
    """Mandates with a collection in a batch already, not returned: their next one is recurring."""
    if not mandate_ids:
        return set()
    return set(
        session.scalars(
            select(PaymentBatchItem.mandate_id)
            .where(PaymentBatchItem.mandate_id.in_(mandate_ids), PaymentBatchItem.state != ItemState.RETURNED)
            .distinct()
        )
    )


def sequence_of(mandate: Mandate, collected_before: set[int]) -> MandateSequence:
    """FRST on a mandate never collected, RCUR once a collection on it was settled or sent."""
    if mandate.first_collected_on is not None or mandate.id in collected_before:
        return MandateSequence.RECURRING
    return MandateSequence.FIRST


def _amendment(mandate: Mandate) -> sepa_files.Amendment | None:
    """What changed on ``mandate`` since its last collection, from the amendments not yet carried."""
    pending = [a for a in mandate.amendments if a.carried_on is None]
    if not pending:
        return None
    first_reference = next((a.original_reference for a in pending if a.original_reference), None)
    first_account = next((a for a in pending if a.original_iban), None)
    original_iban = None
    bank_changed = False
    if first_account is not None:
        if (first_account.original_bic or "")[:6] != mandate.bic[:6]:
            bank_changed = True
        else:
            original_iban = first_account.original_iban
    if first_reference is None and original_iban is None and not bank_changed:
        return None
    return sepa_files.Amendment(
        original_mandate_reference=first_reference,
        original_debtor_iban=original_iban,
        debtor_bank_changed=bank_changed,
    )


def _next_batch_id(session: Session, collection_on: dt.date, scheme: MandateScheme) -> str:
    count = session.scalar(
        select(func.count())
        .select_from(PaymentBatch)
        .where(PaymentBatch.collection_on == collection_on, PaymentBatch.scheme == scheme)
    )
    return f"WBC-{collection_on:%Y%m%d}-{scheme.value.upper()}-{(count or 0) + 1}"


def end_to_end_id(instalment: Instalment, attempt: int = 0) -> str:
    """Unique for every direct debit: the loan's number and the instalment's id, and for a
    collection again after a return the number of earlier attempts (``-R1``, ``-R2``, …)."""
    base = f"{instalment.loan.number}-T{instalment.id}"
    return f"{base}-R{attempt}" if attempt else base


def _returned_to_collect_again(session: Session, collection_on: dt.date) -> dict[int, int]:
    """Instalments whose direct debit came back and that are still open, due before
    ``collection_on``, on active loans collected by mandate, and in no batch since: instalment
    id -> how many direct debits it had. A return leaves the instalment unpaid
    (``bank.payments.returns``); the next batch collects it again, on the loan's mandate, as a
    recurring debit, for what is owed by then (late fee and return fee included). A loan whose
    mandate ended after the return (AC04, MD01, …) is on its repayment account and not taken.
    """
    live = select(PaymentBatchItem.instalment_id).where(PaymentBatchItem.state != ItemState.RETURNED)
    rows = session.execute(
        select(PaymentBatchItem.instalment_id, func.count())
        .join(Instalment, Instalment.id == PaymentBatchItem.instalment_id)
        .join(Loan, Loan.id == Instalment.loan_id)
        .where(
            PaymentBatchItem.state == ItemState.RETURNED,
            Instalment.status == InstalmentStatus.OPEN,
            Instalment.due_on < collection_on,
            Instalment.schedule_version == Loan.schedule_version,
            Loan.status == LoanStatus.ACTIVE,
            Loan.collection_method == CollectionMethod.MANDATE,
            PaymentBatchItem.instalment_id.not_in(live),
        )
        .group_by(PaymentBatchItem.instalment_id)
    ).all()
    return {instalment_id: count for instalment_id, count in rows}


def _prepare_batch(
    session: Session,
    actor: Actor,
    collection_on: dt.date,
    scheme: MandateScheme,
    rows: list[tuple[Instalment, Mandate]],
    collected_before: set[int],
    *,
    creditor: sepa_files.Creditor,
    version: str,
    attempts: Mapping[int, int],
) -> PaymentBatch:
    batch_id = _next_batch_id(session, collection_on, scheme)
    created_at = clock.now_utc()
    collections = []
    amendments: list[MandateAmendment] = []
    for instalment, mandate in rows:
        amendment = _amendment(mandate)
        if amendment is not None:
            amendments.extend(a for a in mandate.amendments if a.carried_on is None)
        collections.append(
            sepa_files.Collection(
                end_to_end_id=end_to_end_id(instalment, attempts.get(instalment.id, 0)),
                amount=instalment.outstanding,
                mandate_reference=mandate.reference,
                mandate_signed_on=mandate.signed_on,
                sequence=_SEQUENCES[sequence_of(mandate, collected_before)],
                collection_date=collection_on,
                debtor_name=mandate.debtor_name,
                debtor_iban=mandate.iban,
                debtor_bic=mandate.bic or None,
                remittance=f"Lening {instalment.loan.number} termijn {instalment.number}",
                amendment=amendment,
            )
        )
    built = sepa_files.build_pain008(
        creditor,
        collections,
        batch_id=batch_id,
        created_at=created_at,
        scheme=_SCHEMES[scheme],
        version=version,
    )
    batch = PaymentBatch(
        kind=BatchKind.COLLECTION,
        scheme=scheme,
        pain_version=built.version,
        collection_on=collection_on,
        state=BatchState.PREPARED,
        batch_id=batch_id,
        message_id=built.message_id,
        xml_bytes=built.xml_bytes,
        sha256=built.sha256,
        number_of_transactions=built.number_of_transactions,
        control_sum=built.control_sum,
        created_at=created_at,
        created_by_id=actor.user_id,
        created_by_label=actor.label,
        exported_by_label="",
    )
    session.add(batch)
    for (instalment, mandate), collection in zip(rows, collections, strict=True):
        batch.items.append(
            PaymentBatchItem(
                loan_id=instalment.loan_id,
                instalment_id=instalment.id,
                due_on=instalment.due_on,
                mandate_id=mandate.id,
                mandate_reference=mandate.reference,
                amount=collection.amount,
                end_to_end_id=collection.end_to_end_id,
                sequence=MandateSequence(collection.sequence.value),
                state=ItemState.PENDING,
            )
        )
    for amendment_row in amendments:
        amendment_row.carried_on = collection_on
    session.flush()
    assert sum((item.amount for item in batch.items), Decimal("0.00")) == batch.control_sum
    audit.record(
        session,
        actor,
        "collections.prepare",
        "payment_batch",
        batch.id,
        after={
            "batch_id": batch.batch_id,
            "scheme": scheme.value,
            "collection_on": collection_on,
            "transactions": batch.number_of_transactions,
            "control_sum": batch.control_sum,
            "sha256": batch.sha256,
        },
        detail=batch.batch_id,
    )
    return batch


# ---------------------------------------------------------------------------------------------
# The pre-notification


PRE_NOTIFICATION_SUBJECT = N_("Announcement: direct debit for loan %(loan)s on %(date)s")
PRE_NOTIFICATION_BODY = N_(
    "Dear %(name)s,\n\n"
    "On %(date)s we will collect %(amount)s by direct debit from account %(iban)s for instalment "
    "%(number)s of loan %(loan)s.\n\n"
    "Mandate reference: %(mandate)s\n"
    "Creditor identifier: %(creditor_id)s\n\n"
    "Please make sure the amount is in your account on that day. Questions? Reply to this message.\n\n"
    "Kind regards,\nWijkbank\n"
)


def pre_notification(
    language: str,
    *,
    name: str,
    amount: Decimal,
    on: dt.date,
    iban: str,
    number: int,
    loan: str,
    mandate: str,
    creditor_id: str,
) -> tuple[str, str]:
    """(subject, body) of the pre-notification in ``language`` (Dutch unless English)."""
    lang = "en" if language == "en" else "nl"
    translations = notifications.translations(lang)
    values = {
        "name": name,
        "amount": format_currency(amount, "EUR", locale=lang),
        "date": format_date(on, format="long", locale=lang),
        "iban": iban,
        "number": number,
        "loan": loan,
        "mandate": mandate,
        "creditor_id": creditor_id,
    }
    subject = translations.gettext(PRE_NOTIFICATION_SUBJECT) % values
    body = translations.gettext(PRE_NOTIFICATION_BODY) % values
    return subject, body


def _pre_notify(session: Session, item: PaymentBatchItem, creditor: sepa_files.Creditor) -> None:
    borrower: Member = item.loan.borrower
    subject, body = pre_notification(
        borrower.language or "nl",
        name=borrower.full_name,
        amount=item.amount,
        on=item.batch.collection_on,
        iban=item.mandate.iban,
        number=item.instalment.number,
        loan=item.loan.number,
        mandate=item.mandate_reference,
        creditor_id=creditor.creditor_id,
    )
    notifications.enqueue(
        session,
        member=borrower,
        subject=subject,
        body=body,
        object_type="payment_batch_item",
        object_id=item.id,
    )


# ---------------------------------------------------------------------------------------------
# Handing the file out


class StoredFile(Protocol):
    """A stored SEPA file of either kind (collection or payout batch)."""

    batch_id: str
    xml_bytes: bytes
    sha256: str
    pain_version: str


def verified_xml(batch: StoredFile) -> bytes:
    """The stored bytes, after checking them against their checksum and their schema."""
    digest = hashlib.sha256(batch.xml_bytes).hexdigest()
    if digest != batch.sha256:
        raise StoredFileTampered(
            N_("the stored file of batch %(batch)s no longer matches its checksum; it is not handed out"),
            batch=batch.batch_id,
        )
    try:
        sepa_schemas.check_bytes(batch.xml_bytes, batch.pain_version)
    except sepa_schemas.SepaFileInvalid as error:
        raise StoredFileTampered(
            N_("the stored file of batch %(batch)s fails its schema: %(reason)s"),
            batch=batch.batch_id,
            reason=str(error.message),
        ) from None
    return batch.xml_bytes


def mark_exported(session: Session, batch: PaymentBatch, *, actor: Actor) -> bytes:
    """The file's checked bytes for staff to send; the first download marks the batch exported."""
    if not actor.has_role(*EXPORT_ROLES):
        raise PermissionDenied(N_("only a credit officer or an administrator may download a collection file"))
    BATCH_STATE.require_action(
        "download", batch.state, N_("batch %(batch)s is %(state)s"), batch=batch.batch_id, state=batch.state
    )
    xml = verified_xml(batch)
    if batch.state is BatchState.PREPARED:
        BATCH_STATE.require(
            batch.state,
            BatchState.EXPORTED,
            N_("batch %(batch)s is %(state)s"),
            batch=batch.batch_id,
            state=batch.state,
        )
        batch.state = BatchState.EXPORTED
        batch.exported_at = clock.now_utc()
        batch.exported_by_id = actor.user_id
        batch.exported_by_label = actor.label
        session.flush()
        audit.record(
            session,
            actor,
            "collections.export",
            "payment_batch",
            batch.id,
            before={"status": BatchState.PREPARED.value},
            after={"status": BatchState.EXPORTED.value, "sha256": batch.sha256},
            detail=batch.batch_id,
        )
    return xml


# ---------------------------------------------------------------------------------------------
# Settlement

#: The journal entry kind of a settled direct debit (Dr 1000 / Cr the repayment account).
SETTLEMENT_KIND = "direct_debit"


def settlement_request(item: PaymentBatchItem, settlement_account_id: int, on: dt.date) -> EntryRequest:
    """The one entry that settles ``item``: Dr 1000 / Cr the borrower's repayment account.

    The batch path (:func:`settle_collection_item`) and the statement import post exactly this
    request under the same key, so whichever sees the money first books it and the other finds
    the item settled and books nothing."""
    return EntryRequest(
        f"collection-settle:{item.end_to_end_id}",
        SETTLEMENT_KIND,
        [
            debit(settlement_account_id, item.amount),
            credit(item.loan.repayment_account.ledger_account_id, item.amount),
        ],
        on,
        item.end_to_end_id,
    )


def may_settle(item: PaymentBatchItem) -> bool:
    """An item can be settled while it is pending in an exported batch."""
    return ITEM_STATE.allows(item.state, ItemState.SETTLED) and BATCH_STATE.allows_action(
        "settle", item.batch.state
    )


def mark_item_settled(session: Session, item: PaymentBatchItem, *, actor: Actor, on: dt.date) -> None:
    """Record that ``item``'s money arrived (its entry is posted by the caller): the item is settled,
    its mandate has been collected on, and the batch is settled once every item of it is."""
    ITEM_STATE.require(
        item.state,
        ItemState.SETTLED,
        N_("collection %(end_to_end_id)s is %(state)s"),
        end_to_end_id=item.end_to_end_id,
        state=item.state,
    )
    item.state = ItemState.SETTLED
    if MANDATE_STATUS.allows_action("collect", item.mandate.status):
        mandate_rules.record_collection(session, item.mandate, item.batch.collection_on)
    batch = item.batch
    if all(other.state is ItemState.SETTLED for other in batch.items):
        BATCH_STATE.require(
            batch.state,
            BatchState.SETTLED,
            N_("batch %(batch)s is %(state)s"),
            batch=batch.batch_id,
            state=batch.state,
        )
        batch.state = BatchState.SETTLED
        session.flush()
        audit.record(
            session,
            actor,
            "collections.settle",
            "payment_batch",
            batch.id,
            before={"status": BatchState.EXPORTED.value},
            after={"status": BatchState.SETTLED.value, "on": on, "amount": batch.control_sum},
            detail=batch.batch_id,
        )


def settle_collection_item(
    session: Session, item: PaymentBatchItem, *, actor: Actor, on: dt.date
) -> JournalEntry:
    """Settle one direct debit of an exported batch: post its entry, then :func:`mark_item_settled`."""
    BATCH_STATE.require_action(
        "settle",
        item.batch.state,
        N_("batch %(batch)s is %(state)s; only an exported batch can be settled"),
        batch=item.batch.batch_id,
        state=item.batch.state,
    )
    ITEM_STATE.require(
        item.state,
        ItemState.SETTLED,
        N_("collection %(end_to_end_id)s is %(state)s"),
        end_to_end_id=item.end_to_end_id,
        state=item.state,
    )
    settlement = account_by_code(session, chart.SETTLEMENT).id
    request = settlement_request(item, settlement, on)
    entry = post(session, request.key, request.kind, request.lines, request.value_date, actor, request.memo)
    mark_item_settled(session, item, actor=actor, on=on)
    return entry


def settle_collection_batch(
    session: Session, batch: PaymentBatch, *, actor: Actor, on: dt.date
) -> list[JournalEntry]:
    """The statement of ``on`` shows the batch's money arrived: Dr 1000 / Cr each borrower's
    repayment account, one entry per item under its own key, so settling twice books nothing more.

    The mandates collected on are recorded (the next collection on them is recurring). Items a
    statement settled already are left as they are.
    """
    if not actor.has_role(*EXPORT_ROLES):
        raise PermissionDenied(N_("only a credit officer or an administrator may settle a collection batch"))
    BATCH_STATE.require_action(
        "settle",
        batch.state,
        N_("batch %(batch)s is %(state)s; only an exported batch can be settled"),
        batch=batch.batch_id,
        state=batch.state,
    )
    if on < batch.collection_on:
        raise ValidationError(
            "on",
            N_("cannot be before the collection date %(collection_on)s"),
            collection_on=batch.collection_on,
        )
    return [
        settle_collection_item(session, item, actor=actor, on=on)
        for item in list(batch.items)
        if item.state is ItemState.PENDING
    ]
