"""The bank's calendar: business days (Monday to Friday except the TARGET2 closing days) and months.

It sits at the bottom beside ``money.py`` and ``clock.py`` because loans, pools, runs and the web
all count in it; in a feature package it tied that package to every other one that needs a date.
Collections, payouts and the scheduler follow the euro clearing calendar, not the Dutch public
holidays: TARGET2 is closed on New Year's Day, Good Friday, Easter Monday, 1 May and 25/26
December. The ``holidays`` package publishes exactly that calendar as ``financial_holidays("ECB")``.
"""

from __future__ import annotations

import calendar
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


def add_months(start: dt.date, months: int) -> dt.date:
    """``start`` plus whole calendar months, the day clipped to the end of a shorter month."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(start.day, calendar.monthrange(year, month)[1]))
