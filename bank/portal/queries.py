"""What the portal shows, always looked up THROUGH the logged-in member (L3 reads).

Every function takes the logged-in person's member id and first narrows to the members whose
data they may see (themself and the organisations they represent,
:func:`bank.members.queries.visible_member_ids`). An id from a URL that is not theirs gives
:class:`~bank.errors.NotFound`, exactly like an id that does not exist, so a guessed id reveals
nothing. Listings are a fixed number of indexed queries whatever the bank's size (no N+1).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bank import clock
from bank.applications.models import ApplicationStatus, LoanApplication
from bank.errors import N_, Message, NotFound, ValidationError
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry, Posting, Side
from bank.loans.accrual import ACCRUAL_KIND, RunningAccrual, running_accrual
from bank.loans.models import Instalment, InstalmentStatus, Loan, LoanStatus
from bank.members import queries as member_queries
from bank.members.models import Member
from bank.money import ZERO
from bank.portal.models import ProfileChange
from bank.savings.models import DepositAccount, DepositAccountStatus
from bank.shares.models import ShareClass, ShareHolding
from bank.statements import builder as statement_builder

#: Longest period a member may ask transactions or a statement for in one go.
MAX_PERIOD_DAYS = 3 * 366 + 1


# ---------------------------------------------------------------------------------------------
# Periods


def check_period(
    date_from: dt.date | None,
    date_to: dt.date | None,
    *,
    today: dt.date | None = None,
    required: bool = False,
) -> tuple[dt.date | None, dt.date | None]:
    """A period a member asked for, or a ValidationError naming the field and the rule.

    The end may not lie before the start, neither may lie in the future (a statement of days
    that have not happened would change after it was downloaded), and one request covers at
    most three years.
    """
    today = today or clock.today()
    failures: dict[str, str] = {}
    if required and date_from is None:
        failures["date_from"] = N_("is required")
    if required and date_to is None:
        failures["date_to"] = N_("is required")
    if date_from is not None and date_from > today:
        failures["date_from"] = N_("must not be in the future")
    if date_to is not None and date_to > today:
        failures["date_to"] = Message(N_("must not be in the future (today is %(today)s)"), today=today)
    if date_from is not None and date_to is not None and date_to < date_from:
        failures["date_to"] = N_("must not be before the start of the period")
    if (
        not failures
        and date_from is not None
        and date_to is not None
        and (date_to - date_from).days > MAX_PERIOD_DAYS
    ):
        failures["date_to"] = N_("the period may be at most three years")
    if failures:
        raise ValidationError(failures)
    return date_from, date_to


# ---------------------------------------------------------------------------------------------
# Dashboard


@dataclass(frozen=True)
class AccountLine:
    account: DepositAccount
    balance: Decimal


@dataclass(frozen=True)
class HoldingLine:
    holding: ShareHolding
    share_class: ShareClass
    amount: Decimal
    shares: int


@dataclass(frozen=True)
class Arrears:
    """What is overdue on a loan on a date: amount, days since the oldest unpaid due date, bucket."""

    amount: Decimal
    days_past_due: int
    oldest_due_on: dt.date | None

    @property
    def bucket(self) -> str:
        """ "1-30", "31-60", "61-90", "90+" or "" when nothing is overdue."""
        days = self.days_past_due
        if days <= 0:
            return ""
        if days <= 30:
            return "1-30"
        if days <= 60:
            return "31-60"
        if days <= 90:
            return "61-90"
        return "90+"


@dataclass(frozen=True)
class LoanLine:
    loan: Loan
    outstanding_principal: Decimal
    next_instalment: Instalment | None
    arrears: Arrears


@dataclass
class MemberView:
    """One member's share of the dashboard: the person themself or an organisation they represent."""

    member: Member
    #: The person's role for an organisation ("penningmeester"); empty for themself.
    role: str = ""
    accounts: list[AccountLine] = field(default_factory=list)
    holdings: list[HoldingLine] = field(default_factory=list)
    loans: list[LoanLine] = field(default_factory=list)
    applications: list[LoanApplication] = field(default_factory=list)

    @property
    def total_balance(self) -> Decimal:
        return sum((line.balance for line in self.accounts), ZERO)


