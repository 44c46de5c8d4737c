"""Reads for provisioning: the table in force, what the run needs per loan (set-based), the
stored results, the allowance a write-off may use, and the report's tables.

Every read the month-end run makes is one statement over all loans (never a query per loan):
the loans with their grade and cached balances, the postings dated after the month-end (to turn
today's cached balances back into the month-end's), the oldest open instalment, the risk flags.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, String, and_, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased, selectinload

from bank.applications.models import LoanApplication
from bank.forbearance import queries as forbearance
from bank.ledger import chart
from bank.ledger.models import JournalEntry, LedgerAccount, Posting, Side
from bank.ledger.queries import summed_net_debit
from bank.ledger.service import account_by_code
from bank.loans.models import Instalment, InstalmentStatus, Loan, LoanStatus
from bank.money import ZERO, from_cents, round_cents, to_cents
from bank.pools.losses import buffer_remaining
from bank.pools.models import LoanFunding, Pool
from bank.provisioning.models import (
    GRADES,
    STAGES,
    LoanProvision,
    LoanRiskFlag,
    PdTable,
    ProvisionMonth,
    RiskFlagKind,
)


def table_in_force(session: Session, on: dt.date) -> PdTable | None:
    """The PD table version a month-end ``on`` uses: the latest effective on or before it."""
    return session.scalar(
        select(PdTable)
        .options(selectinload(PdTable.rates))
        .where(PdTable.effective_on <= on)
        .order_by(PdTable.effective_on.desc())
        .limit(1)
    )


def pd_tables(session: Session) -> list[PdTable]:
    """Every version, latest first (the admin page's history)."""
    return list(
        session.scalars(
            select(PdTable).options(selectinload(PdTable.rates)).order_by(PdTable.effective_on.desc())
        )
    )


def month_end_on_or_before(day: dt.date) -> dt.date:
    """The last month-end on or before ``day`` (``day`` itself when it is one)."""
    following = day + dt.timedelta(days=1)
    if following.month != day.month:
        return day
    return day.replace(day=1) - dt.timedelta(days=1)


def is_month_end(day: dt.date) -> bool:
    return month_end_on_or_before(day) == day


@dataclass(frozen=True)
class LoanFacts:
    """What the run knows of one loan at a month-end (cents, as the run counts)."""

    loan_id: int
    purpose: str
    grade: str | None
    exposure_cents: int


def _cents(column: Any) -> ColumnElement[int]:
    """A money column as raw integer cents (summed and subtracted in SQL, made money once)."""
    return type_coerce(column, BigInteger)


def loans_at(session: Session, month_end: dt.date) -> list[LoanFacts]:
    """Every loan on the books at ``month_end`` with its grade and exposure then, in four reads.

    A loan is on the books when it was paid out on or before the month-end and is active, or
    was closed after it (a rerun for an earlier month-end). The exposure is the three ledger
    accounts' cached balances less what was posted to them after the month-end.
    """
    principal = aliased(LedgerAccount)
    interest = aliased(LedgerAccount)
    fees = aliased(LedgerAccount)
    on_books = and_(
        Loan.disbursed_on <= month_end,
        or_(Loan.status == LoanStatus.ACTIVE, Loan.closed_on > month_end),
    )
    # Core reads (``session.connection()``): tens of thousands of plain rows, no ORM loading;
    # the codes as plain strings, not turned into enums and back.
    connection = session.connection()
    rows = connection.execute(
        select(
            Loan.id,
            type_coerce(Loan.purpose, String),
            type_coerce(LoanApplication.risk_grade, String),
            _cents(principal.debits_posted)
            - _cents(principal.credits_posted)
            + _cents(interest.debits_posted)
            - _cents(interest.credits_posted)
            + _cents(fees.debits_posted)
            - _cents(fees.credits_posted),
        )
        .join(principal, principal.id == Loan.principal_account_id)
        .join(interest, interest.id == Loan.interest_account_id)
        .join(fees, fees.id == Loan.fees_account_id)
        .outerjoin(LoanApplication, LoanApplication.loan_id == Loan.id)
        .where(on_books)
        .order_by(Loan.id)
    ).all()
    later: dict[int, int] = defaultdict(int)
    signed = case((Posting.side == Side.DEBIT, _cents(Posting.amount)), else_=-_cents(Posting.amount))
    for account in (Loan.principal_account_id, Loan.interest_account_id, Loan.fees_account_id):
        for loan_id, cents in connection.execute(
            select(Loan.id, func.sum(signed, type_=BigInteger()))
            .join(Posting, and_(Posting.account_id == account, Posting.value_date > month_end))
            .where(on_books)
            .group_by(Loan.id)
        ):
            later[loan_id] += int(cents or 0)
    return [
        LoanFacts(loan_id, purpose, grade, int(cents or 0) - later.get(loan_id, 0))
        for loan_id, purpose, grade, cents in rows
    ]


def days_past_due_at(session: Session, month_end: dt.date) -> dict[int, int]:
    """Days past due at ``month_end`` per loan in arrears then: from the oldest instalment due
    before it that was still unpaid at its end (open now, or paid only after it)."""
    rows = session.connection().execute(
        select(Instalment.loan_id, type_coerce(func.min(Instalment.due_on), String))
        .where(
            Instalment.due_on < month_end,
            or_(
                Instalment.status == InstalmentStatus.OPEN,
                and_(Instalment.status == InstalmentStatus.PAID, Instalment.paid_on > month_end),
            ),
        )
        .group_by(Instalment.loan_id)
    )
    days: dict[object, int] = {}  # many loans share a due date: each date read once

    def days_since(oldest: object) -> int:
        found = days.get(oldest)
        if found is None:
            day = oldest if isinstance(oldest, dt.date) else dt.date.fromisoformat(str(oldest))
            found = days[oldest] = (month_end - day).days
        return found

    return {loan_id: days_since(oldest) for loan_id, oldest in rows}


def flags_at(session: Session, on: dt.date) -> dict[int, set[RiskFlagKind]]:
    """The flags standing on ``on`` per loan (set on or before it, not cleared by then)."""
    result: dict[int, set[RiskFlagKind]] = defaultdict(set)
    for loan_id, kind in session.execute(
        select(LoanRiskFlag.loan_id, LoanRiskFlag.kind).where(
            LoanRiskFlag.flagged_on <= on,
            or_(LoanRiskFlag.cleared_on.is_(None), LoanRiskFlag.cleared_on > on),
        )
    ):
        result[loan_id].add(RiskFlagKind(kind))
    return result


def forborne_loan_ids(session: Session, on: dt.date) -> set[int]:
    """Loans under forbearance (in their 24-month probation) on ``on``: they go to at least stage 2."""
    return forbearance.forborne_loan_ids(session, on)


def current_flags(session: Session, loan_id: int) -> list[LoanRiskFlag]:
    """A loan's standing flags (the loan page)."""
    return list(
        session.scalars(
            select(LoanRiskFlag)
            .where(LoanRiskFlag.loan_id == loan_id, LoanRiskFlag.cleared_on.is_(None))
            .order_by(LoanRiskFlag.flagged_on, LoanRiskFlag.id)
        )
    )


def standing_flags(session: Session) -> list[tuple[LoanRiskFlag, str]]:
    """Every flag standing now with its loan's number (the provisions page's work list)."""
    return [
        (row[0], row[1])
        for row in session.execute(
            select(LoanRiskFlag, Loan.number)
            .join(Loan, Loan.id == LoanRiskFlag.loan_id)
            .where(LoanRiskFlag.cleared_on.is_(None))
            .order_by(LoanRiskFlag.flagged_on, LoanRiskFlag.id)
        )
    ]


def flag_history(session: Session, loan_id: int) -> list[LoanRiskFlag]:
    return list(
        session.scalars(
            select(LoanRiskFlag).where(LoanRiskFlag.loan_id == loan_id).order_by(LoanRiskFlag.id.desc())
        )
    )


def allowance_balance(session: Session) -> Decimal:
    """What account 1190 holds as allowance (its credit balance, positive)."""
    account = account_by_code(session, chart.LOAN_LOSS_ALLOWANCE)
    return -summed_net_debit(session, [account.id])


def allowance_of(session: Session, loan_id: int) -> Decimal:
    """The allowance held for a loan: its expected loss at the latest month-end it was provisioned.

    A write-off uses it first (``bank.lending.write_off``); the next month-end releases what a
    write-off did not use, as the loan is no longer on the books.
    """
    value = session.scalar(
        select(LoanProvision.ecl)
        .where(LoanProvision.loan_id == loan_id)
        .order_by(LoanProvision.month_end.desc())
        .limit(1)
    )
    return value if value is not None else ZERO


def latest_provision(session: Session, loan_id: int) -> LoanProvision | None:
    return session.scalar(
        select(LoanProvision)
        .where(LoanProvision.loan_id == loan_id)
        .order_by(LoanProvision.month_end.desc())
        .limit(1)
    )


def months(session: Session) -> list[ProvisionMonth]:
    """Every month-end provisioned, latest first."""
    return list(session.scalars(select(ProvisionMonth).order_by(ProvisionMonth.month_end.desc())))


def month(session: Session, month_end: dt.date) -> ProvisionMonth | None:
    return session.scalar(select(ProvisionMonth).where(ProvisionMonth.month_end == month_end))


def month_on_or_before(session: Session, day: dt.date) -> ProvisionMonth | None:
    return session.scalar(
        select(ProvisionMonth)
        .where(ProvisionMonth.month_end <= day)
        .order_by(ProvisionMonth.month_end.desc())
        .limit(1)
    )


def month_before(session: Session, month_end: dt.date) -> ProvisionMonth | None:
    return session.scalar(
        select(ProvisionMonth)
        .where(ProvisionMonth.month_end < month_end)
        .order_by(ProvisionMonth.month_end.desc())
        .limit(1)
    )


def results(
    session: Session, month_end: dt.date, *, stage: int | None = None, limit: int = 500
) -> list[tuple[LoanProvision, str]]:
    """A month-end's loans (highest expected loss first) with the loan number."""
    query = (
        select(LoanProvision, Loan.number)
        .join(Loan, Loan.id == LoanProvision.loan_id)
        .where(LoanProvision.month_end == month_end)
        .order_by(LoanProvision.ecl.desc(), LoanProvision.loan_id)
        .limit(limit)
    )
    if stage is not None:
        query = query.where(LoanProvision.stage == stage)
    return [(row[0], row[1]) for row in session.execute(query)]


@dataclass
class Breakdown:
    """Loans, exposure and expected loss of one stage or purpose."""

    key: str
    loans: int = 0
    exposure: Decimal = ZERO
    ecl: Decimal = ZERO

    @property
    def coverage(self) -> Decimal | None:
        """Expected loss as a fraction of the exposure."""
        return None if self.exposure <= 0 else self.ecl / self.exposure


def breakdown(session: Session, month_end: dt.date, by: str) -> list[Breakdown]:
    """Allowance at ``month_end`` by ``"stage"`` (all three, even empty) or by ``"purpose"``."""
    column = LoanProvision.stage if by == "stage" else LoanProvision.purpose
    rows = session.execute(
        select(
            column,
            func.count(),
            func.sum(_cents(LoanProvision.exposure), type_=BigInteger()),
            func.sum(_cents(LoanProvision.ecl), type_=BigInteger()),
        )
        .where(LoanProvision.month_end == month_end)
        .group_by(column)
        .order_by(column)
    )
    found = {
        str(key): Breakdown(str(key), int(count), from_cents(int(exposure or 0)), from_cents(int(ecl or 0)))
        for key, count, exposure, ecl in rows
    }
    if by == "stage":
        return [found.get(str(stage), Breakdown(str(stage))) for stage in STAGES]
    return list(found.values())


#: The rows of the movement table, in order.
MOVEMENT_ROWS = ("opening", "new_loans", "transfers", "remeasurement", "write_offs", "releases", "closing")


@dataclass
class Movement:
    """The allowance from one month-end to a later one, per stage and in total.

    ``new_loans``: the closing loss of loans not on the books at the opening; ``transfers``: the
    change of loans whose stage changed, moved out of the old stage and into the new (each
    stage's column shows what left at the opening figure and what came in at the closing);
    ``remeasurement``: the change of loans that stayed in their stage; ``write_offs``: the
    allowance written-off loans used; ``releases``: what was held for loans that left the books
    otherwise (repaid) and what a write-off left unused. Opening + movements = closing, per
    column and in total (an assertion).
    """

    opening_on: dt.date | None
    closing_on: dt.date
    #: row -> stage (1, 2, 3) -> amount; the total is their sum.
    cells: dict[str, dict[int, Decimal]] = field(default_factory=dict)

    def amount(self, row: str, stage: int | None = None) -> Decimal:
        values = self.cells.get(row, {})
        if stage is None:
            return sum(values.values(), ZERO)
        return values.get(stage, ZERO)


def _provisions(session: Session, month_end: dt.date) -> dict[int, tuple[int, int]]:
    """loan id -> (stage, ecl cents) at a month-end."""
    return {
        loan_id: (int(stage), int(cents))
        for loan_id, stage, cents in session.execute(
            select(LoanProvision.loan_id, LoanProvision.stage, _cents(LoanProvision.ecl)).where(
                LoanProvision.month_end == month_end
            )
        )
    }


def _allowance_used_by_write_offs(session: Session, loan_ids: list[int]) -> dict[int, int]:
    """loan id -> cents of 1190 a write-off entry (``writeoff:{loan}``) debited."""
    if not loan_ids:
        return {}
    allowance = account_by_code(session, chart.LOAN_LOSS_ALLOWANCE)
    keys = {f"writeoff:{loan_id}": loan_id for loan_id in loan_ids}
    used: dict[int, int] = {}
    for key, cents in session.execute(
        select(JournalEntry.idempotency_key, func.sum(_cents(Posting.amount), type_=BigInteger()))
        .join(Posting, Posting.entry_id == JournalEntry.id)
        .where(
            JournalEntry.idempotency_key.in_(list(keys)),
            Posting.account_id == allowance.id,
            Posting.side == Side.DEBIT,
        )
        .group_by(JournalEntry.idempotency_key)
    ):
        used[keys[key]] = int(cents or 0)
    return used


def movement(session: Session, opening_on: dt.date | None, closing_on: dt.date) -> Movement:
    """The movement table from the month-end ``opening_on`` (None: from nothing) to ``closing_on``."""
    before = _provisions(session, opening_on) if opening_on is not None else {}
    after = _provisions(session, closing_on)
    cells: dict[str, dict[int, int]] = {row: defaultdict(int) for row in MOVEMENT_ROWS}
    for stage, cents in before.values():
        cells["opening"][stage] += cents
    for stage, cents in after.values():
        cells["closing"][stage] += cents
    gone = [loan_id for loan_id in before if loan_id not in after]
    written_off = (
        set(session.scalars(select(Loan.id).where(Loan.id.in_(gone), Loan.status == LoanStatus.WRITTEN_OFF)))
        if gone
        else set()
    )
    used = _allowance_used_by_write_offs(session, sorted(written_off))
    for loan_id in gone:
        stage, cents = before[loan_id]
        by_write_off = min(used.get(loan_id, 0), cents)
        cells["write_offs"][stage] -= by_write_off
        cells["releases"][stage] -= cents - by_write_off
    for loan_id, (stage, cents) in after.items():
        if loan_id not in before:
            cells["new_loans"][stage] += cents
            continue
        old_stage, old_cents = before[loan_id]
        if old_stage == stage:
            cells["remeasurement"][stage] += cents - old_cents
        else:
            cells["transfers"][old_stage] -= old_cents
            cells["transfers"][stage] += cents
    for stage in STAGES:
        moved = sum(cells[row][stage] for row in MOVEMENT_ROWS[1:-1])
        assert cells["opening"][stage] + moved == cells["closing"][stage], stage
    return Movement(
        opening_on,
        closing_on,
        {row: {stage: from_cents(values.get(stage, 0)) for stage in STAGES} for row, values in cells.items()},
    )


@dataclass(frozen=True)
class PoolShare:
    """What of a month-end's expected loss falls on a pool, and how much its buffer would carry."""

    pool: Pool
    loans: int
    #: The expected loss of the loans the pool funded, for the pool's share of each.
    pool_ecl: Decimal
    buffer_left: Decimal
    #: What the first-loss buffer would carry (at most what is left of it).
    by_buffer: Decimal

    @property
    def by_participants(self) -> Decimal:
        return self.pool_ecl - self.by_buffer


def pool_shares(session: Session, month_end: dt.date) -> list[PoolShare]:
    """Per pool: its share of the expected loss of the loans it funded, and the buffer's part.

    A pool carries a written-off loan's loss for its share of the principal (amount funded /
    principal, ``bank.pools.losses``), first from the buffer; the same share of the expected
    loss, and the buffer as far as what is left of it reaches, is what the report shows. The
    buffers themselves are not touched.
    """
    rows = session.execute(
        select(
            LoanFunding.pool_id,
            _cents(LoanProvision.ecl),
            _cents(LoanFunding.amount_funded),
            _cents(LoanFunding.loan_principal),
        )
        .join(LoanFunding, LoanFunding.loan_id == LoanProvision.loan_id)
        .where(LoanProvision.month_end == month_end)
    ).all()
    per_pool: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for pool_id, ecl, funded, principal in rows:
        per_pool[int(pool_id)].append((int(ecl), int(funded), int(principal)))
    shares = []
    for pool in session.scalars(select(Pool).order_by(Pool.code)):
        items = per_pool.get(pool.id, [])
        pool_ecl = sum(
            (
                round_cents(from_cents(ecl) * funded / principal)
                for ecl, funded, principal in items
                if principal
            ),
            ZERO,
        )
        left = buffer_remaining(session, pool)
        shares.append(PoolShare(pool, len(items), pool_ecl, left, min(pool_ecl, max(left, ZERO))))
    return shares


def grades_and_stages() -> list[tuple[str, int]]:
    """Every cell of a PD table, in the order the admin page shows them."""
    return [(grade, stage) for grade in GRADES for stage in STAGES]


def cell_field(grade: str, stage: int) -> str:
    """The form (and error) field of one cell: ``pd_B_2``."""
    return f"pd_{grade}_{stage}"


def total_cents(values: dict[int, Decimal]) -> int:
    return sum(to_cents(value) for value in values.values())
