"""Reads of the ledger: balances (cached or summed), histories, trial balance, verification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, and_, case, func, or_, select
from sqlalchemy.orm import Session, lazyload

from bank.db import MoneyType
from bank.ledger.models import (
    AccountType,
    ClosedMonth,
    ClosedYear,
    JournalEntry,
    LedgerAccount,
    Posting,
    Side,
)
from bank.ledger.rules import normal_balance, overdrawn, takes_money
from bank.money import ZERO, from_cents

#: Debit positive, credit negative, as a SQL expression over postings (cents, typed as money).
SIGNED_AMOUNT = case((Posting.side == Side.DEBIT, Posting.amount), else_=-Posting.amount)


#: A history line needs the posting and its entry, not the entry's other postings (selectin-loaded
#: by default, read here by one query of their own) nor the posting's account (joined by default).
_LINES_ONLY = (lazyload(JournalEntry.postings), lazyload(Posting.account))


def _net_cents_sum() -> Any:
    """Sum of SIGNED_AMOUNT as raw integer cents (0 when there are no rows).

    Typed BigInteger on purpose: the result is turned into money by :func:`from_cents` exactly
    once, whatever type the database gives a sum (SQLite int, PostgreSQL numeric).
    """
    return func.coalesce(func.sum(SIGNED_AMOUNT, type_=BigInteger()), 0, type_=BigInteger())


def _normal(account_type: AccountType, net_debit: Decimal) -> Decimal:
    return normal_balance(account_type.debit_normal, net_debit)


def summed_net_debit(session: Session, account_ids: list[int], as_of: dt.date | None = None) -> Decimal:
    """Debits minus credits of the given accounts, summed from postings (optionally to a date)."""
    if not account_ids:
        return ZERO
    query = select(_net_cents_sum()).where(Posting.account_id.in_(account_ids))
    if as_of is not None:
        query = query.where(Posting.value_date <= as_of)
    return from_cents(int(session.scalar(query) or 0))


def net_debit_by_day(
    session: Session, account_id: int, since: dt.date, until: dt.date
) -> dict[dt.date, Decimal]:
    """Debits minus credits of one account per value date from ``since`` to ``until``, in one read:
    for a page that shows a balance day by day (the reconciliation) without a query per day."""
    rows = session.execute(
        select(Posting.value_date, _net_cents_sum())
        .where(Posting.account_id == account_id, Posting.value_date.between(since, until))
        .group_by(Posting.value_date)
    )
    return {value_date: from_cents(int(cents)) for value_date, cents in rows}


def balance(session: Session, account_id: int, as_of: dt.date | None = None) -> Decimal:
    """Balance signed by the account's normal side; cached where the account keeps totals."""
    account = session.get(LedgerAccount, account_id)
    if account is None:
        raise LookupError(account_id)
    if account.is_control:
        children = list(
            session.scalars(select(LedgerAccount.id).where(LedgerAccount.parent_id == account.id))
        )
        return _normal(account.type, summed_net_debit(session, children, as_of))
    if as_of is None and account.keeps_cached_totals:
        return account.cached_balance
    return _normal(account.type, summed_net_debit(session, [account.id], as_of))


def balances(session: Session, account_ids: list[int]) -> dict[int, Decimal]:
    """Current normal-side balances of many accounts (listings) in two queries at most.

    Accounts that keep cached totals are read from them; busy system accounts (which keep
    none) and control accounts are summed from postings.
    """
    if not account_ids:
        return {}
    rows = session.execute(
        select(
            LedgerAccount.id,
            LedgerAccount.type,
            LedgerAccount.is_control,
            LedgerAccount.keeps_cached_totals,
            LedgerAccount.debits_posted,
            LedgerAccount.credits_posted,
        ).where(LedgerAccount.id.in_(account_ids))
    ).all()
    result = {
        row.id: _normal(AccountType(row.type), row.debits_posted - row.credits_posted)
        for row in rows
        if row.keeps_cached_totals and not row.is_control
    }
    for row in rows:
        if row.id not in result:
            result[row.id] = balance(session, row.id)
    return result


@dataclass(frozen=True)
class TrialBalanceRow:
    account_id: int
    code: str
    name: str
    type: AccountType
    debit_total: Decimal
    credit_total: Decimal

    @property
    def balance(self) -> Decimal:
        return _normal(self.type, self.debit_total - self.credit_total)


