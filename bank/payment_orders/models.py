"""A payment order: one credit transfer the bank owes someone, from ordering to the statement.

The order names the ledger account that pays (a member's deposit account, a loan's disbursement
account, …), the amount, the creditor (name, IBAN, BIC), the remittance text and the requested
execution date, and carries an end-to-end id unique across every file, which the clearing
bank's statement hands back. Its state moves ordered → in batch → exported → settled, or
rejected (the clearing bank refused it before it left) or returned (it left and came back);
each move that touches money is its own journal entry under a key derived from the end-to-end
id, so a statement read twice books once.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, MoneyType, StrEnum, UtcDateTime
from bank.members.models import Member
from bank.transitions import Transitions


class OrderState(enum.StrEnum):
    #: Booked Dr paying account / Cr 1090; waiting for a batch.
    ORDERED = "ordered"
    #: In a prepared (or released) pain.001 batch.
    IN_BATCH = "in_batch"
    #: Its file went to the clearing bank.
    EXPORTED = "exported"
    #: The statement shows it left: Dr 1090 / Cr 1000.
    SETTLED = "settled"
    #: The clearing bank refused it before it left: Dr 1090 / Cr paying account.
    REJECTED = "rejected"
    #: It left and came back (a returned credit transfer): Dr 1000 / Cr paying account.
    RETURNED = "returned"


#: Which moves an order may make. A batch is built only from ordered orders; only an exported
#: order is seen on a statement (settled) or refused by the clearing bank (rejected); a settled
#: one can still come back from the creditor's bank (returned).
ORDER_STATE = Transitions(
    OrderState,
    {
        OrderState.ORDERED: {OrderState.IN_BATCH},
        OrderState.IN_BATCH: {OrderState.EXPORTED, OrderState.REJECTED},
        OrderState.EXPORTED: {OrderState.SETTLED, OrderState.REJECTED},
        OrderState.SETTLED: {OrderState.RETURNED},
        OrderState.REJECTED: set(),
        OrderState.RETURNED: set(),
    },
)


class OrderSource(enum.StrEnum):
    """What the order pays out (for the staff list and the member's mail)."""

    WITHDRAWAL = "withdrawal"
    DISBURSEMENT = "disbursement"
    SHARE_REDEMPTION = "share_redemption"
    POOL_WITHDRAWAL = "pool_withdrawal"
    POOL_DISTRIBUTION = "pool_distribution"
    OTHER = "other"


class PaymentOrder(Base):
    """One credit transfer owed by the bank: booked to 1090 when ordered, cleared by the statement."""

    __tablename__ = "payment_orders"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint(
            "state NOT IN ('rejected', 'returned') OR reason_code IS NOT NULL", name="refused_has_reason"
        ),
        CheckConstraint("state != 'settled' OR settled_on IS NOT NULL", name="settled_has_date"),
        Index("ix_payment_orders_state_execution_on", "state", "execution_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The idempotency key of the ordering booking (``withdrawal:{form key}``): ordering twice
    #: with it finds this order.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    #: Unique across every file; the statement's entry carries it back.
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    source: Mapped[OrderSource] = mapped_column(StrEnum(OrderSource, "payment_order_source", length=20))
    #: The ledger account debited when ordered and credited back on a rejection or return.
    paying_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    #: The member told of a rejection or return (None when no member is behind the payment).
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MoneyType)
    creditor_name: Mapped[str] = mapped_column(String(70))
    #: Compact and upper-case, checked by schwifty when ordered.
    creditor_iban: Mapped[str] = mapped_column(String(34))
    creditor_bic: Mapped[str | None] = mapped_column(String(11))
    remittance: Mapped[str] = mapped_column(String(140))
    #: The requested execution date (ReqdExctnDt): the batch of that date carries it.
    execution_on: Mapped[dt.date] = mapped_column(Date)
    state: Mapped[OrderState] = mapped_column(
        StrEnum(OrderState, "payment_order_state", length=20), default=OrderState.ORDERED
    )
    #: Dr paying account / Cr 1090.
    order_entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"))
    settled_on: Mapped[dt.date | None] = mapped_column(Date)
    #: Dr 1090 / Cr 1000 when settled; Dr 1090 (rejected) or 1000 (returned) / Cr paying account.
    settle_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    refused_on: Mapped[dt.date | None] = mapped_column(Date)
    refuse_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    #: The ISO 20022 reason (AC04, AC06, MD07, …) of a rejection or return.
    reason_code: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_label: Mapped[str] = mapped_column(String(200), default="")

    member: Mapped[Member | None] = relationship()

    def __repr__(self) -> str:
        return f"<PaymentOrder {self.end_to_end_id} {self.amount} {self.state.value}>"
