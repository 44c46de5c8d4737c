"""Daily reconciliation: the settlement account 1000 in the ledger against the clearing bank (issue 14).

For a day D the ledger's balance of 1000 as of D must equal the statements' closing balance of
D (each of the bank's IBANs at its last statement on or before D, summed: the ledger keeps one
settlement account for them). When they differ, :func:`reconcile` says by how much and lists
what explains it, so that the parts add up to the difference:

- the start: the ledger's balance of 1000 on the day before the first statement, against that
  statement's opening balance (money booked before the bank imported statements);
- postings on 1000 since then that no statement line booked (a teller's cash deposit, money
  sent back from suspense that the next statement will show);
- statement lines booked on another day than their statement's (a collection the batch path
  settled earlier or later than the statement shows it), and lines without a booking.

Whatever the parts do not explain is named as well (``unexplained``): it should be zero.
Reads only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry, Posting, Side
from bank.ledger.service import account_by_code
from bank.money import ZERO
from bank.payments.statement_models import BankStatement, BankStatementLine

#: Items listed per kind on the page (the sums always count them all).
LISTED = 200


@dataclass(frozen=True)
class AccountClosing:
    """One of the bank's IBANs on the day: its last statement's closing balance on or before it."""

    iban: str
    statement_id: str
    closing_on: dt.date
    closing_balance: Decimal


@dataclass(frozen=True)
class Item:
    """One thing that explains part of the difference; ``amount`` counts toward ledger − statement."""

    on: dt.date | None
    amount: Decimal
    #: The journal entry's key and memo, or the statement line's counterparty and remittance.
    reference: str
    text: str
    line_id: int | None = None


@dataclass
class DayReconciliation:
    on: dt.date
    ledger_balance: Decimal
    statement_balance: Decimal
    accounts: list[AccountClosing]
    #: Ledger on the day before the first statement minus that statement's opening balance.
    start_difference: Decimal = ZERO
    start_on: dt.date | None = None
    not_from_statements: list[Item] = field(default_factory=list)
    not_from_statements_total: Decimal = ZERO
    not_from_statements_count: int = 0
    timing: list[Item] = field(default_factory=list)
    timing_total: Decimal = ZERO

    @property
    def difference(self) -> Decimal:
        """Ledger minus statement: positive when the ledger shows more money than the bank."""
        return self.ledger_balance - self.statement_balance

    @property
    def reconciled(self) -> bool:
        return self.difference == 0

    @property
    def unexplained(self) -> Decimal:
        return self.difference - self.start_difference - self.not_from_statements_total - self.timing_total


@dataclass(frozen=True)
class DaySummary:
    """One day's line of the reconciliation table: the ledger's 1000 against the statements."""

    on: dt.date
    ledger_balance: Decimal
    statement_balance: Decimal

    @property
    def difference(self) -> Decimal:
        return self.ledger_balance - self.statement_balance

    @property
    def reconciled(self) -> bool:
        return self.difference == 0


def summaries(session: Session, days: Sequence[dt.date]) -> list[DaySummary]:
    """:func:`reconcile`'s two balances for each of ``days``, in three reads whatever their number
    (the page's table of the last weeks; :func:`reconcile` explains one day)."""
    if not days:
        return []
    settlement = account_by_code(session, chart.SETTLEMENT).id
    earliest, latest = min(days), max(days)
    ledger = ledger_queries.balance(session, settlement, as_of=earliest - dt.timedelta(days=1))
    moved = ledger_queries.net_debit_by_day(session, settlement, earliest, latest)
    statements = session.execute(
        select(BankStatement.account_iban, BankStatement.closing_on, BankStatement.closing_balance)
        .where(BankStatement.closing_on <= latest)
        .order_by(BankStatement.closing_on, BankStatement.sequence)
    ).all()
    closing_by_iban: dict[str, Decimal] = {}
    ledger_by_day: dict[dt.date, Decimal] = {}
    statement_by_day: dict[dt.date, Decimal] = {}
    next_statement = 0
    day = earliest
    while day <= latest:
        ledger += moved.get(day, ZERO)
        ledger_by_day[day] = ledger
        while next_statement < len(statements) and statements[next_statement].closing_on <= day:
            iban, _closing_on, closing_balance = statements[next_statement]
            closing_by_iban[iban] = closing_balance
            next_statement += 1
        statement_by_day[day] = sum(closing_by_iban.values(), ZERO)
        day += dt.timedelta(days=1)
    return [DaySummary(on, ledger_by_day[on], statement_by_day[on]) for on in days]


def statement_days(session: Session, *, limit: int = 60) -> list[dt.date]:
    """The days a statement closed on, latest first."""
    return list(
        session.scalars(
            select(BankStatement.closing_on).distinct().order_by(BankStatement.closing_on.desc()).limit(limit)
        )
    )


def _closings(session: Session, on: dt.date) -> list[AccountClosing]:
    latest = (
        select(BankStatement.account_iban, func.max(BankStatement.sequence).label("sequence"))
        .where(BankStatement.closing_on <= on)
        .group_by(BankStatement.account_iban)
        .subquery()
    )
    rows = session.scalars(
        select(BankStatement)
        .join(
            latest,
            and_(
                BankStatement.account_iban == latest.c.account_iban,
                BankStatement.sequence == latest.c.sequence,
            ),
        )
        .order_by(BankStatement.account_iban)
    )
    return [AccountClosing(s.account_iban, s.statement_id, s.closing_on, s.closing_balance) for s in rows]


def _first_statements(session: Session) -> list[BankStatement]:
    first = (
        select(BankStatement.account_iban, func.min(BankStatement.sequence).label("sequence"))
        .group_by(BankStatement.account_iban)
        .subquery()
    )
    return list(
        session.scalars(
            select(BankStatement).join(
                first,
                and_(
                    BankStatement.account_iban == first.c.account_iban,
                    BankStatement.sequence == first.c.sequence,
                ),
            )
        )
    )


def reconcile(session: Session, on: dt.date) -> DayReconciliation:
    """The ledger's 1000 against the statements on ``on``, with what explains any difference."""
    settlement = account_by_code(session, chart.SETTLEMENT).id
    accounts = _closings(session, on)
    result = DayReconciliation(
        on,
        ledger_queries.balance(session, settlement, as_of=on),
        sum((a.closing_balance for a in accounts), ZERO),
        accounts,
    )
    firsts = [s for s in _first_statements(session) if s.closing_on <= on]
    if not firsts:
        return result
    # The day before the first statement's day: its opening balance is the bank's balance then.
    start = min(s.closing_on for s in firsts) - dt.timedelta(days=1)
    result.start_on = start
    result.start_difference = ledger_queries.balance(session, settlement, as_of=start) - sum(
        (s.opening_balance for s in firsts), ZERO
    )
    _not_from_statements(session, result, settlement, start, on)
    _timing(session, result, start, on)
    return result


def _signed(side: Side, amount: Decimal) -> Decimal:
    return amount if side is Side.DEBIT else -amount


def _not_from_statements(
    session: Session, result: DayReconciliation, settlement: int, start: dt.date, on: dt.date
) -> None:
    booked_by_lines = select(BankStatementLine.journal_entry_id).where(
        BankStatementLine.journal_entry_id.is_not(None)
    )
    query = (
        select(
            Posting.side, Posting.amount, Posting.value_date, JournalEntry.idempotency_key, JournalEntry.memo
        )
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(
            Posting.account_id == settlement,
            Posting.value_date > start,
            Posting.value_date <= on,
            Posting.entry_id.not_in(booked_by_lines),
        )
        .order_by(Posting.value_date, Posting.id)
    )
    for side, amount, value_date, key, memo in session.execute(query):
        signed = _signed(side, amount)
        result.not_from_statements_total += signed
        result.not_from_statements_count += 1
        if len(result.not_from_statements) < LISTED:
            result.not_from_statements.append(Item(value_date, signed, key, memo))


def _timing(session: Session, result: DayReconciliation, start: dt.date, on: dt.date) -> None:
    """Lines whose booking on 1000 falls on the other side of ``on`` (or before the start) than their
    statement, and lines with nothing booked."""
    in_window = and_(JournalEntry.value_date > start, JournalEntry.value_date <= on)
    statement_in = BankStatement.closing_on <= on
    query = (
        select(
            BankStatementLine, BankStatement.closing_on, JournalEntry.value_date, JournalEntry.idempotency_key
        )
        .join(BankStatement, BankStatement.id == BankStatementLine.statement_id)
        .outerjoin(JournalEntry, JournalEntry.id == BankStatementLine.journal_entry_id)
        .where(
            BankStatementLine.amount != 0,
            or_(
                and_(statement_in, BankStatementLine.journal_entry_id.is_(None)),
                and_(statement_in, BankStatementLine.journal_entry_id.is_not(None), ~in_window),
                and_(~statement_in, BankStatementLine.journal_entry_id.is_not(None), in_window),
            ),
        )
        .order_by(BankStatement.closing_on, BankStatementLine.id)
    )
    for line, closing_on, value_date, key in session.execute(query):
        # On the statement by ``on`` but not in the ledger's window: the ledger lacks it (−);
        # in the ledger's window but on a later statement: the ledger has it already (+).
        amount = -line.amount if closing_on <= on else line.amount
        result.timing_total += amount
        if len(result.timing) < LISTED:
            text = " · ".join(p for p in (line.counterparty_name or "", line.remittance or "") if p)
            result.timing.append(Item(value_date or closing_on, amount, key or "", text, line.id))
