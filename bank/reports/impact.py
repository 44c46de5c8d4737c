"""The municipal impact report (L3, read-only): what the seed capital and the members' money made possible.

For a period: the municipal seed capital and the part of it standing as the pools' first-loss
buffers; the member money those buffers mobilised (pool participations, 2100) per euro of them;
loans by purpose and by neighbourhood; jobs created and kept, homes and land secured; the
interest paid out to the member-investors; the losses of the period and who carried them.

Balances come from the ledger (:func:`bank.ledger.queries.balance` as of the period end), the
pool tables say which part of a loss the buffer and the participants absorbed, and the impact
records (``loan_impact_reports``) give the borrowers' figures: per loan the latest yearly report
up to the period end, else what the borrower expected at application (the ``source`` column says
which). Every table is a tuple of frozen rows so the page, the CSV and the PDF show the same
figures.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import BigInteger, func, or_, select
from sqlalchemy.orm import Session

from bank import clock
from bank.applications.models import LoanApplication
from bank.errors import N_, ValidationError
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry, LedgerAccount, Posting, Side
from bank.loans.models import ImpactReport as ImpactRecord
from bank.loans.models import ImpactSource, Loan, LoanStatus
from bank.loans.products_models import LoanPurpose
from bank.members.models import Member
from bank.money import ZERO, from_cents
from bank.pools.models import (
    Distribution,
    DistributionShare,
    LoanFunding,
    Loss,
    Participation,
    Pool,
)
from bank.reports.queries import loan_balances

#: Shown for a member whose postcode has no four-digit area.
UNKNOWN_AREA = "----"


def postcode_area(postcode: str | None) -> str:
    """The neighbourhood: the four digits of a Dutch postcode ("1092 AB" -> "1092")."""
    digits = (postcode or "").strip()[:4]
    return digits if len(digits) == 4 and digits.isdigit() else UNKNOWN_AREA


def per_euro(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    """numerator / denominator to two decimals (half up); None when there is no denominator."""
    if denominator == 0:
        return None
    return (numerator / denominator).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def check_period(period_start: object, period_end: object, *, today: dt.date | None = None) -> None:
    """The period must be two dates, in order, and not end in the future."""
    today = today or clock.today()
    if not isinstance(period_start, dt.date):
        raise ValidationError("period_start", N_("must be a date"))
    if not isinstance(period_end, dt.date):
        raise ValidationError("period_end", N_("must be a date"))
    if period_end > today:
        raise ValidationError(
            "period_end", N_("must not lie in the future (today is %(today)s)"), today=today
        )
    if period_start > period_end:
        raise ValidationError("period_start", N_("must not be after the end of the period"))


# ---------------------------------------------------------------------------------------------
# Rows


@dataclass(frozen=True)
class BufferRow:
    pool_code: str
    pool_name: str
    #: Seed capital the pool's terms commit as its first-loss buffer.
    committed: Decimal
    #: What losses took from it up to the period end.
    used: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.committed - self.used


@dataclass(frozen=True)
class PoolMoneyRow:
    pool_code: str
    pool_name: str
    #: Participations with money in them at the period end.
    participants: int
    participations: Decimal


@dataclass(frozen=True)
class LoanGroup:
    key: str
    loans_disbursed: int
    amount_disbursed: Decimal
    #: Loans with principal outstanding at the period end, and that principal.
    loans_outstanding: int
    outstanding: Decimal


@dataclass(frozen=True)
class LoanImpact:
    loan_id: int
    loan_number: str
    purpose: str
    area: str
    jobs_created: int
    jobs_kept: int
    homes_secured: int
    land_area_m2: int
    #: "annual" (the borrower's yearly report of ``year``), "application" (expected) or "none".
    source: str
    year: int | None


@dataclass(frozen=True)
class JobsGroup:
    purpose: str
    loans: int
    jobs_created: int
    jobs_kept: int
    #: How many of the loans' figures come from a yearly report, how many from the application.
    from_annual: int
    from_application: int


@dataclass(frozen=True)
class LossRow:
    loan_id: int
    loan_number: str
    purpose: str
    area: str
    written_off_on: dt.date
    #: What the write-off took to impairment (principal, interest and fees receivable).
    write_off_amount: Decimal
    pool_code: str
    absorbed_by_buffer: Decimal
    absorbed_by_participants: Decimal

    @property
    def pool_loss(self) -> Decimal:
        return self.absorbed_by_buffer + self.absorbed_by_participants

    @property
    def absorbed_by_bank(self) -> Decimal:
        """The part no pool carried: the unfunded share and the interest and fees written off."""
        return self.write_off_amount - self.pool_loss


@dataclass(frozen=True)
class ImpactReport:
    period_start: dt.date
    period_end: dt.date
    #: Municipal seed capital (3100) at the period end.
    seed_capital: Decimal
    buffers: tuple[BufferRow, ...]
    #: Pool participations (2100) at the period end: the member money mobilised.
    member_money: Decimal
    pools: tuple[PoolMoneyRow, ...]
    by_purpose: tuple[LoanGroup, ...]
    by_area: tuple[LoanGroup, ...]
    jobs_by_purpose: tuple[JobsGroup, ...]
    loan_impacts: tuple[LoanImpact, ...]
    #: Interest paid out to member-investors: distributions whose quarter ended in the period.
    interest_paid_out: Decimal
    distributions: int
    #: Members with money in a pool at the period end.
    member_investors: int
    #: Members who received a share of those distributions.
    members_paid: int
    losses: tuple[LossRow, ...]

    @property
    def seed_deployed(self) -> Decimal:
        return sum((b.committed for b in self.buffers), ZERO)

    @property
    def buffer_used(self) -> Decimal:
        return sum((b.used for b in self.buffers), ZERO)

    @property
    def member_money_per_seed_euro(self) -> Decimal | None:
        return per_euro(self.member_money, self.seed_deployed)

    @property
    def land_loans(self) -> tuple[LoanImpact, ...]:
        return tuple(i for i in self.loan_impacts if i.purpose == LoanPurpose.LAND_TRUST_PURCHASE.value)

    @property
    def jobs_created(self) -> int:
        return sum(g.jobs_created for g in self.jobs_by_purpose)

    @property
    def jobs_kept(self) -> int:
        return sum(g.jobs_kept for g in self.jobs_by_purpose)

    @property
    def homes_secured(self) -> int:
        return sum(i.homes_secured for i in self.land_loans)

    @property
    def land_area_m2(self) -> int:
        return sum(i.land_area_m2 for i in self.land_loans)

    @property
    def loans_disbursed(self) -> int:
        return sum(g.loans_disbursed for g in self.by_purpose)

    @property
    def amount_disbursed(self) -> Decimal:
        return sum((g.amount_disbursed for g in self.by_purpose), ZERO)

    @property
    def loans_outstanding(self) -> int:
        return sum(g.loans_outstanding for g in self.by_purpose)

    @property
    def outstanding(self) -> Decimal:
        return sum((g.outstanding for g in self.by_purpose), ZERO)

    @property
    def write_off_total(self) -> Decimal:
        return sum((r.write_off_amount for r in self.losses), ZERO)

    @property
    def loss_by_buffer(self) -> Decimal:
        return sum((r.absorbed_by_buffer for r in self.losses), ZERO)

    @property
    def loss_by_participants(self) -> Decimal:
        return sum((r.absorbed_by_participants for r in self.losses), ZERO)

    @property
    def loss_by_bank(self) -> Decimal:
        return sum((r.absorbed_by_bank for r in self.losses), ZERO)


# ---------------------------------------------------------------------------------------------
# The report


def impact_report(session: Session, period_start: dt.date, period_end: dt.date) -> ImpactReport:
    """The municipal impact report for ``period_start`` to ``period_end`` (both days included)."""
    check_period(period_start, period_end)
    pools = list(session.scalars(select(Pool).order_by(Pool.code)))
    buffers = tuple(_buffers(session, pools, period_end))
    pool_rows, member_investors = _pool_money(session, pools, period_end)
    by_purpose, by_area = _loan_groups(session, period_start, period_end)
    impacts = _loan_impacts(session, period_start, period_end)
    interest, distributions, members_paid = _distributions(session, period_start, period_end)
    return ImpactReport(
        period_start=period_start,
        period_end=period_end,
        seed_capital=_main_balance(session, chart.SEED_CAPITAL, period_end),
        buffers=buffers,
        member_money=_main_balance(session, chart.POOL_PARTICIPATIONS, period_end),
        pools=pool_rows,
        by_purpose=by_purpose,
        by_area=by_area,
        jobs_by_purpose=_jobs_by_purpose(impacts),
        loan_impacts=impacts,
        interest_paid_out=interest,
        distributions=distributions,
        member_investors=member_investors,
        members_paid=members_paid,
        losses=_losses(session, period_start, period_end),
    )


def _main_balance(session: Session, code: str, as_of: dt.date) -> Decimal:
    account_id = session.scalar(select(LedgerAccount.id).where(LedgerAccount.code == code))
    if account_id is None:
        return ZERO
    return ledger_queries.balance(session, account_id, as_of)


def _pool_existed(session: Session, pool: Pool, on: dt.date) -> bool:
    """A pool counts from its creation; a pool back-dated by its first participation or loan too."""
    if pool.created_at.astimezone(clock.BANK_TZ).date() <= on:
        return True
    first = session.scalar(
        select(func.min(Participation.opened_on)).where(Participation.pool_id == pool.id)
    ) or session.scalar(select(func.min(LoanFunding.funded_on)).where(LoanFunding.pool_id == pool.id))
    return first is not None and first <= on


def _buffers(session: Session, pools: list[Pool], period_end: dt.date) -> Iterable[BufferRow]:
    used = dict(
        session.execute(
            select(Loss.pool_id, func.sum(Loss.absorbed_by_buffer, type_=BigInteger()))
            .where(Loss.occurred_on <= period_end)
            .group_by(Loss.pool_id)
        ).all()
    )
    for pool in pools:
        if not _pool_existed(session, pool, period_end):
            continue
        yield BufferRow(pool.code, pool.name, pool.first_loss_buffer, from_cents(int(used.get(pool.id) or 0)))


def _pool_money(
    session: Session, pools: list[Pool], period_end: dt.date
) -> tuple[tuple[PoolMoneyRow, ...], int]:
    """Each pool's participations at the period end, and the members with money in any pool."""
    net = func.sum(ledger_queries.SIGNED_AMOUNT, type_=BigInteger())
    rows = session.execute(
        select(Participation.pool_id, Participation.member_id, net)
        .join(Posting, Posting.account_id == Participation.ledger_account_id)
        .where(Posting.value_date <= period_end)
        .group_by(Participation.id, Participation.pool_id, Participation.member_id)
    ).all()
    counts: dict[int, int] = defaultdict(int)
    totals: dict[int, int] = defaultdict(int)
    members: set[int] = set()
    for pool_id, member_id, net_debit_cents in rows:
        balance_cents = -int(net_debit_cents or 0)  # a liability: credits are the member's money
        if balance_cents > 0:
            counts[pool_id] += 1
            totals[pool_id] += balance_cents
            members.add(member_id)
    result = tuple(
        PoolMoneyRow(p.code, p.name, counts[p.id], from_cents(totals[p.id]))
        for p in pools
        if p.id in counts or _pool_existed(session, p, period_end)
    )
    return result, len(members)


