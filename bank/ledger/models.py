"""Ledger tables: accounts, journal entries, postings.

Entries and postings are append-only: the ORM refuses to update or delete them (see
``bank.db.make_append_only``) and on PostgreSQL and SQLite a trigger refuses it too.
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
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import (
    UPDATE_ROOM_FILLFACTOR,
    AppendOnlyViolation,
    Base,
    MoneyType,
    StrEnum,
    UtcDateTime,
    make_append_only,
)
from bank.ledger.rules import is_debit_normal, normal_balance
from bank.money import ZERO


class AccountType(enum.StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    INCOME = "income"
    EXPENSE = "expense"

    @property
    def debit_normal(self) -> bool:
        """Assets and expenses grow by debits; liabilities, equity and income by credits."""
        return is_debit_normal(self.value)


class Side(enum.StrEnum):
    DEBIT = "debit"
    CREDIT = "credit"

    @property
    def opposite(self) -> Side:
        """The other side: where a posting's counterparty stands."""
        return Side.CREDIT if self is Side.DEBIT else Side.DEBIT


class AccountStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class LedgerAccount(Base):
    """One account of the chart; member accounts, loans and share holdings get child accounts."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint("debits_posted >= 0", name="debits_posted_not_negative"),
        CheckConstraint("credits_posted >= 0", name="credits_posted_not_negative"),
        # Every posting rewrites its accounts' cached totals: with room on the page the new row
        # version is written beside the old one and no index changes (migration 0009).
        {"postgresql_with": {"fillfactor": UPDATE_ROOM_FILLFACTOR}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Chart code: "2000" for the control account, "2000-00000042" for a child.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    type: Mapped[AccountType] = mapped_column(StrEnum(AccountType, "account_type"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_accounts.id"), index=True)
    #: A control account only sums its children; nothing is posted to it directly.
    is_control: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Accounts whose balance on their normal side must stay >= 0 (member money); these are
    #: locked (FOR UPDATE, in id order) by every posting that touches them.
    may_go_negative: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Busy system accounts (settlement, income) keep no cached totals: updating one row in
    #: every transaction would serialise the bank. Their balance is summed from postings.
    keeps_cached_totals: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[AccountStatus] = mapped_column(
        StrEnum(AccountStatus, "ledger_account_status"), default=AccountStatus.OPEN
    )
    #: Sum of debit postings, written only by ledger.service.post() (cached accounts only).
    debits_posted: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    #: Sum of credit postings, written only by ledger.service.post() (cached accounts only).
    credits_posted: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    parent: Mapped[LedgerAccount | None] = relationship(remote_side=[id])

    @property
    def cached_balance(self) -> Decimal:
        """Balance signed by the account's normal side (positive = what it normally holds)."""
        return normal_balance(self.type.debit_normal, self.debits_posted - self.credits_posted)

    def __repr__(self) -> str:
        return f"<LedgerAccount {self.code} {self.name!r}>"


class JournalEntry(Base):
    """One balanced movement of money; never updated, corrected only by a reversal entry."""

    __tablename__ = "journal_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unique per movement: the same key with the same content returns this entry again.
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    #: sha256 of the canonical content, compared when a key is reused.
    content_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    value_date: Mapped[dt.date] = mapped_column(Date, index=True)
    posted_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    memo: Mapped[str] = mapped_column(Text, default="")
    #: The user who caused it; None for the system (runs, migrations).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    #: Readable actor at the time ("teller@wijkbank", "system:repayment-run").
    actor_label: Mapped[str] = mapped_column(String(200))
    #: Set on a reversal: the entry it cancels (at most one reversal per entry).
    reverses_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    #: Set on a correction: the first day of the closed month it corrects. The entry itself is
    #: dated in the open period (a closed period takes no entry); this says what it is for.
    corrects_month: Mapped[dt.date | None] = mapped_column(Date)

    postings: Mapped[list[Posting]] = relationship(
        back_populates="entry", order_by="Posting.id", lazy="selectin"
    )

    def __repr__(self) -> str:
        return f"<JournalEntry {self.id} {self.kind} {self.idempotency_key!r}>"


class Posting(Base):
    """One line of an entry: an amount > 0 on one side of one account."""

    __tablename__ = "postings"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        # Account statements and balances as of a date read postings of one account by date.
        Index("ix_postings_account_date", "account_id", "value_date", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    side: Mapped[Side] = mapped_column(StrEnum(Side, "posting_side", length=10))
    amount: Mapped[Decimal] = mapped_column(MoneyType)
    #: Copied from the entry so that an account's history is one index range scan.
    value_date: Mapped[dt.date] = mapped_column(Date)

    entry: Mapped[JournalEntry] = relationship(back_populates="postings")
    account: Mapped[LedgerAccount] = relationship(lazy="joined")

    @property
    def signed_amount(self) -> Decimal:
        """Debit positive, credit negative (the raw sign, not the account's normal side)."""
        return self.amount if self.side is Side.DEBIT else -self.amount


#: The kind of a year's closing entry (afsluitboeking): the result to reserves, dated 31 December.
YEAR_END_CLOSING = "year_end_closing"


class ClosedMonth(Base):
    """A month of the books that is closed: no entry may be dated in it any more.

    Months close in order and never reopen, so the closed period is always one unbroken run of
    months up to the latest ``last_day``: the ledger checks a value date against that one date.
    """

    __tablename__ = "ledger_closed_months"
    __table_args__ = (CheckConstraint("first_day <= last_day", name="month_in_order"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The month's first day (2026-03-01 for March 2026).
    first_day: Mapped[dt.date] = mapped_column(Date, unique=True)
    #: The month's last day: no entry may carry a value date on or before it.
    last_day: Mapped[dt.date] = mapped_column(Date, unique=True)
    closed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    #: The user who closed it; None for the system (the demo, a command).
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_by_label: Mapped[str] = mapped_column(String(200))

    def __repr__(self) -> str:
        return f"<ClosedMonth {self.first_day:%Y-%m}>"


class ClosedYear(Base):
    """A closed financial year: its result moved to reserves (3200) by the closing entry."""

    __tablename__ = "ledger_closed_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    closed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_by_label: Mapped[str] = mapped_column(String(200))
    #: The year-end closing entry (afsluitboeking); None when the year had no income or expense.
    closing_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), unique=True)
    #: The year's result moved to reserves: income minus expense (negative for a loss).
    result: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)

    def __repr__(self) -> str:
        return f"<ClosedYear {self.year}>"


# Entries and postings are history: the ORM refuses edits and deletes (the triggers of
# migration 0001 refuse them in the database too). Re-exported for callers that catch it.
make_append_only(JournalEntry, Posting)
# A closed period never reopens: the ORM refuses to change or delete its row.
make_append_only(ClosedMonth, ClosedYear)

__all__ = [
    "YEAR_END_CLOSING",
    "AccountStatus",
    "AccountType",
    "AppendOnlyViolation",
    "ClosedMonth",
    "ClosedYear",
    "JournalEntry",
    "LedgerAccount",
    "Posting",
    "Side",
]