def trial_balance(
    session: Session, as_of: dt.date | None = None, *, roll_up: bool = True
) -> list[TrialBalanceRow]:
    """Debit and credit totals per account from postings; children rolled up into their parent."""
    debit_sum = func.sum(case((Posting.side == Side.DEBIT, Posting.amount), else_=0), type_=MoneyType())
    credit_sum = func.sum(case((Posting.side == Side.CREDIT, Posting.amount), else_=0), type_=MoneyType())
    query = select(Posting.account_id, debit_sum, credit_sum).group_by(Posting.account_id)
    if as_of is not None:
        query = query.where(Posting.value_date <= as_of)
    totals = {row[0]: (row[1] or ZERO, row[2] or ZERO) for row in session.execute(query)}
    accounts = {a.id: a for a in session.scalars(select(LedgerAccount))}
    rows: dict[int, list[Decimal]] = {}
    for account_id, (debits, credits) in totals.items():
        account = accounts[account_id]
        target = account.parent_id if (roll_up and account.parent_id is not None) else account_id
        bucket = rows.setdefault(target, [ZERO, ZERO])
        bucket[0] += debits
        bucket[1] += credits
    if roll_up:
        for account in accounts.values():
            if account.parent_id is None:
                rows.setdefault(account.id, [ZERO, ZERO])
    result = [
        TrialBalanceRow(a.id, a.code, a.name, a.type, rows[a.id][0], rows[a.id][1])
        for a in sorted((accounts[i] for i in rows), key=lambda acc: acc.code)
    ]
    return result


@dataclass(frozen=True)
class HistoryLine:
    posting_id: int
    entry_id: int
    value_date: dt.date
    posted_at: dt.datetime
    kind: str
    memo: str
    side: Side
    amount: Decimal
    #: The account's normal-side balance after this line.
    running_balance: Decimal
    #: Ids of the accounts on the other side of the entry (the counterparty, on a statement).
    counter_account_ids: tuple[int, ...] = ()
    #: A correction's closed month (its first day): the entry is dated in the open period.
    corrects_month: dt.date | None = None


def history(
    session: Session,
    account_id: int,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    per_page: int = 50,
    newest_first: bool = True,
) -> tuple[list[HistoryLine], int, Decimal]:
    """One page of an account's postings with running balances.

    Returns (lines, total line count, opening balance before ``date_from``). The running
    balance of the page starts from a single indexed sum over the postings before it.
    """
    account = session.get(LedgerAccount, account_id)
    if account is None:
        raise LookupError(account_id)
    conditions = [Posting.account_id == account_id]
    if date_from is not None:
        conditions.append(Posting.value_date >= date_from)
    if date_to is not None:
        conditions.append(Posting.value_date <= date_to)
    total = session.scalar(select(func.count()).select_from(Posting).where(*conditions)) or 0
    opening = ZERO
    if date_from is not None:
        opening = _normal(
            account.type, summed_net_debit(session, [account_id], date_from - dt.timedelta(days=1))
        )
    order = (Posting.value_date, Posting.id)
    # Chronological index of the page's first line.
    if newest_first:
        first_index = max(total - page * per_page, 0)
        count = min(per_page, total - (page - 1) * per_page)
    else:
        first_index = (page - 1) * per_page
        count = min(per_page, total - first_index)
    if count <= 0:
        return [], total, opening
    rows = session.execute(
        select(Posting, JournalEntry)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(*conditions)
        .order_by(*order)
        .offset(first_index)
        .limit(count)
        .options(*_LINES_ONLY)
    ).all()
    before = ZERO
    if rows:
        first = rows[0][0]
        before_net = session.scalar(
            select(_net_cents_sum()).where(
                *conditions,
                or_(
                    Posting.value_date < first.value_date,
                    and_(Posting.value_date == first.value_date, Posting.id < first.id),
                ),
            )
        )
        before = _normal(account.type, from_cents(int(before_net or 0)))
    lines = _lines(session, account.type, rows, opening + before)
    if newest_first:
        lines.reverse()
    return lines, total, opening