@dataclass(frozen=True)
class _Balance:
    purpose: str
    area: str
    disbursed_on: dt.date
    principal: Decimal
    outstanding: Decimal


def _group_loans(
    balances: list[_Balance], key: Callable[[_Balance], str], start: dt.date, end: dt.date
) -> tuple[LoanGroup, ...]:
    disbursed: dict[str, int] = defaultdict(int)
    amount: dict[str, Decimal] = defaultdict(lambda: ZERO)
    open_loans: dict[str, int] = defaultdict(int)
    outstanding: dict[str, Decimal] = defaultdict(lambda: ZERO)
    keys: set[str] = set()
    for balance in balances:
        k = key(balance)
        if start <= balance.disbursed_on <= end:
            disbursed[k] += 1
            amount[k] += balance.principal
            keys.add(k)
        if balance.outstanding > 0:
            open_loans[k] += 1
            outstanding[k] += balance.outstanding
            keys.add(k)
    return tuple(
        LoanGroup(k, disbursed[k], amount[k], open_loans[k], outstanding[k])
        for k in sorted(keys, key=lambda k: (-outstanding[k], -amount[k], k))
    )


def _loan_groups(
    session: Session, start: dt.date, end: dt.date
) -> tuple[tuple[LoanGroup, ...], tuple[LoanGroup, ...]]:
    """Loans disbursed in the period and principal outstanding at its end (the ledger's balances)."""
    disbursed_on = dict(
        session.execute(select(Loan.id, Loan.disbursed_on).where(Loan.disbursed_on <= end)).all()
    )
    balances = [
        _Balance(b.purpose, postcode_area(b.postcode), disbursed_on[b.loan_id], b.principal, b.outstanding)
        for b in loan_balances(session, end)
    ]
    return (
        _group_loans(balances, lambda b: b.purpose, start, end),
        _group_loans(balances, lambda b: b.area, start, end),
    )