def visible_members(session: Session, member_id: int) -> list[tuple[Member, str]]:
    """The logged-in person first, then the organisations they represent (with their role)."""
    me = session.get(Member, member_id)
    if me is None:
        raise NotFound(N_("member does not exist"))
    result: list[tuple[Member, str]] = [(me, "")]
    for link in member_queries.representations_of(session, member_id):
        result.append((link.organisation, link.role))
    return result


def dashboard(session: Session, member_id: int, *, today: dt.date | None = None) -> list[MemberView]:
    """Everything the dashboard shows, for the person and each organisation they represent.

    A constant number of queries: members, accounts, balances, holdings, loans, instalments,
    loan balances, applications, whatever the number of members or postings in the bank.
    """
    today = today or clock.today()
    views = [MemberView(member=m, role=role) for m, role in visible_members(session, member_id)]
    by_id = {view.member.id: view for view in views}
    ids = list(by_id)
    accounts = list(
        session.scalars(
            select(DepositAccount)
            .options(joinedload(DepositAccount.product))
            .where(DepositAccount.member_id.in_(ids))
            .order_by(DepositAccount.status == DepositAccountStatus.CLOSED, DepositAccount.number)
        )
    )
    holdings = list(
        session.scalars(
            select(ShareHolding)
            .options(joinedload(ShareHolding.share_class))
            .where(ShareHolding.member_id.in_(ids))
            .order_by(ShareHolding.share_class_id)
        )
    )
    loans = list(
        session.scalars(
            select(Loan)
            .options(joinedload(Loan.repayment_account))
            .where(Loan.borrower_id.in_(ids))
            .order_by(Loan.status != LoanStatus.ACTIVE, Loan.disbursed_on.desc(), Loan.id)
        )
    )
    ledger_ids = [a.ledger_account_id for a in accounts] + [h.ledger_account_id for h in holdings]
    ledger_ids += [loan.principal_account_id for loan in loans]
    balances = ledger_queries.balances(session, ledger_ids)
    for account in accounts:
        by_id[account.member_id].accounts.append(AccountLine(account, balances[account.ledger_account_id]))
    for holding in holdings:
        amount = balances[holding.ledger_account_id]
        shares = int(amount / holding.share_class.nominal_value)
        by_id[holding.member_id].holdings.append(HoldingLine(holding, holding.share_class, amount, shares))
    instalments = _current_instalments(session, [loan.id for loan in loans])
    for loan in loans:
        rows = instalments.get(loan.id, [])
        by_id[loan.borrower_id].loans.append(
            LoanLine(
                loan=loan,
                outstanding_principal=balances[loan.principal_account_id],
                next_instalment=next_instalment(rows, today),
                arrears=arrears_of(rows, today),
            )
        )
    for application in session.scalars(
        select(LoanApplication)
        .where(LoanApplication.applicant_id.in_(ids))
        .order_by(LoanApplication.created_at.desc(), LoanApplication.id.desc())
    ):
        by_id[application.applicant_id].applications.append(application)
    return views


def _current_instalments(session: Session, loan_ids: list[int]) -> dict[int, list[Instalment]]:
    """Instalments that count (not superseded by a later schedule version), per loan, by due date."""
    result: dict[int, list[Instalment]] = defaultdict(list)
    if not loan_ids:
        return result
    for row in session.scalars(
        select(Instalment)
        .where(Instalment.loan_id.in_(loan_ids), Instalment.status != InstalmentStatus.SUPERSEDED)
        .order_by(Instalment.loan_id, Instalment.due_on, Instalment.schedule_version, Instalment.number)
    ):
        result[row.loan_id].append(row)
    return result