def _counter_accounts(session: Session, entry_ids: list[int]) -> dict[tuple[int, Side], list[int]]:
    """The accounts of each entry by (entry id, side), in one query."""
    counter: dict[tuple[int, Side], list[int]] = {}
    if entry_ids:
        for entry_id, other_account, other_side in session.execute(
            select(Posting.entry_id, Posting.account_id, Posting.side).where(Posting.entry_id.in_(entry_ids))
        ):
            counter.setdefault((entry_id, other_side), []).append(other_account)
    return counter


def _lines(
    session: Session,
    account_type: AccountType,
    rows: Sequence[Any],
    before: Decimal,
    counter: dict[tuple[int, Side], list[int]] | None = None,
) -> list[HistoryLine]:
    """History lines of one account's postings in chronological order, running on from ``before``.

    Only the accounts on the other side of the entry stand opposite the posting's account: a
    distribution credits many members at once, and none of them is the counterparty of another.
    """
    if counter is None:
        counter = _counter_accounts(session, [entry.id for _posting, entry in rows])
    running = before
    lines = []
    for posting, entry in rows:
        grows = not takes_money(account_type.debit_normal, posting.side is Side.DEBIT)
        running += posting.amount if grows else -posting.amount
        others = counter.get((entry.id, posting.side.opposite), ())
        lines.append(
            HistoryLine(
                posting_id=posting.id,
                entry_id=entry.id,
                value_date=posting.value_date,
                posted_at=entry.posted_at,
                kind=entry.kind,
                memo=entry.memo,
                side=posting.side,
                amount=posting.amount,
                running_balance=running,
                counter_account_ids=tuple(a for a in others if a != posting.account_id),
                corrects_month=entry.corrects_month,
            )
        )
    return lines


def latest(session: Session, account_ids: list[int], *, per_account: int) -> dict[int, list[HistoryLine]]:
    """The first page of :func:`history` (newest first, ``per_account`` lines) of each account.

    The same lines with the same running balances as ``history(session, id, per_page=per_account)``
    gives for each account, but in four queries however many accounts: the accounts' types, their
    balances summed from postings, the latest postings of each (numbered per account with a window
    function), and the other side of their entries. Pages that show what happened last on several
    accounts at once (the member's home) read them here.
    """
    if not account_ids or per_account <= 0:
        return {}
    types = dict(
        session.execute(
            select(LedgerAccount.id, LedgerAccount.type).where(LedgerAccount.id.in_(account_ids))
        ).all()
    )
    net: dict[int, int] = dict(
        session.execute(
            select(Posting.account_id, _net_cents_sum())
            .where(Posting.account_id.in_(list(types)))
            .group_by(Posting.account_id)
        ).all()
    )
    numbered = (
        select(
            Posting.id.label("posting_id"),
            func.row_number()
            .over(partition_by=Posting.account_id, order_by=(Posting.value_date.desc(), Posting.id.desc()))
            .label("n"),
        )
        .where(Posting.account_id.in_(list(types)))
        .subquery()
    )
    rows = session.execute(
        select(Posting, JournalEntry)
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .join(numbered, numbered.c.posting_id == Posting.id)
        .where(numbered.c.n <= per_account)
        .order_by(Posting.account_id, Posting.value_date, Posting.id)
        .options(*_LINES_ONLY)
    ).all()
    counter = _counter_accounts(session, list({entry.id for _posting, entry in rows}))
    by_account: dict[int, list[tuple[Posting, JournalEntry]]] = {}
    for posting, entry in rows:
        by_account.setdefault(posting.account_id, []).append((posting, entry))
    result: dict[int, list[HistoryLine]] = {}
    for account_id, account_rows in by_account.items():
        account_type = AccountType(types[account_id])
        closing = _normal(account_type, from_cents(int(net.get(account_id) or 0)))
        # The page's lines are the account's last ones: the balance before them is the closing
        # balance less what they moved.
        moved = sum(
            (
                -posting.amount
                if takes_money(account_type.debit_normal, posting.side is Side.DEBIT)
                else posting.amount
                for posting, _entry in account_rows
            ),
            ZERO,
        )
        lines = _lines(session, account_type, account_rows, closing - moved, counter)
        lines.reverse()
        result[account_id] = lines
    return result