def _loan_impacts(session: Session, start: dt.date, end: dt.date) -> tuple[LoanImpact, ...]:
    """Per loan running in the period: its latest yearly report up to the end, else the expectation."""
    loans = session.execute(
        select(Loan.id, Loan.number, Loan.purpose, Member.postcode)
        .join(Member, Member.id == Loan.borrower_id)
        .where(Loan.disbursed_on <= end, or_(Loan.closed_on.is_(None), Loan.closed_on >= start))
        .order_by(Loan.number)
    ).all()
    ids = [row[0] for row in loans]
    if not ids:
        return ()
    annual: dict[int, ImpactRecord] = {}
    expected: dict[int, ImpactRecord] = {}
    for record in session.scalars(
        select(ImpactRecord)
        .where(ImpactRecord.loan_id.in_(ids), ImpactRecord.reported_on <= end, ImpactRecord.year <= end.year)
        .order_by(ImpactRecord.year, ImpactRecord.id)
    ):
        if record.source is ImpactSource.ANNUAL:
            annual[record.loan_id] = record  # ordered by year: the last one wins
        else:
            expected[record.loan_id] = record
    # Loans booked before expectations were copied at disbursement: read them from the application.
    applications = {
        a.loan_id: a
        for a in session.scalars(
            select(LoanApplication).where(LoanApplication.loan_id.in_([i for i in ids if i not in expected]))
        )
    }
    result = []
    for loan_id, number, purpose, postcode in loans:
        purpose_value = str(getattr(purpose, "value", purpose))
        area = postcode_area(postcode)
        reported = annual.get(loan_id) or expected.get(loan_id)
        if reported is not None:
            result.append(
                LoanImpact(
                    loan_id,
                    number,
                    purpose_value,
                    area,
                    reported.jobs_created,
                    reported.jobs_kept,
                    reported.homes_secured,
                    reported.land_area_m2,
                    reported.source.value,
                    reported.year,
                )
            )
            continue
        application = applications.get(loan_id)
        if application is not None:
            result.append(
                LoanImpact(
                    loan_id,
                    number,
                    purpose_value,
                    area,
                    application.jobs_created_expected or 0,
                    application.jobs_kept_expected or 0,
                    application.homes_expected or 0,
                    application.land_area_m2 or 0,
                    ImpactSource.APPLICATION.value,
                    None,
                )
            )
        else:
            result.append(LoanImpact(loan_id, number, purpose_value, area, 0, 0, 0, 0, "none", None))
    return tuple(result)