def replaced_instalments(session: Session, loan: Loan) -> dict[int, list[Instalment]]:
    """Instalments a later schedule version replaced, per version (what the borrower agreed before)."""
    result: dict[int, list[Instalment]] = defaultdict(list)
    for row in session.scalars(
        select(Instalment)
        .where(Instalment.loan_id == loan.id, Instalment.status == InstalmentStatus.SUPERSEDED)
        .order_by(Instalment.schedule_version, Instalment.number)
    ):
        result[row.schedule_version].append(row)
    return result


def next_instalment(instalments: list[Instalment], today: dt.date) -> Instalment | None:
    """The first open instalment falling due today or later (what the member pays next)."""
    return next(
        (i for i in instalments if i.status is InstalmentStatus.OPEN and i.due_on >= today),
        None,
    )


def arrears_of(instalments: list[Instalment], today: dt.date) -> Arrears:
    """Unpaid amounts of instalments due before ``today``; days past the oldest unpaid due date."""
    overdue = [
        i for i in instalments if i.status is InstalmentStatus.OPEN and i.due_on < today and i.outstanding > 0
    ]
    if not overdue:
        return Arrears(ZERO, 0, None)
    oldest = min(i.due_on for i in overdue)
    return Arrears(sum((i.outstanding for i in overdue), ZERO), (today - oldest).days, oldest)


# ---------------------------------------------------------------------------------------------
# Accounts


def account_for(session: Session, member_id: int, account_id: int) -> DepositAccount:
    """A deposit account of the member or an organisation they represent; NotFound otherwise."""
    visible = member_queries.visible_member_ids(session, member_id)
    account = session.scalar(
        select(DepositAccount)
        .options(joinedload(DepositAccount.product), joinedload(DepositAccount.member))
        .where(DepositAccount.id == account_id, DepositAccount.member_id.in_(visible))
    )
    if account is None:
        raise NotFound(N_("account not found"))
    return account


