"""What the pools carry and owe (L3 reads): capital, commitments, queues, member views.

Definitions every page and job reads the same way:

* **capital** of a pool: the sum of its participations' ledger balances (children of 2100).
* **committed** capital: for each loan the pool funded, ``share × the loan's outstanding
  principal`` (the principal ledger balance; 0 once the loan is paid off or written off),
  rounded half-up to the cent per loan. A loan that repays principal frees pool money as it goes.
* **uncommitted** capital: ``capital − committed``, the money of the pool not lent out. It is
  what may be paid to withdrawers. :func:`uncommitted_capital_exact` gives the signed figure;
  :func:`uncommitted_capital` clamps it at 0 for display.
* **lendable** capital: uncommitted capital less the withdrawal requests whose notice period
  is over and that still wait (:func:`lendable_capital`). Members who waited out their notice
  come before new loans, so a new loan is funded only from what is left after them.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import BigInteger, func, or_, select
from sqlalchemy.orm import Session, joinedload

from bank import clock
from bank.ledger import queries as ledger_queries
from bank.ledger.models import Posting
from bank.loans.models import Loan, LoanStatus
from bank.loans.products_models import LoanPurpose
from bank.members.models import Member
from bank.money import ZERO, from_cents, round_cents
from bank.pools.models import (
    Distribution,
    DistributionShare,
    LoanFunding,
    Loss,
    LossShare,
    Participation,
    Pool,
    PoolStatus,
    WithdrawalRequest,
    WithdrawalStatus,
)

# ---------------------------------------------------------------------------------------------
# Balances and capital


def participation_balance(session: Session, participation: Participation) -> Decimal:
    """The participation's ledger balance (credit-normal: what the bank owes the member)."""
    return ledger_queries.balance(session, participation.ledger_account_id)


def participation_balances(session: Session, participations: list[Participation]) -> dict[int, Decimal]:
    """Balances of many participations by participation id, in one or two queries."""
    by_ledger = ledger_queries.balances(session, [p.ledger_account_id for p in participations])
    return {p.id: by_ledger.get(p.ledger_account_id, ZERO) for p in participations}


def participations_of(session: Session, pool: Pool) -> list[Participation]:
    return list(
        session.scalars(
            select(Participation).where(Participation.pool_id == pool.id).order_by(Participation.id)
        )
    )


def pool_capital(session: Session, pool: Pool) -> Decimal:
    """The sum of the pool's participation balances."""
    return pool_capitals(session, [pool.id])[pool.id]


def pool_capitals(session: Session, pool_ids: list[int]) -> dict[int, Decimal]:
    """The capital of each of these pools by pool id, in two queries whatever their number."""
    if not pool_ids:
        return {}
    rows = session.execute(
        select(Participation.pool_id, Participation.ledger_account_id).where(
            Participation.pool_id.in_(pool_ids)
        )
    ).all()
    balances = ledger_queries.balances(session, [ledger_id for _pool_id, ledger_id in rows])
    capitals = dict.fromkeys(pool_ids, ZERO)
    for pool_id, ledger_id in rows:
        capitals[pool_id] += balances.get(ledger_id, ZERO)
    return capitals


def _outstanding_principals(session: Session, loans: list[Loan], on: dt.date | None) -> dict[int, Decimal]:
    """Each loan's principal ledger balance (0 once paid off or written off), in one query."""
    ids = [loan.principal_account_id for loan in loans]
    if not ids:
        return {}
    if on is None:
        by_account = ledger_queries.balances(session, ids)
    else:
        # Principal accounts are assets: the balance is debits minus credits up to the day.
        rows = session.execute(
            select(Posting.account_id, func.sum(ledger_queries.SIGNED_AMOUNT, type_=BigInteger()))
            .where(Posting.account_id.in_(ids), Posting.value_date <= on)
            .group_by(Posting.account_id)
        )
        by_account = {account_id: from_cents(int(cents or 0)) for account_id, cents in rows}
    result: dict[int, Decimal] = {}
    for loan in loans:
        closed = loan.status is not LoanStatus.ACTIVE and (
            on is None or (loan.closed_on is not None and loan.closed_on <= on)
        )
        outstanding = ZERO if closed else by_account.get(loan.principal_account_id, ZERO)
        result[loan.id] = max(outstanding, ZERO)
    return result


def _committed_share(funding: LoanFunding, outstanding: Decimal, on: dt.date | None) -> Decimal:
    """The pool's part of an outstanding principal, half-up to the cent."""
    if (on is not None and funding.funded_on > on) or outstanding == 0:
        return ZERO
    return round_cents(outstanding * funding.amount_funded / funding.loan_principal)


