"""Reads of loans for staff pages and reports: lists, arrears by bucket, a loan's detail.

Arrears are what the repayment runs found due and could not collect: open instalments whose
interest a run has accrued (``interest_accrued_on`` set). Days past due are counted from the
oldest of them (the date minus its due date) and sorted into the buckets 1–30, 31–60, 61–90
and 90+ days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import BigInteger, func, or_, select, type_coerce
from sqlalchemy.orm import Session, joinedload

from bank.errors import BankError
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry, Posting
from bank.loans.accrual import RunningAccrual, running_accrual
from bank.loans.models import (
    CollectionMethod,
    Instalment,
    InstalmentStatus,
    Loan,
    LoanStatus,
    ScheduleVersion,
)
from bank.loans.products_models import LoanProduct, ProductStatus
from bank.loans.servicing import PayoffQuote, payoff_quote
from bank.members.models import Member
from bank.money import ZERO, from_cents
from bank.runs.models import RunShortfall

#: (label, lowest day, highest day or None).
BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("90+", 91, None),
)


def bucket_of(days_past_due: int) -> str | None:
    """The arrears bucket of a number of days past due (None when not in arrears)."""
    for label, low, high in BUCKETS:
        if days_past_due >= low and (high is None or days_past_due <= high):
            return label
    return None


@dataclass(frozen=True)
class Arrears:
    loan_id: int
    days_past_due: int
    #: Principal, interest, fees and penalties due and unpaid.
    amount_overdue: Decimal
    oldest_due_on: dt.date | None
    instalments_overdue: int

    @property
    def bucket(self) -> str | None:
        return bucket_of(self.days_past_due)


def arrears(session: Session, as_of: dt.date, loan_ids: list[int] | None = None) -> dict[int, Arrears]:
    """Arrears of active loans on ``as_of`` (only loans with something overdue), in one query."""
    outstanding = (
        Instalment.principal_due
        + Instalment.interest_due
        + Instalment.fees_due
        + Instalment.penalties_due
        - Instalment.principal_paid
        - Instalment.interest_paid
        - Instalment.fees_paid
        - Instalment.penalties_paid
    )
    query = (
        select(
            Instalment.loan_id,
            func.min(Instalment.due_on),
            func.sum(type_coerce(outstanding, BigInteger)),
            func.count(),
        )
        .join(Loan, Loan.id == Instalment.loan_id)
        .where(
            Loan.status == LoanStatus.ACTIVE,
            Instalment.status == InstalmentStatus.OPEN,
            Instalment.interest_accrued_on.is_not(None),
            Instalment.due_on < as_of,
        )
        .group_by(Instalment.loan_id)
    )
    if loan_ids is not None:
        query = query.where(Instalment.loan_id.in_(loan_ids))
    result = {}
    for loan_id, oldest, cents, count in session.execute(query):
        days = (as_of - oldest).days
        if days >= 1:
            result[loan_id] = Arrears(loan_id, days, from_cents(int(cents or 0)), oldest, int(count))
    return result


@dataclass
class BucketRow:
    label: str
    loans: list[tuple[Loan, Arrears]] = field(default_factory=list)

    @property
    def amount(self) -> Decimal:
        return sum((a.amount_overdue for _loan, a in self.loans), ZERO)


def arrears_overview(session: Session, as_of: dt.date) -> list[BucketRow]:
    """Every bucket with its loans (most days past due first)."""
    found = arrears(session, as_of)
    loans = {
        loan.id: loan
        for loan in session.scalars(
            select(Loan).options(joinedload(Loan.borrower)).where(Loan.id.in_(list(found)))
        )
    }
    rows = {label: BucketRow(label) for label, _low, _high in BUCKETS}
    for loan_id, item in sorted(found.items(), key=lambda pair: -pair[1].days_past_due):
        label = item.bucket
        if label is not None:
            rows[label].loans.append((loans[loan_id], item))
    return list(rows.values())


@dataclass(frozen=True)
class LoanRow:
    loan: Loan
    principal_outstanding: Decimal
    arrears: Arrears | None


def loans_list(
    session: Session,
    *,
    status: str | None = None,
    text: str = "",
    page: int = 1,
    per_page: int = 25,
    as_of: dt.date,
) -> tuple[list[LoanRow], int]:
    """Loans for the staff list, newest first, filtered by status and number or borrower name."""
    query = select(Loan).join(Member, Member.id == Loan.borrower_id).options(joinedload(Loan.borrower))
    if status:
        query = query.where(Loan.status == status)
    if text:
        # autoescape: a "%" or "_" typed in the search box is searched for, not a wildcard.
        needle = text.lower()
        query = query.where(
            or_(
                func.lower(Loan.number).contains(needle, autoescape=True),
                func.lower(Member.display_name).contains(needle, autoescape=True),
            )
        )
    total = session.scalar(select(func.count()).select_from(query.with_only_columns(Loan.id).subquery())) or 0
    loans = list(
        session.scalars(query.order_by(Loan.id.desc()).limit(per_page).offset((page - 1) * per_page))
    )
    balances = ledger_queries.balances(session, [loan.principal_account_id for loan in loans])
    overdue = arrears(session, as_of, [loan.id for loan in loans])
    return [
        LoanRow(loan, balances.get(loan.principal_account_id, ZERO), overdue.get(loan.id)) for loan in loans
    ], total


def instalments_due_by_mandate(session: Session, due_on: dt.date) -> list[Instalment]:
    """The open instalments of the schedules in force falling due on ``due_on``, of active loans
    collected by mandate, with their loans and borrowers, in loan order.

    What is still owed on each is :attr:`Instalment.outstanding` (due less paid): a direct debit
    collects that and no more; where the money goes once it arrives is the repayment run's.
    """
    query = (
        select(Instalment)
        .join(Loan, Loan.id == Instalment.loan_id)
        .where(
            Instalment.due_on == due_on,
            Instalment.status == InstalmentStatus.OPEN,
            Instalment.schedule_version == Loan.schedule_version,
            Loan.status == LoanStatus.ACTIVE,
            Loan.collection_method == CollectionMethod.MANDATE,
        )
        .options(joinedload(Instalment.loan).joinedload(Loan.borrower))
        .order_by(Loan.id, Instalment.number)
    )
    return [instalment for instalment in session.scalars(query) if instalment.outstanding > ZERO]


@dataclass
class LoanDetail:
    loan: Loan
    versions: list[ScheduleVersion]
    #: Instalments per schedule version (every version stays visible).
    instalments: dict[int, list[Instalment]]
    principal_outstanding: Decimal
    #: The loan's interest account: interest due and not paid, plus what has accrued.
    interest_receivable: Decimal
    fees_receivable: Decimal
    arrears: Arrears | None
    #: Interest accrued in the running period (not yet due) and through which date (issue 16).
    accrued: RunningAccrual

    @property
    def interest_due(self) -> Decimal:
        """Interest due and not yet paid: the interest account without the running accrual."""
        return self.interest_receivable - self.accrued.amount

    quote: PayoffQuote | None
    quote_error: str | None
    transactions: list[tuple[JournalEntry, Decimal]]


def loan_detail(session: Session, loan: Loan, as_of: dt.date, quote_on: dt.date | None = None) -> LoanDetail:
    """Everything the loan page shows: versions and instalments, balances, arrears, payoff, entries."""
    versions = list(
        session.scalars(
            select(ScheduleVersion)
            .where(ScheduleVersion.loan_id == loan.id)
            .order_by(ScheduleVersion.version)
        )
    )
    grouped: dict[int, list[Instalment]] = defaultdict(list)
    for item in session.scalars(
        select(Instalment)
        .where(Instalment.loan_id == loan.id)
        .order_by(Instalment.schedule_version, Instalment.number)
    ):
        grouped[item.schedule_version].append(item)
    balances = ledger_queries.balances(
        session, [loan.principal_account_id, loan.interest_account_id, loan.fees_account_id]
    )
    quote = None
    quote_error = None
    if loan.status is LoanStatus.ACTIVE:
        try:
            quote = payoff_quote(session, loan, quote_on or as_of)
        except BankError as error:
            quote_error = error.message
    return LoanDetail(
        loan=loan,
        versions=versions,
        instalments=dict(grouped),
        principal_outstanding=balances.get(loan.principal_account_id, ZERO),
        interest_receivable=balances.get(loan.interest_account_id, ZERO),
        fees_receivable=balances.get(loan.fees_account_id, ZERO),
        arrears=arrears(session, as_of, [loan.id]).get(loan.id),
        accrued=running_accrual(session, loan),
        quote=quote,
        quote_error=quote_error,
        transactions=loan_transactions(session, loan),
    )


def loan_transactions(session: Session, loan: Loan, limit: int = 200) -> list[tuple[JournalEntry, Decimal]]:
    """Entries touching the loan's accounts, newest first, with the amount moved on the loan."""
    accounts = [loan.principal_account_id, loan.interest_account_id, loan.fees_account_id]
    rows = session.execute(
        select(Posting.entry_id, func.sum(type_coerce(Posting.amount, BigInteger)))
        .where(Posting.account_id.in_(accounts))
        .group_by(Posting.entry_id)
        .order_by(Posting.entry_id.desc())
        .limit(limit)
    ).all()
    entries = {
        e.id: e
        for e in session.scalars(select(JournalEntry).where(JournalEntry.id.in_([r[0] for r in rows])))
    }
    result = []
    for entry_id, _cents in rows:
        entry = entries[entry_id]
        amount = max((p.amount for p in entry.postings), default=ZERO)
        result.append((entry, amount))
    return result


def active_products_by_code(session: Session) -> list[LoanProduct]:
    """The active loan products by code (the choice a new application offers)."""
    return list(
        session.scalars(
            select(LoanProduct).where(LoanProduct.status == ProductStatus.ACTIVE).order_by(LoanProduct.code)
        )
    )


def with_borrowers(session: Session, loan_ids: Iterable[int]) -> list[Loan]:
    """The loans of ``loan_ids`` with their borrowers loaded (a list that names them)."""
    ids = list(loan_ids)
    if not ids:
        return []
    return list(
        session.scalars(select(Loan).options(joinedload(Loan.borrower)).where(Loan.id.in_(ids))).unique()
    )


def shortfalls_of_run(session: Session, run_id: int) -> list[tuple[RunShortfall, Loan]]:
    """The loans a repayment run could not collect in full, longest overdue first, with borrowers."""
    return [
        (shortfall, loan)
        for shortfall, loan in session.execute(
            select(RunShortfall, Loan)
            .join(Loan, Loan.id == RunShortfall.loan_id)
            .options(joinedload(Loan.borrower))
            .where(RunShortfall.run_id == run_id)
            .order_by(RunShortfall.days_past_due.desc(), Loan.number)
        ).all()
    ]