def _jobs_by_purpose(impacts: tuple[LoanImpact, ...]) -> tuple[JobsGroup, ...]:
    groups: dict[str, list[LoanImpact]] = defaultdict(list)
    for impact in impacts:
        groups[impact.purpose].append(impact)
    return tuple(
        JobsGroup(
            purpose,
            len(items),
            sum(i.jobs_created for i in items),
            sum(i.jobs_kept for i in items),
            sum(1 for i in items if i.source == ImpactSource.ANNUAL.value),
            sum(1 for i in items if i.source == ImpactSource.APPLICATION.value),
        )
        for purpose, items in sorted(groups.items())
    )


def _distributions(session: Session, start: dt.date, end: dt.date) -> tuple[Decimal, int, int]:
    in_period = (Distribution.quarter_end >= start, Distribution.quarter_end <= end)
    total, count = session.execute(
        select(
            func.coalesce(func.sum(Distribution.amount_distributed, type_=BigInteger()), 0), func.count()
        ).where(*in_period)
    ).one()
    members = session.scalar(
        select(func.count(func.distinct(Participation.member_id)))
        .join(DistributionShare, DistributionShare.participation_id == Participation.id)
        .join(Distribution, Distribution.id == DistributionShare.distribution_id)
        .where(*in_period, DistributionShare.amount > ZERO)
    )
    return from_cents(int(total or 0)), int(count or 0), int(members or 0)


