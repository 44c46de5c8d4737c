"""Period close (periodeafsluiting): closing months and years of the books (issue 16).

A closed month takes no entry dated in it (``service._refuse_closed_period``); a correction is
dated in the open period and names the month it corrects (``EntryRequest.corrects_month``), so
the balance sheet and the result of a closed period never change afterwards. Months close in
order, one after the other, and only once they have ended; they never reopen. A year closes once
its twelve months are closed: its closing entry (afsluitboeking), dated the year's last day,
moves every income and expense account's balance to the reserves (3200), so the next year's
result starts at zero. That entry is the one entry a closed period takes.

The rows are the record of who closed what and when; the service writes nothing else and
commits nothing (the command or the page commits).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank.actor import Actor
from bank.calendar import add_months
from bank.errors import N_, ValidationError
from bank.ledger import chart
from bank.ledger.models import YEAR_END_CLOSING, AccountType, ClosedMonth, ClosedYear, JournalEntry
from bank.ledger.queries import closed_months, closed_years, trial_balance
from bank.ledger.service import (
    EntryRequest,
    Line,
    account_by_code,
    credit,
    debit,
    post_year_end_closing,
)
from bank.money import ZERO


def month_start(day: dt.date) -> dt.date:
    """The first day of ``day``'s month: a month is named by its first day."""
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    """The last day of ``day``'s month."""
    return add_months(month_start(day), 1) - dt.timedelta(days=1)


def month_label(day: dt.date) -> str:
    """``2026-03``: how a month is named in messages and on the command line."""
    return f"{day:%Y-%m}"


def parse_month(text: str) -> dt.date:
    """``YYYY-MM`` → the month's first day; a ValidationError on the field ``month`` otherwise."""
    try:
        return dt.date.fromisoformat(f"{text.strip()}-01") if len(text.strip()) == 7 else _bad_month()
    except ValueError:
        return _bad_month()


def _bad_month() -> dt.date:
    raise ValidationError("month", N_("must be a month as YYYY-MM"))


def first_entry_day(session: Session) -> dt.date | None:
    """The earliest value date in the books (None when nothing was ever posted)."""
    return session.scalar(select(func.min(JournalEntry.value_date)))


def next_month_to_close(session: Session) -> dt.date | None:
    """The month that closes next: the one after the last closed month, else January of the
    books' first year (a year closes with all its twelve months, the empty ones before the first
    entry too). None while the books are empty and nothing is closed."""
    last = session.scalar(select(func.max(ClosedMonth.first_day)))
    if last is not None:
        return add_months(last, 1)
    first = first_entry_day(session)
    return None if first is None else dt.date(first.year, 1, 1)


def close_month(session: Session, month: dt.date, *, actor: Actor, today: dt.date) -> ClosedMonth:
    """Close ``month`` (any day of it): from now on no entry may be dated in it.

    Refused, naming the rule, for a month that has not ended (its last day must be before
    ``today``), a month already closed, and a month out of order (the one after the last closed
    month; the first is January of the books' first year, see :func:`next_month_to_close`).
    """
    first_day = month_start(month)
    last_day = month_end(first_day)
    label = month_label(first_day)
    if session.scalar(select(ClosedMonth.id).where(ClosedMonth.first_day == first_day)) is not None:
        raise ValidationError(
            "month", N_("%(month)s is already closed: a month is closed only once"), month=label
        )
    if last_day >= today:
        raise ValidationError(
            "month",
            N_("%(month)s has not ended yet: a month can be closed from the day after its last day"),
            month=label,
        )
    following = next_month_to_close(session)
    if following is not None and first_day != following:
        raise ValidationError(
            "month",
            N_("months close in order: the next month to close is %(next)s, not %(month)s"),
            next=month_label(following),
            month=label,
        )
    closed = ClosedMonth(
        first_day=first_day, last_day=last_day, closed_by_id=actor.user_id, closed_by_label=actor.label
    )
    session.add(closed)
    session.flush()
    return closed


@dataclass(frozen=True)
class ResultLine:
    """An income or expense account's balance at the year's end (on its normal side)."""

    account_id: int
    code: str
    name: str
    type: AccountType
    balance: Decimal


@dataclass(frozen=True)
class YearResult:
    """What a year's closing moves to the reserves: each income and expense account's balance."""

    balances: tuple[ResultLine, ...]

    @property
    def income(self) -> Decimal:
        return sum((b.balance for b in self.balances if b.type is AccountType.INCOME), ZERO)

    @property
    def expense(self) -> Decimal:
        return sum((b.balance for b in self.balances if b.type is AccountType.EXPENSE), ZERO)

    @property
    def result(self) -> Decimal:
        """Income minus expense: a profit is positive, a loss negative."""
        return self.income - self.expense


