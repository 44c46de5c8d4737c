"""Ledger fixtures: the chart's settlement account and a helper that opens member accounts.

The ledger is tested directly, below the member and savings packages: a member deposit
account is a child of 2000 that may not go negative, exactly what those packages open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from itertools import count

import pytest
from sqlalchemy.orm import Session

from bank.actor import Actor
from bank.ledger import chart
from bank.ledger.models import JournalEntry, LedgerAccount
from bank.ledger.service import Line, account_by_code, credit, debit, open_child_account, post

VALUE_DATE = dt.date(2026, 3, 2)


def move(from_account: LedgerAccount | int, to_account: LedgerAccount | int, amount: str) -> list[Line]:
    """The two lines of money leaving one account for another: Dr ``from`` / Cr ``to``."""
    return [debit(from_account, Decimal(amount)), credit(to_account, Decimal(amount))]


@pytest.fixture
def settlement(session: Session) -> LedgerAccount:
    return account_by_code(session, chart.SETTLEMENT)


@pytest.fixture
def open_member_account(session: Session) -> Callable[[str], LedgerAccount]:
    """Open a child account of 2000 (member deposits) that may not go negative."""
    numbers = count(1)

    def open_account(name: str = "Member") -> LedgerAccount:
        return open_child_account(session, chart.MEMBER_DEPOSITS, f"{next(numbers):08d}", name)

    return open_account


@pytest.fixture
def deposit(session: Session, settlement: LedgerAccount, actor: Actor) -> Callable[..., JournalEntry]:
    """Money received at the settlement account for a member account (Dr 1000 / Cr 2000-x)."""

    def book(account: LedgerAccount, amount: str, key: str, value_date: dt.date = VALUE_DATE) -> JournalEntry:
        return post(
            session,
            key,
            "deposit",
            [debit(settlement, Decimal(amount)), credit(account, Decimal(amount))],
            value_date,
            actor,
            memo=f"deposit {amount}",
        )

    return book


@pytest.fixture
def withdraw(session: Session, settlement: LedgerAccount, actor: Actor) -> Callable[..., JournalEntry]:
    """Money paid out of a member account (Dr 2000-x / Cr 1000)."""

    def book(account: LedgerAccount, amount: str, key: str, value_date: dt.date = VALUE_DATE) -> JournalEntry:
        return post(
            session,
            key,
            "withdrawal",
            [debit(account, Decimal(amount)), credit(settlement, Decimal(amount))],
            value_date,
            actor,
            memo=f"withdrawal {amount}",
        )

    return book
