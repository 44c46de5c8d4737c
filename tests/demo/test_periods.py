"""The demo's period close: the bank's first year closed with its closing entry, this year's months
up to two months ago, by an administrator; it is the last step, and after it nothing posts there."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from bank import clock, demo
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.errors import EntryInClosedPeriod
from bank.ledger.models import ClosedMonth, ClosedYear, JournalEntry
from bank.ledger.service import account_by_code, credit, debit, post
from bank.runs.models import Run, RunJob, RunStatus

#: A fixed "today" so the story is the same on every day the suite runs.
TODAY = dt.date(2026, 11, 27)


def test_the_period_close_is_the_last_step() -> None:
    assert demo.STEPS[-1][1] is demo.periods.close_the_books


def test_the_first_year_and_this_years_months_up_to_two_months_ago_are_closed(
    session, tmp_path, actor
) -> None:
    context = demo.DemoContext(statement_dir=str(tmp_path / "pdf"), upload_dir=str(tmp_path / "uploads"))
    with clock.frozen(TODAY):
        context.opened_on = TODAY.replace(year=TODAY.year - 1)
        for step in (demo.staff.load_staff, demo.members.load_members, demo.money.load_money):
            step(session, context)
            session.flush()
        # The year's income (the servicing year brings it in the full demo).
        settlement = account_by_code(session, chart.SETTLEMENT)
        fees = account_by_code(session, chart.FEE_INCOME)
        post(
            session,
            "fee:2025",
            "fee",
            [debit(settlement, Decimal("12.50")), credit(fees, Decimal("12.50"))],
            dt.date(2025, 12, 10),
            actor,
        )
        # The servicing year's close days ran through yesterday (its own test covers them).
        session.add(
            Run(
                job=RunJob.CLOSE_DAY,
                business_date=TODAY - dt.timedelta(days=1),
                status=RunStatus.COMPLETED,
                started_by="system:scheduler",
                finished_at=clock.now_utc(),
            )
        )
        demo.periods.close_the_books(session, context)

        months = [m.first_day for m in ledger_queries.closed_months(session)]
        assert months[0] == dt.date(2025, 1, 1) and months[-1] == dt.date(2026, 9, 1) and len(months) == 21
        assert {m.closed_by_label for m in session.scalars(select(ClosedMonth))} == {
            "beheer@wijkbank.example"
        }
        year = session.scalar(select(ClosedYear))
        assert (year.year, year.result) == (2025, Decimal("12.50"))
        closing = session.get(JournalEntry, year.closing_entry_id)
        assert (closing.kind, closing.value_date) == ("year_end_closing", dt.date(2025, 12, 31))
        reserves = {r.code: r.balance for r in ledger_queries.trial_balance(session, dt.date(2025, 12, 31))}
        assert reserves["3200"] == year.result
        assert all(reserves[code] == 0 for code in ("4000", "4100", "5000", "5100"))
        assert ledger_queries.verify(session) == []

        with pytest.raises(EntryInClosedPeriod):
            post(
                session,
                "late:2025",
                "fee",
                [debit(settlement, Decimal("1.00")), credit(fees, Decimal("1.00"))],
                dt.date(2025, 12, 15),
                actor,
            )
