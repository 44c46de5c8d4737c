"""Savings interest: accrued actual/365 on each day's closing balance, posted at month end.

For each deposit account and calendar month the interest is

    sum over the days d of the month of  closing_balance(d) × rate_annual(d) / 365

with the product's rate in force on that day (``SavingsProductRate.effective_from``), summed
exactly (integer cents × integer rate parts) and rounded half-up to the cent once, when it is
posted on the last day of the month: Dr 5000 savings interest expense / Cr the member's
account, key ``savings-interest:{account_id}:{YYYY-MM}``, once per account per month. A leap
year still divides by 365 (actual/365 fixed). Balances come from the postings by value date,
set-based per batch of accounts (one grouped query for the opening balances, one for the
month's daily movements), so the job never reads account by account.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterator
from functools import partial

from sqlalchemy import BigInteger, case, func, select, type_coerce
from sqlalchemy.orm import Session

from bank.actor import system
from bank.db import RATE_SCALE
from bank.ledger import chart
from bank.ledger.models import JournalEntry, Posting, Side
from bank.ledger.service import EntryRequest, account_by_code, credit, debit, post_many
from bank.money import from_cents
from bank.runs.models import Run
from bank.savings.models import DepositAccount, DepositAccountStatus, SavingsProductRate

ACTOR = system("savings-interest")


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def month_ends(since: dt.date, until: dt.date, *, include_start: bool) -> Iterator[dt.date]:
    """Last days of months after ``since`` (or on it, with ``include_start``) up to ``until``."""
    current = month_end(since)
    while current <= until:
        if current > since or (include_start and current >= since):
            yield current
        current = month_end(current + dt.timedelta(days=1))


def interest_key(account_id: int, month_last_day: dt.date) -> str:
    return f"savings-interest:{account_id}:{month_last_day:%Y-%m}"


def _rate_table(session: Session) -> dict[int, tuple[list[dt.date], list[int]]]:
    """Per product: effective dates and the scaled rates from them (ascending)."""
    table: dict[int, tuple[list[dt.date], list[int]]] = defaultdict(lambda: ([], []))
    rows = session.execute(
        select(
            SavingsProductRate.product_id,
            SavingsProductRate.effective_from,
            type_coerce(SavingsProductRate.rate_annual, BigInteger),
        ).order_by(SavingsProductRate.product_id, SavingsProductRate.effective_from)
    )
    for product_id, effective_from, rate in rows:
        dates, rates = table[product_id]
        dates.append(effective_from)
        rates.append(int(rate))
    return table


def _rate_on(table: dict[int, tuple[list[dt.date], list[int]]], product_id: int, day: dt.date) -> int:
    dates, rates = table.get(product_id, ([], []))
    index = bisect.bisect_right(dates, day) - 1
    return rates[index] if index >= 0 else 0


_SIGNED = case(
    (Posting.side == Side.CREDIT, type_coerce(Posting.amount, BigInteger)),
    else_=-type_coerce(Posting.amount, BigInteger),
)


def month_interest_cents(
    opening_cents: int,
    movements: dict[dt.date, int],
    first_day: dt.date,
    last_day: dt.date,
    rate_for: Callable[[dt.date], int],
) -> int:
    """Interest of one account for the days ``first_day``..``last_day``, exact then rounded half-up."""
    balance = opening_cents
    numerator = 0
    day = first_day
    while day <= last_day:
        balance += movements.get(day, 0)
        if balance > 0:
            numerator += balance * rate_for(day)
        day += dt.timedelta(days=1)
    denominator = 365 * RATE_SCALE
    return (2 * numerator + denominator) // (2 * denominator)


def post_month(
    session: Session,
    run: Run,
    last_day: dt.date,
    *,
    batch_size: int = 500,
    progress: Callable[[int, int], None] | None = None,
    end_batch: Callable[[], None] | None = None,
) -> None:
    """Post one month's interest for every account, batch by batch (one commit each)."""
    end_batch = end_batch or session.commit
    first_day = last_day.replace(day=1)
    rates = _rate_table(session)
    expense = account_by_code(session, chart.SAVINGS_INTEREST_EXPENSE).id
    base = select(DepositAccount.id, DepositAccount.ledger_account_id, DepositAccount.product_id).where(
        DepositAccount.opened_on <= last_day, DepositAccount.status != DepositAccountStatus.CLOSED
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    session.add(run)
    run.progress_total += total
    end_batch()
    last_id = 0
    while True:
        accounts = session.execute(
            base.where(DepositAccount.id > last_id).order_by(DepositAccount.id).limit(batch_size)
        ).all()
        if not accounts:
            break
        last_id = accounts[-1].id
        keys = {interest_key(a.id, last_day): a for a in accounts}
        done = set(
            session.scalars(
                select(JournalEntry.idempotency_key).where(JournalEntry.idempotency_key.in_(keys))
            )
        )
        todo = [a for key, a in keys.items() if key not in done]
        ledger_ids = [a.ledger_account_id for a in todo]
        opening: dict[int, int] = {}
        movements: dict[int, dict[dt.date, int]] = defaultdict(dict)
        if ledger_ids:
            opening = {
                account_id: int(amount or 0)
                for account_id, amount in session.execute(
                    select(Posting.account_id, func.sum(_SIGNED))
                    .where(Posting.account_id.in_(ledger_ids), Posting.value_date < first_day)
                    .group_by(Posting.account_id)
                )
            }
            for account_id, value_date, amount in session.execute(
                select(Posting.account_id, Posting.value_date, func.sum(_SIGNED))
                .where(
                    Posting.account_id.in_(ledger_ids),
                    Posting.value_date >= first_day,
                    Posting.value_date <= last_day,
                )
                .group_by(Posting.account_id, Posting.value_date)
            ):
                movements[account_id][value_date] = int(amount or 0)
        requests: list[EntryRequest] = []
        paid = 0
        for account in todo:
            cents = month_interest_cents(
                opening.get(account.ledger_account_id, 0),
                movements.get(account.ledger_account_id, {}),
                first_day,
                last_day,
                partial(_rate_on, rates, account.product_id),
            )
            if cents <= 0:
                continue
            amount = from_cents(cents)
            paid += cents
            requests.append(
                EntryRequest(
                    interest_key(account.id, last_day),
                    "savings_interest",
                    (debit(expense, amount), credit(account.ledger_account_id, amount)),
                    last_day,
                    f"Interest {last_day:%m-%Y}",
                )
            )
        if requests:
            post_many(session, requests, actor=ACTOR)
        session.add(run)
        run.progress_done += len(accounts)
        run.items_count += len(todo)
        run.items_done += len(requests)
        run.entries_posted += len(requests)
        run.amount_out += from_cents(paid)
        end_batch()
        if progress:
            progress(run.progress_done, run.progress_total)
