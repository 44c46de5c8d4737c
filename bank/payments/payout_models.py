"""Stored payout files (pain.001): a batch per execution date and the orders it carries (issue 14).

Like a collection batch, a payout batch is built once, XSD-checked and stored with the SHA-256
of its bytes, and never rebuilt. It differs in one step: money leaves the bank, so above a limit
(``PAYMENTS_PAYOUT_FOUR_EYES_LIMIT``) a second staff member, not the one who prepared it,
releases the batch before its file can be downloaded; below the limit it is released when it is
prepared. The payment orders themselves (their amounts, creditors and states) are
``bank.payment_orders``'; an item ties one order to the one batch that carried it.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, MoneyType, StrEnum, UtcDateTime
from bank.payment_orders.models import PaymentOrder
from bank.transitions import Transitions


class PayoutBatchState(enum.StrEnum):
    #: Built and stored; above the limit it waits for a second staff member.
    PREPARED = "prepared"
    #: May be downloaded (released by a second person, or below the limit when prepared).
    RELEASED = "released"
    #: Downloaded by staff (or sent) to the clearing bank.
    EXPORTED = "exported"


#: Prepared → released → exported; the file may be downloaded only once released, and again
#: after (a second download keeps it exported).
PAYOUT_BATCH_STATE = Transitions(
    PayoutBatchState,
    {
        PayoutBatchState.PREPARED: {PayoutBatchState.RELEASED},
        PayoutBatchState.RELEASED: {PayoutBatchState.EXPORTED},
        PayoutBatchState.EXPORTED: set(),
    },
    actions={"download": {PayoutBatchState.RELEASED, PayoutBatchState.EXPORTED}},
)


class PayoutBatch(Base):
    """One stored pain.001 file for an execution date; its bytes never change."""

    __tablename__ = "payout_batches"
    __table_args__ = (
        CheckConstraint("number_of_transactions > 0", name="not_empty"),
        CheckConstraint("control_sum > 0", name="control_sum_positive"),
        CheckConstraint("state = 'prepared' OR released_at IS NOT NULL", name="released_has_time"),
        CheckConstraint("state != 'exported' OR exported_at IS NOT NULL", name="exported_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: "pain.001.001.03" or ".09", as the clearing bank asks.
    pain_version: Mapped[str] = mapped_column(String(20))
    #: The requested execution date (ReqdExctnDt) of every transfer in the file.
    execution_on: Mapped[dt.date] = mapped_column(Date, index=True)
    state: Mapped[PayoutBatchState] = mapped_column(
        StrEnum(PayoutBatchState, "payout_batch_state", length=20), default=PayoutBatchState.PREPARED
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
    #: True when the batch (or one of its orders) was above the limit: a second person released it.
    needs_second_person: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The creation time written into the file (CreDtTm).
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_label: Mapped[str] = mapped_column(String(200), default="")
    released_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_by_label: Mapped[str] = mapped_column(String(200), default="")
    #: The first download (or sending); later downloads keep it.
    exported_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    exported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    exported_by_label: Mapped[str] = mapped_column(String(200), default="")

    items: Mapped[list[PayoutBatchItem]] = relationship(back_populates="batch", order_by="PayoutBatchItem.id")

    @property
    def file_name(self) -> str:
        return f"{self.batch_id}.xml"

    def __repr__(self) -> str:
        return f"<PayoutBatch {self.batch_id} {self.state.value}>"


class PayoutBatchItem(Base):
    """One order carried by a batch; an order is in at most one batch."""

    __tablename__ = "payout_batch_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payout_batches.id"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), unique=True)

    batch: Mapped[PayoutBatch] = relationship(back_populates="items")
    order: Mapped[PaymentOrder] = relationship()