def _losses(session: Session, start: dt.date, end: dt.date) -> tuple[LossRow, ...]:
    """Loans written off in the period (the write-off entry's value date) and who carried the loss."""
    entries = {
        entry.idempotency_key: entry
        for entry in session.scalars(
            select(JournalEntry).where(
                JournalEntry.kind == "loan_write_off",
                JournalEntry.value_date >= start,
                JournalEntry.value_date <= end,
            )
        )
    }
    loan_ids = [int(key.split(":", 1)[1]) for key in entries if key.startswith("writeoff:")]
    if not loan_ids:
        return ()
    impairment = session.scalar(
        select(LedgerAccount.id).where(LedgerAccount.code == chart.IMPAIRMENT_EXPENSE)
    )
    amounts = dict(
        session.execute(
            select(JournalEntry.idempotency_key, func.sum(Posting.amount, type_=BigInteger()))
            .join(Posting, Posting.entry_id == JournalEntry.id)
            .where(
                JournalEntry.idempotency_key.in_(list(entries)),
                Posting.account_id == impairment,
                Posting.side == Side.DEBIT,
            )
            .group_by(JournalEntry.idempotency_key)
        ).all()
    )
    losses = {
        loss.loan_id: loss
        for loss in session.scalars(select(Loss).where(Loss.loan_id.in_(loan_ids), Loss.occurred_on <= end))
    }
    pool_codes = dict(session.execute(select(Pool.id, Pool.code)).all())
    rows = []
    for loan, postcode in session.execute(
        select(Loan, Member.postcode)
        .join(Member, Member.id == Loan.borrower_id)
        .where(Loan.id.in_(loan_ids), Loan.status == LoanStatus.WRITTEN_OFF)
        .order_by(Loan.number)
    ).all():
        key = f"writeoff:{loan.id}"
        loss = losses.get(loan.id)
        rows.append(
            LossRow(
                loan_id=loan.id,
                loan_number=loan.number,
                purpose=loan.purpose.value,
                area=postcode_area(postcode),
                written_off_on=entries[key].value_date,
                write_off_amount=from_cents(int(amounts.get(key) or 0)),
                pool_code=pool_codes.get(loss.pool_id, "") if loss else "",
                absorbed_by_buffer=loss.absorbed_by_buffer if loss else ZERO,
                absorbed_by_participants=loss.absorbed_by_participants if loss else ZERO,
            )
        )
    return tuple(rows)