def committed_on_loan(
    session: Session, funding: LoanFunding, loan: Loan, on: dt.date | None = None
) -> Decimal:
    """The pool's part of the loan's outstanding principal, half-up to the cent."""
    return _committed_share(funding, _outstanding_principals(session, [loan], on)[loan.id], on)


@dataclass(frozen=True)
class FundedLoan:
    """One loan a pool funded and what of it the pool carries now (or on a day)."""

    funding: LoanFunding
    loan: Loan
    outstanding_principal: Decimal
    committed: Decimal


def _fundings(session: Session, pool_ids: list[int]) -> list[tuple[LoanFunding, Loan]]:
    """The one reader of what pools funded: each funding with its loan (borrower loaded), oldest first."""
    rows = session.execute(
        select(LoanFunding, Loan)
        .join(Loan, Loan.id == LoanFunding.loan_id)
        .where(LoanFunding.pool_id.in_(pool_ids))
        .order_by(LoanFunding.funded_on, LoanFunding.id)
        .options(joinedload(Loan.borrower))
    ).all()
    return [(funding, loan) for funding, loan in rows]


def funded_loans(session: Session, pool: Pool, on: dt.date | None = None) -> list[FundedLoan]:
    """The pool's fundings with their loans and committed amounts, oldest first (three queries)."""
    return funded_loans_of_pools(session, [pool.id], on)[pool.id]


def funded_loans_of_pools(
    session: Session, pool_ids: list[int], on: dt.date | None = None
) -> dict[int, list[FundedLoan]]:
    """:func:`funded_loans` of many pools by pool id, in the same three queries whatever their number."""
    result: dict[int, list[FundedLoan]] = {pool_id: [] for pool_id in pool_ids}
    if not pool_ids:
        return result
    rows = _fundings(session, pool_ids)
    outstanding = _outstanding_principals(session, [row[1] for row in rows], on)
    for funding, loan in rows:
        result[funding.pool_id].append(
            FundedLoan(
                funding, loan, outstanding[loan.id], _committed_share(funding, outstanding[loan.id], on)
            )
        )
    return result


def committed_capital(session: Session, pool: Pool, on: dt.date | None = None) -> Decimal:
    """Sum over the pool's fundings of share × outstanding principal (rounded per loan)."""
    return sum((f.committed for f in funded_loans(session, pool, on)), ZERO)


def uncommitted_capital_exact(session: Session, pool: Pool) -> Decimal:
    """Capital minus committed, signed (negative only if something is wrong; reports show it)."""
    return pool_capital(session, pool) - committed_capital(session, pool)


def uncommitted_capital(session: Session, pool: Pool) -> Decimal:
    """The pool's money not lent out, clamped at 0 for display and for paying withdrawals."""
    return max(uncommitted_capital_exact(session, pool), ZERO)


def waiting_withdrawals(
    session: Session, pool: Pool, *, due_on: dt.date | None = None
) -> list[WithdrawalRequest]:
    """Waiting requests of the pool, first come first served (requested_on, id).

    With ``due_on``, only those whose notice period is over on that day.
    """
    query = (
        select(WithdrawalRequest)
        .join(Participation, Participation.id == WithdrawalRequest.participation_id)
        .where(Participation.pool_id == pool.id, WithdrawalRequest.status == WithdrawalStatus.WAITING)
        .order_by(WithdrawalRequest.requested_on, WithdrawalRequest.id)
    )
    if due_on is not None:
        query = query.where(WithdrawalRequest.payable_from <= due_on)
    return list(session.scalars(query))


def withdrawal_queue(session: Session, pool: Pool) -> list[WithdrawalRequest]:
    """All waiting requests of the pool in the order they will be paid (FIFO)."""
    return waiting_withdrawals(session, pool)


def lendable_capital(session: Session, pool: Pool, on: dt.date | None = None) -> Decimal:
    """Uncommitted capital less the due waiting withdrawals, at least 0: what a new loan may use."""
    on = on or clock.today()
    due = sum((r.amount for r in waiting_withdrawals(session, pool, due_on=on)), ZERO)
    return max(uncommitted_capital_exact(session, pool) - due, ZERO)


