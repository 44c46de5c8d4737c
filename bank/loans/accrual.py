"""Daily interest accrual on loans (issue 16): the running period's interest, recognised day by day.

Why: interest used to be recognised only on an instalment's due date, so a month-end balance
sheet and P&L missed up to a period of interest. Now the close-day run (``bank.loans.jobs``,
job ``loan_accrual``) recognises each active loan's interest every day, Dr the loan's own
interest child account (1110-…) / Cr 4000, so the loan's exposure (principal + interest + fees
child balances) includes what has accrued.

Exact to the cent. The interest of the running period is the running instalment's stored
interest; on date T the period has accrued ``round_half_up(interest × elapsed / days)`` (days by
the loan's day count: actual days, or 30E/360), and each run posts only the difference with what
was accrued before. On the due date the cumulative amount *is* the instalment's interest, so the
repayment run's due-date step (``servicing._accrue_interest``) posts only what is left (0 when
the accrual ran every day) and the interest is due from then on. The loan keeps a small state
(``Loan.interest_accrued_through``, ``accrual_instalment_id``, ``interest_accrued``,
``accrual_period_start``); a run for D accrues through D (through the month's last day when the
month ends before the next business day, so a month-end trial balance is right on a weekend too)
and so catches up every day since the last run. One entry per loan and date,
key ``accrue-day:{loan_id}:{T}``: a rerun posts nothing twice.

A new schedule version (prepayment, restructuring) moves the state onto the new running
instalment (``carry_to_new_schedule``) and :func:`settle` posts the difference at once (positive
or a reversal Dr 4000 / Cr 1110); a payoff settles the running period to the interest it charges
(``servicing.pay_off``); a write-off takes the accrued interest off with the rest of the
loan's carrying amount and stops the accrual (:func:`close_state`). Nothing is accrued twice and
nothing is left on a closed loan.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import BigInteger, String, and_, func, or_, select, text, type_coerce
from sqlalchemy.orm import Session, aliased

from bank.actor import Actor
from bank.calendar import next_business_day
from bank.db import among, is_postgresql, pg_date_array, pg_int_array
from bank.ledger import chart
from bank.ledger.service import EntryRequest, account_by_code, post_many
from bank.loans.models import Instalment, InstalmentStatus, Loan, LoanStatus
from bank.loans.schedule import DayCount, days_30e_360
from bank.money import ZERO, from_cents, to_cents

#: Journal entry kind of every accrual entry (daily, due-date remainder, settlements, reversals).
ACCRUAL_KIND = "loan_interest_accrual"
_ACTUAL_365 = DayCount.ACTUAL_365.value
_OPEN = InstalmentStatus.OPEN.value
_SUPERSEDED = InstalmentStatus.SUPERSEDED.value


# ---------------------------------------------------------------------------------------------
# The arithmetic (pure)


def _half_up_div(numerator: int, denominator: int) -> int:
    """round_half_up(numerator / denominator) for a non-negative numerator (the bank's one rule)."""
    return (2 * numerator + denominator) // (2 * denominator)


def accrual_through(run_date: dt.date) -> dt.date:
    """The date a run for ``run_date`` accrues through: the date itself, or the month's last day
    when the month ends before the next business day (a Friday 29th accrues through Sunday 31st),
    so the month-end books hold the whole month's interest; the next month's days wait for its run.
    """
    last = run_date.replace(day=month_calendar.monthrange(run_date.year, run_date.month)[1])
    if run_date < last and next_business_day(run_date + dt.timedelta(days=1)) > last:
        return last
    return run_date


def day_count_days(day_count: str, start: dt.date, end: dt.date) -> int:
    """Days from ``start`` to ``end`` by the loan's convention: actual days, or 30E/360."""
    if day_count == _ACTUAL_365:
        return (end - start).days
    return days_30e_360(start, end)


def accrued_cents(interest: int, start: dt.date, due_on: dt.date, through: dt.date, day_count: str) -> int:
    """Interest of the period ``start``–``due_on`` accrued through ``through``, in cents.

    ``round_half_up(interest × elapsed / days)``: 0 at the start, exactly ``interest`` on (and
    after) the due date, never decreasing in between (30E/360 counts the 31st as the 30th, so a
    period may reach its full interest a day or two before a due date on the 31st).
    """
    if through >= due_on:
        return interest
    if through <= start or interest <= 0:
        return 0
    days = day_count_days(day_count, start, due_on)
    if days <= 0:
        return 0
    elapsed = min(max(day_count_days(day_count, start, through), 0), days)
    return _half_up_div(interest * elapsed, days)


class AccrualState(NamedTuple):
    """A loan's accrual state (cents), as :func:`already_accrued` reads it."""

    through: dt.date | None
    instalment_id: int | None
    accrued: int


def already_accrued(state: AccrualState, instalment_id: int, due_on: dt.date, interest: int) -> int:
    """Cents of an instalment's interest the daily accrual has recognised already.

    The running period's part is in the state; a period whose due date the accrual has passed
    (``through`` on or after it) was accrued in full; a later one not at all.
    """
    if state.instalment_id == instalment_id:
        return state.accrued
    if state.through is not None and state.through >= due_on:
        return interest
    return 0


def accrual_request(
    *,
    key: str,
    loan_number: str,
    interest_account_id: int,
    income_account_id: int,
    cents: int,
    value_date: dt.date,
    memo: str,
) -> EntryRequest | None:
    """Dr the loan's interest / Cr 4000 for ``cents`` > 0; the reversal for ``cents`` < 0; None for 0."""
    if cents == 0:
        return None
    amount = abs(cents)
    recognise = cents > 0
    return EntryRequest.from_cents(
        key=key,
        kind=ACCRUAL_KIND,
        lines=((interest_account_id, recognise, amount), (income_account_id, not recognise, amount)),
        value_date=value_date,
        memo=f"{memo} {loan_number}",
    )


# ---------------------------------------------------------------------------------------------
# A batch of loans (the close-day job), set-based


class _LoanRow(NamedTuple):
    id: int
    number: str
    interest_account_id: int
    day_count: str
    disbursed_on: dt.date
    through: dt.date | None
    instalment_id: int | None
    accrued: int
    period_start: dt.date | None
    s_due_on: dt.date | None
    s_interest: int | None
    s_status: str | None
    s_moved_on: dt.date | None


class _Due(NamedTuple):
    id: int
    loan_id: int
    due_on: dt.date
    interest: int


@dataclass
class Plan:
    """What accruing one loan through a date posts (``delta`` cents) and the state it leaves."""

    loan_id: int
    number: str
    interest_account_id: int
    delta: int
    through: dt.date
    instalment_id: int | None
    accrued: int
    period_start: dt.date | None


@dataclass
class AccrualOutcome:
    """What one batch did; the run adds it to its counters."""

    loans: int = 0
    entries: int = 0
    #: Net cents recognised (a settlement of a shorter period may give some back).
    cents: int = 0


def loans_to_accrue(
    session: Session, through: dt.date, *, after_loan_id: int = 0, limit: int = 1000
) -> list[int]:
    """The next ``limit`` active loans (ids ascending, after ``after_loan_id``) behind ``through``."""
    return list(
        session.scalars(
            select(Loan.id)
            .where(
                Loan.id > after_loan_id,
                Loan.status == LoanStatus.ACTIVE,
                Loan.disbursed_on <= through,
                or_(Loan.interest_accrued_through.is_(None), Loan.interest_accrued_through < through),
            )
            .order_by(Loan.id)
            .limit(limit)
        )
    )


def count_loans_to_accrue(session: Session, through: dt.date) -> int:
    """How many loans a run through ``through`` still has to do (its progress bar)."""
    return int(
        session.scalar(
            select(func.count()).where(
                Loan.status == LoanStatus.ACTIVE,
                Loan.disbursed_on <= through,
                or_(Loan.interest_accrued_through.is_(None), Loan.interest_accrued_through < through),
            )
        )
        or 0
    )


def accrue_batch(
    session: Session, loan_ids: Sequence[int], run_date: dt.date, *, actor: Actor
) -> AccrualOutcome:
    """Accrue a batch of loans through :func:`accrual_through` (``run_date``), in the caller's transaction.

    Four grouped reads at most (the loans with their running instalment; for the few whose
    period changed: passed due dates, the next instalment and the period's start), one
    ``post_many`` and one bulk update of the loans' state. Loans already accrued through the
    date are skipped, so a repeated batch posts nothing.
    """
    through = accrual_through(run_date)
    outcome = AccrualOutcome()
    plans = _plan(session, loan_ids, through, only_behind=True)
    if not plans:
        return outcome
    income = account_by_code(session, chart.INTEREST_INCOME).id
    requests: list[EntryRequest] = []
    stamp = through.isoformat()
    for plan in plans:
        request = accrual_request(
            key=f"accrue-day:{plan.loan_id}:{stamp}",
            loan_number=plan.number,
            interest_account_id=plan.interest_account_id,
            income_account_id=income,
            cents=plan.delta,
            value_date=through,
            memo=f"Interest accrued through {stamp} on",
        )
        if request is not None:
            requests.append(request)
            outcome.cents += plan.delta
    outcome.loans = len(plans)
    _store_states(session, plans)
    if requests:
        post_many(session, requests, actor=actor)
        outcome.entries = len(requests)
    _expire_loaded(session, {plan.loan_id for plan in plans})
    return outcome


def _plan(session: Session, loan_ids: Sequence[int], through: dt.date, *, only_behind: bool) -> list[Plan]:
    """What accruing each loan through ``through`` posts and leaves (see :func:`accrue_batch`)."""
    if not loan_ids:
        return []
    session.flush()
    connection = session.connection()
    running = aliased(Instalment)
    query = (
        select(
            Loan.id,
            Loan.number,
            Loan.interest_account_id,
            type_coerce(Loan.day_count, String),
            Loan.disbursed_on,
            Loan.interest_accrued_through,
            Loan.accrual_instalment_id,
            type_coerce(Loan.interest_accrued, BigInteger),
            Loan.accrual_period_start,
            running.due_on,
            type_coerce(running.interest_due, BigInteger),
            type_coerce(running.status, String),
            running.interest_accrued_on,
        )
        .outerjoin(running, running.id == Loan.accrual_instalment_id)
        .where(among(session, Loan.id, list(loan_ids)), Loan.status == LoanStatus.ACTIVE)
        .order_by(Loan.id)
    )
    if only_behind:
        query = query.where(
            Loan.disbursed_on <= through,
            or_(Loan.interest_accrued_through.is_(None), Loan.interest_accrued_through < through),
        )
    rows = [_LoanRow._make(row) for row in connection.execute(query).all()]
    if not rows:
        return []
    # Most loans are in the same period as at the last run: their running instalment is still open
    # and not yet due. The others (a due date passed, a new schedule, no state yet) are looked up.
    steady = {
        row.id
        for row in rows
        if row.s_status == _OPEN
        and row.s_moved_on is None
        and row.s_due_on is not None
        and row.s_due_on > through
        and row.period_start is not None
    }
    moved = [row.id for row in rows if row.id not in steady]
    passed: dict[int, list[_Due]] = {}
    nexts: dict[int, _Due] = {}
    starts: dict[int, dt.date] = {}
    if moved:
        passed, nexts, starts = _read_moved(session, moved, through)
    plans = []
    for row in rows:
        if row.id in steady:
            assert row.s_due_on is not None and row.s_interest is not None and row.period_start is not None
            current = _Due(row.instalment_id or 0, row.id, row.s_due_on, row.s_interest)
            plans.append(_plan_loan(row, [], current, row.period_start, through))
        else:
            current_or_none = nexts.get(row.id)
            start = None
            if current_or_none is not None:
                start = starts.get(row.id, row.disbursed_on)
                if row.instalment_id == current_or_none.id and row.period_start is not None:
                    start = row.period_start
            plans.append(_plan_loan(row, passed.get(row.id, []), current_or_none, start, through))
    return plans


def _read_moved(
    session: Session, loan_ids: list[int], through: dt.date
) -> tuple[dict[int, list[_Due]], dict[int, _Due], dict[int, dt.date]]:
    """For loans whose period changed: due dates passed and not yet moved into what is due (by
    loan, oldest first), the next open instalment after ``through`` and the running period's start."""
    connection = session.connection()
    passed: dict[int, list[_Due]] = {}
    for row in connection.execute(
        select(
            Instalment.id,
            Instalment.loan_id,
            Instalment.due_on,
            type_coerce(Instalment.interest_due, BigInteger),
        )
        .where(
            among(session, Instalment.loan_id, loan_ids),
            Instalment.status == InstalmentStatus.OPEN,
            Instalment.due_on <= through,
            Instalment.interest_accrued_on.is_(None),
        )
        .order_by(Instalment.loan_id, Instalment.due_on, Instalment.number)
    ).all():
        passed.setdefault(row[1], []).append(_Due._make(row))
    first_due = (
        select(Instalment.loan_id.label("loan_id"), func.min(Instalment.due_on).label("due_on"))
        .where(
            among(session, Instalment.loan_id, loan_ids),
            Instalment.status == InstalmentStatus.OPEN,
            Instalment.due_on > through,
        )
        .group_by(Instalment.loan_id)
        .subquery()
    )
    nexts: dict[int, _Due] = {}
    for row in connection.execute(
        select(
            Instalment.id,
            Instalment.loan_id,
            Instalment.due_on,
            type_coerce(Instalment.interest_due, BigInteger),
        )
        .join(
            first_due,
            and_(first_due.c.loan_id == Instalment.loan_id, first_due.c.due_on == Instalment.due_on),
        )
        .where(Instalment.status == InstalmentStatus.OPEN)
        .order_by(Instalment.loan_id, Instalment.number)
    ).all():
        nexts.setdefault(row[1], _Due._make(row))
    # The running period starts at the last due date before it (paid or open; a superseded
    # version's dates are replaced, a new version keeps them), or at the disbursement.
    starts = {
        loan_id: due_on
        for loan_id, due_on in connection.execute(
            select(Instalment.loan_id, func.max(Instalment.due_on))
            .where(
                among(session, Instalment.loan_id, loan_ids),
                Instalment.status.in_((InstalmentStatus.OPEN, InstalmentStatus.PAID)),
                Instalment.due_on <= through,
            )
            .group_by(Instalment.loan_id)
        ).all()
    }
    return passed, nexts, starts


def _plan_loan(
    row: _LoanRow, passed: list[_Due], current: _Due | None, start: dt.date | None, through: dt.date
) -> Plan:
    """One loan: the cents to post so that everything through ``through`` is recognised exactly once."""
    state = AccrualState(row.through, row.instalment_id, row.accrued)
    # What was accrued on an instalment a new schedule version replaced (without moving the
    # state, see carry_to_new_schedule) belongs to the period now covering those days.
    carried = row.accrued if row.instalment_id is not None and row.s_status in (None, _SUPERSEDED) else 0
    delta = 0
    for item in passed:
        if item.id != row.instalment_id and row.through is not None and row.through >= item.due_on:
            continue  # passed (and accrued in full) by an earlier run
        delta += item.interest - already_accrued(state, item.id, item.due_on, item.interest) - carried
        carried = 0
    if current is None:
        return Plan(row.id, row.number, row.interest_account_id, delta - carried, through, None, 0, None)
    assert start is not None
    target = accrued_cents(current.interest, start, current.due_on, through, row.day_count)
    already = (row.accrued if current.id == row.instalment_id else 0) + carried
    delta += target - already
    return Plan(row.id, row.number, row.interest_account_id, delta, through, current.id, target, start)


_PG_STORE_STATES = text(
    """
    UPDATE loans SET interest_accrued_through = new.through, accrual_instalment_id = new.instalment_id,
        interest_accrued = new.accrued, accrual_period_start = new.period_start
    FROM unnest(CAST(:ids AS integer[]), CAST(:through AS date[]), CAST(:instalment_id AS integer[]),
                CAST(:accrued AS bigint[]), CAST(:period_start AS date[]))
         AS new(id, through, instalment_id, accrued, period_start)
    WHERE loans.id = new.id AND loans.id = ANY(CAST(:ids AS integer[]))
    """
)
_SQLITE_STORE_STATES = (
    "UPDATE loans SET interest_accrued_through = ?, accrual_instalment_id = ?, interest_accrued = ?,"
    " accrual_period_start = ? WHERE id = ?"
)


def _store_states(session: Session, plans: Sequence[Plan]) -> None:
    """The batch's new states in one statement (PostgreSQL: arrays; SQLite: executemany)."""
    connection = session.connection()
    if is_postgresql(session):
        connection.execute(
            _PG_STORE_STATES,
            {
                "ids": pg_int_array([plan.loan_id for plan in plans]),
                "through": pg_date_array(plan.through for plan in plans),
                "instalment_id": pg_int_array([plan.instalment_id for plan in plans]),
                "accrued": pg_int_array([plan.accrued for plan in plans]),
                "period_start": pg_date_array(plan.period_start for plan in plans),
            },
        )
        return
    connection.exec_driver_sql(
        _SQLITE_STORE_STATES,
        [
            (
                plan.through.isoformat(),
                plan.instalment_id,
                plan.accrued,
                None if plan.period_start is None else plan.period_start.isoformat(),
                plan.loan_id,
            )
            for plan in plans
        ],
    )


def _expire_loaded(session: Session, loan_ids: set[int]) -> None:
    """The bulk update bypassed the identity map: loaded loans reload their state."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Loan) and obj.id in loan_ids:
            session.expire(obj)


# ---------------------------------------------------------------------------------------------
# One loan: what the pages show, and the moments that settle or reverse the accrual


@dataclass(frozen=True)
class RunningAccrual:
    """Interest accrued so far in a loan's running period (what the loan page shows)."""

    amount: Decimal
    #: The date it is accrued through; None before the first run.
    through: dt.date | None
    instalment: Instalment | None


def running_accrual(session: Session, loan: Loan) -> RunningAccrual:
    """The running period's accrued interest: not yet due, but on the loan's interest account.

    Zero when the state's instalment is no longer running (its due date moved the interest into
    what is due, or the loan closed).
    """
    instalment = session.get(Instalment, loan.accrual_instalment_id) if loan.accrual_instalment_id else None
    if (
        instalment is None
        or instalment.status is not InstalmentStatus.OPEN
        or instalment.interest_accrued_on is not None
    ):
        return RunningAccrual(ZERO, loan.interest_accrued_through, None)
    return RunningAccrual(loan.interest_accrued, loan.interest_accrued_through, instalment)


def state_of(loan: Loan) -> AccrualState:
    """The loan's state in cents, for :func:`already_accrued`."""
    return AccrualState(
        loan.interest_accrued_through, loan.accrual_instalment_id, to_cents(loan.interest_accrued)
    )


def carry_to_new_schedule(session: Session, loan: Loan, first_new: Instalment) -> None:
    """A new schedule version replaced the running instalment: its accrual now belongs to ``first_new``.

    Called when a version is stored (``loans.service.store_schedule``); the amount is trued up to
    the new instalment's interest by :func:`settle` or by the next run.
    """
    if loan.accrual_instalment_id is None:
        return
    current = session.get(Instalment, loan.accrual_instalment_id)
    if current is not None and current.status is InstalmentStatus.SUPERSEDED:
        loan.accrual_instalment_id = first_new.id


def settle(session: Session, loan: Loan, *, key: str, actor: Actor) -> Decimal:
    """Re-accrue ``loan`` through the date it is accrued through, after its schedule changed.

    A prepayment or a restructuring gives the running period a new instalment with other
    interest; what was accrued so far is set right at once (a reversal when the new interest is
    lower), under ``key``. Returns the amount posted (negative: given back). Nothing to do for a
    loan the daily accrual never reached.
    """
    through = loan.interest_accrued_through
    if through is None:
        return ZERO
    (plan,) = _plan(session, [loan.id], through, only_behind=False) or (None,)
    if plan is None:
        return ZERO
    request = accrual_request(
        key=key,
        loan_number=loan.number,
        interest_account_id=loan.interest_account_id,
        income_account_id=account_by_code(session, chart.INTEREST_INCOME).id,
        cents=plan.delta,
        value_date=through,
        memo="Accrued interest settled on the new schedule of",
    )
    loan.accrual_instalment_id = plan.instalment_id
    loan.interest_accrued = from_cents(plan.accrued)
    loan.accrual_period_start = plan.period_start
    if request is not None:
        post_many(session, [request], actor=actor)
    session.flush()
    return from_cents(plan.delta)


def close_state(loan: Loan, on: dt.date) -> None:
    """The loan closed on ``on``: no period runs any more."""
    loan.accrual_instalment_id = None
    loan.interest_accrued = ZERO
    loan.accrual_period_start = None
    if loan.interest_accrued_through is None or loan.interest_accrued_through < on:
        loan.interest_accrued_through = on
