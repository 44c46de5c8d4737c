"""A small bank for statement imports: two members with their own IBANs, a statement writer.

Anna has one account and her own IBAN, so money from that IBAN is hers; Bram has two accounts,
so money from his IBAN is not matched by it. Statements are written with the benchmark's
CAMT.053 writer (``bench.payments.write_camt053``), one file per call, in a series.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from flask import Flask
from savings import factories
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank.actor import Actor
from bank.ledger import chart
from bank.ledger.models import JournalEntry
from bank.members.models import Member
from bank.payments import statement_import
from bank.payments.statement_import import ImportResult
from bank.savings.models import DepositAccount
from bench.payments import BANK_IBAN, Transaction, write_camt053

ANNA_IBAN = "NL20INGB0001234567"
BRAM_IBAN = "NL44RABO0123456789"
STRANGER_IBAN = "NL63TRIO0212345678"
TELLER = Actor(user_id=None, label="balie@wijkbank.example", role="teller")
FIRST_DAY = dt.date(2026, 12, 2)
_files = itertools.count(1)


@dataclass
class Bank:
    anna: Member
    anna_account: DepositAccount
    bram: Member
    bram_accounts: tuple[DepositAccount, DepositAccount]


def build(session: Session) -> Bank:
    product = factories.product(session)
    anna = factories.member(session, first_name="Anna", last_name="Jansen", iban=ANNA_IBAN)
    bram = factories.member(session, first_name="Bram", last_name="Bakker", iban=BRAM_IBAN)
    anna_account = factories.account(session, anna, product)
    bram_accounts = (factories.account(session, bram, product), factories.account(session, bram, product))
    session.flush()
    return Bank(anna, anna_account, bram, bram_accounts)


def write(
    folder: Path,
    transactions: Sequence[Transaction],
    *,
    sequence: int = 1,
    opening: Decimal = Decimal("1000.00"),
    closing: Decimal | None = None,
    booked_on: dt.date = FIRST_DAY,
    statement_id: str | None = None,
    iban: str = BANK_IBAN,
    currency: str = "EUR",
    version: str = "camt.053.001.02",
) -> Path:
    """One statement file with one entry per transaction."""
    path = folder / f"statement-{next(_files)}.xml"
    with path.open("w", encoding="utf-8") as out:
        write_camt053(
            out,
            [[tx] for tx in transactions],
            opening=opening,
            closing=closing,
            statement_id=statement_id or f"STMT-{booked_on.isoformat()}-{sequence}",
            booked_on=booked_on,
            sequence=sequence,
            iban=iban,
            currency=currency,
            version=version,
        )
    return path


def run_import(session: Session, app: Flask, path: Path, actor: Actor = TELLER) -> ImportResult:
    return statement_import.import_statement(session, path, actor=actor, settings=app.config)


def entry_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(JournalEntry)) or 0


def balance(session: Session, code: str) -> Decimal:
    return factories.main_balance(session, code)


SETTLEMENT = chart.SETTLEMENT
SUSPENSE = chart.SUSPENSE