def verify(session: Session) -> list[str]:
    """Every invariant of the ledger, recomputed from postings; returns what is wrong."""
    problems: list[str] = []
    unbalanced = session.execute(
        select(Posting.entry_id, func.sum(SIGNED_AMOUNT, type_=MoneyType()), func.count())
        .group_by(Posting.entry_id)
        .having(or_(func.sum(SIGNED_AMOUNT) != 0, func.count() < 2))
    ).all()
    for entry_id, net, count in unbalanced:
        problems.append(f"entry {entry_id} does not balance (net {net}, {count} lines)")
    empty = session.scalars(
        select(JournalEntry.id).where(~select(Posting.id).where(Posting.entry_id == JournalEntry.id).exists())
    ).all()
    for entry_id in empty:
        problems.append(f"entry {entry_id} has no postings")
    debit_sum = func.sum(case((Posting.side == Side.DEBIT, Posting.amount), else_=0), type_=MoneyType())
    credit_sum = func.sum(case((Posting.side == Side.CREDIT, Posting.amount), else_=0), type_=MoneyType())
    totals = {
        row[0]: (row[1] or ZERO, row[2] or ZERO)
        for row in session.execute(
            select(Posting.account_id, debit_sum, credit_sum).group_by(Posting.account_id)
        )
    }
    grand_debit = sum((t[0] for t in totals.values()), ZERO)
    grand_credit = sum((t[1] for t in totals.values()), ZERO)
    if grand_debit != grand_credit:
        problems.append(f"trial balance is off: debits {grand_debit} != credits {grand_credit}")
    # Fresh rows, not the session's identity map: a stale object would hide a tampered total.
    accounts = session.scalars(
        select(LedgerAccount).order_by(LedgerAccount.code).execution_options(populate_existing=True)
    )
    for account in accounts:
        debits, credits = totals.get(account.id, (ZERO, ZERO))
        if account.is_control and (debits or credits):
            problems.append(f"control account {account.code} has postings of its own")
        cached = (account.debits_posted, account.credits_posted)
        if account.keeps_cached_totals and cached != (debits, credits):
            problems.append(
                f"account {account.code}: cached debits/credits {cached[0]}/{cached[1]}"
                f" != postings {debits}/{credits}"
            )
        elif not account.keeps_cached_totals and cached != (ZERO, ZERO):
            # Accounts summed from postings must hold zeros there: a number would be a stale lie.
            problems.append(
                f"account {account.code} keeps no cached totals but holds {cached[0]}/{cached[1]}"
            )
        if overdrawn(account.may_go_negative, _normal(account.type, debits - credits)):
            problems.append(f"account {account.code} is negative: {_normal(account.type, debits - credits)}")
    return problems


def child_accounts(session: Session, parent_id: int, *, limit: int = 200) -> list[LedgerAccount]:
    """The first ``limit`` child accounts of a control account, by code."""
    return list(
        session.scalars(
            select(LedgerAccount)
            .where(LedgerAccount.parent_id == parent_id)
            .order_by(LedgerAccount.code)
            .limit(limit)
        )
    )


def reversal_of(session: Session, entry_id: int) -> JournalEntry | None:
    """The entry that reverses entry ``entry_id``, if it was reversed."""
    return session.scalar(select(JournalEntry).where(JournalEntry.reverses_entry_id == entry_id))


_CLOSED_THROUGH = select(func.max(ClosedMonth.last_day))


def closed_through(session: Session) -> dt.date | None:
    """The last day of the last closed month (None while nothing is closed).

    Months close in order without gaps, so every value date on or before it is closed.
    """
    return session.execute(_CLOSED_THROUGH).scalar()


def first_open_day(session: Session) -> dt.date | None:
    """The first day an entry may carry (None: every day is open)."""
    through = closed_through(session)
    return None if through is None else through + dt.timedelta(days=1)


def open_value_date(wanted: dt.date, first_open: dt.date | None) -> dt.date:
    """``wanted``, or the first open day when ``wanted`` falls in a closed period.

    For bookings whose date is a fact about the past that the books may no longer show there
    (a late statement line, a run catching up): they are booked on the first open day.
    """
    return wanted if first_open is None or wanted >= first_open else first_open


def closed_months(session: Session) -> list[ClosedMonth]:
    """Every closed month, oldest first."""
    return list(session.scalars(select(ClosedMonth).order_by(ClosedMonth.first_day)))


def closed_years(session: Session) -> list[ClosedYear]:
    """Every closed year, oldest first."""
    return list(session.scalars(select(ClosedYear).order_by(ClosedYear.year)))
