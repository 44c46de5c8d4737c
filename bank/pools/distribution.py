"""Quarterly distribution of a pool's returns to its participants (issue 7, "Returns and losses").

What is distributed is the pool's share of the interest *actually collected* on the loans it
funded in the quarter (not the interest accrued), less the bank's margin. It is split over
the participants pro rata to their daily-weighted participation: the participation's balance
in cents summed over every day of the quarter ("cent-days"), so money that came in halfway
through the quarter earns half. The split is largest-remainder, so the parts add up to the
distributable amount to the cent, and no part is negative.

Decisions (documented here because the ledger keeps them for good):

* **Payment date.** The entry's value date, and ``Distribution.distributed_on``, is the run
  date, not the quarter end: a member's deposit balance on days already closed (and the
  savings interest accrued on it) must not change after the fact. The weights stop at the
  quarter end, so a late run pays the same parts.
* **Closed deposit account.** The part is paid to the participation's deposit account; when
  that account has been closed, to the member's oldest other open (or blocked: deposits still
  arrive there) deposit account. A member with no such account stops the run with an error
  naming them, before anything is written: money is never parked where nobody sees it.
* **Reversed collections** net out: a reversal of a collection entry counts, negatively, in
  the quarter of its value date. Should reversals ever exceed a quarter's collections for a
  pool, that quarter distributes nothing (the amounts are never negative).
* **Nothing to distribute** (no interest, or nobody with a participation during the
  quarter): a Distribution row with zero amounts records that the quarter was done, and no
  entry is posted. Interest with nobody to pay it to stays with the bank (as margin).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple
from typing import cast as cast_type

from sqlalchemy import BigInteger, Date, and_, case, cast, exists, func, insert, literal, select, type_coerce
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased
from sqlalchemy.sql.elements import ColumnElement, TypeCoerce

from bank import audit, clock
from bank.actor import Actor
from bank.db import is_postgresql, table_of
from bank.errors import N_, ValidationError
from bank.ledger import chart
from bank.ledger.models import JournalEntry, Posting, Side
from bank.ledger.service import EntryRequest, account_by_code, post_many
from bank.loans.models import Loan
from bank.members.models import Member
from bank.money import ZERO, from_cents, round_cents, split, to_cents
from bank.pools.models import Distribution, DistributionShare, LoanFunding, Participation, Pool
from bank.savings.models import DepositAccount, DepositAccountStatus

#: Entry kinds that collect money from a borrower (bank/loans/servicing.py). "loan_repayment"
#: is an older name statements still label; the write-off and accruals are never collections.
COLLECTION_KINDS = ("loan_collection", "loan_payoff", "loan_prepayment", "loan_repayment")
#: The ledger kind of a distribution entry.
DISTRIBUTION_KIND = "pool_distribution"
_QUARTER_END_MONTHS = (3, 6, 9, 12)
_SHARES = table_of(DistributionShare)


# ---------------------------------------------------------------------------------------------
# Quarters


def is_quarter_end(day: dt.date) -> bool:
    """The last day of March, June, September or December."""
    return day.month in _QUARTER_END_MONTHS and day.day == calendar.monthrange(day.year, day.month)[1]


def quarter_bounds(quarter_end: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the quarter that ends on ``quarter_end``."""
    if not is_quarter_end(quarter_end):
        raise ValidationError(
            "quarter_end",
            N_("must be the last day of a quarter (31 March, 30 June, 30 September or 31 December)"),
        )
    return dt.date(quarter_end.year, quarter_end.month - 2, 1), quarter_end


