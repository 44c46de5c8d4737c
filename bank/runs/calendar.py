"""Business days of the bank: Monday to Friday except the TARGET2 (ECB) closing days.

Collections, payouts and the scheduler follow the euro clearing calendar, not the Dutch public
holidays: TARGET2 is closed on New Year's Day, Good Friday, Easter Monday, 1 May and 25/26
December. The ``holidays`` package publishes exactly that calendar as ``financial_holidays("ECB")``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _closing_days(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.financial_holidays("ECB", years=year).keys())


def is_business_day(day: dt.date) -> bool:
    """True on a weekday on which TARGET2 is open."""
    return day.weekday() < 5 and day not in _closing_days(day.year)


@lru_cache(maxsize=4096)
def next_business_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += dt.timedelta(days=1)
    return day


def previous_business_day(day: dt.date) -> dt.date:
    """The last business day strictly before ``day``."""
    day -= dt.timedelta(days=1)
    while not is_business_day(day):
        day -= dt.timedelta(days=1)
    return day


@lru_cache(maxsize=4096)
def collection_cutoff(run_date: dt.date) -> dt.date:
    """The latest due date a run for ``run_date`` collects.

    A due date on a weekend or TARGET2 holiday is collected on the next business day, so a run
    on a business day takes everything due up to and including its own date, and a run on a
    closed day only what a business day before it would have taken.
    """
    if is_business_day(run_date):
        return run_date
    return previous_business_day(run_date)


def business_days(start: dt.date, end: dt.date) -> Iterator[dt.date]:
    """Every business day from ``start`` to ``end``, both included, in order."""
    day = start
    while day <= end:
        if is_business_day(day):
            yield day
        day += dt.timedelta(days=1)
