"""Savings in a closed period (period close, issue 16): a teller's deposit backdated into a closed
month is refused on its value date and books nothing; the interest run of a day in a closed month
is refused before it starts (its month-end interest would be dated there)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bank.actor import Actor
from bank.errors import ValidationError
from bank.ledger import periods
from bank.ledger import queries as ledger_queries
from bank.ledger.errors import EntryInClosedPeriod
from bank.ledger.models import JournalEntry
from bank.runs.record import validate_run_date

from . import factories

TODAY = dt.date(2026, 12, 4)
CLOSER = Actor(user_id=None, label="system:test", role="admin")


@pytest.fixture
def anna_account(session):
    account = factories.account(
        session, factories.member(session, last_name="Anna"), factories.product(session)
    )
    factories.deposit(session, account, "500.00", dt.date(2026, 3, 2))
    for number in range(1, 4):
        periods.close_month(session, dt.date(2026, number, 1), actor=CLOSER, today=TODAY)
    session.commit()
    return account


def test_a_backdated_deposit_into_a_closed_month_is_refused_and_books_nothing(session, anna_account) -> None:
    entries = session.scalar(select(func.count()).select_from(JournalEntry))
    with pytest.raises(EntryInClosedPeriod) as refused:
        factories.deposit(session, anna_account, "25.00", dt.date(2026, 3, 31))
    assert refused.value.fields == {
        "value_date": "falls in a closed period: the books are closed through 2026-03-31"
    }
    session.rollback()
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == entries
    assert ledger_queries.balance(session, anna_account.ledger_account_id) == Decimal("500.00")

    factories.deposit(session, anna_account, "25.00", dt.date(2026, 4, 1))
    assert ledger_queries.balance(session, anna_account.ledger_account_id) == Decimal("525.00")


def test_a_run_for_a_day_in_a_closed_month_is_refused(session, anna_account) -> None:
    with pytest.raises(ValidationError) as refused:
        validate_run_date(session, dt.date(2026, 3, 31))
    assert refused.value.fields == {
        "date": "must not be in a closed period (the books are closed through 2026-03-31); got 2026-03-31"
    }
    validate_run_date(session, dt.date(2026, 4, 1))
