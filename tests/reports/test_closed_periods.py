"""The reports of a closed period never change afterwards (issue 16, period close).

The statement tests' small bank (January to October 2026) closes January to October; the
balance sheet, the profit and loss account and the trial balance of the closed period are
downloaded; an entry dated in October is refused, a correction dated in November (naming
October) is posted; the same downloads are byte for byte what they were. A year closes the same
way: its result is moved to reserves, and its profit and loss account reads as before.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bank import clock
from bank.ledger import chart, periods
from bank.ledger.errors import EntryInClosedPeriod
from bank.ledger.models import JournalEntry
from bank.ledger.service import account_by_code, credit, debit, post
from bank.reports import queries as reports

#: The closed period's downloads: every table of the balance sheet, the P&L and the trial balance.
CLOSED_OCTOBER = [
    "/staff/reports/balance-sheet?as_of=2026-10-31&format=csv&table=assets",
    "/staff/reports/balance-sheet?as_of=2026-10-31&format=csv&table=liabilities",
    "/staff/reports/balance-sheet?as_of=2026-10-31&format=csv&table=equity",
    "/staff/reports/profit-and-loss?date_from=2026-01-01&date_to=2026-10-31&format=csv&table=income",
    "/staff/reports/profit-and-loss?date_from=2026-01-01&date_to=2026-10-31&format=csv&table=expenses",
    "/staff/reports/profit-and-loss?date_from=2026-10-01&date_to=2026-10-31&format=csv&table=result",
    "/staff/reports/trial-balance?as_of=2026-10-31&format=csv&table=trial-balance",
]


def _download(client, urls: list[str]) -> list[bytes]:
    answers = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        answers.append(response.data)
    return answers


def _close(session, actor, first: dt.date, last: dt.date) -> None:
    month = first
    while month <= last:
        periods.close_month(session, month, actor=actor, today=clock.today())
        month = periods.month_end(month) + dt.timedelta(days=1)
    session.commit()


def test_the_reports_of_a_closed_month_never_change(client, login_as, world, session, actor) -> None:
    _close(session, actor, dt.date(2026, 1, 1), dt.date(2026, 10, 1))
    login_as("admin")
    before = _download(client, CLOSED_OCTOBER)
    sheet_before = reports.balance_sheet(session, dt.date(2026, 10, 31))
    assert sheet_before.balanced and sheet_before.total_assets > 0

    settlement = account_by_code(session, chart.SETTLEMENT)
    fees = account_by_code(session, chart.FEE_INCOME)
    entries = session.scalar(select(func.count()).select_from(JournalEntry))
    with pytest.raises(EntryInClosedPeriod):
        post(
            session,
            "fee-forgotten:1",
            "fee",
            [debit(settlement, Decimal("25.00")), credit(fees, Decimal("25.00"))],
            dt.date(2026, 10, 31),
            actor,
        )
    session.rollback()
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == entries

    correction = post(
        session,
        "fee-forgotten:1",
        "fee",
        [debit(settlement, Decimal("25.00")), credit(fees, Decimal("25.00"))],
        dt.date(2026, 11, 2),
        actor,
        memo="Fee of October, booked late",
        corrects_month=dt.date(2026, 10, 1),
    )
    session.commit()
    assert correction.corrects_month == dt.date(2026, 10, 1)

    assert _download(client, CLOSED_OCTOBER) == before
    # The pages say which figures are closed.
    closed_page = client.get("/staff/reports/balance-sheet?as_of=2026-10-31").get_data(as_text=True)
    open_page = client.get("/staff/reports/balance-sheet?as_of=2026-11-28").get_data(as_text=True)
    assert 'id="closed-period"' in closed_page and 'id="closed-period"' not in open_page
    assert reports.balance_sheet(session, dt.date(2026, 10, 31)) == sheet_before
    # The open period has it: November's result is the 25.00.
    november = reports.profit_and_loss(session, dt.date(2026, 11, 1), dt.date(2026, 11, 28))
    assert november.total_income == Decimal("25.00")


def test_a_closed_year_keeps_its_result_and_its_balance_sheet(
    client, login_as, world, session, actor
) -> None:
    with clock.frozen(dt.date(2027, 1, 6)):
        _close(session, actor, dt.date(2026, 1, 1), dt.date(2026, 12, 1))
        year = reports.profit_and_loss(session, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
        assert year.result != 0
        closed = periods.close_year(session, 2026, actor=actor)
        session.commit()
        assert closed.result == year.result

        urls = [
            "/staff/reports/balance-sheet?as_of=2026-12-31&format=csv&table=equity",
            "/staff/reports/balance-sheet?as_of=2026-12-31&format=csv&table=assets",
            "/staff/reports/profit-and-loss?date_from=2026-01-01&date_to=2026-12-31&format=csv&table=result",
            "/staff/reports/profit-and-loss?date_from=2026-01-01&date_to=2026-12-31&format=csv&table=income",
        ]
        login_as("admin")
        before = _download(client, urls)
        # The closing entry is no income or expense: the year's P&L reads as it did before it.
        assert reports.profit_and_loss(session, dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == year
        # After it, the year's result stands in reserves (3200) and the result to date is zero.
        sheet = reports.balance_sheet(session, dt.date(2026, 12, 31))
        assert sheet.result == 0 and sheet.balanced
        assert {r.code: r.amount for r in sheet.equity}["3200"] == year.result

        income = account_by_code(session, chart.INTEREST_INCOME)
        settlement = account_by_code(session, chart.SETTLEMENT)
        post(
            session,
            "interest-late:1",
            "interest",
            [debit(settlement, Decimal("3.10")), credit(income, Decimal("3.10"))],
            dt.date(2027, 1, 5),
            actor,
            corrects_month=dt.date(2026, 12, 1),
        )
        session.commit()
        assert _download(client, urls) == before
