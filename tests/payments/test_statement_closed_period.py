"""A statement line the clearing bank booked in a month since closed (period close, issue 16): it is
booked on the first open day, its entry names the month it belongs to, the statement line keeps
the bank's own dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from bank import clock
from bank.actor import Actor
from bank.ledger import periods
from bank.ledger.models import JournalEntry
from bank.payments.statement_models import BankStatementLine
from bench.payments import Transaction

from . import statement_world as sw
from .statement_world import ANNA_IBAN

D = Decimal
TODAY = dt.date(2026, 12, 4)
CLOSER = Actor(user_id=None, label="system:test", role="admin")


@pytest.fixture
def bank(session):
    built = sw.build(session)
    session.commit()
    return built


def test_a_late_line_of_a_closed_month_is_booked_on_the_first_open_day(session, app, bank, tmp_path) -> None:
    with clock.frozen(TODAY):
        month = dt.date(2026, 1, 1)
        while month <= dt.date(2026, 10, 1):
            periods.close_month(session, month, actor=CLOSER, today=TODAY)
            month = periods.month_end(month) + dt.timedelta(days=1)
        session.commit()
        before = sw.balance(session, sw.SETTLEMENT)

        path = sw.write(
            tmp_path,
            [Transaction(D("100.00"), None, None, "A. Jansen", ANNA_IBAN, "inleg oktober")],
            booked_on=dt.date(2026, 10, 30),
        )
        result = sw.run_import(session, app, path)
        session.commit()

    assert not result.refused and result.lines == 1
    [line] = session.scalars(select(BankStatementLine)).all()
    assert line.booking_on == dt.date(2026, 10, 30)  # the bank's date, as it sent it
    entry = session.get(JournalEntry, line.journal_entry_id)
    assert (entry.value_date, entry.corrects_month) == (dt.date(2026, 11, 1), dt.date(2026, 10, 1))
    assert sw.balance(session, sw.SETTLEMENT) == before + D("100.00")