@dataclass(frozen=True)
class TransactionPage:
    lines: list[ledger_queries.HistoryLine]
    total: int
    page: int
    per_page: int
    #: Balance before the period (zero without a start date).
    opening_balance: Decimal
    #: Balance at the end of the period (or now).
    closing_balance: Decimal
    #: Description of each entry, by entry id, as the statement words it ("Storting · Salaris").
    descriptions: dict[int, str]
    #: The other side of each entry, by entry id ("Wijkbank", "Lening WL-2026-0003").
    counterparties: dict[int, str]

    @property
    def pages(self) -> int:
        return max((self.total + self.per_page - 1) // self.per_page, 1)


def transactions(
    session: Session,
    account: DepositAccount,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    page: int = 1,
    per_page: int = 25,
    language: str = "nl",
) -> TransactionPage:
    """One page of the account's bookings in a period, newest first, with running balances."""
    check_period(date_from, date_to)
    page = max(page, 1)
    lines, total, opening = ledger_queries.history(
        session,
        account.ledger_account_id,
        date_from=date_from,
        date_to=date_to,
        page=page,
        per_page=per_page,
        newest_first=True,
    )
    closing = ledger_queries.balance(session, account.ledger_account_id, as_of=date_to)
    descriptions, counterparties = describe_lines(session, lines, language)
    return TransactionPage(
        lines=lines,
        total=total,
        page=page,
        per_page=per_page,
        opening_balance=opening,
        closing_balance=closing,
        descriptions=descriptions,
        counterparties=counterparties,
    )


def describe_lines(
    session: Session, lines: list[ledger_queries.HistoryLine], language: str
) -> tuple[dict[int, str], dict[int, str]]:
    """(description, counterparty) per entry, worded exactly as on the PDF statement.

    Uses the statement builder's wording so the page and the statement of the same period
    read the same; a payout IBAN found in the memo becomes the counterparty.
    """
    labels = statement_builder.counterparty_labels(
        session, {account_id for line in lines for account_id in line.counter_account_ids}, language
    )
    pools = statement_builder.pool_names_by_entry(
        session, {line.entry_id for line in lines if line.kind == statement_builder.POOL_DISTRIBUTION_KIND}
    )
    descriptions: dict[int, str] = {}
    counterparties: dict[int, str] = {}
    for line in lines:
        description, iban = statement_builder.describe(line.kind, line.memo, language)
        descriptions[line.entry_id] = description
        if line.entry_id in pools:
            counterparties[line.entry_id] = pools[line.entry_id]
            continue
        names = [labels[a] for a in line.counter_account_ids if a in labels]
        if iban:
            names.append(" ".join(iban[i : i + 4] for i in range(0, len(iban), 4)))
        counterparties[line.entry_id] = ", ".join(dict.fromkeys(names))
    return descriptions, counterparties


@dataclass(frozen=True)
class Movement:
    """One recent booking on one of a member's accounts, worded as on the statement."""

    account: DepositAccount
    line: ledger_queries.HistoryLine
    description: str
    counterparty: str

    @property
    def incoming(self) -> bool:
        """Money in: a credit on the member's (credit-normal) deposit account."""
        return self.line.side is Side.CREDIT


def recent_movements(
    session: Session, accounts: list[DepositAccount], *, limit: int = 5, language: str = "nl"
) -> dict[int, list[Movement]]:
    """The latest ``limit`` bookings of each member over these accounts, newest first, by member id.

    The caller passes only accounts the logged-in person may see (their own and their
    organisations'); nothing else is read. The home page shows what happened last without
    opening each account, in a fixed number of queries however many members and accounts: the
    ledger's first page of each account's history (:func:`bank.ledger.queries.latest`, the lines
    the account's page shows) and the statement's wording of them.
    """
    by_ledger = {account.ledger_account_id: account for account in accounts}
    if not by_ledger or limit <= 0:
        return {}
    latest = ledger_queries.latest(session, list(by_ledger), per_account=limit)
    per_member: dict[int, list[tuple[DepositAccount, ledger_queries.HistoryLine]]] = defaultdict(list)
    for ledger_id, account_lines in latest.items():
        account = by_ledger[ledger_id]
        per_member[account.member_id].extend((account, line) for line in account_lines)
    chosen = {
        member_id: sorted(found, key=lambda item: (item[1].value_date, item[1].posting_id), reverse=True)[
            :limit
        ]
        for member_id, found in per_member.items()
    }
    descriptions, counterparties = describe_lines(
        session, [line for found in chosen.values() for _account, line in found], language
    )
    return {
        member_id: [
            Movement(
                account=account,
                line=line,
                description=descriptions.get(line.entry_id, ""),
                counterparty=counterparties.get(line.entry_id, ""),
            )
            for account, line in found
        ]
        for member_id, found in chosen.items()
    }


# ---------------------------------------------------------------------------------------------
# Loans


def loan_for(session: Session, member_id: int, loan_id: int) -> Loan:
    """A loan of the member or an organisation they represent; NotFound otherwise."""
    visible = member_queries.visible_member_ids(session, member_id)
    loan = session.scalar(
        select(Loan)
        .options(joinedload(Loan.borrower), joinedload(Loan.product), joinedload(Loan.repayment_account))
        .where(Loan.id == loan_id, Loan.borrower_id.in_(visible))
    )
    if loan is None:
        raise NotFound(N_("loan not found"))
    return loan


@dataclass(frozen=True)
class LoanPayment:
    """One collection or payment on the loan, split the way it was allocated."""

    entry_id: int
    value_date: dt.date
    kind: str
    memo: str
    principal: Decimal
    interest: Decimal
    fees: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees


@dataclass(frozen=True)
class LoanPage:
    loan: Loan
    instalments: list[Instalment]
    outstanding_principal: Decimal
    next_instalment: Instalment | None
    arrears: Arrears
    payments: list[LoanPayment]
    #: Interest accrued so far in the running period, part of the next instalment (issue 16).
    accrued: RunningAccrual

    @property
    def paid_count(self) -> int:
        return sum(1 for i in self.instalments if i.status is InstalmentStatus.PAID)

    @property
    def total_paid(self) -> Decimal:
        return sum((p.total for p in self.payments), ZERO)


def loan_page(session: Session, loan: Loan, *, today: dt.date | None = None) -> LoanPage:
    """The loan page: schedule (paid / unpaid), payments received, outstanding principal, arrears."""
    today = today or clock.today()
    instalments = _current_instalments(session, [loan.id]).get(loan.id, [])
    return LoanPage(
        loan=loan,
        instalments=instalments,
        outstanding_principal=ledger_queries.balance(session, loan.principal_account_id),
        next_instalment=next_instalment(instalments, today),
        arrears=arrears_of(instalments, today),
        payments=loan_payments(session, loan),
        accrued=running_accrual(session, loan),
    )


def loan_payments(session: Session, loan: Loan) -> list[LoanPayment]:
    """Money received on the loan: credits to its principal, interest and fee accounts, per entry.

    Write-offs also credit the loan's accounts but are no payment by the member; they are left out.
    """
    parts = {
        loan.principal_account_id: "principal",
        loan.interest_account_id: "interest",
        loan.fees_account_id: "fees",
    }
    rows = session.execute(
        select(
            Posting.account_id,
            Posting.amount,
            JournalEntry.id,
            JournalEntry.value_date,
            JournalEntry.kind,
            JournalEntry.memo,
        )
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(Posting.account_id.in_(list(parts)), Posting.side == Side.CREDIT)
        .order_by(JournalEntry.value_date, JournalEntry.id)
    ).all()
    by_entry: dict[int, dict[str, Any]] = {}
    for account_id, amount, entry_id, value_date, kind, memo in rows:
        if "write_off" in kind or "writeoff" in kind or kind == ACCRUAL_KIND:
            # Neither a write-off nor a settled accrual (a reversal of interest) is a payment.
            continue
        item = by_entry.setdefault(
            entry_id,
            {
                "value_date": value_date,
                "kind": kind,
                "memo": memo,
                "principal": ZERO,
                "interest": ZERO,
                "fees": ZERO,
            },
        )
        item[parts[account_id]] = item[parts[account_id]] + amount
    return [
        LoanPayment(
            entry_id=entry_id,
            value_date=item["value_date"],
            kind=str(item["kind"]),
            memo=str(item["memo"]),
            principal=item["principal"],
            interest=item["interest"],
            fees=item["fees"],
        )
        for entry_id, item in by_entry.items()
    ]


# ---------------------------------------------------------------------------------------------
# Applications


def application_for(session: Session, member_id: int, application_id: int) -> LoanApplication:
    """A loan application of the member or an organisation they represent; NotFound otherwise."""
    visible = member_queries.visible_member_ids(session, member_id)
    application = session.scalar(
        select(LoanApplication).where(
            LoanApplication.id == application_id, LoanApplication.applicant_id.in_(visible)
        )
    )
    if application is None:
        raise NotFound(N_("application not found"))
    return application


OPEN_APPLICATION_STATUSES = frozenset(
    {
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.IN_REVIEW,
        ApplicationStatus.ON_AGENDA,
        ApplicationStatus.RETURNED,
        ApplicationStatus.APPROVED,
    }
)


def profile_changes(session: Session, member_id: int, *, limit: int = 10) -> list[ProfileChange]:
    """A member's latest requests to change their details, newest first."""
    return list(
        session.scalars(
            select(ProfileChange)
            .where(ProfileChange.member_id == member_id)
            .order_by(ProfileChange.id.desc())
            .limit(limit)
        )
    )