def year_result(session: Session, year: int) -> YearResult:
    """The income and expense balances as of the year's last day (earlier years were closed to zero)."""
    rows = trial_balance(session, dt.date(year, 12, 31), roll_up=False)
    return YearResult(
        tuple(
            ResultLine(row.account_id, row.code, row.name, row.type, row.balance)
            for row in rows
            if row.type in (AccountType.INCOME, AccountType.EXPENSE) and row.balance != 0
        )
    )


def closing_lines(result: YearResult, reserves_id: int) -> list[Line]:
    """Lines that bring every income and expense account to zero, the difference to reserves."""
    lines: list[Line] = []
    for line in result.balances:
        # Income is credit-normal: a credit balance is taken off with a debit (and the other way).
        take_off_by_debit = (line.type is AccountType.INCOME) == (line.balance > 0)
        lines.append((debit if take_off_by_debit else credit)(line.account_id, abs(line.balance)))
    if result.result > 0:
        lines.append(credit(reserves_id, result.result))
    elif result.result < 0:
        lines.append(debit(reserves_id, -result.result))
    return lines


def close_year(session: Session, year: int, *, actor: Actor) -> ClosedYear:
    """Close ``year``: post its closing entry (result to 3200, dated 31 December) and mark it closed.

    Refused while a month of the year is open, when the year is closed already, or when the year
    before has closed months but was not closed itself (years close in order too).
    """
    if session.scalar(select(ClosedYear.id).where(ClosedYear.year == year)) is not None:
        raise ValidationError(
            "year", N_("%(year)s is already closed: a year is closed only once"), year=str(year)
        )
    closed = {
        m.first_day
        for m in session.scalars(
            select(ClosedMonth).where(
                ClosedMonth.first_day >= dt.date(year, 1, 1), ClosedMonth.first_day <= dt.date(year, 12, 1)
            )
        )
    }
    open_months = [
        month_label(dt.date(year, m, 1)) for m in range(1, 13) if dt.date(year, m, 1) not in closed
    ]
    if open_months:
        raise ValidationError(
            "year",
            N_(
                "%(year)s still has open months (%(months)s): a year closes once all its twelve months"
                " are closed"
            ),
            year=str(year),
            months=", ".join(open_months),
        )
    before = session.scalar(
        select(func.count(ClosedMonth.id)).where(
            ClosedMonth.first_day >= dt.date(year - 1, 1, 1),
            ClosedMonth.first_day <= dt.date(year - 1, 12, 1),
        )
    )
    if before and session.scalar(select(ClosedYear.id).where(ClosedYear.year == year - 1)) is None:
        raise ValidationError(
            "year", N_("years close in order: close %(previous)s first"), previous=str(year - 1)
        )
    result = year_result(session, year)
    entry_id = None
    if result.balances:
        reserves = account_by_code(session, chart.RESERVES)
        request = EntryRequest(
            f"year-end-closing:{year}",
            YEAR_END_CLOSING,
            closing_lines(result, reserves.id),
            dt.date(year, 12, 31),
            f"Year-end closing {year}: result to reserves",
        )
        entry_id = post_year_end_closing(session, request, actor=actor)
    row = ClosedYear(
        year=year,
        closed_by_id=actor.user_id,
        closed_by_label=actor.label,
        closing_entry_id=entry_id,
        result=result.result,
    )
    session.add(row)
    session.flush()
    return row


@dataclass(frozen=True)
class MonthState:
    """One month on the period close page: closed (by whom, when), next to close, or open."""

    first_day: dt.date
    closed: ClosedMonth | None
    #: The month that closes next, and it has ended: the page offers to close it.
    closable: bool
    #: Still running (its last day is today or later).
    running: bool

    @property
    def label(self) -> str:
        return month_label(self.first_day)


@dataclass(frozen=True)
class YearState:
    year: int
    closed: ClosedYear | None
    months: tuple[MonthState, ...]
    #: Every month closed, the year not yet: the page offers to close it.
    closable: bool


def overview(session: Session, *, today: dt.date) -> list[YearState]:
    """Every year of the books, newest first, each with its twelve months and their state."""
    months = {m.first_day: m for m in closed_months(session)}
    years = {y.year: y for y in closed_years(session)}
    first = first_entry_day(session)
    starts = [d for d in (min(months, default=None), first) if d is not None]
    first_year = min(starts).year if starts else today.year
    next_month = next_month_to_close(session)
    result = []
    for year in range(today.year, first_year - 1, -1):
        states = []
        for number in range(1, 13):
            day = dt.date(year, number, 1)
            states.append(
                MonthState(
                    day,
                    months.get(day),
                    closable=day == next_month and month_end(day) < today,
                    running=month_end(day) >= today,
                )
            )
        all_closed = all(s.closed is not None for s in states)
        result.append(
            YearState(year, years.get(year), tuple(states), closable=all_closed and year not in years)
        )
    return result
