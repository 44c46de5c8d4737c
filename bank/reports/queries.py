"""The bank's reports (L3, read-only): every figure summed from postings, so it equals the ledger.

Each report returns a small frozen dataclass with its rows and totals; the staff pages render
them, :mod:`bank.reports.csv_export` turns each table into CSV and the tests compare the totals
with :func:`bank.ledger.queries.balance` to the cent.

* :func:`trial_balance` and :func:`balance_sheet` as of a date
* :func:`profit_and_loss` for a period
* :func:`loan_portfolio`: outstanding principal by purpose, status and neighbourhood (postcode area)
* :func:`portfolio_at_risk`: PAR30 / PAR90 and the arrears list
* :func:`deposits_vs_loans`: the loan-to-deposit ratio and the municipal seed capital leverage
* :func:`monthly_flows`: new loans and repayments of principal per month
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from bank import clock
from bank.db import MoneyType
from bank.errors import N_, ValidationError
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger import rules as ledger_rules
from bank.ledger.models import YEAR_END_CLOSING, AccountType, JournalEntry, LedgerAccount, Posting, Side
from bank.loans import queries as loan_queries
from bank.loans.models import Instalment, InstalmentStatus, Loan, LoanStatus
from bank.loans.queries import BUCKETS
from bank.members.models import Member
from bank.money import ZERO

#: Days-past-due buckets of the arrears list (DESIGN.md, "Loans").


def _ratio(numerator: Decimal, denominator: Decimal, places: str = "0.0001") -> Decimal | None:
    """numerator / denominator rounded half-up; None when there is nothing to divide by."""
    if denominator == 0:
        return None
    return (numerator / denominator).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def check_as_of(as_of: dt.date | None, *, field: str = "as_of", today: dt.date | None = None) -> dt.date:
    today = today or clock.today()
    if as_of is None:
        return today
    if as_of > today:
        raise ValidationError(field, N_("must not lie in the future (today is %(today)s)"), today=today)
    return as_of


def check_report_period(
    date_from: dt.date | None, date_to: dt.date | None, *, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    today = today or clock.today()
    date_to = check_as_of(date_to, field="date_to", today=today)
    date_from = date_from or date_to.replace(month=1, day=1)
    if date_from > date_to:
        raise ValidationError(
            "date_to", N_("must not be before date_from (the period ends before it starts)")
        )
    return date_from, date_to


def _main_balance(session: Session, code: str, as_of: dt.date | None = None) -> Decimal:
    """Normal-side balance of a main account on ``as_of``; a control account sums its children.

    The children are joined by ``parent_id`` rather than listed: member deposits have one child
    per account, and a list of 100 000 ids is slow on PostgreSQL and over SQLite's limit of
    bound parameters.
    """
    account = session.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
    if account is None:
        return ZERO
    if not account.is_control:
        return ledger_queries.balance(session, account.id, as_of)
    if as_of is None or _nothing_after(session, as_of):
        row = next(
            r for r in main_account_totals(session, as_of or clock.today()) if r.account_id == account.id
        )
        return row.balance
    signed = case((Posting.side == Side.DEBIT, Posting.amount), else_=-Posting.amount)
    query = (
        select(func.coalesce(func.sum(signed, type_=MoneyType()), 0))
        .join(LedgerAccount, LedgerAccount.id == Posting.account_id)
        .where(LedgerAccount.parent_id == account.id)
    )
    if as_of is not None:
        query = query.where(Posting.value_date <= as_of)
    value = session.scalar(query)
    net = value if isinstance(value, Decimal) else MoneyType().process_result_value(int(value or 0), None)
    net = net or ZERO
    return ledger_rules.normal_balance(account.type.debit_normal, net)


def _nothing_after(session: Session, as_of: dt.date) -> bool:
    """True when no entry has a value date after ``as_of`` (an indexed look-up on the entries)."""
    later = session.scalar(select(JournalEntry.id).where(JournalEntry.value_date > as_of).limit(1))
    return later is None


def main_account_totals(
    session: Session, as_of: dt.date, *, codes: set[str] | None = None
) -> list[ledger_queries.TrialBalanceRow]:
    """Debit and credit totals per main account on ``as_of``, children rolled up.

    When nothing is booked after ``as_of`` (the usual case: a report as of today) the child
    accounts' cached totals are the sums of their postings, kept by ``post()`` in the same
    transaction and checked by ``ledger verify``; summing 100 000 cached rows is far cheaper
    than grouping two million postings. Accounts without cached totals (the busy settlement,
    income and expense accounts) are summed from their postings either way. Otherwise this is
    :func:`bank.ledger.queries.trial_balance`.
    """
    if not _nothing_after(session, as_of):
        return ledger_queries.trial_balance(session, as_of)
    mains = list(
        session.scalars(
            select(LedgerAccount).where(LedgerAccount.parent_id.is_(None)).order_by(LedgerAccount.code)
        )
    )
    totals: dict[int, list[Decimal]] = {a.id: [ZERO, ZERO] for a in mains}
    child_rows = session.execute(
        select(
            LedgerAccount.parent_id,
            func.sum(LedgerAccount.debits_posted, type_=MoneyType()),
            func.sum(LedgerAccount.credits_posted, type_=MoneyType()),
            func.sum(case((LedgerAccount.keeps_cached_totals, 0), else_=1)),
        )
        .where(LedgerAccount.parent_id.in_([a.id for a in mains if a.is_control]))
        .group_by(LedgerAccount.parent_id)
    ).all()
    for parent_id, debits, credits, uncached in child_rows:
        if uncached:
            rows = ledger_queries.trial_balance(session, as_of)
            return [r for r in rows if codes is None or r.code in codes]
        totals[parent_id] = [debits or ZERO, credits or ZERO]
    debit_sum = func.sum(case((Posting.side == Side.DEBIT, Posting.amount), else_=0), type_=MoneyType())
    credit_sum = func.sum(case((Posting.side == Side.CREDIT, Posting.amount), else_=0), type_=MoneyType())
    own = [a for a in mains if not a.is_control]
    cached = [a for a in own if a.keeps_cached_totals]
    for account in cached:
        totals[account.id] = [account.debits_posted, account.credits_posted]
    summed = [a.id for a in own if not a.keeps_cached_totals]
    if summed:
        for account_id, debits, credits in session.execute(
            select(Posting.account_id, debit_sum, credit_sum)
            .where(Posting.account_id.in_(summed))
            .group_by(Posting.account_id)
        ):
            totals[account_id] = [debits or ZERO, credits or ZERO]
    return [
        ledger_queries.TrialBalanceRow(a.id, a.code, a.name, a.type, totals[a.id][0], totals[a.id][1])
        for a in mains
    ]


# ---------------------------------------------------------------------------------------------
# Trial balance and balance sheet


@dataclass(frozen=True)
class TrialBalance:
    as_of: dt.date
    rows: tuple[ledger_queries.TrialBalanceRow, ...]

    @property
    def debit_total(self) -> Decimal:
        return sum((r.debit_total for r in self.rows), ZERO)

    @property
    def credit_total(self) -> Decimal:
        return sum((r.credit_total for r in self.rows), ZERO)

    @property
    def balanced(self) -> bool:
        return self.debit_total == self.credit_total


def trial_balance(session: Session, as_of: dt.date | None = None) -> TrialBalance:
    """Debit and credit totals per main account on ``as_of`` (child accounts rolled up)."""
    as_of = check_as_of(as_of)
    return TrialBalance(as_of, tuple(main_account_totals(session, as_of)))


@dataclass(frozen=True)
class StatementRow:
    code: str
    name: str
    amount: Decimal


@dataclass(frozen=True)
class BalanceSheet:
    as_of: dt.date
    assets: tuple[StatementRow, ...]
    liabilities: tuple[StatementRow, ...]
    equity: tuple[StatementRow, ...]
    #: Income minus expenses not yet closed into reserves (the result to date).
    result: Decimal

    @property
    def total_assets(self) -> Decimal:
        return sum((r.amount for r in self.assets), ZERO)

    @property
    def total_liabilities(self) -> Decimal:
        return sum((r.amount for r in self.liabilities), ZERO)

    @property
    def total_equity(self) -> Decimal:
        """Equity accounts plus the result to date."""
        return sum((r.amount for r in self.equity), ZERO) + self.result

    @property
    def balanced(self) -> bool:
        return self.total_assets == self.total_liabilities + self.total_equity


def balance_sheet(session: Session, as_of: dt.date | None = None) -> BalanceSheet:
    """Assets = liabilities + equity (+ the result to date, since income is not yet closed)."""
    as_of = check_as_of(as_of)
    sections: dict[AccountType, list[StatementRow]] = defaultdict(list)
    for row in main_account_totals(session, as_of):
        sections[row.type].append(StatementRow(row.code, row.name, row.balance))
    income = sum((r.amount for r in sections[AccountType.INCOME]), ZERO)
    expense = sum((r.amount for r in sections[AccountType.EXPENSE]), ZERO)
    return BalanceSheet(
        as_of=as_of,
        assets=tuple(sections[AccountType.ASSET]),
        liabilities=tuple(sections[AccountType.LIABILITY]),
        equity=tuple(sections[AccountType.EQUITY]),
        result=income - expense,
    )


# ---------------------------------------------------------------------------------------------
# Profit and loss


@dataclass(frozen=True)
class ProfitAndLoss:
    date_from: dt.date
    date_to: dt.date
    income: tuple[StatementRow, ...]
    expenses: tuple[StatementRow, ...]

    @property
    def total_income(self) -> Decimal:
        return sum((r.amount for r in self.income), ZERO)

    @property
    def total_expenses(self) -> Decimal:
        return sum((r.amount for r in self.expenses), ZERO)

    @property
    def result(self) -> Decimal:
        return self.total_income - self.total_expenses


def profit_and_loss(
    session: Session, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> ProfitAndLoss:
    """Income and expense accounts: what was posted to them in the period (both days included),
    the year-end closing entries (result to reserves) left out."""
    date_from, date_to = check_report_period(date_from, date_to)
    signed = case((Posting.side == Side.DEBIT, Posting.amount), else_=-Posting.amount)
    accounts = list(
        session.scalars(
            select(LedgerAccount)
            .where(
                LedgerAccount.type.in_([AccountType.INCOME, AccountType.EXPENSE]),
                LedgerAccount.parent_id.is_(None),
            )
            .order_by(LedgerAccount.code)
        )
    )
    ids = [a.id for a in accounts]
    # Income and expense accounts have no children today; roll children up anyway, should one come.
    children = {
        child_id: parent_id
        for child_id, parent_id in session.execute(
            select(LedgerAccount.id, LedgerAccount.parent_id).where(LedgerAccount.parent_id.in_(ids))
        )
        if parent_id is not None
    }
    net: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for account_id, total in session.execute(
        select(Posting.account_id, func.sum(signed, type_=MoneyType()))
        .where(
            Posting.account_id.in_(ids + list(children)),
            Posting.value_date >= date_from,
            Posting.value_date <= date_to,
        )
        .group_by(Posting.account_id)
    ):
        net[children.get(account_id, account_id)] += total or ZERO
    # A year's closing entry moves the result to reserves; it is no income or expense of the
    # year, so the result of a closed year reads the same after its closing as before.
    for account_id, total in session.execute(
        select(Posting.account_id, func.sum(signed, type_=MoneyType()))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(
            JournalEntry.kind == YEAR_END_CLOSING,
            JournalEntry.value_date >= date_from,
            JournalEntry.value_date <= date_to,
            Posting.account_id.in_(ids + list(children)),
        )
        .group_by(Posting.account_id)
    ):
        net[children.get(account_id, account_id)] -= total or ZERO
    income = tuple(StatementRow(a.code, a.name, -net[a.id]) for a in accounts if a.type is AccountType.INCOME)
    expenses = tuple(
        StatementRow(a.code, a.name, net[a.id]) for a in accounts if a.type is AccountType.EXPENSE
    )
    return ProfitAndLoss(date_from, date_to, income, expenses)


# ---------------------------------------------------------------------------------------------
# Loan portfolio


@dataclass(frozen=True)
class PortfolioGroup:
    key: str
    loans: int
    outstanding: Decimal


@dataclass(frozen=True)
class LoanPortfolio:
    as_of: dt.date
    by_purpose: tuple[PortfolioGroup, ...]
    by_status: tuple[PortfolioGroup, ...]
    by_area: tuple[PortfolioGroup, ...]
    #: Loans disbursed on or before ``as_of``.
    loans: int
    outstanding: Decimal


@dataclass(frozen=True)
class LoanBalance:
    loan_id: int
    number: str
    purpose: str
    status: str
    postcode: str
    borrower_id: int
    borrower_name: str
    principal: Decimal
    outstanding: Decimal


def loan_balances(session: Session, as_of: dt.date) -> list[LoanBalance]:
    """Every loan disbursed by ``as_of`` with its principal account's ledger balance on that day.

    One grouped query over the postings of the loans' principal accounts: no query per loan.
    """
    signed = case((Posting.side == Side.DEBIT, Posting.amount), else_=-Posting.amount)
    outstanding = (
        select(Posting.account_id, func.sum(signed, type_=MoneyType()).label("net"))
        .where(Posting.value_date <= as_of, Posting.account_id.in_(select(Loan.principal_account_id)))
        .group_by(Posting.account_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Loan.id,
            Loan.number,
            Loan.purpose,
            Loan.status,
            Member.postcode,
            Member.id,
            Member.display_name,
            Loan.principal,
            func.coalesce(outstanding.c.net, 0),
        )
        .join(Member, Member.id == Loan.borrower_id)
        .outerjoin(outstanding, outstanding.c.account_id == Loan.principal_account_id)
        .where(Loan.disbursed_on <= as_of)
        .order_by(Loan.number)
    ).all()
    result = []
    for row in rows:
        net = row[8]
        net_amount = net if isinstance(net, Decimal) else MoneyType().process_result_value(int(net), None)
        result.append(
            LoanBalance(
                loan_id=row[0],
                number=row[1],
                purpose=str(row[2].value if hasattr(row[2], "value") else row[2]),
                status=str(row[3].value if hasattr(row[3], "value") else row[3]),
                postcode=row[4] or "",
                borrower_id=row[5],
                borrower_name=row[6],
                principal=row[7],
                outstanding=net_amount or ZERO,
            )
        )
    return result


def _group(balances: list[LoanBalance], key: Callable[[LoanBalance], str]) -> tuple[PortfolioGroup, ...]:
    counts: dict[str, int] = defaultdict(int)
    sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for balance in balances:
        k = key(balance)
        counts[k] += 1
        sums[k] += balance.outstanding
    return tuple(PortfolioGroup(k, counts[k], sums[k]) for k in sorted(counts, key=lambda k: (-sums[k], k)))


def loan_portfolio(session: Session, as_of: dt.date | None = None) -> LoanPortfolio:
    """Outstanding principal by purpose, by status and by neighbourhood (the postcode's four digits)."""
    as_of = check_as_of(as_of)
    balances = loan_balances(session, as_of)
    return LoanPortfolio(
        as_of=as_of,
        by_purpose=_group(balances, lambda b: b.purpose),
        by_status=_group(balances, lambda b: b.status),
        by_area=_group(balances, lambda b: b.postcode[:4] or "----"),
        loans=len(balances),
        outstanding=sum((b.outstanding for b in balances), ZERO),
    )


# ---------------------------------------------------------------------------------------------
# Portfolio at risk and the arrears list


@dataclass(frozen=True)
class ArrearsRow:
    loan_id: int
    loan_number: str
    borrower_id: int
    borrower_name: str
    oldest_due_on: dt.date
    days_past_due: int
    bucket: str
    #: What fell due before the report date and is unpaid (principal, interest and charges).
    amount_in_arrears: Decimal
    outstanding_principal: Decimal


@dataclass(frozen=True)
class PortfolioAtRisk:
    as_of: dt.date
    outstanding: Decimal
    #: Outstanding principal of loans more than 30 (90) days past due.
    at_risk_30: Decimal
    at_risk_90: Decimal
    arrears: tuple[ArrearsRow, ...]

    @property
    def par30(self) -> Decimal | None:
        return _ratio(self.at_risk_30, self.outstanding)

    @property
    def par90(self) -> Decimal | None:
        return _ratio(self.at_risk_90, self.outstanding)

    @property
    def bucket_totals(self) -> tuple[tuple[str, int, Decimal], ...]:
        return tuple(
            (
                name,
                sum(1 for r in self.arrears if r.bucket == name),
                sum((r.outstanding_principal for r in self.arrears if r.bucket == name), ZERO),
            )
            for name, _low, _high in BUCKETS
        )


def bucket_of(days_past_due: int) -> str:
    """The arrears bucket as servicing defines it; "" when not in arrears (for report cells)."""
    return loan_queries.bucket_of(days_past_due) or ""


def portfolio_at_risk(session: Session, as_of: dt.date | None = None) -> PortfolioAtRisk:
    """PAR30 and PAR90: the share of outstanding principal in loans that many days past due.

    Arrears are read from the stored instalments (what fell due before ``as_of`` and is not
    paid), so the report is exact for today; for a past date it shows today's payments against
    that date's due dates. Written-off and paid-off loans carry no principal and are not at risk.
    """
    as_of = check_as_of(as_of)
    balances = {b.loan_id: b for b in loan_balances(session, as_of)}
    outstanding_expr = (
        Instalment.principal_due
        + Instalment.interest_due
        + Instalment.fees_due
        + Instalment.penalties_due
        - Instalment.principal_paid
        - Instalment.interest_paid
        - Instalment.fees_paid
        - Instalment.penalties_paid
    )
    rows = session.execute(
        select(
            Instalment.loan_id,
            func.min(Instalment.due_on),
            func.sum(outstanding_expr, type_=MoneyType()),
        )
        .join(Loan, Loan.id == Instalment.loan_id)
        .where(
            Loan.status == LoanStatus.ACTIVE,
            Instalment.status == InstalmentStatus.OPEN,
            Instalment.due_on < as_of,
            outstanding_expr > 0,
        )
        .group_by(Instalment.loan_id)
    ).all()
    arrears = []
    for loan_id, oldest, amount in rows:
        balance = balances.get(loan_id)
        if balance is None:
            continue
        days = (as_of - oldest).days
        arrears.append(
            ArrearsRow(
                loan_id=loan_id,
                loan_number=balance.number,
                borrower_id=balance.borrower_id,
                borrower_name=balance.borrower_name,
                oldest_due_on=oldest,
                days_past_due=days,
                bucket=bucket_of(days),
                amount_in_arrears=amount or ZERO,
                outstanding_principal=balance.outstanding,
            )
        )
    arrears.sort(key=lambda r: (-r.days_past_due, r.loan_number))
    total = sum((b.outstanding for b in balances.values()), ZERO)
    return PortfolioAtRisk(
        as_of=as_of,
        outstanding=total,
        at_risk_30=sum((r.outstanding_principal for r in arrears if r.days_past_due > 30), ZERO),
        at_risk_90=sum((r.outstanding_principal for r in arrears if r.days_past_due > 90), ZERO),
        arrears=tuple(arrears),
    )


# ---------------------------------------------------------------------------------------------
# Deposits vs loans, seed capital leverage


@dataclass(frozen=True)
class Funding:
    as_of: dt.date
    #: Member deposits (2000) and loan principal outstanding (1100), from the ledger.
    deposits: Decimal
    loans: Decimal
    share_capital: Decimal
    seed_capital: Decimal
    reserves: Decimal

    @property
    def loan_to_deposit(self) -> Decimal | None:
        """Loans / deposits: how much of the members' savings is lent out."""
        return _ratio(self.loans, self.deposits)

    @property
    def seed_leverage(self) -> Decimal | None:
        """Euros lent per euro of the municipality's seed capital (3100)."""
        return _ratio(self.loans, self.seed_capital, "0.01")


def deposits_vs_loans(session: Session, as_of: dt.date | None = None) -> Funding:
    as_of = check_as_of(as_of)
    return Funding(
        as_of=as_of,
        deposits=_main_balance(session, chart.MEMBER_DEPOSITS, as_of),
        loans=_main_balance(session, chart.LOAN_PRINCIPAL, as_of),
        share_capital=_main_balance(session, chart.SHARE_CAPITAL, as_of),
        seed_capital=_main_balance(session, chart.SEED_CAPITAL, as_of),
        reserves=_main_balance(session, chart.RESERVES, as_of),
    )


# ---------------------------------------------------------------------------------------------
# New loans and repayments per month


@dataclass(frozen=True)
class MonthFlow:
    month: str  # "2026-10"
    #: Principal lent out in the month (debits to loan principal accounts).
    new_loans: Decimal
    new_loan_count: int
    #: Principal repaid in the month (credits to loan principal accounts, write-offs excluded).
    repayments: Decimal
    written_off: Decimal


@dataclass(frozen=True)
class MonthlyFlows:
    date_from: dt.date
    date_to: dt.date
    months: tuple[MonthFlow, ...]

    @property
    def total_new_loans(self) -> Decimal:
        return sum((m.new_loans for m in self.months), ZERO)

    @property
    def total_repayments(self) -> Decimal:
        return sum((m.repayments for m in self.months), ZERO)

    @property
    def total_written_off(self) -> Decimal:
        return sum((m.written_off for m in self.months), ZERO)


def _months(date_from: dt.date, date_to: dt.date) -> list[str]:
    months = []
    current = date_from.replace(day=1)
    while current <= date_to:
        months.append(f"{current:%Y-%m}")
        current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def monthly_flows(
    session: Session, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> MonthlyFlows:
    """Principal lent and repaid per month, from the postings on the loan principal accounts.

    Grouped per day in SQL (portable; no database-specific month functions) and folded into
    months here; a write-off (an entry that also debits impairment, 5100) is not a repayment.
    """
    today = clock.today()
    date_to = check_as_of(date_to, field="date_to", today=today)
    date_from = date_from or (date_to.replace(day=1) - dt.timedelta(days=335)).replace(day=1)
    if date_from > date_to:
        raise ValidationError(
            "date_to", N_("must not be before date_from (the period ends before it starts)")
        )
    principal_control = session.scalar(
        select(LedgerAccount.id).where(LedgerAccount.code == chart.LOAN_PRINCIPAL)
    )
    impairment = session.scalar(
        select(LedgerAccount.id).where(LedgerAccount.code == chart.IMPAIRMENT_EXPENSE)
    )
    child_ids = select(LedgerAccount.id).where(LedgerAccount.parent_id == principal_control)
    other = Posting.__table__.alias("other")
    is_write_off = (
        select(other.c.id)
        .where(other.c.entry_id == Posting.entry_id, other.c.account_id == impairment)
        .exists()
    )
    rows = session.execute(
        select(
            Posting.value_date,
            Posting.side,
            is_write_off.label("write_off"),
            func.sum(Posting.amount, type_=MoneyType()),
            func.count(),
        )
        .where(
            Posting.account_id.in_(child_ids),
            Posting.value_date >= date_from,
            Posting.value_date <= date_to,
        )
        .group_by(Posting.value_date, Posting.side, is_write_off)
    ).all()
    lent: dict[str, Decimal] = defaultdict(lambda: ZERO)
    lent_count: dict[str, int] = defaultdict(int)
    repaid: dict[str, Decimal] = defaultdict(lambda: ZERO)
    written: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for value_date, side, write_off, amount, count in rows:
        month = f"{value_date:%Y-%m}"
        if Side(side) is Side.DEBIT:
            lent[month] += amount
            lent_count[month] += count
        elif write_off:
            written[month] += amount
        else:
            repaid[month] += amount
    months = tuple(
        MonthFlow(m, lent[m], lent_count[m], repaid[m], written[m]) for m in _months(date_from, date_to)
    )
    return MonthlyFlows(date_from, date_to, months)
