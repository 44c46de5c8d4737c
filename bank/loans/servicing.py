"""Loan servicing (issue 5): the repayment run's batch step, prepayment, payoff, write-off.

The repayment run for business date D handles, loan by loan, every open instalment whose
collection date (the due date, moved to the next TARGET2 business day) is on or before D:

1. **Accrual** — on its due date an instalment's interest becomes due. The close-day run has
   accrued it day by day (:mod:`bank.loans.accrual`), so only what is left is posted now, usually
   nothing (Dr the loan's interest receivable / Cr 4000), key ``accrue:{instalment_id}``, value
   date the due date; a loan the daily accrual never reached gets the whole interest here.
   Moving a weekend due date to Monday does not change the interest.
2. **Penalty interest** — overdue principal earns the product's penalty rate, actual/365, for
   every day from the collection date (or the last day already accrued) to D, rounded per
   instalment per run; one entry per loan and run date, key ``penalty:{loan_id}:{D}``.
   Between runs nothing is collected, so the overdue principal of that span is the one before
   today's collection: the penalty is accrued first, then collected in the same run.
3. **Collection** — from the repayment account, whatever is available up to what is due, oldest
   instalment first, within an instalment in the loan's allocation order (default penalties →
   fees → interest → principal). One entry per loan and date, key ``collect:{loan_id}:{D}``.
4. **Late fee** — an instalment still unpaid more than the tolerance days after its due date is
   charged the product's late fee once (key ``latefee:{instalment_id}``); it is collected by a
   later run like any other due amount.
5. A loan whose instalments are all paid becomes ``paid_off`` by itself.

:func:`service_batch` does this for a batch of loans with a handful of set-based reads, one
``post_many`` and bulk updates, all in the caller's transaction: the run commits per batch and
stamps each loan ``serviced_through = D`` in the same transaction, so a run killed at any point
and started again skips exactly the loans already done (and the ledger keys make a repeat post
nothing). Amounts in the hot path are integer cents; Decimal is made at the ledger's door.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any, NamedTuple

from sqlalchemy import BigInteger, Integer, Select, String, func, or_, select, text, type_coerce
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import Label

from bank import audit, clock
from bank.actor import Actor
from bank.approvals import service as approvals
from bank.approvals.models import Approval
from bank.calendar import collection_cutoff, next_business_day
from bank.db import RATE_SCALE, among, is_postgresql, pg_date_array, pg_int_array, pg_text_array
from bank.errors import (
    N_,
    InsufficientFunds,
    Message,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry, LedgerAccount, Posting, Side
from bank.ledger.service import EntryRequest, account_by_code, credit, debit, post_many
from bank.loans import accrual
from bank.loans.allocation import Allocation, Parts, allocate, allocation_order
from bank.loans.models import LOAN_STATUS, Instalment, InstalmentStatus, Loan, LoanStatus, ScheduleVersion
from bank.loans.schedule import Method, ScheduleTerms, annuity_payment, build_schedule
from bank.loans.service import interest_only_ahead, replace_schedule
from bank.money import ZERO, from_cents, parse_amount, to_cents
from bank.runs.service import record_shortfalls
from bank.savings.models import DepositAccount, DepositAccountStatus

# Stored status values, looked up once: the batch loop compares them for every instalment.
_OPEN = InstalmentStatus.OPEN.value
_PAID = InstalmentStatus.PAID.value
_ACTIVE = LoanStatus.ACTIVE.value
_PAID_OFF = LoanStatus.PAID_OFF.value
WRITE_OFF_APPROVAL = "loan_write_off"
#: Who may prepay, pay off and ask for a write-off.
SERVICING_ROLES = ("teller", "admin", "credit_officer")


def _half_up_div(numerator: int, denominator: int) -> int:
    """round_half_up(numerator / denominator) for non-negative integers (the bank's one rule)."""
    return (2 * numerator + denominator) // (2 * denominator)


def _cents(column: InstrumentedAttribute[Decimal]) -> Label[int]:
    """Read a money column as raw integer cents (no Decimal per value in the hot path)."""
    return type_coerce(column, BigInteger).label(column.key)


# ---------------------------------------------------------------------------------------------
# The repayment run's batch step


class _BatchLoan(NamedTuple):
    """One loan of a batch, as read by :func:`_read_batch` (money in integer cents).

    A plain tuple, not SQLAlchemy's ``Row``: a ``Row`` looks a name up by first failing the
    ordinary attribute lookup (an ``AttributeError`` built and dropped each time), which cost
    about seven per cent of a SQLite repayment run at two dozen reads per loan.
    """

    id: int
    number: str
    repayment_account_id: int
    principal_account_id: int
    interest_account_id: int
    fees_account_id: int
    late_fee: int
    penalty_rate_scaled: int
    tolerance_days: int
    allocation_order: str
    #: The daily accrual's state (:mod:`bank.loans.accrual`), interest accrued in cents.
    interest_accrued_through: dt.date | None
    accrual_instalment_id: int | None
    interest_accrued: int


@dataclass
class _Inst:
    """Working copy of one open instalment (cents), written back in one bulk update."""

    id: int
    loan_id: int
    number: int
    due_on: dt.date
    principal_due: int
    interest_due: int
    fees_due: int
    penalties_due: int
    principal_paid: int
    interest_paid: int
    fees_paid: int
    penalties_paid: int
    interest_accrued_on: dt.date | None
    late_fee_charged_on: dt.date | None
    penalty_accrued_through: dt.date | None
    status: str = "open"
    paid_on: dt.date | None = None

    @property
    def total_outstanding(self) -> int:
        return (
            self.principal_due
            + self.interest_due
            + self.fees_due
            + self.penalties_due
            - self.principal_paid
            - self.interest_paid
            - self.fees_paid
            - self.penalties_paid
        )

    @property
    def outstanding(self) -> Parts:
        """What is still owed per part, as :func:`bank.loans.allocation.allocate` takes it."""
        return Parts(
            self.penalties_due - self.penalties_paid,
            self.fees_due - self.fees_paid,
            self.interest_due - self.interest_paid,
            self.principal_due - self.principal_paid,
        )

    def receive(self, received: Parts, on: dt.date) -> None:
        """Add what a collection allocated to this instalment; paid when nothing is left."""
        penalties, fees, interest, principal = received
        self.penalties_paid += penalties
        self.fees_paid += fees
        self.interest_paid += interest
        self.principal_paid += principal
        if self.total_outstanding == 0:
            self.status = _PAID
            self.paid_on = on


@dataclass
class BatchOutcome:
    """What one batch did; the run adds it to its counters."""

    loans: int = 0
    due_count: int = 0
    full: int = 0
    partial: int = 0
    nothing: int = 0
    amount_due: int = 0
    amount_collected: int = 0
    amount_accrued: int = 0
    amount_charged: int = 0
    entries: int = 0
    paid_off: list[int] = field(default_factory=list)


_INSTALMENT_COLUMNS: tuple[Any, ...] = (
    Instalment.id,
    Instalment.loan_id,
    Instalment.number,
    Instalment.due_on,
    _cents(Instalment.principal_due),
    _cents(Instalment.interest_due),
    _cents(Instalment.fees_due),
    _cents(Instalment.penalties_due),
    _cents(Instalment.principal_paid),
    _cents(Instalment.interest_paid),
    _cents(Instalment.fees_paid),
    _cents(Instalment.penalties_paid),
    Instalment.interest_accrued_on,
    Instalment.late_fee_charged_on,
    Instalment.penalty_accrued_through,
)


def loans_to_service(
    session: Session, run_date: dt.date, *, after_loan_id: int = 0, limit: int = 500
) -> list[int]:
    """The next ``limit`` loan ids (ascending, after ``after_loan_id``) the run for ``run_date`` has to do.

    A loan is to do when it is active, has an open instalment collectable by ``run_date`` and
    was not yet serviced through that date. Walks the (status, loan_id, due_on) index in loan
    order, so every batch is a short range read: the run streams instead of loading everything.
    """
    cutoff = collection_cutoff(run_date)
    query = (
        select(Instalment.loan_id)
        .join(Loan, Loan.id == Instalment.loan_id)
        .where(
            Instalment.status == InstalmentStatus.OPEN,
            Instalment.due_on <= cutoff,
            Instalment.loan_id > after_loan_id,
            # Said of both tables so that the join starts at the batch, not at the first loan.
            Loan.id > after_loan_id,
            Loan.status == LoanStatus.ACTIVE,
            or_(Loan.serviced_through.is_(None), Loan.serviced_through < run_date),
        )
        .group_by(Instalment.loan_id)
        .order_by(Instalment.loan_id)
        .limit(limit)
    )
    return list(session.scalars(query))


def count_loans_to_service(session: Session, run_date: dt.date) -> int:
    """How many loans the run for ``run_date`` still has to do (for its progress bar)."""
    return int(session.scalar(loans_to_service_count(run_date)) or 0)


def loans_to_service_count(run_date: dt.date) -> Select[int]:
    """The statement of :func:`count_loans_to_service`, to embed in another (one snapshot)."""
    cutoff = collection_cutoff(run_date)
    inner = (
        select(Instalment.loan_id)
        .join(Loan, Loan.id == Instalment.loan_id)
        .where(
            Instalment.status == InstalmentStatus.OPEN,
            Instalment.due_on <= cutoff,
            Loan.status == LoanStatus.ACTIVE,
            or_(Loan.serviced_through.is_(None), Loan.serviced_through < run_date),
        )
        .group_by(Instalment.loan_id)
        .subquery()
    )
    return select(func.count()).select_from(inner)


def service_batch(
    session: Session,
    loan_ids: Sequence[int],
    run_date: dt.date,
    *,
    actor: Actor,
    run_id: int | None = None,
) -> BatchOutcome:
    """Accrue, charge and collect for a batch of loans on ``run_date``, in the caller's transaction.

    Reads are set-based (loans, repayment accounts, open instalments: one query each), the
    ledger gets one ``post_many`` and the instalments and loans one bulk update each. Loans
    already serviced through ``run_date`` are skipped, so a repeated batch does nothing. The
    steps of one loan are the helpers below; where a collection goes is
    :func:`bank.loans.allocation.allocate`, a pure rule tested on its own.
    """
    outcome = BatchOutcome()
    if not loan_ids:
        return outcome
    loans, instalments, with_future = _read_batch(session, loan_ids, run_date)
    if not loans:
        return outcome
    available = _repayment_balances(session, {loan.repayment_account_id for loan in loans})
    interest_income = account_by_code(session, chart.INTEREST_INCOME).id
    fee_income = account_by_code(session, chart.FEE_INCOME).id

    requests: list[EntryRequest] = []
    changed: list[_Inst] = []
    loan_updates: list[dict[str, Any]] = []
    #: (loan id, cents due, cents collected, days past due) of loans left short.
    shortfalls: list[tuple[int, int, int, int]] = []
    for loan in loans:
        items = instalments.get(loan.id, [])
        outcome.loans += 1
        loan_update: dict[str, Any] = {
            "b_loan_id": loan.id,
            "b_status": _ACTIVE,
            "b_closed_on": None,
        }
        loan_updates.append(loan_update)
        if not items:
            continue
        changed.extend(items)
        member_ledger_id, balance = available.get(loan.repayment_account_id, (None, 0))

        # 1. Interest of instalments reaching their due date, once each.
        outcome.amount_accrued += _accrue_interest(loan, items, run_date, interest_income, requests)
        # 2. Penalty interest on overdue principal for the days since the last accrual.
        outcome.amount_charged += _accrue_penalties(loan, items, run_date, fee_income, requests)

        # 3. Collection: oldest instalment first, parts in the loan's allocation order.
        due_before = sum(item.total_outstanding for item in items)
        allocation = allocate(
            balance, [item.outstanding for item in items], allocation_order(loan.allocation_order)
        )
        for item, received in zip(items, allocation.instalments, strict=True):
            item.receive(received, run_date)
        total_collected = allocation.collected
        if total_collected:
            assert member_ledger_id is not None
            available[loan.repayment_account_id] = (member_ledger_id, allocation.left)
            requests.append(_collection_request(loan, member_ledger_id, allocation, run_date))
        outcome.due_count += 1
        outcome.amount_due += due_before
        outcome.amount_collected += total_collected
        if total_collected == due_before:
            outcome.full += 1
        elif total_collected:
            outcome.partial += 1
        else:
            outcome.nothing += 1

        # 4. Late fee, once per instalment still unpaid after the tolerance days.
        outcome.amount_charged += _charge_late_fees(loan, items, run_date, fee_income, requests)

        # 5. Paid off by itself when nothing is left, now or later.
        open_items = [item for item in items if item.status == _OPEN]
        if not open_items and loan.id not in with_future:
            loan_update["b_status"] = _PAID_OFF
            loan_update["b_closed_on"] = run_date
            outcome.paid_off.append(loan.id)
        elif open_items and total_collected < due_before:
            oldest = min(item.due_on for item in open_items)
            shortfalls.append((loan.id, due_before, total_collected, max((run_date - oldest).days, 0)))

    # The ledger goes last, so the account rows its write updates stay locked only until the
    # commit right after it (batches run side by side in bank.loans.jobs).
    _write_back(session, changed, loan_updates, run_date)
    if shortfalls and run_id is not None:
        record_shortfalls(session, run_id, shortfalls)
    if requests:
        post_many(session, requests, actor=actor)
        outcome.entries = len(requests)
    _expire_loaded(session, [loan.id for loan in loans])
    return outcome


def _read_batch(
    session: Session, loan_ids: Sequence[int], run_date: dt.date
) -> tuple[list[_BatchLoan], dict[int, list[_Inst]], set[int]]:
    """The batch's loans still to service, their instalments collectable by ``run_date`` (oldest
    first, per loan) and the ids of those with an open instalment after it.

    Columns, not objects: plain Core rows, without the ORM's loading step.
    """
    cutoff = collection_cutoff(run_date)
    session.flush()
    connection = session.connection()
    loans = [
        _BatchLoan._make(row)
        for row in connection.execute(
            select(
                Loan.id,
                Loan.number,
                Loan.repayment_account_id,
                Loan.principal_account_id,
                Loan.interest_account_id,
                Loan.fees_account_id,
                _cents(Loan.late_fee),
                type_coerce(Loan.penalty_rate_annual, BigInteger).label("penalty_rate_scaled"),
                Loan.tolerance_days,
                Loan.allocation_order,
                Loan.interest_accrued_through,
                Loan.accrual_instalment_id,
                _cents(Loan.interest_accrued),
            )
            .where(
                among(session, Loan.id, loan_ids),
                Loan.status == LoanStatus.ACTIVE,
                or_(Loan.serviced_through.is_(None), Loan.serviced_through < run_date),
            )
            .order_by(Loan.id)
        ).all()
    ]
    instalments: dict[int, list[_Inst]] = defaultdict(list)
    if not loans:
        return loans, instalments, set()
    ids = [loan.id for loan in loans]
    # Fetched at once: iterating the result was a fetch call per instalment.
    instalment_rows: Sequence[Any] = connection.execute(
        select(*_INSTALMENT_COLUMNS)
        .where(
            among(session, Instalment.loan_id, ids),
            Instalment.status == InstalmentStatus.OPEN,
            Instalment.due_on <= cutoff,
        )
        .order_by(Instalment.loan_id, Instalment.due_on, Instalment.number)
    ).all()
    for row in instalment_rows:  # fetched at once: row-by-row iteration was a fetch call per instalment
        item = _Inst(*row)
        instalments[item.loan_id].append(item)
    # A separate read: as a correlated EXISTS the planner scans every instalment per batch.
    with_future = set(
        connection.scalars(
            select(Instalment.loan_id)
            .where(
                among(session, Instalment.loan_id, ids),
                Instalment.status == InstalmentStatus.OPEN,
                Instalment.due_on > cutoff,
            )
            .group_by(Instalment.loan_id)
        )
    )
    return loans, instalments, with_future


def _accrue_interest(
    loan: _BatchLoan, items: Sequence[_Inst], run_date: dt.date, income: int, requests: list[EntryRequest]
) -> int:
    """Move the interest of each instalment reaching its due date into what is due, once.

    The daily accrual recognised most or all of it already; what is left is posted now (a
    negative rest, which only a restructured period can leave, is given back). The cents posted.
    """
    accrued = 0
    state = accrual.AccrualState(
        loan.interest_accrued_through, loan.accrual_instalment_id, loan.interest_accrued
    )
    for item in items:
        if item.interest_accrued_on is None:
            item.interest_accrued_on = run_date
            left = item.interest_due - accrual.already_accrued(state, item.id, item.due_on, item.interest_due)
            request = accrual.accrual_request(
                key=f"accrue:{item.id}",
                loan_number=loan.number,
                interest_account_id=loan.interest_account_id,
                income_account_id=income,
                cents=left,
                value_date=item.due_on,
                memo=f"Interest instalment {item.number} of",
            )
            if request is not None:
                requests.append(request)
                accrued += left
    return accrued


def _accrue_penalties(
    loan: _BatchLoan, items: Sequence[_Inst], run_date: dt.date, fee_income: int, requests: list[EntryRequest]
) -> int:
    """Penalty interest on overdue principal since the last accrual (one entry); the cents charged."""
    penalty_total = 0
    for item in items:
        collect_on = next_business_day(item.due_on)
        start = max(collect_on, item.penalty_accrued_through or collect_on)
        days = (run_date - start).days
        overdue = item.principal_due - item.principal_paid
        if days > 0 and overdue > 0 and loan.penalty_rate_scaled > 0:
            penalty = _half_up_div(overdue * loan.penalty_rate_scaled * days, 365 * RATE_SCALE)
            item.penalties_due += penalty
            penalty_total += penalty
        if collect_on <= run_date:
            item.penalty_accrued_through = run_date
    if penalty_total:
        requests.append(
            EntryRequest.from_cents(
                key=f"penalty:{loan.id}:{run_date.isoformat()}",
                kind="loan_penalty",
                lines=((loan.fees_account_id, True, penalty_total), (fee_income, False, penalty_total)),
                value_date=run_date,
                memo=f"Penalty interest on overdue principal of {loan.number}",
            )
        )
    return penalty_total


def _charge_late_fees(
    loan: _BatchLoan, items: Sequence[_Inst], run_date: dt.date, fee_income: int, requests: list[EntryRequest]
) -> int:
    """The late fee, once per instalment still unpaid after the tolerance days; the cents charged."""
    charged = 0
    for item in items:
        if (
            item.status == _OPEN
            and loan.late_fee > 0
            and item.late_fee_charged_on is None
            and (run_date - item.due_on).days > loan.tolerance_days
        ):
            item.fees_due += loan.late_fee
            item.late_fee_charged_on = run_date
            fee = loan.late_fee
            requests.append(
                EntryRequest.from_cents(
                    key=f"latefee:{item.id}",
                    kind="loan_late_fee",
                    lines=((loan.fees_account_id, True, fee), (fee_income, False, fee)),
                    value_date=run_date,
                    memo=f"Late fee instalment {item.number} of {loan.number}",
                )
            )
            charged += fee
    return charged


def _collection_request(
    loan: _BatchLoan, member_ledger_id: int, allocation: Allocation, run_date: dt.date
) -> EntryRequest:
    """The collection entry of one loan: Dr the repayment account, Cr each part's account."""
    totals = allocation.totals
    lines = [(member_ledger_id, True, totals.total)]
    if totals.principal:
        lines.append((loan.principal_account_id, False, totals.principal))
    if totals.interest:
        lines.append((loan.interest_account_id, False, totals.interest))
    fees_and_penalties = totals.fees + totals.penalties
    if fees_and_penalties:
        lines.append((loan.fees_account_id, False, fees_and_penalties))
    return EntryRequest.from_cents(
        key=f"collect:{loan.id}:{run_date.isoformat()}",
        kind="loan_collection",
        lines=lines,
        value_date=run_date,
        memo=f"Instalment collection {loan.number}",
    )


#: PostgreSQL: each batch's instalments and loans are written back with ONE statement each, the
#: rows travelling as arrays (a row-by-row executemany was a third of a batch's database time).
_PG_UPDATE_INSTALMENTS = text(
    """
    UPDATE instalments AS item
    SET fees_due = new.fees_due, penalties_due = new.penalties_due, principal_paid = new.principal_paid,
        interest_paid = new.interest_paid, fees_paid = new.fees_paid, penalties_paid = new.penalties_paid,
        interest_accrued_on = new.interest_accrued_on, late_fee_charged_on = new.late_fee_charged_on,
        penalty_accrued_through = new.penalty_accrued_through, status = new.status, paid_on = new.paid_on
    FROM unnest(CAST(:ids AS integer[]), CAST(:fees_due AS bigint[]), CAST(:penalties_due AS bigint[]),
                CAST(:principal_paid AS bigint[]), CAST(:interest_paid AS bigint[]),
                CAST(:fees_paid AS bigint[]), CAST(:penalties_paid AS bigint[]),
                CAST(:interest_accrued_on AS date[]), CAST(:late_fee_charged_on AS date[]),
                CAST(:penalty_accrued_through AS date[]), CAST(:status AS varchar[]),
                CAST(:paid_on AS date[]))
         AS new(id, fees_due, penalties_due, principal_paid, interest_paid, fees_paid, penalties_paid,
                interest_accrued_on, late_fee_charged_on, penalty_accrued_through, status, paid_on)
    -- The ANY() lets the planner probe the primary key instead of hashing the whole table.
    WHERE item.id = new.id AND item.id = ANY(CAST(:ids AS integer[]))
    """
)
_PG_UPDATE_LOANS = text(
    """
    UPDATE loans SET serviced_through = :run_date, status = new.status, closed_on = new.closed_on
    FROM unnest(CAST(:ids AS integer[]), CAST(:status AS varchar[]), CAST(:closed_on AS date[]))
         AS new(id, status, closed_on)
    WHERE loans.id = new.id AND loans.id = ANY(CAST(:ids AS integer[]))
    """
)
#: SQLite: the same rows through the driver's executemany (no per-row parameter processing).
_SQLITE_UPDATE_INSTALMENTS = (
    "UPDATE instalments SET fees_due = ?, penalties_due = ?, principal_paid = ?, interest_paid = ?,"
    " fees_paid = ?, penalties_paid = ?, interest_accrued_on = ?, late_fee_charged_on = ?,"
    " penalty_accrued_through = ?, status = ?, paid_on = ? WHERE id = ?"
)
_SQLITE_UPDATE_LOANS = "UPDATE loans SET serviced_through = ?, status = ?, closed_on = ? WHERE id = ?"
#: Most loans stay active: SQLite rewrites the status index entry of every row whose status is
#: assigned, changed or not, so those get the marker alone (2.5x faster per row).
_SQLITE_MARK_LOANS = "UPDATE loans SET serviced_through = ? WHERE id = ?"


def _write_back(
    session: Session, changed: Sequence[_Inst], loan_updates: Sequence[dict[str, Any]], run_date: dt.date
) -> None:
    """Store the batch's instalments (cents, dates, status) and loans (serviced through, status)."""
    connection = session.connection()
    if is_postgresql(session):
        if changed:
            connection.execute(
                _PG_UPDATE_INSTALMENTS,
                {
                    "ids": pg_int_array(item.id for item in changed),
                    "fees_due": pg_int_array(item.fees_due for item in changed),
                    "penalties_due": pg_int_array(item.penalties_due for item in changed),
                    "principal_paid": pg_int_array(item.principal_paid for item in changed),
                    "interest_paid": pg_int_array(item.interest_paid for item in changed),
                    "fees_paid": pg_int_array(item.fees_paid for item in changed),
                    "penalties_paid": pg_int_array(item.penalties_paid for item in changed),
                    "interest_accrued_on": pg_date_array(item.interest_accrued_on for item in changed),
                    "late_fee_charged_on": pg_date_array(item.late_fee_charged_on for item in changed),
                    "penalty_accrued_through": pg_date_array(
                        item.penalty_accrued_through for item in changed
                    ),
                    "status": pg_text_array(item.status for item in changed),
                    "paid_on": pg_date_array(item.paid_on for item in changed),
                },
            )
        if loan_updates:
            connection.execute(
                _PG_UPDATE_LOANS,
                {
                    "run_date": run_date,
                    "ids": pg_int_array(u["b_loan_id"] for u in loan_updates),
                    "status": pg_text_array(u["b_status"] for u in loan_updates),
                    "closed_on": pg_date_array(u["b_closed_on"] for u in loan_updates),
                },
            )
        return
    if changed:
        connection.exec_driver_sql(
            _SQLITE_UPDATE_INSTALMENTS,
            [
                (
                    item.fees_due,
                    item.penalties_due,
                    item.principal_paid,
                    item.interest_paid,
                    item.fees_paid,
                    item.penalties_paid,
                    _sqlite_date(item.interest_accrued_on),
                    _sqlite_date(item.late_fee_charged_on),
                    _sqlite_date(item.penalty_accrued_through),
                    item.status,
                    _sqlite_date(item.paid_on),
                    item.id,
                )
                for item in changed
            ],
        )
    if loan_updates:
        serviced_through = _sqlite_date(run_date)
        marked = [(serviced_through, u["b_loan_id"]) for u in loan_updates if u["b_status"] == _ACTIVE]
        if marked:
            connection.exec_driver_sql(_SQLITE_MARK_LOANS, marked)
        closed = [
            (serviced_through, u["b_status"], _sqlite_date(u["b_closed_on"]), u["b_loan_id"])
            for u in loan_updates
            if u["b_status"] != _ACTIVE
        ]
        if closed:
            connection.exec_driver_sql(_SQLITE_UPDATE_LOANS, closed)


def _sqlite_date(day: dt.date | None) -> str | None:
    """A date as SQLAlchemy stores it on SQLite (ISO text)."""
    return None if day is None else day.isoformat()


def _repayment_balances(session: Session, deposit_account_ids: set[int]) -> dict[int, tuple[int | None, int]]:
    """Ledger account and available cents of each repayment account (0 when blocked or closed).

    On PostgreSQL the member accounts are locked (in id order) before their balances are read,
    so a withdrawal at the counter waits for the batch instead of the batch failing on it.
    """
    ledger_table = LedgerAccount.__table__
    # Two reads, not a join: joined, the planner scans every ledger account for each batch.
    connection = session.connection()
    deposits = connection.execute(
        select(
            DepositAccount.id,
            type_coerce(DepositAccount.status, String).label("status"),
            DepositAccount.ledger_account_id,
        ).where(among(session, DepositAccount.id, deposit_account_ids))
    ).all()
    query = select(
        ledger_table.c.id,
        type_coerce(ledger_table.c.debits_posted, BigInteger).label("debits"),
        type_coerce(ledger_table.c.credits_posted, BigInteger).label("credits"),
        type_coerce(ledger_table.c.status, String).label("status"),
    ).where(among(session, ledger_table.c.id, [ledger_account_id for _, _, ledger_account_id in deposits]))
    if is_postgresql(session):
        query = query.order_by(ledger_table.c.id).with_for_update()
    # Unpacked as tuples: a Row's attribute lookup is slow (see _BatchLoan).
    ledger_rows = {account_id: rest for account_id, *rest in connection.execute(query).all()}
    open_deposit = DepositAccountStatus.OPEN.value
    result: dict[int, tuple[int | None, int]] = {}
    for deposit_id, deposit_status, ledger_account_id in deposits:
        debits, credits, ledger_status = ledger_rows[ledger_account_id]
        usable = deposit_status == open_deposit and ledger_status == "open"
        cents = credits - debits if usable else 0
        result[deposit_id] = (ledger_account_id, max(cents, 0))
    return result


def _expire_loaded(session: Session, loan_ids: Sequence[int]) -> None:
    """Bulk updates bypass the identity map: make loaded loans and instalments reload."""
    wanted = set(loan_ids)
    for obj in list(session.identity_map.values()):
        if (isinstance(obj, Loan) and obj.id in wanted) or (
            isinstance(obj, Instalment) and obj.loan_id in wanted
        ):
            session.expire(obj)


# ---------------------------------------------------------------------------------------------
# Reads shared by the services below and bank.loans.queries


def _open_instalments(session: Session, loan: Loan) -> list[Instalment]:
    return list(
        session.scalars(
            select(Instalment)
            .where(Instalment.loan_id == loan.id, Instalment.status == InstalmentStatus.OPEN)
            .order_by(Instalment.due_on, Instalment.number)
        )
    )


def last_payment_on(session: Session, loan: Loan) -> dt.date | None:
    """Value date of the last money received for the loan (collection, prepayment, payoff)."""
    prefixes = (f"collect:{loan.id}:", f"prepay:{loan.id}:", f"payoff:{loan.id}")
    return session.scalar(
        select(func.max(JournalEntry.value_date)).where(
            or_(*(JournalEntry.idempotency_key.startswith(prefix) for prefix in prefixes))
        )
    )


def outstanding_principal(session: Session, loan: Loan) -> Decimal:
    """Principal still owed: the balance of the loan's principal account."""
    return ledger_queries.balance(session, loan.principal_account_id)


def _repayment_available(session: Session, loan: Loan) -> Decimal:
    account = loan.repayment_account
    if account.status is not DepositAccountStatus.OPEN:
        return ZERO
    return ledger_queries.balance(session, account.ledger_account_id)


def _require_active(loan: Loan, *, to: LoanStatus | None = None) -> None:
    """Refuse servicing the loan, or its move ``to`` another status, unless :data:`LOAN_STATUS` allows it."""
    message = N_("loan %(number)s is %(status)s; only an active loan can be serviced")
    if to is None:
        LOAN_STATUS.require_action("service", loan.status, message, number=loan.number, status=loan.status)
    else:
        LOAN_STATUS.require(loan.status, to, message, number=loan.number, status=loan.status)


def _require_role(actor: Actor, *roles: str) -> None:
    if not actor.has_role(*roles):
        raise PermissionDenied(
            N_("role %(role)s may not do this; it needs %(roles)s"), role=actor.role, roles=" or ".join(roles)
        )


def _require_not_future(on: dt.date, field_name: str) -> None:
    if on > clock.today():
        raise ValidationError(field_name, N_("must not be in the future"))


# ---------------------------------------------------------------------------------------------
# Payoff quote and full early repayment


@dataclass(frozen=True)
class PayoffQuote:
    """What it costs to close the loan on ``on``: principal, interest to date, fees, penalties."""

    loan_id: int
    on: dt.date
    principal: Decimal
    #: Interest accrued on due instalments and not yet paid.
    interest_due: Decimal
    #: Interest on the principal not yet due, from the last due date to ``on``, actual/365.
    interest_running: Decimal
    fees: Decimal
    penalties: Decimal
    #: The period the running interest covers (last due date or disbursement, to ``on``).
    interest_from: dt.date
    interest_days: int

    @property
    def interest(self) -> Decimal:
        return self.interest_due + self.interest_running

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees + self.penalties


def payoff_quote(session: Session, loan: Loan, on: dt.date) -> PayoffQuote:
    """The payoff amount on ``on``; refused for a date before the last payment or due date handled.

    Interest of the running period is counted by actual days (actual/365) on the principal
    not yet due, from the last due date (or the disbursement) to ``on``. Instalments due on or
    before ``on`` whose interest was not yet accrued by a run count in full.
    """
    _require_active(loan)
    last_paid = last_payment_on(session, loan)
    if last_paid is not None and on < last_paid:
        raise ValidationError(
            "on", N_("must not be before the last payment on %(last_paid)s"), last_paid=last_paid
        )
    if on < loan.disbursed_on:
        raise ValidationError(
            "on",
            N_("must not be before the disbursement on %(disbursed_on)s"),
            disbursed_on=loan.disbursed_on,
        )
    open_items = _open_instalments(session, loan)
    last_due = session.scalar(
        select(func.max(Instalment.due_on)).where(
            Instalment.loan_id == loan.id,
            Instalment.status.in_([InstalmentStatus.PAID, InstalmentStatus.OPEN]),
            Instalment.due_on <= on,
        )
    )
    accrued_through = session.scalar(
        select(func.max(Instalment.due_on)).where(
            Instalment.loan_id == loan.id, Instalment.interest_accrued_on.is_not(None)
        )
    )
    if accrued_through is not None and on < accrued_through:
        raise ValidationError(
            "on",
            N_("must not be before the last due date already accrued (%(accrued_through)s)"),
            accrued_through=accrued_through,
        )
    principal = sum((i.principal_due - i.principal_paid for i in open_items), ZERO)
    interest_due = sum((i.interest_due - i.interest_paid for i in open_items if i.due_on <= on), ZERO)
    fees = sum((i.fees_due - i.fees_paid for i in open_items), ZERO)
    penalties = sum((i.penalties_due - i.penalties_paid for i in open_items), ZERO)
    not_yet_due = sum((i.principal_due for i in open_items if i.due_on > on), ZERO)
    start = last_due or loan.disbursed_on
    days = (on - start).days
    running = from_cents(
        _half_up_div(to_cents(not_yet_due) * int(loan.rate_annual * RATE_SCALE) * days, 365 * RATE_SCALE)
    )
    return PayoffQuote(
        loan_id=loan.id,
        on=on,
        principal=principal,
        interest_due=interest_due,
        interest_running=running,
        fees=fees,
        penalties=penalties,
        interest_from=start,
        interest_days=days,
    )


def pay_off(session: Session, loan: Loan, *, on: dt.date, key: str, actor: Actor) -> PayoffQuote:
    """Full early repayment from the repayment account: the loan is paid off and closed.

    Unaccrued interest of due instalments and the running period's interest are accrued first;
    then one collection takes everything. The future instalments are superseded by a payoff
    schedule version of one paid instalment, so the history shows what was paid and when.
    """
    _require_role(actor, *SERVICING_ROLES)
    _require_not_future(on, "on")
    _require_active(loan, to=LoanStatus.PAID_OFF)
    quote = payoff_quote(session, loan, on)
    available = _repayment_available(session, loan)
    if quote.total > available:
        raise InsufficientFunds(
            N_("payoff of %(total)s is more than the %(available)s available on the repayment account"),
            fields={"on": N_("the repayment account does not hold the payoff amount")},
            total=quote.total,
            available=available,
        )
    interest_income = account_by_code(session, chart.INTEREST_INCOME).id
    open_items = _open_instalments(session, loan)
    requests: list[EntryRequest] = []
    # What the daily accrual recognised counts: due instalments get only their rest, and the
    # running period is settled to the interest the payoff charges (a reversal if it accrued
    # more), so the interest account is exactly cleared by the payoff below.
    state = accrual.state_of(loan)
    running_accrued = 0
    for item in open_items:
        interest_cents = to_cents(item.interest_due)
        if item.interest_accrued_on is not None:
            continue
        already = accrual.already_accrued(state, item.id, item.due_on, interest_cents)
        if item.due_on > on:
            running_accrued += already
            continue
        item.interest_accrued_on = on
        request = accrual.accrual_request(
            key=f"accrue:{item.id}",
            loan_number=loan.number,
            interest_account_id=loan.interest_account_id,
            income_account_id=interest_income,
            cents=interest_cents - already,
            value_date=item.due_on,
            memo=f"Interest instalment {item.number} of",
        )
        if request is not None:
            requests.append(request)
    running = accrual.accrual_request(
        key=f"payoff-interest:{loan.id}",
        loan_number=loan.number,
        interest_account_id=loan.interest_account_id,
        income_account_id=interest_income,
        cents=to_cents(quote.interest_running) - running_accrued,
        value_date=on,
        memo=f"Interest {quote.interest_from.isoformat()} to {on.isoformat()} ({quote.interest_days} days)"
        " on payoff of",
    )
    if running is not None:
        requests.append(running)
    lines = [debit(loan.repayment_account.ledger_account_id, quote.total)]
    if quote.principal:
        lines.append(credit(loan.principal_account_id, quote.principal))
    if quote.interest:
        lines.append(credit(loan.interest_account_id, quote.interest))
    if quote.fees + quote.penalties:
        lines.append(credit(loan.fees_account_id, quote.fees + quote.penalties))
    requests.append(
        EntryRequest(f"payoff:{loan.id}", "loan_payoff", lines, on, f"Full early repayment of {loan.number}")
    )
    post_many(session, requests, actor=actor)

    future = [item for item in open_items if item.due_on > on]
    for item in open_items:
        if item.due_on <= on:
            item.principal_paid = item.principal_due
            item.interest_paid = item.interest_due
            item.fees_paid = item.fees_due
            item.penalties_paid = item.penalties_due
            item.status = InstalmentStatus.PAID
            item.paid_on = on
    if future:
        for item in future:
            item.status = InstalmentStatus.SUPERSEDED
        version = loan.schedule_version + 1
        session.add(
            ScheduleVersion(
                loan_id=loan.id,
                version=version,
                reason="payoff",
                effective_from=on,
                note=f"payoff:{key}"[:200],
                created_by_id=actor.user_id,
            )
        )
        principal_left = sum((item.principal_due for item in future), ZERO)
        session.add(
            Instalment(
                loan_id=loan.id,
                schedule_version=version,
                number=min(item.number for item in future),
                due_on=on,
                principal_due=principal_left,
                interest_due=quote.interest_running,
                principal_paid=principal_left,
                interest_paid=quote.interest_running,
                fees_due=ZERO,
                penalties_due=ZERO,
                fees_paid=ZERO,
                penalties_paid=ZERO,
                balance_after=ZERO,
                interest_accrued_on=on,
                status=InstalmentStatus.PAID,
                paid_on=on,
            )
        )
        loan.schedule_version = version
    loan.status = LoanStatus.PAID_OFF
    loan.closed_on = on
    accrual.close_state(loan, on)
    session.flush()
    audit.record(
        session,
        actor,
        "loan.payoff",
        "loan",
        loan.id,
        before={"status": LoanStatus.ACTIVE.value},
        after={"status": loan.status.value, "amount": quote.total, "on": on},
    )
    return quote


# ---------------------------------------------------------------------------------------------
# Prepayment (extra repayment): a new schedule version for the unpaid future


class PrepaymentMode:
    SHORTEN_TERM = "shorten_term"
    LOWER_INSTALMENT = "lower_instalment"
    ALL = (SHORTEN_TERM, LOWER_INSTALMENT)


def prepay(
    session: Session,
    loan: Loan,
    amount: object,
    *,
    mode: str,
    on: dt.date,
    key: str,
    actor: Actor,
) -> ScheduleVersion:
    """Book an extra repayment from the repayment account and rebuild the future schedule.

    The amount goes to principal (Dr member account / Cr loan principal). The unpaid future
    instalments are superseded by a new schedule version from the engine, anchored on the last
    due date: *shorten the term* keeps the instalment and pays off sooner, *lower the
    instalment* keeps the end date. Instalments due on or before ``on`` must be paid first; paid
    history is never touched and every version stays visible.
    """
    _require_role(actor, *SERVICING_ROLES)
    _require_active(loan)
    if mode not in PrepaymentMode.ALL:
        raise ValidationError("mode", N_("must be shorten_term or lower_instalment"))
    value = parse_amount(amount, field="amount")
    _require_not_future(on, "on")
    ledger_key = f"prepay:{loan.id}:{key}"
    done = session.scalar(select(ScheduleVersion).where(ScheduleVersion.note == ledger_key))
    if done is not None:
        return done
    open_items = _open_instalments(session, loan)
    if any(item.due_on <= on for item in open_items):
        raise ValidationError(
            "amount", N_("the loan has instalments due; they must be paid before a prepayment")
        )
    future = [item for item in open_items if item.due_on > on]
    remaining = sum((item.principal_due for item in future), ZERO)
    if not future or value >= remaining:
        raise ValidationError(
            "amount",
            N_(
                "must be less than the outstanding principal of %(remaining)s; use the payoff to repay it all"
            ),
            remaining=remaining,
        )
    available = _repayment_available(session, loan)
    if value > available:
        raise InsufficientFunds(
            N_("%(value)s is more than the %(available)s available on the repayment account"),
            fields={
                "amount": Message(
                    N_("exceeds the %(available)s available on the repayment account"), available=available
                )
            },
            value=value,
            available=available,
        )
    new_principal = remaining - value
    previous_due = session.scalar(
        select(func.max(Instalment.due_on)).where(
            Instalment.loan_id == loan.id,
            Instalment.status == InstalmentStatus.PAID,
            Instalment.due_on <= on,
        )
    )
    anchor = previous_due or loan.disbursed_on
    # What is left of the grace period or of a payment holiday stays interest only.
    grace_left = interest_only_ahead(loan, future) if loan.method is not Method.BULLET else 0
    periods = len(future)
    if mode == PrepaymentMode.SHORTEN_TERM and loan.method is not Method.BULLET:
        periods = _shortened_periods(loan, future, new_principal, grace_left)
    grace_left = min(grace_left, periods - 1)
    terms = ScheduleTerms(
        principal=new_principal,
        rate_annual=loan.rate_annual,
        term=periods,
        method=loan.method,
        frequency=loan.frequency,
        disbursed_on=anchor,
        first_due_on=future[0].due_on,
        grace_principal=grace_left,
        instalment_multiple=loan.instalment_multiple,
        day_count=loan.day_count,
    )
    schedule = build_schedule(terms)
    post_many(
        session,
        [
            EntryRequest(
                ledger_key,
                "loan_prepayment",
                (
                    debit(loan.repayment_account.ledger_account_id, value),
                    credit(loan.principal_account_id, value),
                ),
                on,
                f"Extra repayment of {loan.number} ({mode.replace('_', ' ')})",
            )
        ],
        actor=actor,
    )
    row, new_items = replace_schedule(
        session, loan, future, schedule, reason=f"prepayment_{mode}", actor=actor, note=ledger_key
    )
    version = row.version
    # The running period's interest is now the new first instalment's: set the accrual right.
    accrual.settle(session, loan, key=f"accrue-settle:{ledger_key}", actor=actor)
    audit.record(
        session,
        actor,
        "loan.prepayment",
        "loan",
        loan.id,
        after={"amount": value, "mode": mode, "on": on, "version": version, "instalments": len(new_items)},
    )
    return row


def _shortened_periods(loan: Loan, future: list[Instalment], new_principal: Decimal, grace_left: int) -> int:
    """Fewest periods whose regular instalment is not above the current one (term shortened)."""
    periods = len(future)
    if loan.method is Method.LINEAR:
        regular = next((item.principal_due for item in future if item.principal_due > 0), None)
        if regular is None:
            return periods
        needed = -(-to_cents(new_principal) // to_cents(regular))
        return max(1, min(periods, needed + grace_left))
    current = max(item.principal_due + item.interest_due for item in future[:-1] or future)
    rate = Fraction(int(loan.rate_annual * RATE_SCALE) * loan.frequency.months, 12 * RATE_SCALE)
    principal_cents = to_cents(new_principal)
    current_cents = to_cents(current)
    for amortising in range(1, periods - grace_left + 1):
        if annuity_payment(principal_cents, rate, amortising) <= current_cents:
            return amortising + grace_left
    return periods


# ---------------------------------------------------------------------------------------------
# Write-off (four eyes) and recoveries


def request_write_off(session: Session, loan: Loan, *, reason: str, key: str, actor: Actor) -> Approval:
    """An admin asks for a write-off; a second person (not the maker) carries it out."""
    if actor.role != "admin" and not actor.is_system:
        raise PermissionDenied(N_("only an administrator may propose a write-off"))
    _require_active(loan, to=LoanStatus.WRITTEN_OFF)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError("reason", N_("is required for a write-off"))
    if len(reason) > 1000:
        raise ValidationError("reason", N_("may be at most 1000 characters"))
    exposure = loan_exposure(session, loan)
    approval, _created = approvals.request_approval(
        session,
        kind=WRITE_OFF_APPROVAL,
        request_key=f"write-off:{loan.id}:{key}",
        object_type="loan",
        object_id=loan.id,
        amount=exposure if exposure > 0 else None,
        summary=f"Write-off of loan {loan.number} ({exposure:.2f}): {reason}",
        payload={"loan_id": loan.id, "reason": reason},
        actor=actor,
    )
    return approval


def loan_exposure(session: Session, loan: Loan) -> Decimal:
    """Principal, accrued interest and fees receivable still on the loan's accounts."""
    balances = ledger_queries.balances(
        session, [loan.principal_account_id, loan.interest_account_id, loan.fees_account_id]
    )
    return sum(balances.values(), ZERO)


@dataclass(frozen=True)
class WriteOffEntry:
    """What the write-off entry took off a loan's accounts (the first step of a write-off)."""

    loan: Loan
    #: The write-off's date: the day it was approved.
    on: dt.date
    #: The entry Dr 5100 / Cr the loan's accounts; None when nothing was left on them.
    entry_id: int | None
    #: Principal, interest and fees written off.
    total: Decimal
    #: The credit to the loan's principal account: what a pool that funded the loan shares in.
    principal: Decimal


def post_write_off(
    session: Session, approval: Approval, *, actor: Actor, allowance: Decimal = ZERO
) -> WriteOffEntry:
    """Dr 1190 allowance and 5100 impairment / Cr the loan's principal, interest and fees accounts,
    for an approved write-off.

    The loss is first taken from the loan-loss allowance held for the loan (``allowance``, what
    the last month-end provisioned for it: ``bank.provisioning``), at most the amount written
    off; only the rest is a new expense in 5100. The first of the write-off's steps
    (``bank.lending.write_off``); the loan stays active until :func:`close_written_off`, after
    the pools have borne their share.
    """
    loan = session.get(Loan, int(approval.payload["loan_id"]))
    if loan is None:
        raise NotFound(N_("the loan of this write-off no longer exists"))
    _require_active(loan, to=LoanStatus.WRITTEN_OFF)
    # The interest accrued on the running period is part of the loan's carrying amount (what a
    # provision covers) and is written off with it, as IFRS 9 derecognises the gross amount: the
    # daily accrual stops with the loan (close_written_off), so nothing is left or accrued twice.
    balances = ledger_queries.balances(
        session, [loan.principal_account_id, loan.interest_account_id, loan.fees_account_id]
    )
    today = clock.today()
    lines = [credit(account_id, amount) for account_id, amount in sorted(balances.items()) if amount > 0]
    total = sum((amount for amount in balances.values() if amount > 0), ZERO)
    entry_id = None
    if total > 0:
        from_allowance = min(max(allowance, ZERO), total)
        debits = []
        if from_allowance > 0:
            debits.append(debit(account_by_code(session, chart.LOAN_LOSS_ALLOWANCE).id, from_allowance))
        expense = total - from_allowance
        if expense > 0:
            debits.append(debit(account_by_code(session, chart.IMPAIRMENT_EXPENSE).id, expense))
        (entry_id,) = post_many(
            session,
            [
                EntryRequest(
                    f"writeoff:{loan.id}",
                    "loan_write_off",
                    (*debits, *lines),
                    today,
                    f"Write-off of loan {loan.number}: {approval.payload.get('reason', '')}"[:500],
                )
            ],
            actor=actor,
        )
    principal = sum((line.amount for line in lines if line.account_id == loan.principal_account_id), ZERO)
    return WriteOffEntry(loan=loan, on=today, entry_id=entry_id, total=total, principal=principal)


def close_written_off(
    session: Session, written_off: WriteOffEntry, *, maker_label: str, actor: Actor
) -> None:
    """The write-off's last step: the open instalments and the loan are written off, and audited."""
    loan = written_off.loan
    for item in _open_instalments(session, loan):
        item.status = InstalmentStatus.WRITTEN_OFF
    loan.status = LoanStatus.WRITTEN_OFF
    loan.closed_on = written_off.on
    accrual.close_state(loan, written_off.on)
    session.flush()
    audit.record(
        session,
        actor,
        "loan.write_off",
        "loan",
        loan.id,
        before={"status": LoanStatus.ACTIVE.value},
        after={"status": loan.status.value, "amount": written_off.total, "maker": maker_label},
    )


def record_recovery(
    session: Session,
    loan: Loan,
    amount: object,
    *,
    key: str,
    actor: Actor,
    from_repayment_account: bool = True,
    on: dt.date | None = None,
) -> JournalEntry:
    """Money received on a written-off loan: Dr the borrower's account (or 1000) / Cr 5100."""
    _require_role(actor, *SERVICING_ROLES)
    LOAN_STATUS.require_action(
        "recover",
        loan.status,
        N_("loan %(number)s is %(status)s; recoveries follow a write-off"),
        number=loan.number,
        status=loan.status,
    )
    value = parse_amount(amount, field="amount")
    on = on or clock.today()
    _require_not_future(on, "on")
    ledger_key = f"recovery:{loan.id}:{key}"
    existing = session.scalar(select(JournalEntry).where(JournalEntry.idempotency_key == ledger_key))
    if existing is not None:
        return existing
    if from_repayment_account:
        available = _repayment_available(session, loan)
        if value > available:
            raise InsufficientFunds(
                N_("%(value)s is more than the %(available)s available on the repayment account"),
                fields={
                    "amount": Message(
                        N_("exceeds the %(available)s available on the repayment account"),
                        available=available,
                    )
                },
                value=value,
                available=available,
            )
        source = loan.repayment_account.ledger_account_id
    else:
        source = account_by_code(session, chart.SETTLEMENT).id
    written_off = session.scalar(
        select(JournalEntry).where(JournalEntry.idempotency_key == f"writeoff:{loan.id}")
    )
    recovered = recoveries_total(session, loan)
    ceiling = (
        sum((p.amount for p in written_off.postings if p.side is Side.DEBIT), ZERO) if written_off else ZERO
    )
    if recovered + value > ceiling:
        raise ValidationError(
            "amount",
            N_("recoveries may not exceed the %(ceiling)s written off (%(recovered)s recovered so far)"),
            ceiling=ceiling,
            recovered=recovered,
        )
    impairment = account_by_code(session, chart.IMPAIRMENT_EXPENSE).id
    (entry_id,) = post_many(
        session,
        [
            EntryRequest(
                ledger_key,
                "loan_recovery",
                (debit(source, value), credit(impairment, value)),
                on,
                f"Recovery on written-off loan {loan.number}",
            )
        ],
        actor=actor,
    )
    audit.record(session, actor, "loan.recovery", "loan", loan.id, after={"amount": value, "on": on})
    entry = session.get(JournalEntry, entry_id)
    assert entry is not None
    return entry


def recoveries_total(session: Session, loan: Loan) -> Decimal:
    """Sum recovered on a written-off loan so far."""
    value = session.scalar(
        select(func.coalesce(func.sum(type_coerce(Posting.amount, Integer)), 0))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(JournalEntry.idempotency_key.startswith(f"recovery:{loan.id}:"), Posting.side == Side.CREDIT)
    )
    return from_cents(int(value or 0))


# ---------------------------------------------------------------------------------------------
# Un-applying a payment (a returned direct debit, issue 14)


@dataclass(frozen=True)
class Unapplied:
    """What :func:`unapply_payment` took back from one instalment, per part (Decimal)."""

    instalment_id: int
    penalties: Decimal
    fees: Decimal
    interest: Decimal
    principal: Decimal

    @property
    def total(self) -> Decimal:
        return self.penalties + self.fees + self.interest + self.principal


def unapply_payment(
    session: Session,
    loan: Loan,
    amount: Decimal,
    *,
    instalment: Instalment,
    key: str,
    on: dt.date,
    actor: Actor,
) -> list[Unapplied]:
    """Take ``amount`` that the repayment run applied to ``loan`` back onto its repayment account.

    Why: money that came in by direct debit and was applied to an instalment may come back (a
    return or a refund claim). The bank never had it, so what it paid must be unpaid again before
    the money can leave the repayment account, which may not go negative.

    The allocation is reversed exactly: first on ``instalment`` (the one the direct debit was
    for), then, if the run had applied the money elsewhere (an older instalment in arrears), on
    the loan's other instalments with payments, latest due first; within an instalment in the
    reverse of the loan's allocation order (principal, then interest, fees, penalties by
    default), so it is left as the run would have left it had the money never arrived. One
    entry Dr the loan's principal, interest and fees accounts / Cr the repayment account, under
    ``key`` (a second call with the same key takes nothing back). Each instalment touched is
    open again (``paid_on`` cleared), so the next runs collect it and charge arrears, late fee
    and penalty interest as for any unpaid instalment. The penalty interest counts from the
    last run that accrued it (the days it looked paid are not charged).
    """
    value = parse_amount(amount, field="amount")
    if session.scalar(select(JournalEntry.id).where(JournalEntry.idempotency_key == key)) is not None:
        return []
    reopened = loan.status is LoanStatus.PAID_OFF
    if reopened:
        # The returned debit was what paid the loan off: it owes that instalment again.
        _require_active(loan, to=LoanStatus.ACTIVE)
    else:
        _require_active(loan)
    candidates = [instalment] + [
        item
        for item in session.scalars(
            select(Instalment)
            .where(
                Instalment.loan_id == loan.id,
                Instalment.id != instalment.id,
                Instalment.status.in_((InstalmentStatus.OPEN, InstalmentStatus.PAID)),
            )
            .order_by(Instalment.due_on.desc(), Instalment.number.desc())
        )
    ]
    reverse_order = tuple(reversed(allocation_order(loan.allocation_order)))
    needed = to_cents(value)
    taken_back: list[Unapplied] = []
    totals = dict.fromkeys(("penalties", "fees", "interest", "principal"), 0)
    for item in candidates:
        if not needed:
            break
        parts = dict.fromkeys(("penalties", "fees", "interest", "principal"), 0)
        for part in reverse_order:
            paid = to_cents(getattr(item, f"{part}_paid"))
            take = min(paid, needed)
            if take:
                parts[part] = take
                needed -= take
                setattr(item, f"{part}_paid", from_cents(paid - take))
        if any(parts.values()):
            item.status = InstalmentStatus.OPEN
            item.paid_on = None
            for part, cents in parts.items():
                totals[part] += cents
            taken_back.append(Unapplied(item.id, *(from_cents(parts[p]) for p in totals)))
    if needed:
        raise ValidationError(
            "amount",
            N_("only %(paid)s was paid on loan %(number)s; %(amount)s cannot be taken back"),
            paid=value - from_cents(needed),
            number=loan.number,
            amount=value,
        )
    lines = [(loan.repayment_account.ledger_account_id, False, to_cents(value))]
    if totals["principal"]:
        lines.append((loan.principal_account_id, True, totals["principal"]))
    if totals["interest"]:
        lines.append((loan.interest_account_id, True, totals["interest"]))
    if totals["fees"] + totals["penalties"]:
        lines.append((loan.fees_account_id, True, totals["fees"] + totals["penalties"]))
    if reopened:
        loan.status = LoanStatus.ACTIVE
        loan.closed_on = None
        audit.record(
            session,
            actor,
            "loan.reopen",
            "loan",
            loan.id,
            before={"status": LoanStatus.PAID_OFF.value},
            after={"status": LoanStatus.ACTIVE.value, "on": on, "key": key},
            detail=loan.number,
        )
    session.flush()
    post_many(
        session,
        [EntryRequest.from_cents(key, "loan_unapply", lines, on, f"Payment taken back on {loan.number}")],
        actor=actor,
    )
    audit.record(
        session,
        actor,
        "loan.unapply",
        "loan",
        loan.id,
        after={
            "amount": value,
            "on": on,
            "key": key,
            "principal": from_cents(totals["principal"]),
            "interest": from_cents(totals["interest"]),
        },
        detail=loan.number,
    )
    return taken_back
