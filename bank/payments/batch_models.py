"""Stored SEPA files: a collection batch (pain.008) and its items, one per instalment (issue 14).

A batch is the file the bank sends its clearing bank for one collection date and one scheme
(EPC: Core and B2B are never mixed in a file). Its XML is built once, XSD-checked, and stored
with the SHA-256 of its bytes; it is never rebuilt or changed, and every download checks the
bytes against the stored checksum and the schema again before they leave the bank.

An item is one direct debit: the instalment of a loan due on the collection date, collected on
the loan's mandate with its own end-to-end id (unique across every batch, so a statement's
entry finds it). The state of a batch moves prepared → exported (downloaded or sent) → settled
(seen on the statement) or partly returned; an item is pending, settled or returned with the
ISO reason code the debtor's bank gave.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, MoneyType, StrEnum, UtcDateTime
from bank.loans.models import Instalment, Loan
from bank.payments.models import Mandate, MandateScheme, MandateSequence
from bank.transitions import Transitions


class BatchKind(enum.StrEnum):
    #: A pain.008 direct debit file.
    COLLECTION = "collection"


class BatchState(enum.StrEnum):
    PREPARED = "prepared"
    #: Downloaded by staff (or sent) to the clearing bank.
    EXPORTED = "exported"
    #: Every item seen on the statement.
    SETTLED = "settled"
    #: Seen on the statement, and one or more items came back (R-transactions).
    PARTLY_RETURNED = "partly_returned"


#: A batch is prepared, exported once (downloading it again keeps it exported), then settled;
#: a return on a settled batch makes it partly returned. Its file may be downloaded in any state.
BATCH_STATE = Transitions(
    BatchState,
    {
        BatchState.PREPARED: {BatchState.EXPORTED},
        BatchState.EXPORTED: {BatchState.SETTLED, BatchState.PARTLY_RETURNED},
        BatchState.SETTLED: {BatchState.PARTLY_RETURNED},
        BatchState.PARTLY_RETURNED: set(),
    },
    actions={
        "download": set(BatchState),
        # A return may come before the statement settled every item of the batch.
        "settle": {BatchState.EXPORTED, BatchState.PARTLY_RETURNED},
    },
)


class ItemState(enum.StrEnum):
    PENDING = "pending"
    SETTLED = "settled"
    RETURNED = "returned"


ITEM_STATE = Transitions(
    ItemState,
    {
        ItemState.PENDING: {ItemState.SETTLED, ItemState.RETURNED},
        ItemState.SETTLED: {ItemState.RETURNED},
        ItemState.RETURNED: set(),
    },
)


class PaymentBatch(Base):
    """One stored SEPA file for the clearing bank; its bytes never change."""

    __tablename__ = "payment_batches"
    __table_args__ = (
        CheckConstraint("number_of_transactions > 0", name="not_empty"),
        CheckConstraint("control_sum > 0", name="control_sum_positive"),
        CheckConstraint("state = 'prepared' OR exported_at IS NOT NULL", name="exported_has_time"),
        Index("ix_payment_batches_collection_on", "collection_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[BatchKind] = mapped_column(StrEnum(BatchKind, "payment_batch_kind", length=20))
    scheme: Mapped[MandateScheme] = mapped_column(StrEnum(MandateScheme, "payment_batch_scheme", length=10))
    #: "pain.008.001.02" or ".08", as the clearing bank asks.
    pain_version: Mapped[str] = mapped_column(String(20))
    #: The requested collection date (ReqdColltnDt) of every item.
    collection_on: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[BatchState] = mapped_column(
        StrEnum(BatchState, "payment_batch_state", length=20), default=BatchState.PREPARED
    )
    #: The batch id the file's ids derive from (MsgId, PmtInfId): at most 21 characters.
    batch_id: Mapped[str] = mapped_column(String(21), unique=True)
    message_id: Mapped[str] = mapped_column(String(35), unique=True)
    #: The file exactly as built and checked against its XSD; never rewritten.
    xml_bytes: Mapped[bytes] = mapped_column(LargeBinary)
    #: SHA-256 of ``xml_bytes`` (hex), checked before every download.
    sha256: Mapped[str] = mapped_column(String(64))
    number_of_transactions: Mapped[int] = mapped_column(Integer)
    control_sum: Mapped[Decimal] = mapped_column(MoneyType)
    #: The creation time written into the file (CreDtTm).
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_label: Mapped[str] = mapped_column(String(200), default="")
    #: The first download (or sending); later downloads keep it.
    exported_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    exported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    exported_by_label: Mapped[str] = mapped_column(String(200), default="")

    items: Mapped[list[PaymentBatchItem]] = relationship(
        back_populates="batch", order_by="PaymentBatchItem.id"
    )

    @property
    def file_name(self) -> str:
        return f"{self.batch_id}.xml"

    def __repr__(self) -> str:
        return f"<PaymentBatch {self.batch_id} {self.state.value}>"


class PaymentBatchItem(Base):
    """One direct debit of a batch: an instalment of a loan collected on its mandate."""

    __tablename__ = "payment_batch_items"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("state != 'returned' OR return_reason IS NOT NULL", name="returned_has_reason"),
        CheckConstraint("state != 'returned' OR returned_on IS NOT NULL", name="returned_has_date"),
        # An instalment is in at most one direct debit that has not come back; after a return
        # (issue 14, ``bank.payments.returns``) a later batch may collect it again.
        Index(
            "ix_payment_batch_items_one_live_per_instalment",
            "instalment_id",
            unique=True,
            sqlite_where=text("state != 'returned'"),
            postgresql_where=text("state != 'returned'"),
        ),
        Index("ix_payment_batch_items_instalment_id", "instalment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    instalment_id: Mapped[int] = mapped_column(ForeignKey("instalments.id"))
    #: The instalment's due date (the collection date of the batch).
    due_on: Mapped[dt.date] = mapped_column(Date)
    mandate_id: Mapped[int] = mapped_column(ForeignKey("mandates.id"), index=True)
    #: The mandate's reference as the file carries it (a later amendment does not change it).
    mandate_reference: Mapped[str] = mapped_column(String(35))
    amount: Mapped[Decimal] = mapped_column(MoneyType)
    #: Unique across every batch: the statement's entry carries it back.
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    sequence: Mapped[MandateSequence] = mapped_column(
        StrEnum(MandateSequence, "batch_item_sequence", length=4)
    )
    state: Mapped[ItemState] = mapped_column(
        StrEnum(ItemState, "batch_item_state", length=20), default=ItemState.PENDING
    )
    #: The ISO return reason (AC04, AM04, MD01, MD06, MS02, SL01, …) of a returned item.
    return_reason: Mapped[str | None] = mapped_column(String(4))
    #: The day the return (or refund claim) was booked.
    returned_on: Mapped[dt.date | None] = mapped_column(Date)
    #: A refund the debtor claimed as unauthorised (MD01): honoured within 13 months, and flagged.
    unauthorised_claim: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    batch: Mapped[PaymentBatch] = relationship(back_populates="items")
    loan: Mapped[Loan] = relationship()
    instalment: Mapped[Instalment] = relationship()
    mandate: Mapped[Mandate] = relationship()
