"""Savings products, their rates over time, and the members' deposit accounts."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, RateType, StrEnum, UtcDateTime
from bank.ledger.models import LedgerAccount
from bank.members.models import Member
from bank.transitions import Transitions


class SavingsProduct(Base):
    """A kind of deposit account ("Wijkspaarrekening"); its rate history is in ``rates``."""

    __tablename__ = "savings_products"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code used by integrations and the demo ("WIJKSPAAR").
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name_nl: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    #: Inactive products keep their accounts but no new account can be opened from them.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    rates: Mapped[list[SavingsProductRate]] = relationship(
        back_populates="product", order_by="SavingsProductRate.effective_from", cascade="all, delete-orphan"
    )

    def name(self, language: str = "nl") -> str:
        return self.name_en if language == "en" else self.name_nl

    def rate_on(self, on: dt.date) -> Decimal | None:
        """The annual rate in force on ``on``: the latest rate whose effective date is not after it."""
        current: Decimal | None = None
        for rate in self.rates:
            if rate.effective_from <= on:
                current = rate.rate_annual
        return current

    def __repr__(self) -> str:
        return f"<SavingsProduct {self.code}>"


class SavingsProductRate(Base):
    """The annual rate of a product from a date on; a change is a new row, history is kept."""

    __tablename__ = "savings_product_rates"
    __table_args__ = (
        UniqueConstraint("product_id", "effective_from", name="one_rate_per_day"),
        CheckConstraint("rate_annual >= 0", name="rate_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("savings_products.id"), index=True)
    #: 0.0125 for 1,25 % a year; interest accrues actual/365 on each day's closing balance.
    rate_annual: Mapped[Decimal] = mapped_column(RateType)
    effective_from: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    product: Mapped[SavingsProduct] = relationship(back_populates="rates")


class DepositAccountStatus(enum.StrEnum):
    OPEN = "open"
    #: No money may leave (withdrawals, transfers out, share payments); deposits still arrive.
    BLOCKED = "blocked"
    #: Closed at a zero balance; its ledger account is closed too, nothing can be booked.
    CLOSED = "closed"


#: Staff block and unblock an account; it is closed from either state, and closed it stays.
DEPOSIT_ACCOUNT_STATUS = Transitions(
    DepositAccountStatus,
    {
        DepositAccountStatus.OPEN: {DepositAccountStatus.BLOCKED, DepositAccountStatus.CLOSED},
        DepositAccountStatus.BLOCKED: {DepositAccountStatus.OPEN, DepositAccountStatus.CLOSED},
        DepositAccountStatus.CLOSED: set(),
    },
)


class DepositAccount(Base):
    """A member's deposit account; its balance is the balance of its ledger child account under 2000."""

    __tablename__ = "deposit_accounts"
    __table_args__ = (
        CheckConstraint("status != 'closed' OR closed_on IS NOT NULL", name="closed_has_date"),
        CheckConstraint("closed_on IS NULL OR closed_on >= opened_on", name="closed_after_opened"),
        Index("ix_deposit_accounts_member_status", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Ten digits: an eight-digit serial and two mod-97 check digits (see ``bank.savings.numbers``).
    number: Mapped[str] = mapped_column(String(10), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("savings_products.id"), index=True)
    #: The ledger child account (2000-<number>) that holds the money.
    ledger_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    status: Mapped[DepositAccountStatus] = mapped_column(
        StrEnum(DepositAccountStatus, "deposit_account_status", length=20), default=DepositAccountStatus.OPEN
    )
    opened_on: Mapped[dt.date] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    #: Why the account is blocked (shown to staff); cleared on unblock.
    blocked_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    member: Mapped[Member] = relationship()
    product: Mapped[SavingsProduct] = relationship()
    ledger_account: Mapped[LedgerAccount] = relationship()

    @property
    def formatted_number(self) -> str:
        """ "1000 0001 43": grouped for reading aloud at the counter."""
        return f"{self.number[:4]} {self.number[4:8]} {self.number[8:]}"

    def __repr__(self) -> str:
        return f"<DepositAccount {self.number} {self.status.value}>"
