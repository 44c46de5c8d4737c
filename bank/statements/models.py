"""Stored statements: one row per statement produced at month end, the PDF kept once.

The PDF bytes live in a file under ``Config.STATEMENT_DIR`` (not in the database): a bank with
100 000 members produces over a million statements a year, which would bloat every backup and
replica of the system of record with write-once blobs. The database keeps what makes the file
trustworthy: its path, size and sha256. A statement is never regenerated or edited; reading it
back verifies the checksum, so a changed or damaged file is detected, not served.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, MoneyType, StrEnum, UtcDateTime, make_append_only
from bank.members.models import Member
from bank.savings.models import DepositAccount


class StatementKind(enum.StrEnum):
    #: Monthly account statement (rekeningafschrift) of a deposit account.
    ACCOUNT_MONTHLY = "account_monthly"


class StoredStatement(Base):
    """A statement as it was produced and sent: immutable, checked by its sha256."""

    __tablename__ = "stored_statements"
    __table_args__ = (
        UniqueConstraint("deposit_account_id", "kind", "period_start", name="one_per_account_period"),
        CheckConstraint("period_end >= period_start", name="period_ordered"),
        CheckConstraint("size_bytes > 0", name="size_positive"),
        CheckConstraint("line_count >= 0", name="line_count_not_negative"),
        Index("ix_stored_statements_member_period", "member_id", "period_end"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[StatementKind] = mapped_column(StrEnum(StatementKind, "statement_kind", length=30))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    deposit_account_id: Mapped[int] = mapped_column(ForeignKey("deposit_accounts.id"))
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    #: Language the statement was written in (the member's at the time): "nl" or "en".
    language: Mapped[str] = mapped_column(String(5))
    #: Path of the PDF relative to STATEMENT_DIR ("2026-10/1000000143-<sha prefix>.pdf").
    relative_path: Mapped[str] = mapped_column(String(300), unique=True)
    #: sha256 (hex) of the PDF bytes; checked on every read.
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    opening_balance: Mapped[Decimal] = mapped_column(MoneyType)
    closing_balance: Mapped[Decimal] = mapped_column(MoneyType)
    line_count: Mapped[int] = mapped_column(Integer)
    produced_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    #: Readable actor that produced it ("system:month-end", "beheer@wijkbank.example").
    produced_by: Mapped[str] = mapped_column(String(200))

    member: Mapped[Member] = relationship()
    deposit_account: Mapped[DepositAccount] = relationship()

    @property
    def download_name(self) -> str:
        """File name offered to the browser: "rekeningafschrift-1000000143-2026-10.pdf"."""
        prefix = "rekeningafschrift" if self.language == "nl" else "statement"
        return f"{prefix}-{self.deposit_account.number}-{self.period_start:%Y-%m}.pdf"

    def __repr__(self) -> str:
        return f"<StoredStatement {self.kind.value} account={self.deposit_account_id} {self.period_start}>"


# A statement is what the bank sent: the ORM refuses to edit or delete its row.
make_append_only(StoredStatement)
