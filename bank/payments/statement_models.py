"""Imported bank statements: the file, each statement in it and each of its transactions (issue 14).

An import is one uploaded file, kept under ``UPLOAD_DIR`` like every upload and known by the
SHA-256 of its bytes (unique: the same file twice is the same import). It is booked, or refused
with the rule it broke and nothing of it booked.

A statement is one day's statement of one of the bank's accounts at its clearing bank, unique on
its account, its id and its (electronic) sequence number; the next statement of the account must
carry the next sequence number and open with this one's closing balance.

A line is one transaction of a statement as the reader gives it (a batched entry is split into
its transactions), with what it matched: our own collection, a member account by its creditor
reference or by the member's IBAN, or nothing, in which case it waits on the suspense account
(1095) until staff assign it to an account or send it back.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
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
from bank.db import Base, MoneyType, StrEnum, UtcDateTime
from bank.errors import Message
from bank.transitions import Transitions


class ImportStatus(enum.StrEnum):
    BOOKED = "booked"
    REFUSED = "refused"


class LineStatus(enum.StrEnum):
    #: Booked against what it matched (a collection, a member account, a payout, …).
    MATCHED = "matched"
    #: Booked on the suspense account 1095, waiting for staff.
    SUSPENSE = "suspense"
    #: Taken off suspense onto a member account by staff.
    ASSIGNED = "assigned"
    #: Taken off suspense and paid back to whoever sent it.
    RETURNED_TO_SENDER = "returned_to_sender"


#: A suspense line is assigned or sent back once; a matched line stays as it is.
LINE_STATUS = Transitions(
    LineStatus,
    {
        LineStatus.MATCHED: set(),
        LineStatus.SUSPENSE: {LineStatus.ASSIGNED, LineStatus.RETURNED_TO_SENDER},
        LineStatus.ASSIGNED: set(),
        LineStatus.RETURNED_TO_SENDER: set(),
    },
)


class StatementImport(Base):
    """One uploaded statement file and what became of it."""

    __tablename__ = "statement_imports"
    __table_args__ = (CheckConstraint("status != 'refused' OR refusal != ''", name="refused_has_reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the file's bytes (hex): the same file is imported once.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    #: The name the file had when it was uploaded (shown, never used as a path).
    original_name: Mapped[str] = mapped_column(String(255), default="")
    #: The name under ``UPLOAD_DIR`` (32 hex characters, ours).
    stored_name: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    #: ``camt.053.001.02``, ``mt940``, …; empty when the file could not be read at all.
    format: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[ImportStatus] = mapped_column(StrEnum(ImportStatus, "statement_import_status", length=10))
    #: Why it was refused, in English; ``refusal_template`` and ``refusal_params`` keep the
    #: catalogue id and its values so a page shows it in the reader's language.
    refusal: Mapped[str] = mapped_column(Text, default="")
    refusal_template: Mapped[str] = mapped_column(Text, default="")
    refusal_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    imported_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    imported_by_label: Mapped[str] = mapped_column(String(200), default="")
    #: Counts of the booked lines, kept for the list of imports.
    line_count: Mapped[int] = mapped_column(Integer, default=0)
    matched_count: Mapped[int] = mapped_column(Integer, default=0)
    suspense_count: Mapped[int] = mapped_column(Integer, default=0)

    statements: Mapped[list[BankStatement]] = relationship(
        back_populates="statement_import", order_by="BankStatement.id"
    )

    @property
    def refusal_message(self) -> Message | None:
        """The refusal as the domain said it (catalogue id and typed values), or None."""
        if not self.refusal_template:
            return None
        return Message(self.refusal_template, **decode_params(self.refusal_params or {}))


def encode_params(params: Mapping[str, object]) -> dict[str, Any]:
    """A message's values as JSON: amounts and dates tagged, so :func:`decode_params` restores them."""
    encoded: dict[str, Any] = {}
    for name, value in params.items():
        if isinstance(value, Decimal):
            encoded[name] = {"decimal": str(value)}
        elif isinstance(value, dt.date):
            encoded[name] = {"date": value.isoformat()}
        elif isinstance(value, list | tuple | set | frozenset):
            encoded[name] = [str(item) for item in value]
        elif value is None or isinstance(value, bool | int | str):
            encoded[name] = value
        else:
            encoded[name] = str(value)
    return encoded


