"""Period close (bank.ledger.periods): closed months take no entry, years close to reserves.

A worked example: a small year of income and expense, every month of 2025 closed in order, the
year closed (its closing entry zeroes 4000, 4100, 5000 and moves the result to 3200), and each
refusal with its rule: an entry dated in a closed month (nothing written, also in a batch), a
month not yet ended, a month out of order, a month closed twice, a year with an open month.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from flask.cli import ScriptInfo
from sqlalchemy import func, select

from bank import clock
from bank.cli import cli
from bank.errors import ValidationError
from bank.ledger import chart, periods
from bank.ledger.errors import EntryInClosedPeriod
from bank.ledger.models import ClosedMonth, ClosedYear, JournalEntry, Posting
from bank.ledger.queries import balance, closed_through, open_value_date, trial_balance, verify
from bank.ledger.service import EntryRequest, account_by_code, post, post_many, reverse
from bank.runs.models import Run, RunJob, RunStatus

from .conftest import move

TODAY = dt.date(2026, 12, 4)


@pytest.fixture
def books(session, settlement, open_member_account, actor):
    """Anna's deposits in 2025 and 2026, interest earned (4000), a fee (4100), savings interest (5000)."""
    anna = open_member_account("Anna")
    income = account_by_code(session, chart.INTEREST_INCOME)
    fees = account_by_code(session, chart.FEE_INCOME)
    savings_interest = account_by_code(session, chart.SAVINGS_INTEREST_EXPENSE)
    post(session, "d:1", "deposit", move(settlement, anna, "1000.00"), dt.date(2025, 3, 10), actor)
    post(session, "i:1", "interest", move(settlement, income, "120.50"), dt.date(2025, 6, 30), actor)
    post(session, "f:1", "fee", move(settlement, fees, "15.00"), dt.date(2025, 9, 1), actor)
    post(
        session,
        "s:1",
        "savings_interest",
        move(savings_interest, anna, "30.25"),
        dt.date(2025, 12, 31),
        actor,
    )
    post(session, "i:2", "interest", move(settlement, income, "10.00"), dt.date(2026, 1, 15), actor)
    session.commit()
    return {"anna": anna, "income": income, "fees": fees, "savings_interest": savings_interest}


def _close_through(session, actor, last: dt.date, first: dt.date = dt.date(2025, 1, 1)) -> None:
    month = first
    while month <= last:
        periods.close_month(session, month, actor=actor, today=TODAY)
        month = periods.month_end(month) + dt.timedelta(days=1)
    session.commit()  # as the command does: a refusal's rollback keeps the closed months


def _counts(session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(JournalEntry)),
        session.scalar(select(func.count()).select_from(Posting)),
    )


def test_a_closed_month_refuses_entries_dated_in_it_and_takes_them_in_the_open_period(
    session, books, settlement, actor
) -> None:
    _close_through(session, actor, dt.date(2025, 3, 1))
    assert closed_through(session) == dt.date(2025, 3, 31)
    before = _counts(session)

    with pytest.raises(EntryInClosedPeriod) as refused:
        post(
            session, "late:1", "deposit", move(settlement, books["anna"], "5.00"), dt.date(2025, 3, 31), actor
        )
    assert (
        refused.value.fields["value_date"]
        == "falls in a closed period: the books are closed through 2025-03-31"
    )
    session.rollback()
    assert _counts(session) == before

    # A batch is refused whole when one of its entries is dated in the closed period.
    requests = [
        EntryRequest("b:1", "deposit", move(settlement, books["anna"], "1.00"), dt.date(2025, 4, 1)),
        EntryRequest("b:2", "deposit", move(settlement, books["anna"], "2.00"), dt.date(2025, 2, 28)),
    ]
    with pytest.raises(EntryInClosedPeriod, match="entry 'b:2' is dated 2025-02-28"):
        post_many(session, requests, actor=actor)
    session.rollback()
    assert _counts(session) == before

    # The first open day takes it, saying which month it corrects.
    entry = post(
        session,
        "late:1",
        "deposit",
        move(settlement, books["anna"], "5.00"),
        dt.date(2025, 4, 1),
        actor,
        corrects_month=dt.date(2025, 3, 31),
    )
    assert (entry.value_date, entry.corrects_month) == (dt.date(2025, 4, 1), dt.date(2025, 3, 1))
    assert balance(session, books["anna"].id) == Decimal("1035.25")
    assert verify(session) == []


