"""Property: however the close days fall, a period's daily accruals sum to its instalment's interest.

For random loans (principal, rate, term, method, day count, disbursement day) a random period of
the stored schedule is accrued on random run days (missed days caught up by the next run), the
last run on or after the due date: every run posts the difference of the cumulative amount, never
a negative one, and the sum is the instalment's interest to the cent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from bank.calendar import is_business_day
from bank.loans.accrual import accrual_through, accrued_cents, day_count_days
from bank.loans.schedule import DayCount, Frequency, Method, ScheduleTerms, build_schedule
from bank.money import to_cents


@st.composite
def periods(draw: st.DrawFn) -> tuple[int, dt.date, dt.date, str, list[dt.date]]:
    terms = ScheduleTerms(
        principal=Decimal(draw(st.integers(100_000, 50_000_000))) / 100,
        rate_annual=Decimal(draw(st.integers(1, 2_000))) / 10_000,
        term=draw(st.integers(1, 120)),
        method=draw(st.sampled_from(list(Method))),
        frequency=draw(st.sampled_from(list(Frequency))),
        disbursed_on=dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, 1500))),
        day_count=draw(st.sampled_from(list(DayCount))),
    )
    schedule = build_schedule(terms)
    index = draw(st.integers(0, len(schedule.instalments) - 1))
    start = terms.disbursed_on if index == 0 else schedule.instalments[index - 1].due_on
    item = schedule.instalments[index]
    length = (item.due_on - start).days
    offsets = draw(st.lists(st.integers(1, length + 5), min_size=0, max_size=40))
    last = draw(st.integers(length, length + 5))  # a run on or after the due date
    days = sorted({start + dt.timedelta(days=offset) for offset in [*offsets, last]})
    return to_cents(item.interest), start, item.due_on, terms.day_count.value, days


@settings(max_examples=300, deadline=None)
@given(periods())
def test_daily_accruals_of_a_period_sum_to_its_interest(period):
    interest, start, due_on, day_count, run_days = period
    accrued = 0
    for day in run_days:
        target = accrued_cents(interest, start, due_on, day, day_count)
        if day < due_on:
            days = day_count_days(day_count, start, due_on)
            elapsed = min(max(day_count_days(day_count, start, day), 0), days)
            exact = Fraction(interest * elapsed, days)
            assert abs(target - exact) <= Fraction(1, 2)  # rounded to the nearest cent
        delta = target - accrued
        assert delta >= 0
        accrued += delta
    assert accrued == interest


@settings(deadline=None)
@given(st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31)))
def test_a_run_accrues_its_own_day_or_through_the_month_end_never_into_the_next_month(day):
    through = accrual_through(day)
    assert through >= day and (through.year, through.month) == (day.year, day.month)
    # Only days no business day's run would reach before the month ends.
    skipped = [day + dt.timedelta(days=n) for n in range(1, (through - day).days + 1)]
    assert not any(is_business_day(other) for other in skipped)
    if through > day:
        assert (through + dt.timedelta(days=1)).day == 1