def decode_params(encoded: Mapping[str, Any]) -> dict[str, object]:
    decoded: dict[str, object] = {}
    for name, value in encoded.items():
        if isinstance(value, dict) and "decimal" in value:
            decoded[name] = Decimal(value["decimal"])
        elif isinstance(value, dict) and "date" in value:
            decoded[name] = dt.date.fromisoformat(value["date"])
        else:
            decoded[name] = value
    return decoded


class BankStatement(Base):
    """One statement of one of the bank's accounts, as booked."""

    __tablename__ = "bank_statements"
    __table_args__ = (
        UniqueConstraint("account_iban", "statement_id", "sequence_number", name="one_statement"),
        Index("ix_bank_statements_account_iban_sequence", "account_iban", "sequence"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("statement_imports.id"), index=True)
    account_iban: Mapped[str] = mapped_column(String(34))
    #: The clearing bank's id of the statement (CAMT ``Stmt/Id``, MT940 ``:20:``).
    statement_id: Mapped[str] = mapped_column(String(35))
    #: As the file writes it (CAMT ``ElctrncSeqNb``, MT940 ``:28C:`` ``number/page``).
    sequence_number: Mapped[str] = mapped_column(String(20), default="")
    #: Its number, which the next statement of the account continues (None if it has none).
    sequence: Mapped[int | None] = mapped_column(Integer)
    opening_balance: Mapped[Decimal] = mapped_column(MoneyType)
    closing_balance: Mapped[Decimal] = mapped_column(MoneyType)
    opening_on: Mapped[dt.date | None] = mapped_column(Date)
    closing_on: Mapped[dt.date] = mapped_column(Date, index=True)
    line_count: Mapped[int] = mapped_column(Integer, default=0)

    statement_import: Mapped[StatementImport] = relationship(back_populates="statements")


class BankStatementLine(Base):
    """One transaction of a statement and what it was booked against."""

    __tablename__ = "bank_statement_lines"
    __table_args__ = (
        UniqueConstraint("statement_id", "line_no", name="one_line_number"),
        CheckConstraint("amount != 0 OR journal_entry_id IS NULL", name="zero_books_nothing"),
        Index("ix_bank_statement_lines_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statements.id"))
    #: 1, 2, … in file order within the statement (in the ledger key ``statement:{id}:{line_no}``).
    line_no: Mapped[int] = mapped_column(Integer)
    #: Signed from the bank's side: money in positive, money out negative.
    amount: Mapped[Decimal] = mapped_column(MoneyType)
    booking_on: Mapped[dt.date | None] = mapped_column(Date)
    value_on: Mapped[dt.date | None] = mapped_column(Date)
    end_to_end_id: Mapped[str | None] = mapped_column(String(35))
    mandate_id: Mapped[str | None] = mapped_column(String(35))
    return_reason: Mapped[str | None] = mapped_column(String(35))
    counterparty_iban: Mapped[str | None] = mapped_column(String(34))
    counterparty_name: Mapped[str | None] = mapped_column(String(140))
    remittance: Mapped[str | None] = mapped_column(Text)
    reversal: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The clearing bank's own reference of the entry.
    reference: Mapped[str | None] = mapped_column(String(35))
    status: Mapped[LineStatus] = mapped_column(StrEnum(LineStatus, "statement_line_status", length=20))
    #: Which matcher took it (``collection``, ``reference``, ``member_iban``, ``suspense``, …).
    matched_by: Mapped[str] = mapped_column(String(30))
    #: What it matched (``payment_batch_item``, ``deposit_account``, …) and that row's id.
    matched_type: Mapped[str | None] = mapped_column(String(40))
    matched_id: Mapped[int | None] = mapped_column(Integer)
    #: The entry that booked it on 1000 (None for a zero amount).
    journal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    #: Staff's assignment or sending back of a suspense line: the entry, the account, who, when.
    resolved_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    resolved_account_id: Mapped[int | None] = mapped_column(ForeignKey("deposit_accounts.id"))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    resolved_by_label: Mapped[str] = mapped_column(String(200), default="")
    resolution_note: Mapped[str] = mapped_column(Text, default="")

    statement: Mapped[BankStatement] = relationship()