def test_a_batch_reads_the_closed_period_once(session, books, settlement, actor) -> None:
    """One read of the closed period per batch, not one per entry."""
    from sqlalchemy import event

    _close_through(session, actor, dt.date(2025, 3, 1))
    session.commit()
    seen: list[str] = []
    engine = session.get_bind()

    def count(_conn, _cursor, statement, *_args) -> None:
        if "ledger_closed_months" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        post_many(
            session,
            [
                EntryRequest(
                    f"many:{n}", "deposit", move(settlement, books["anna"], "1.00"), dt.date(2025, 5, n)
                )
                for n in range(1, 31)
            ],
            actor=actor,
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(seen) == 1


def test_an_entry_posted_before_the_close_is_still_the_answer_to_its_key(
    session, books, settlement, actor
) -> None:
    """Idempotency outlives the close: the same key and content returns the entry, it is no refusal."""
    first = session.scalar(select(JournalEntry).where(JournalEntry.idempotency_key == "d:1"))
    _close_through(session, actor, dt.date(2025, 3, 1))
    again = post(
        session, "d:1", "deposit", move(settlement, books["anna"], "1000.00"), dt.date(2025, 3, 10), actor
    )
    assert again.id == first.id


def test_a_reversal_of_a_closed_entry_is_dated_in_the_open_period_and_names_the_month(
    session, books, actor
) -> None:
    _close_through(session, actor, dt.date(2025, 6, 1))
    interest = session.scalar(select(JournalEntry).where(JournalEntry.idempotency_key == "i:1"))
    with pytest.raises(EntryInClosedPeriod):
        reverse(session, interest.id, reason="booked twice", actor=actor, value_date=dt.date(2025, 6, 30))
    session.rollback()
    reversal = reverse(
        session, interest.id, reason="booked twice", actor=actor, value_date=dt.date(2025, 7, 2)
    )
    assert (reversal.value_date, reversal.corrects_month) == (dt.date(2025, 7, 2), dt.date(2025, 6, 1))


def test_open_value_date_moves_a_past_date_to_the_first_open_day() -> None:
    assert open_value_date(dt.date(2025, 3, 5), None) == dt.date(2025, 3, 5)
    assert open_value_date(dt.date(2025, 3, 5), dt.date(2025, 4, 1)) == dt.date(2025, 4, 1)
    assert open_value_date(dt.date(2025, 4, 2), dt.date(2025, 4, 1)) == dt.date(2025, 4, 2)


def test_closing_months_in_order_and_the_year_to_reserves(session, books, actor) -> None:
    _close_through(session, actor, dt.date(2025, 12, 1))
    row = periods.close_year(session, 2025, actor=actor)
    session.commit()

    # 120.50 interest + 15.00 fees - 30.25 savings interest = 105.25 to reserves.
    assert row.result == Decimal("105.25")
    closing = session.get(JournalEntry, row.closing_entry_id)
    assert (closing.kind, closing.value_date) == ("year_end_closing", dt.date(2025, 12, 31))
    lines = sorted((p.account.code, p.side.value, p.amount) for p in closing.postings)
    assert lines == [
        ("3200", "credit", Decimal("105.25")),
        ("4000", "debit", Decimal("120.50")),
        ("4100", "debit", Decimal("15.00")),
        ("5000", "credit", Decimal("30.25")),
    ]
    by_code = {r.code: r.balance for r in trial_balance(session, dt.date(2025, 12, 31))}
    assert (by_code["4000"], by_code["4100"], by_code["5000"], by_code["3200"]) == (
        0,
        0,
        0,
        Decimal("105.25"),
    )
    # 2026 starts its result at zero: only January's 10.00.
    assert {r.code: r.balance for r in trial_balance(session)}["4000"] == Decimal("10.00")
    assert verify(session) == []
    assert periods.next_month_to_close(session) == dt.date(2026, 1, 1)


def test_a_year_with_a_loss_debits_reserves(session, settlement, open_member_account, actor) -> None:
    anna = open_member_account("Anna")
    expense = account_by_code(session, chart.SAVINGS_INTEREST_EXPENSE)
    post(session, "s:1", "savings_interest", move(expense, anna, "40.00"), dt.date(2025, 12, 31), actor)
    income = account_by_code(session, chart.INTEREST_INCOME)
    post(session, "i:1", "interest", move(settlement, income, "15.00"), dt.date(2025, 5, 2), actor)
    _close_through(session, actor, dt.date(2025, 12, 1))
    row = periods.close_year(session, 2025, actor=actor)
    assert row.result == Decimal("-25.00")
    lines = sorted(
        (p.account.code, p.side.value, p.amount)
        for p in session.get(JournalEntry, row.closing_entry_id).postings
    )
    assert lines == [
        ("3200", "debit", Decimal("25.00")),
        ("4000", "debit", Decimal("15.00")),
        ("5000", "credit", Decimal("40.00")),
    ]


@pytest.mark.parametrize(
    ("month", "rule"),
    [
        (
            dt.date(2026, 12, 1),
            "2026-12 has not ended yet: a month can be closed from the day after its last day",
        ),
        (dt.date(2026, 11, 30), None),  # November has ended on 4 December: allowed when next in order
    ],
)
def test_a_month_that_has_not_ended_is_refused(session, actor, month, rule) -> None:
    _close_through(session, actor, dt.date(2026, 10, 1), first=dt.date(2026, 1, 1))
    if rule is None:
        assert periods.close_month(session, month, actor=actor, today=TODAY).last_day == dt.date(2026, 11, 30)
        return
    session.commit()
    with pytest.raises(ValidationError) as refused:
        periods.close_month(session, month, actor=actor, today=TODAY)
    assert refused.value.fields == {"month": rule}
    # The last day itself is not after it: November is refused on 30 November.
    with pytest.raises(ValidationError, match="2026-11 has not ended yet"):
        periods.close_month(session, dt.date(2026, 11, 1), actor=actor, today=dt.date(2026, 11, 30))


def test_months_close_in_order_and_once(session, books, actor) -> None:
    with pytest.raises(ValidationError) as refused:
        periods.close_month(session, dt.date(2025, 4, 1), actor=actor, today=TODAY)
    assert refused.value.fields == {
        "month": "months close in order: the next month to close is 2025-01, not 2025-04"
    }
    _close_through(session, actor, dt.date(2025, 2, 1))
    with pytest.raises(ValidationError) as refused:
        periods.close_month(session, dt.date(2025, 5, 1), actor=actor, today=TODAY)
    assert refused.value.fields == {
        "month": "months close in order: the next month to close is 2025-03, not 2025-05"
    }
    with pytest.raises(ValidationError) as refused:
        periods.close_month(session, dt.date(2025, 2, 14), actor=actor, today=TODAY)
    assert refused.value.fields == {"month": "2025-02 is already closed: a month is closed only once"}
    assert session.scalar(select(func.count()).select_from(ClosedMonth)) == 2


def test_a_year_with_an_open_month_is_refused_and_nothing_is_posted(session, books, actor) -> None:
    _close_through(session, actor, dt.date(2025, 10, 1))
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        periods.close_year(session, 2025, actor=actor)
    assert refused.value.fields == {
        "year": "2025 still has open months (2025-11, 2025-12):"
        " a year closes once all its twelve months are closed"
    }
    assert _counts(session) == before
    assert session.scalar(select(func.count()).select_from(ClosedYear)) == 0


def test_a_year_closes_once(session, books, actor) -> None:
    _close_through(session, actor, dt.date(2025, 12, 1))
    periods.close_year(session, 2025, actor=actor)
    with pytest.raises(ValidationError, match="2025 is already closed"):
        periods.close_year(session, 2025, actor=actor)


@pytest.fixture
def run(app, session):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        session.commit()  # SQLite: the test's session must not hold a read lock while the command writes
        result = runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))
        session.expire_all()
        return result

    return invoke