def waiting_amount_of(session: Session, participation: Participation) -> Decimal:
    """What the participation's waiting requests add up to (not yet paid, not cancelled)."""
    rows = session.scalars(
        select(WithdrawalRequest.amount).where(
            WithdrawalRequest.participation_id == participation.id,
            WithdrawalRequest.status == WithdrawalStatus.WAITING,
        )
    )
    return sum(rows, ZERO)


def first_loss_buffer_remaining(session: Session, pool: Pool) -> Decimal:
    """The pool's first-loss buffer less what losses have already taken from it."""
    absorbed = sum(session.scalars(select(Loss.absorbed_by_buffer).where(Loss.pool_id == pool.id)), ZERO)
    return pool.first_loss_buffer - absorbed


def buffers_reserved_elsewhere(session: Session, pool_id: int | None) -> Decimal:
    """The remaining buffers of every pool except ``pool_id``: seed capital already promised."""
    pools = session.scalars(select(Pool).where(Pool.id != pool_id) if pool_id else select(Pool))
    return sum((first_loss_buffer_remaining(session, p) for p in pools), ZERO)


# ---------------------------------------------------------------------------------------------
# Summaries (staff pages, portal)


@dataclass(frozen=True)
class PoolSummary:
    pool: Pool
    capital: Decimal
    committed: Decimal
    #: capital − committed clamped at 0 (what the pages show).
    uncommitted: Decimal
    #: capital − committed, signed.
    uncommitted_exact: Decimal
    participants_count: int
    waiting_withdrawals_count: int
    waiting_withdrawals_amount: Decimal
    #: Of the waiting requests, those whose notice period is over today.
    due_withdrawals_amount: Decimal
    buffer_remaining: Decimal
    loans_funded_count: int
    #: Sum of LoanFunding.amount_funded over all loans ever funded.
    amount_funded_total: Decimal


def pool_summary(session: Session, pool: Pool) -> PoolSummary:
    today = clock.today()
    capital = pool_capital(session, pool)
    funded = funded_loans(session, pool)
    committed = sum((f.committed for f in funded), ZERO)
    waiting = waiting_withdrawals(session, pool)
    participants = session.scalar(
        select(func.count()).select_from(Participation).where(Participation.pool_id == pool.id)
    )
    return PoolSummary(
        pool=pool,
        capital=capital,
        committed=committed,
        uncommitted=max(capital - committed, ZERO),
        uncommitted_exact=capital - committed,
        participants_count=int(participants or 0),
        waiting_withdrawals_count=len(waiting),
        waiting_withdrawals_amount=sum((r.amount for r in waiting), ZERO),
        due_withdrawals_amount=sum((r.amount for r in waiting if r.payable_from <= today), ZERO),
        buffer_remaining=first_loss_buffer_remaining(session, pool),
        loans_funded_count=len(funded),
        amount_funded_total=sum((f.funding.amount_funded for f in funded), ZERO),
    )


def all_pools(session: Session, *, open_only: bool = False) -> list[Pool]:
    query = select(Pool).order_by(Pool.code)
    if open_only:
        query = query.where(Pool.status == PoolStatus.OPEN)
    return list(session.scalars(query))


def pool_summaries(session: Session) -> list[PoolSummary]:
    """One summary per pool, open and closed, by code."""
    return [pool_summary(session, pool) for pool in all_pools(session)]


def pool_by_code(session: Session, code: str) -> Pool | None:
    return session.scalar(select(Pool).where(Pool.code == (code or "").strip().upper()))


def pool_for_purpose(session: Session, purpose: str) -> Pool | None:
    """The open pool funding loans of ``purpose`` (at most one, create_pool sees to it)."""
    for pool in all_pools(session, open_only=True):
        if str(purpose) in (pool.purposes or []):
            return pool
    return None


# ---------------------------------------------------------------------------------------------
# What a member sees


@dataclass(frozen=True)
class MemberParticipationView:
    pool: Pool
    participation: Participation
    balance: Decimal
    #: Sum of the member's DistributionShare amounts in this pool.
    returns_received: Decimal
    #: Sum of the member's LossShare amounts in this pool.
    losses_absorbed: Decimal
    #: The participation's waiting withdrawal requests, oldest first.
    waiting_withdrawals: list[WithdrawalRequest] = field(default_factory=list)

    @property
    def waiting_amount(self) -> Decimal:
        return sum((r.amount for r in self.waiting_withdrawals), ZERO)


