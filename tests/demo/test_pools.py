"""The pools in the demo: launched before the loans, funded by members through the year, quarters
distributed by the close days, withdrawals paid and waiting, the written-off loan's share absorbed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bank import clock, demo
from bank.auth.models import User
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry, Posting, Side
from bank.loans.models import Loan, LoanStatus
from bank.pools.models import (
    Distribution,
    LoanFunding,
    Loss,
    Participation,
    Pool,
    WithdrawalRequest,
    WithdrawalStatus,
)
from bank.runs.models import Run, RunJob, RunStatus
from bank.savings.models import DepositAccount

#: A fixed "today" so the story is the same on every day the suite runs.
TODAY = dt.date(2026, 11, 27)


def test_the_pool_steps_surround_the_applications_step():
    steps = [step for _name, step in demo.STEPS]
    launch = steps.index(demo.pools.launch_pools)
    assert steps[launch + 1] is demo.applications.load_applications
    assert steps[launch + 2] is demo.pools.pools_through_the_year
    assert steps.index(demo.servicing.load_servicing) > launch + 2


def _lowest_end_of_day_balance(session, ledger_account_id: int) -> Decimal:
    by_day: dict[dt.date, Decimal] = defaultdict(Decimal)
    for value_date, side, amount in session.execute(
        select(Posting.value_date, Posting.side, Posting.amount).where(
            Posting.account_id == ledger_account_id
        )
    ):
        by_day[value_date] += amount if side is Side.CREDIT else -amount
    running, lowest = Decimal("0.00"), Decimal("0.00")
    for day in sorted(by_day):
        running += by_day[day]
        lowest = min(lowest, running)
    return lowest


@pytest.mark.slow
def test_the_demo_bank_has_pools_with_a_year_of_member_money(session, tmp_path):
    with clock.frozen(TODAY):
        context = demo.load(
            session,
            echo=lambda _text: None,
            statement_dir=str(tmp_path),
            upload_dir=str(tmp_path / "uploads"),
        )
    session.commit()
    opened_on = context.opened_on

    pools = {pool.code: pool for pool in session.scalars(select(Pool))}
    assert set(pools) == {"GRONDFONDS", "COOPSTART"}
    grond, start = pools["GRONDFONDS"], pools["COOPSTART"]
    assert grond.purposes == ["land_trust_purchase", "housing_coop"]
    assert start.purposes == ["coop_startup", "association"]
    assert (grond.margin_share, grond.target_return_annual, grond.first_loss_buffer) == (
        Decimal("0.25"),
        Decimal("0.03"),
        Decimal("100000.00"),
    )
    assert (start.margin_share, start.target_return_annual, start.first_loss_buffer) == (
        Decimal("0.30"),
        Decimal("0.035"),
        Decimal("75000.00"),
    )
    assert grond.notice_months == start.notice_months == 3

    # 60 to 80 members, subscribing 50.00 to 10 000.00 at dates spread over the year.
    participations = list(session.scalars(select(Participation)))
    assert 60 <= len({p.member_id for p in participations}) <= 80
    subscriptions = list(
        session.execute(
            select(Posting.amount, Posting.value_date)
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(JournalEntry.kind == "pool_subscription", Posting.side == Side.CREDIT)
        )
    )
    amounts = [amount for amount, _day in subscriptions]
    assert min(amounts) >= Decimal("50.00") and max(amounts) == Decimal("10000.00")
    months = {(day.year, day.month) for _amount, day in subscriptions}
    assert len(months) >= 10
    # No subscription made a member's account go below zero on any later day of its history.
    for participation in participations:
        account = session.get(DepositAccount, participation.deposit_account_id)
        assert _lowest_end_of_day_balance(session, account.ledger_account_id) >= 0, account.number

    # The pools held money before the first loans were paid out, and funded them.
    first_loan = session.scalar(select(func.min(Loan.disbursed_on)))
    early = [p for p in participations if p.opened_on < first_loan]
    assert len(early) >= 25 and all(p.opened_on >= opened_on for p in participations)
    fundings = {f.loan_id: f for f in session.scalars(select(LoanFunding))}
    funded_purposes = {session.get(Loan, loan_id).purpose.value for loan_id in fundings}
    assert {"coop_startup", "land_trust_purchase"} <= funded_purposes

    # The written-off co-op loan was the Startfonds' in part: its loss went to the buffer.
    written_off = session.scalar(select(Loan).where(Loan.status == LoanStatus.WRITTEN_OFF))
    assert written_off.id in fundings and fundings[written_off.id].pool_id == start.id
    loss = session.scalar(select(Loss).where(Loss.loan_id == written_off.id))
    assert loss.loss_amount > 0 and loss.absorbed_by_buffer == loss.loss_amount
    assert loss.absorbed_by_participants == Decimal("0.00") and loss.buffer_entry_id is not None

    # The close days distributed every ended quarter once per pool, after the first loans.
    distributions = list(session.scalars(select(Distribution).order_by(Distribution.quarter_end)))
    quarter_ends = {d.quarter_end for d in distributions}
    assert {dt.date(2026, 3, 31), dt.date(2026, 6, 30), dt.date(2026, 9, 30)} <= quarter_ends
    paid = [d for d in distributions if d.amount_distributed > 0]
    assert {d.pool_id for d in paid} == {grond.id, start.id}
    for item in paid:
        assert item.amount_distributed + item.margin_amount == item.interest_collected
        assert item.entry_id is not None and item.participant_count > 0
    distribution_runs = session.scalars(
        select(Run).where(Run.job == RunJob.POOL_DISTRIBUTION, Run.progress_done > 0)
    ).all()
    assert sum(run.amount_out for run in distribution_runs) == sum(d.amount_distributed for d in paid)

    # One withdrawal paid after its notice by the close day, a full exit, one still waiting.
    requests = list(session.scalars(select(WithdrawalRequest).order_by(WithdrawalRequest.requested_on)))
    statuses = [r.status for r in requests]
    assert statuses.count(WithdrawalStatus.PAID) == 2 and statuses[-1] is WithdrawalStatus.WAITING
    for request in requests[:2]:
        assert request.paid_on >= request.payable_from
        withdrawal_run = session.scalar(
            select(Run).where(Run.job == RunJob.POOL_WITHDRAWALS, Run.business_date == request.paid_on)
        )
        assert withdrawal_run.status is RunStatus.COMPLETED and withdrawal_run.items_done >= 1
    assert requests[-1].payable_from > TODAY

    # Members with a portal log-in find their pools there.
    portal_members = set(
        session.scalars(select(User.member_id).where(User.role == "member", User.password_hash != ""))
    )
    assert len(portal_members & {p.member_id for p in participations}) >= 3

    session.expire_all()
    assert ledger_queries.verify(session) == []