def days_closed_through(session, day: dt.date) -> None:
    """The close-day run of ``day`` completed (what ``bank.day.close_month`` asks of a month)."""
    session.add(
        Run(
            job=RunJob.CLOSE_DAY,
            business_date=day,
            status=RunStatus.COMPLETED,
            started_by="test",
            finished_at=clock.now_utc(),
        )
    )
    session.commit()


def test_the_commands_close_months_and_the_year_and_refuse_with_status_2(run, session, books) -> None:
    with clock.frozen(TODAY):
        refused = run("periods", "close", "--month", "2025-04")
        assert (refused.exit_code, refused.output.strip()) == (
            2,
            "error: --month months close in order: the next month to close is 2025-01, not 2025-04",
        )
        days_closed_through(session, dt.date(2025, 11, 28))
        for month in range(1, 11):
            assert run("periods", "close", "--month", f"2025-{month:02d}").exit_code == 0
        # November ends on a Sunday: its savings interest, dated 30 November, comes with Monday's run.
        monday = run("periods", "close", "--month", "2025-11")
        assert (monday.exit_code, monday.output.strip()) == (
            2,
            "error: --month the close day of 2025-12-01, which posts the savings interest of 2025-11,"
            " has not completed: close that day first",
        )
        days_closed_through(session, dt.date(2025, 12, 1))
        assert run("periods", "close", "--month", "2025-11").exit_code == 0
        # December's last business day (31 December) has not been closed: the month waits for it.
        waiting = run("periods", "close", "--month", "2025-12")
        assert (waiting.exit_code, waiting.output.strip()) == (
            2,
            "error: --month the close day of 2025-12-31 has not completed:"
            " close every business day of 2025-12 first",
        )
        assert session.scalar(select(func.count()).select_from(ClosedMonth)) == 11
        days_closed_through(session, dt.date(2025, 12, 31))
        result = run("periods", "close", "--month", "2025-12")
        assert result.exit_code == 0, result.output
        assert result.output.strip() == "2025-12 closed: no entry may be dated on or before 2025-12-31"

        twice = run("periods", "close", "--month", "2025-12")
        assert (twice.exit_code, twice.output.strip()) == (
            2,
            "error: --month 2025-12 is already closed: a month is closed only once",
        )
        bad = run("periods", "close", "--month", "2025-13")
        assert (bad.exit_code, bad.output.strip()) == (2, "error: --month must be a month as YYYY-MM")
        early = run("periods", "close-year", "--year", "2026")
        assert early.exit_code == 2
        assert early.output.startswith("error: --year 2026 still has open months (2026-01, 2026-02,")

        year = run("periods", "close-year", "--year", "2025", "--json")
        assert year.exit_code == 0, year.output
        closed = json.loads(year.output)
        assert (closed["year"], closed["result"], closed["closed_by"]) == (
            2025,
            "105.25",
            "system:period-close",
        )

        listed = json.loads(run("periods", "list", "--json").output)
        assert [m["month"] for m in listed["months"]] == [f"2025-{m:02d}" for m in range(1, 13)]
        assert listed["next_month"] == "2026-01"
    assert session.scalar(select(ClosedYear.result).where(ClosedYear.year == 2025)) == Decimal("105.25")