def member_participations(session: Session, member_ids: list[int]) -> list[MemberParticipationView]:
    """The participations of these members (a portal user and the organisations they represent)."""
    if not member_ids:
        return []
    participations = list(
        session.scalars(
            select(Participation)
            .options(joinedload(Participation.pool))
            .where(Participation.member_id.in_(member_ids))
            .order_by(Participation.member_id, Participation.pool_id)
        )
    )
    if not participations:
        return []
    ids = [p.id for p in participations]
    balances = participation_balances(session, participations)
    returns: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for participation_id, amount in session.execute(
        select(DistributionShare.participation_id, DistributionShare.amount).where(
            DistributionShare.participation_id.in_(ids)
        )
    ):
        returns[participation_id] += amount
    losses: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for participation_id, amount in session.execute(
        select(LossShare.participation_id, LossShare.amount).where(LossShare.participation_id.in_(ids))
    ):
        losses[participation_id] += amount
    waiting: dict[int, list[WithdrawalRequest]] = defaultdict(list)
    for request in session.scalars(
        select(WithdrawalRequest)
        .where(
            WithdrawalRequest.participation_id.in_(ids),
            WithdrawalRequest.status == WithdrawalStatus.WAITING,
        )
        .order_by(WithdrawalRequest.requested_on, WithdrawalRequest.id)
    ):
        waiting[request.participation_id].append(request)
    return [
        MemberParticipationView(
            pool=p.pool,
            participation=p,
            balance=balances[p.id],
            returns_received=returns[p.id],
            losses_absorbed=losses[p.id],
            waiting_withdrawals=waiting[p.id],
        )
        for p in participations
    ]


@dataclass(frozen=True)
class ProjectView:
    """One loan the member's money helps fund, described as the borrower allows."""

    loan_id: int
    loan_number: str
    purpose: LoanPurpose
    #: The borrower's name when the organisation consented to be listed, else None.
    name_or_none: str | None
    #: The borrower's activity as registered ("co-op bakery"), or None; render with the purpose as fallback.
    activity: str | None
    #: The first four digits of the borrower's postcode ("1092"), or "" when unknown.
    postcode_area: str
    disbursed_on: dt.date
    loan_principal: Decimal
    #: The pool's committed amount on this loan now (0 for a written-off loan).
    pool_committed: Decimal
    #: participation balance / pool capital × pool_committed, half-up to the cent.
    member_share: Decimal
    written_off: bool


def projects_funded_by(session: Session, participation: Participation) -> list[ProjectView]:
    """The active (and written-off, marked so) loans of the participation's pool.

    The member's share in euros of a loan is the participation's part of the pool's capital
    applied to the pool's committed amount on that loan, rounded half-up to the cent per loan:
    ``balance / capital × committed``. It says how much of the member's money works there now;
    a written-off loan shows 0 and is marked, so the member sees what was lost where.
    """
    balance = participation_balance(session, participation)
    return projects_funded_by_many(session, [(participation, balance)])[participation.id]


def projects_funded_by_many(
    session: Session, participations: list[tuple[Participation, Decimal]]
) -> dict[int, list[ProjectView]]:
    """:func:`projects_funded_by` for many participations (each with its balance), by participation id.

    The member's home and pools page list every participation of the member with its projects:
    the pools' capitals and their funded loans are read for all the pools at once, so the page
    costs the same few queries with one participation or ten (the balances come with
    :func:`member_participations`).
    """
    pool_ids = list(dict.fromkeys(participation.pool_id for participation, _balance in participations))
    capitals = pool_capitals(session, pool_ids)
    funded_by_pool = funded_loans_of_pools(session, pool_ids)
    result: dict[int, list[ProjectView]] = {}
    for participation, balance in participations:
        capital = capitals[participation.pool_id]
        views: list[ProjectView] = []
        for funded in funded_by_pool[participation.pool_id]:
            loan, committed = funded.loan, funded.committed
            if loan.status is LoanStatus.PAID_OFF:
                continue
            share = round_cents(balance * committed / capital) if capital > 0 else ZERO
            borrower: Member = loan.borrower
            postcode_digits = "".join(ch for ch in (borrower.postcode or "") if ch.isdigit())[:4]
            views.append(
                ProjectView(
                    loan_id=loan.id,
                    loan_number=loan.number,
                    purpose=loan.purpose,
                    name_or_none=borrower.display_name if borrower.listing_consent else None,
                    activity=(borrower.activity or "").strip() or None,
                    postcode_area=postcode_digits,
                    disbursed_on=loan.disbursed_on,
                    loan_principal=loan.principal,
                    pool_committed=committed,
                    member_share=share,
                    written_off=loan.status is LoanStatus.WRITTEN_OFF,
                )
            )
        result[participation.id] = views
    return result


