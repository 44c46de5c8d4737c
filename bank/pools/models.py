"""Investment pools: members put savings to work in the neighbourhood's loans (issue 7).

A pool ("Grondfonds", "Coöp Startfonds") funds the loans of its purposes out of its members'
participations. A participation is a ledger child account under 2100 (Dr the member's deposit
account / Cr the participation when subscribing), so the member's money stays a liability of
the bank, only earmarked. The pool's funding of a loan moves no money: it is the record of
which share of the loan's principal the pool carries, and therefore which share of the
interest collected it earns and of a loss it bears.

Quarterly distributions pay the pool's share of the interest collected, less the bank's
margin, to the participants pro rata to their daily-weighted participation (Dr 5200 / Cr the
members' deposit accounts). A loss on a written-off pool loan is absorbed first by the pool's
first-loss buffer from the municipal seed capital (Dr 3100 / Cr 5100), then by the
participants (Dr their participations / Cr 5100); each step is a ledger entry.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, MoneyType, RateType, StrEnum, UtcDateTime
from bank.ledger.models import LedgerAccount
from bank.members.models import Member
from bank.money import ZERO
from bank.savings.models import DepositAccount
from bank.transitions import Transitions


class PoolStatus(enum.StrEnum):
    #: Takes subscriptions and funds new loans of its purposes.
    OPEN = "open"
    #: No new subscriptions or loans; existing participations, withdrawals and returns go on.
    CLOSED = "closed"


#: A pool is closed once, for good.
POOL_STATUS = Transitions(PoolStatus, {PoolStatus.OPEN: {PoolStatus.CLOSED}, PoolStatus.CLOSED: set()})


class Pool(Base):
    """An investment pool and its terms."""

    __tablename__ = "pools"
    __table_args__ = (
        CheckConstraint("minimum_participation > 0", name="minimum_positive"),
        CheckConstraint("notice_months >= 0 AND notice_months <= 24", name="notice_months_range"),
        CheckConstraint("margin_share >= 0 AND margin_share <= 100000000", name="margin_share_range"),
        CheckConstraint("first_loss_buffer >= 0", name="buffer_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code, part of the participation ledger codes ("GRONDFONDS").
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: The loan purposes (``LoanPurpose`` values) whose loans this pool funds; no two open
    #: pools share a purpose, so a disbursed loan has at most one pool.
    purposes: Mapped[list[str]] = mapped_column(JSON, default=list)
    minimum_participation: Mapped[Decimal] = mapped_column(MoneyType)
    #: Months a withdrawal request waits before it may be paid.
    notice_months: Mapped[int] = mapped_column(Integer)
    #: The share of the pool's collected interest the bank keeps (0.25 = 25 %), as a rate.
    margin_share: Mapped[Decimal] = mapped_column(RateType)
    #: The annual return shown to members; an aim, not a promise.
    target_return_annual: Mapped[Decimal] = mapped_column(RateType)
    #: Municipal seed capital standing first in line for the pool's losses (in total, not per loss).
    first_loss_buffer: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    status: Mapped[PoolStatus] = mapped_column(
        StrEnum(PoolStatus, "pool_status", length=20), default=PoolStatus.OPEN
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    def __repr__(self) -> str:
        return f"<Pool {self.code}>"


class Participation(Base):
    """One member's participation in one pool; its balance is that of its ledger account."""

    __tablename__ = "pool_participations"
    __table_args__ = (UniqueConstraint("pool_id", "member_id", name="one_participation_per_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: Where subscriptions come from and withdrawals and returns are paid to.
    deposit_account_id: Mapped[int] = mapped_column(ForeignKey("deposit_accounts.id"))
    #: The ledger child account 2100-<pool code>-<member number>.
    ledger_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    pool: Mapped[Pool] = relationship()
    member: Mapped[Member] = relationship()
    deposit_account: Mapped[DepositAccount] = relationship()
    ledger_account: Mapped[LedgerAccount] = relationship()


class WithdrawalStatus(enum.StrEnum):
    #: Waiting out its notice period or for uncommitted money, in the order asked.
    WAITING = "waiting"
    PAID = "paid"
    CANCELLED = "cancelled"


#: A waiting request is paid or cancelled by its participant, and that is final.
WITHDRAWAL_STATUS = Transitions(
    WithdrawalStatus,
    {
        WithdrawalStatus.WAITING: {WithdrawalStatus.PAID, WithdrawalStatus.CANCELLED},
        WithdrawalStatus.PAID: set(),
        WithdrawalStatus.CANCELLED: set(),
    },
)


class WithdrawalRequest(Base):
    """A participant's request to take money out of a pool; paid first come, first served."""

    __tablename__ = "pool_withdrawal_requests"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("payable_from >= requested_on", name="payable_after_request"),
        CheckConstraint(
            "status != 'paid' OR (paid_on IS NOT NULL AND entry_id IS NOT NULL)", name="paid_has_entry"
        ),
        Index("ix_pool_withdrawal_queue", "status", "payable_from", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participation_id: Mapped[int] = mapped_column(ForeignKey("pool_participations.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MoneyType)
    requested_on: Mapped[dt.date] = mapped_column(Date)
    #: requested_on + the pool's notice period; not paid before this day.
    payable_from: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[WithdrawalStatus] = mapped_column(
        StrEnum(WithdrawalStatus, "pool_withdrawal_status", length=20), default=WithdrawalStatus.WAITING
    )
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    requested_by: Mapped[str] = mapped_column(String(200), default="")
    #: The one-time key of the form or call that asked (a repeat returns this request).
    request_key: Mapped[str] = mapped_column(String(200), unique=True)
    cancelled_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    participation: Mapped[Participation] = relationship()


class LoanFunding(Base):
    """The share of a loan's principal a pool funded at disbursement (the bank's own funds the rest)."""

    __tablename__ = "pool_loan_fundings"
    __table_args__ = (CheckConstraint("amount_funded > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id"), index=True)
    #: One pool per loan.
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), unique=True)
    amount_funded: Mapped[Decimal] = mapped_column(MoneyType)
    #: The loan's principal at disbursement; the pool's share is amount_funded / principal.
    loan_principal: Mapped[Decimal] = mapped_column(MoneyType)
    funded_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    pool: Mapped[Pool] = relationship()

    @property
    def share(self) -> Decimal:
        return self.amount_funded / self.loan_principal


class Distribution(Base):
    """One pool's quarterly distribution of returns (posted once)."""

    __tablename__ = "pool_distributions"
    __table_args__ = (
        UniqueConstraint("pool_id", "quarter_start", name="one_distribution_per_quarter"),
        CheckConstraint("quarter_end > quarter_start", name="quarter_order"),
        CheckConstraint(
            "interest_collected >= 0 AND margin_amount >= 0 AND amount_distributed >= 0",
            name="amounts_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id"), index=True)
    quarter_start: Mapped[dt.date] = mapped_column(Date)
    quarter_end: Mapped[dt.date] = mapped_column(Date)
    #: The pool's share of the interest collected on its loans in the quarter.
    interest_collected: Mapped[Decimal] = mapped_column(MoneyType)
    #: What the bank keeps (margin_share of interest_collected, rounded half-up).
    margin_amount: Mapped[Decimal] = mapped_column(MoneyType)
    amount_distributed: Mapped[Decimal] = mapped_column(MoneyType)
    participant_count: Mapped[int] = mapped_column(Integer, default=0)
    #: None when there was nothing to distribute.
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    distributed_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    pool: Mapped[Pool] = relationship()


class DistributionShare(Base):
    """One participant's part of a distribution and the weight it was computed from."""

    __tablename__ = "pool_distribution_shares"
    __table_args__ = (
        UniqueConstraint("distribution_id", "participation_id", name="one_share_per_participant"),
        CheckConstraint("amount >= 0 AND weight_cent_days >= 0", name="share_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    distribution_id: Mapped[int] = mapped_column(ForeignKey("pool_distributions.id"))
    participation_id: Mapped[int] = mapped_column(ForeignKey("pool_participations.id"), index=True)
    #: The participation's balance in cents summed over each day of the quarter.
    weight_cent_days: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(MoneyType)


class Loss(Base):
    """A written-off pool loan's loss to the pool and how it was absorbed."""

    __tablename__ = "pool_losses"
    __table_args__ = (
        UniqueConstraint("pool_id", "loan_id", name="one_loss_per_pool_loan"),
        CheckConstraint(
            "absorbed_by_buffer >= 0 AND absorbed_by_participants >= 0"
            " AND absorbed_by_buffer + absorbed_by_participants = loss_amount",
            name="loss_fully_absorbed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    #: The pool's share of the principal written off.
    loss_amount: Mapped[Decimal] = mapped_column(MoneyType)
    absorbed_by_buffer: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    absorbed_by_participants: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    buffer_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    participants_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    pool: Mapped[Pool] = relationship()


class LossShare(Base):
    """One participant's part of a loss absorbed by the participants."""

    __tablename__ = "pool_loss_shares"
    __table_args__ = (
        UniqueConstraint("loss_id", "participation_id", name="one_loss_share_per_participant"),
        CheckConstraint("amount >= 0", name="loss_share_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loss_id: Mapped[int] = mapped_column(ForeignKey("pool_losses.id"))
    participation_id: Mapped[int] = mapped_column(ForeignKey("pool_participations.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MoneyType)