def latest_quarter_end_before(day: dt.date) -> dt.date:
    """The last quarter end strictly before ``day`` (the quarter a run on ``day`` may close)."""
    year, quarter_end_month = day.year, ((day.month - 1) // 3) * 3
    if quarter_end_month == 0:
        year, quarter_end_month = year - 1, 12
    candidate = dt.date(year, quarter_end_month, calendar.monthrange(year, quarter_end_month)[1])
    assert candidate < day
    return candidate


# ---------------------------------------------------------------------------------------------
# The arithmetic (pure)


def split_returns(
    interest: Decimal, margin_share: Decimal, weights: Sequence[int]
) -> tuple[Decimal, Decimal, list[Decimal]]:
    """(margin, distributable, one part per weight) of a quarter's interest.

    The margin is rounded half-up; the parts are a largest-remainder split of the rest, so they
    add up to it exactly and none is negative. With nobody to pay (no weights) the bank keeps
    the interest as margin.
    """
    if not weights:
        return interest, ZERO, []
    margin = round_cents(interest * margin_share)
    distributable = interest - margin
    return margin, distributable, split(distributable, weights)


# ---------------------------------------------------------------------------------------------
# Reads


def _cents(column: InstrumentedAttribute[Decimal]) -> TypeCoerce[int]:
    """A money column as raw integer cents in SQL (skips the Decimal conversion per row)."""
    return type_coerce(column, BigInteger)


def interest_collected_for_pool(session: Session, pool: Pool, start: dt.date, end: dt.date) -> Decimal:
    """The pool's share of the interest collected on its loans between ``start`` and ``end``.

    Per loan: the credits to its interest receivable account from collection entries, less the
    debits to it from reversals of collection entries, dated in the period; times the pool's
    share (amount funded / principal), rounded half-up per loan. One grouped query.
    """
    original = aliased(JournalEntry)
    counts = case(
        (
            and_(JournalEntry.kind.in_(COLLECTION_KINDS), Posting.side == Side.CREDIT),
            _cents(Posting.amount),
        ),
        (
            and_(
                JournalEntry.kind == "reversal",
                original.kind.in_(COLLECTION_KINDS),
                Posting.side == Side.DEBIT,
            ),
            -_cents(Posting.amount),
        ),
        else_=0,
    )
    rows = session.execute(
        select(
            LoanFunding.amount_funded,
            LoanFunding.loan_principal,
            func.coalesce(func.sum(counts, type_=BigInteger()), 0, type_=BigInteger()).label("cents"),
        )
        .join(Loan, Loan.id == LoanFunding.loan_id)
        .join(Posting, Posting.account_id == Loan.interest_account_id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .outerjoin(original, original.id == JournalEntry.reverses_entry_id)
        .where(LoanFunding.pool_id == pool.id, Posting.value_date >= start, Posting.value_date <= end)
        .group_by(LoanFunding.id, LoanFunding.amount_funded, LoanFunding.loan_principal)
    ).all()
    total = ZERO
    for row in rows:
        total += round_cents(from_cents(int(row.cents)) * row.amount_funded / row.loan_principal)
    return max(total, ZERO)


def _days_until(session: Session, end: dt.date, column: InstrumentedAttribute[dt.date]) -> ColumnElement[int]:
    """``end - column`` in whole days, in SQL (SQLite keeps dates as ISO text)."""
    if is_postgresql(session):
        # A date minus a date is an Integer in SQLAlchemy's rules; its stubs say a date.
        return cast_type("ColumnElement[int]", cast(literal(end, Date), Date) - column)
    return cast(func.julianday(literal(end.isoformat())) - func.julianday(column), BigInteger)


class Weight(NamedTuple):
    """A participation's daily-weighted balance over a quarter and where its part is paid."""

    participation_id: int
    member_id: int
    #: The ledger account of the participation's deposit account.
    deposit_ledger_account_id: int
    deposit_closed: bool
    weight_cent_days: int


def participation_weights(session: Session, pool: Pool, start: dt.date, end: dt.date) -> list[Weight]:
    """The pool's participations with a positive weight in the quarter, by participation id.

    weight = opening balance x days in the quarter + each posting in the quarter x the days
    from its value date to the quarter end (both included); participations are credit-normal,
    so credits count positive. One statement: the postings of the pool's participation
    accounts are summed per account (an index range scan each), then joined to the
    participations and their deposit accounts.
    """
    days = (end - start).days + 1
    signed = case((Posting.side == Side.CREDIT, _cents(Posting.amount)), else_=-_cents(Posting.amount))
    multiplier = case(
        (Posting.value_date < start, literal(days, BigInteger)),
        else_=_days_until(session, end, Posting.value_date) + 1,
    )
    pool_accounts = select(Participation.ledger_account_id).where(Participation.pool_id == pool.id)
    per_account = (
        select(Posting.account_id, func.sum(signed * multiplier, type_=BigInteger()).label("weight"))
        .where(Posting.account_id.in_(pool_accounts), Posting.value_date <= end)
        .group_by(Posting.account_id)
        .subquery()
    )
    query = (
        select(
            Participation.id,
            Participation.member_id,
            DepositAccount.ledger_account_id,
            case((DepositAccount.status == DepositAccountStatus.CLOSED, True), else_=False),
            per_account.c.weight,
        )
        .join(per_account, per_account.c.account_id == Participation.ledger_account_id)
        .join(DepositAccount, DepositAccount.id == Participation.deposit_account_id)
        .where(Participation.pool_id == pool.id)
        .order_by(Participation.id)
    )
    return [
        Weight(row[0], row[1], row[2], bool(row[3]), int(row[4]))
        for row in session.execute(query)
        if row[4] > 0
    ]


def _payout_accounts(session: Session, weights: Sequence[Weight]) -> dict[int, int]:
    """Ledger account to pay each participation's part to (see "Closed deposit account")."""
    accounts = {row.participation_id: row.deposit_ledger_account_id for row in weights}
    closed = {row.participation_id: row.member_id for row in weights if row.deposit_closed}
    if not closed:
        return accounts
    open_accounts: dict[int, int] = {}
    for member_id, ledger_account_id in session.execute(
        select(DepositAccount.member_id, DepositAccount.ledger_account_id)
        .where(
            DepositAccount.member_id.in_(set(closed.values())),
            DepositAccount.status != DepositAccountStatus.CLOSED,
        )
        .order_by(DepositAccount.member_id, DepositAccount.id)
    ):
        open_accounts.setdefault(member_id, ledger_account_id)
    stranded = sorted({member_id for member_id in closed.values() if member_id not in open_accounts})
    if stranded:
        member = session.get(Member, stranded[0])
        assert member is not None
        raise ValidationError(
            "quarter_end",
            N_(
                "member %(number)s (%(display_name)s) has no open deposit account to receive the "
                "pool's returns; open one (or reopen theirs) and run the distribution again"
            ),
            number=member.number,
            display_name=member.display_name,
        )
    for participation_id, member_id in closed.items():
        accounts[participation_id] = open_accounts[member_id]
    return accounts


# ---------------------------------------------------------------------------------------------
# Writes


def distribute_quarter(
    session: Session, pool: Pool, quarter_end: dt.date, *, actor: Actor, today: dt.date | None = None
) -> Distribution:
    """Distribute the pool's returns of the quarter ending ``quarter_end``: one entry, once.

    Refuses (ValidationError on ``quarter_end``, nothing written) a date that is not a quarter
    end, a quarter that has not ended by ``today``, and a quarter already distributed.
    """
    start, end = quarter_bounds(quarter_end)
    run_date = today or clock.today()
    if end >= run_date:
        raise ValidationError(
            "quarter_end",
            N_("the quarter ending %(end)s has not ended yet; it can be distributed from %(first_day)s"),
            end=end,
            first_day=end + dt.timedelta(days=1),
        )
    done_on = session.scalar(
        select(Distribution.distributed_on).where(
            Distribution.pool_id == pool.id, Distribution.quarter_start == start
        )
    )
    if done_on is not None:
        raise ValidationError(
            "quarter_end",
            N_("the quarter ending %(end)s of pool %(code)s was already distributed on %(done_on)s"),
            end=end,
            code=pool.code,
            done_on=done_on,
        )

    interest = interest_collected_for_pool(session, pool, start, end)
    weights = participation_weights(session, pool, start, end) if interest > 0 else []
    margin, distributable, parts = split_returns(
        interest, pool.margin_share, [row.weight_cent_days for row in weights]
    )
    distribution = Distribution(
        pool_id=pool.id,
        quarter_start=start,
        quarter_end=end,
        interest_collected=interest,
        margin_amount=margin,
        amount_distributed=distributable,
        participant_count=len(weights),
        entry_id=None,
        distributed_on=run_date,
    )
    if distributable > 0:
        pay_to = _payout_accounts(session, weights)
        expense = account_by_code(session, chart.POOL_RETURNS_EXPENSE).id
        # In integer cents: one line per participant, so no Decimal round trip per line.
        lines = [(expense, True, to_cents(distributable))]
        lines.extend(
            (pay_to[row.participation_id], False, to_cents(part))
            for row, part in zip(weights, parts, strict=True)
            if part > 0
        )
        (distribution.entry_id,) = post_many(
            session,
            [
                EntryRequest.from_cents(
                    f"pool-distribution:{pool.code}:{end.isoformat()}",
                    DISTRIBUTION_KIND,
                    lines,
                    run_date,
                    f"Returns of pool {pool.name}, {start.isoformat()} to {end.isoformat()}",
                )
            ],
            actor=actor,
        )
    session.add(distribution)
    session.flush()
    if weights:
        session.execute(
            insert(_SHARES),
            [
                {
                    "distribution_id": distribution.id,
                    "participation_id": row.participation_id,
                    "weight_cent_days": row.weight_cent_days,
                    "amount": part,
                }
                for row, part in zip(weights, parts, strict=True)
            ],
        )
    audit.record(
        session,
        actor,
        "pool.distribution",
        "pool",
        pool.id,
        after={
            "quarter_end": end,
            "interest_collected": interest,
            "margin": margin,
            "distributed": distributable,
            "participants": len(weights),
        },
    )
    return distribution


def distribute_due(session: Session, business_date: dt.date, *, actor: Actor) -> list[Distribution]:
    """Close-day job: distribute the last ended quarter of every pool that had participants then.

    Quarters already distributed are skipped silently, so the job may run every day.
    """
    quarter_end = latest_quarter_end_before(business_date)
    start, _ = quarter_bounds(quarter_end)
    already = select(Distribution.id).where(
        Distribution.pool_id == Pool.id, Distribution.quarter_start == start
    )
    participated = select(Participation.id).where(
        Participation.pool_id == Pool.id, Participation.opened_on <= quarter_end
    )
    pools = session.scalars(
        select(Pool).where(~exists(already), exists(participated)).order_by(Pool.id)
    ).all()
    return [
        distribute_quarter(session, pool, quarter_end, actor=actor, today=business_date) for pool in pools
    ]


def pools_to_distribute(session: Session, quarter_end: dt.date, today: dt.date) -> list[Pool]:
    """The pools whose quarter ending ``quarter_end`` may be distributed now; refuses otherwise.

    Raises ValidationError on ``date`` (nothing is written) for a day that is not a quarter's
    last, a quarter not ended by ``today``, a quarter with no participants in any pool, and a
    quarter every pool has already distributed. The staff start form asks this before it
    launches the command, so a refusal shows on the form rather than in a process's log.
    """
    try:
        start, end = quarter_bounds(quarter_end)
    except ValidationError as error:
        raise ValidationError("date", next(iter(error.fields.values()))) from None
    if end >= today:
        raise ValidationError(
            "date",
            N_("the quarter ending %(end)s has not ended yet; it can be distributed from %(first_day)s"),
            end=end,
            first_day=end + dt.timedelta(days=1),
        )
    participated = select(Participation.id).where(
        Participation.pool_id == Pool.id, Participation.opened_on <= end
    )
    pools = list(session.scalars(select(Pool).where(participated.exists()).order_by(Pool.id)))
    if not pools:
        raise ValidationError("date", N_("no pool had participants in the quarter ending %(end)s"), end=end)
    done: dict[int, dt.date] = {
        pool_id: distributed_on
        for pool_id, distributed_on in session.execute(
            select(Distribution.pool_id, Distribution.distributed_on).where(
                Distribution.quarter_start == start, Distribution.pool_id.in_([pool.id for pool in pools])
            )
        )
    }
    pending = [pool for pool in pools if pool.id not in done]
    if not pending:
        raise ValidationError(
            "date",
            N_("the quarter ending %(end)s was already distributed (on %(done_on)s)"),
            end=end,
            done_on=max(done.values()),
        )
    return pending