# ---------------------------------------------------------------------------------------------
# Loading one row, and the listings of a pool's staff page
#
# The pool pages (staff and portal) read through these, so no view holds SQL of its own.


def pool_by_id(session: Session, pool_id: object) -> Pool | None:
    """The pool with id ``pool_id`` (as typed or sent by a form), or None when there is none."""
    try:
        return session.get(Pool, int(str(pool_id)))
    except (TypeError, ValueError):
        return None


def participation_by_id(session: Session, participation_id: object) -> Participation | None:
    """The participation with id ``participation_id``, or None (also for text that is no id)."""
    try:
        return session.get(Participation, int(str(participation_id)))
    except (TypeError, ValueError):
        return None


def withdrawal_by_id(session: Session, request_id: int) -> WithdrawalRequest | None:
    return session.get(WithdrawalRequest, request_id)


#: The largest id or number a column holds (INTEGER on PostgreSQL).
_MAX_NUMBER = 2**31 - 1


def _member_number(text: str) -> int | None:
    """``text`` as a member number (ASCII digits, 1 to the column's maximum), else None."""
    if not text.isascii() or not text.isdigit() or len(text) > len(str(_MAX_NUMBER)):
        return None
    number = int(text)
    return number if 1 <= number <= _MAX_NUMBER else None


@dataclass(frozen=True)
class ParticipantRow:
    participation: Participation
    member: Member
    balance: Decimal


def participants(
    session: Session, pool: Pool, *, text: str = "", page: int = 1, per_page: int = 25
) -> tuple[list[ParticipantRow], int]:
    """A pool's participants by member number, searchable by number or name; (rows, total)."""
    statement = (
        select(Participation)
        .join(Member, Member.id == Participation.member_id)
        .where(Participation.pool_id == pool.id)
    )
    text = (text or "").strip()
    if text:
        needle = text.lower()
        conditions = [
            func.lower(Member.display_name).contains(needle, autoescape=True),
            func.lower(Member.legal_name).contains(needle, autoescape=True),
        ]
        number = _member_number(text)
        if number is not None:
            conditions.append(Member.number == number)
        statement = statement.where(or_(*conditions))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = list(
        session.scalars(
            statement.options(joinedload(Participation.member))
            .order_by(Member.number, Participation.id)
            .offset((max(page, 1) - 1) * per_page)
            .limit(per_page)
        )
    )
    balances = ledger_queries.balances(session, [p.ledger_account_id for p in rows])
    return [ParticipantRow(p, p.member, balances[p.ledger_account_id]) for p in rows], int(total)


@dataclass(frozen=True)
class FundedLoanRow:
    funding: LoanFunding
    loan: Loan
    #: Principal the borrower still owes on the whole loan.
    outstanding: Decimal
    #: The pool's part of it (outstanding x the pool's share at disbursement, to the cent).
    pool_outstanding: Decimal


def funded_loan_rows(session: Session, pool: Pool) -> list[FundedLoanRow]:
    """The loans a pool funded, newest first, with the pool's share of what is still owed.

    Unlike :func:`funded_loans` (what the pool carries, for its capital), this shows the principal
    ledger balance as it stands, whatever the loan's status: the staff page's column.
    """
    rows = _fundings(session, [pool.id])[::-1]  # newest first
    balances = ledger_queries.balances(session, [loan.principal_account_id for _f, loan in rows])
    result = []
    for funding, loan in rows:
        outstanding = balances[loan.principal_account_id]
        share = round_cents(outstanding * funding.amount_funded / funding.loan_principal)
        result.append(FundedLoanRow(funding, loan, outstanding, share))
    return result


def distributions(session: Session, pool: Pool) -> list[Distribution]:
    """The pool's quarterly distributions, newest first."""
    return list(
        session.scalars(
            select(Distribution)
            .where(Distribution.pool_id == pool.id)
            .order_by(Distribution.quarter_start.desc())
        )
    )


@dataclass(frozen=True)
class LossRow:
    loss: Loss
    loan: Loan


def losses(session: Session, pool: Pool) -> list[LossRow]:
    """The losses the pool absorbed, newest first, each with its loan."""
    rows = session.execute(
        select(Loss, Loan)
        .join(Loan, Loan.id == Loss.loan_id)
        .where(Loss.pool_id == pool.id)
        .order_by(Loss.occurred_on.desc(), Loss.id.desc())
    ).all()
    return [LossRow(loss, loan) for loss, loan in rows]
