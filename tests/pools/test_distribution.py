"""Quarterly distributions: what counts as collected interest, daily weights, the split, refusals.

Interest is collected here by posting the servicing entries directly (accrual, then a
``loan_collection``), so each case controls exactly what lands on the loan's interest account;
the worked example (test_worked_example.py) collects it through the real close-day runs.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bank.errors import ValidationError
from bank.ledger import chart
from bank.ledger import service as ledger
from bank.ledger.models import JournalEntry
from bank.ledger.service import credit, debit
from bank.loans.models import Loan
from bank.money import ZERO, split
from bank.pools import distribution as dist
from bank.pools.models import Distribution, DistributionShare, LoanFunding
from bank.savings import service as savings

from .factories import (
    ADMIN,
    SETUP,
    TELLER,
    balance,
    disburse_pool_loan,
    investor,
    make_pool,
    put_in,
)

_key = itertools.count(1)
Q1_END = dt.date(2027, 3, 31)


def collect_interest(session, loan: Loan, amount: str, on: dt.date, kind: str = "loan_collection") -> int:
    """Accrue ``amount`` of interest and collect it from the borrower's repayment account."""
    value = Decimal(amount)
    savings.deposit(
        session, loan.repayment_account, value, key=f"coll-dep-{next(_key)}", actor=TELLER, value_date=on
    )
    income = ledger.account_by_code(session, chart.INTEREST_INCOME).id
    ledger.post(
        session,
        f"test-accrue:{next(_key)}",
        "loan_interest_accrual",
        [debit(loan.interest_account_id, value), credit(income, value)],
        on,
        SETUP,
    )
    entry = ledger.post(
        session,
        f"test-collect:{next(_key)}",
        kind,
        [debit(loan.repayment_account.ledger_account_id, value), credit(loan.interest_account_id, value)],
        on,
        SETUP,
    )
    return entry.id


def entry_count(session) -> int:
    return session.scalar(select(func.count()).select_from(JournalEntry))


@pytest.fixture
def q1(session):
    """Anna 600.00 from 1 January, Bram 300.00 from 15 February; a 1800.00 loan, half the pool's."""
    pool = make_pool(session)
    anna, anna_account = investor(session, "Anna", "Jansen", money="1000.00")
    bram, bram_account = investor(session, "Bram", "de Vries", money="1000.00")
    anna_part = put_in(session, pool, anna, anna_account, "600.00", dt.date(2027, 1, 1))
    bram_part = put_in(session, pool, bram, bram_account, "300.00", dt.date(2027, 2, 15))
    loan = disburse_pool_loan(session, on=dt.date(2027, 2, 16), principal="1800.00")
    funding = session.scalar(select(LoanFunding).where(LoanFunding.loan_id == loan.id))
    assert funding is not None and funding.amount_funded == Decimal("900.00")
    session.commit()
    return {
        "pool": pool,
        "loan": loan,
        "anna": (anna_part, anna_account),
        "bram": (bram_part, bram_account),
    }


# ---------------------------------------------------------------------------------------------
# Quarters


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (dt.date(2027, 3, 31), True),
        (dt.date(2027, 6, 30), True),
        (dt.date(2027, 9, 30), True),
        (dt.date(2027, 12, 31), True),
        (dt.date(2027, 3, 30), False),
        (dt.date(2027, 4, 30), False),
        (dt.date(2028, 2, 29), False),
        (dt.date(2027, 6, 1), False),
    ],
)
def test_is_quarter_end(day, expected):
    assert dist.is_quarter_end(day) is expected


def test_quarter_bounds_and_the_latest_quarter_end_before_a_day():
    assert dist.quarter_bounds(dt.date(2027, 3, 31)) == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    assert dist.quarter_bounds(dt.date(2027, 12, 31)) == (dt.date(2027, 10, 1), dt.date(2027, 12, 31))
    with pytest.raises(ValidationError) as error:
        dist.quarter_bounds(dt.date(2027, 3, 30))
    assert error.value.fields == {
        "quarter_end": "must be the last day of a quarter (31 March, 30 June, 30 September or 31 December)"
    }
    assert dist.latest_quarter_end_before(dt.date(2027, 4, 1)) == dt.date(2027, 3, 31)
    assert dist.latest_quarter_end_before(dt.date(2027, 3, 31)) == dt.date(2026, 12, 31)
    assert dist.latest_quarter_end_before(dt.date(2027, 1, 1)) == dt.date(2026, 12, 31)
    assert dist.latest_quarter_end_before(dt.date(2027, 12, 31)) == dt.date(2027, 9, 30)
    assert dist.latest_quarter_end_before(dt.date(2028, 1, 2)) == dt.date(2027, 12, 31)


# ---------------------------------------------------------------------------------------------
# What counts as collected


def test_only_collections_in_the_quarter_count_and_a_reversal_nets_out(session, q1):
    loan = q1["loan"]
    collect_interest(session, loan, "20.00", dt.date(2027, 3, 1))
    collect_interest(session, loan, "4.00", dt.date(2027, 3, 5), kind="loan_payoff")
    reversed_id = collect_interest(session, loan, "7.00", dt.date(2027, 3, 10))
    ledger.reverse(
        session, reversed_id, reason="returned direct debit", actor=SETUP, value_date=dt.date(2027, 3, 12)
    )
    collect_interest(session, loan, "50.00", dt.date(2027, 4, 1))  # next quarter
    collect_interest(session, loan, "9.00", dt.date(2027, 3, 20), kind="loan_write_off")  # not collected
    session.commit()
    start, end = dist.quarter_bounds(Q1_END)
    # 24.00 collected net, the pool funded half.
    assert dist.interest_collected_for_pool(session, q1["pool"], start, end) == Decimal("12.00")
    assert dist.interest_collected_for_pool(
        session, q1["pool"], dt.date(2027, 4, 1), dt.date(2027, 6, 30)
    ) == Decimal("25.00")


def test_the_pool_share_is_rounded_half_up_per_loan(session, q1):
    collect_interest(session, q1["loan"], "0.03", dt.date(2027, 3, 1))
    other = disburse_pool_loan(session, on=dt.date(2027, 3, 2), principal="1000.00")
    # Nothing left to lend after the first loan: the second is the bank's own.
    assert session.scalar(select(LoanFunding).where(LoanFunding.loan_id == other.id)) is None
    collect_interest(session, other, "5.00", dt.date(2027, 3, 3))
    session.commit()
    # 0.03 / 2 = 0.015 -> 0.02.
    assert dist.interest_collected_for_pool(session, q1["pool"], *dist.quarter_bounds(Q1_END)) == Decimal(
        "0.02"
    )


# ---------------------------------------------------------------------------------------------
# The distribution


def test_daily_weighted_split_to_the_cent(session, q1):
    collect_interest(session, q1["loan"], "33.35", dt.date(2027, 3, 16))
    session.commit()
    anna_part, anna_account = q1["anna"]
    bram_part, bram_account = q1["bram"]
    anna_before = balance(session, anna_account.ledger_account_id)
    bram_before = balance(session, bram_account.ledger_account_id)

    run = dist.distribute_quarter(session, q1["pool"], Q1_END, actor=ADMIN, today=dt.date(2027, 4, 1))
    session.commit()

    # Pool's share 33.35 / 2 = 16.675 -> 16.68; margin 25 % = 4.17; distributable 12.51.
    assert (run.interest_collected, run.margin_amount, run.amount_distributed) == (
        Decimal("16.68"),
        Decimal("4.17"),
        Decimal("12.51"),
    )
    assert run.participant_count == 2
    assert run.distributed_on == dt.date(2027, 4, 1)
    # Anna 60 000 cents x 90 days; Bram 30 000 cents x 45 days (15 Feb - 31 Mar): 4 : 1.
    # 12.51 x 4/5 = 10.008, x 1/5 = 2.502; the left-over cent goes to the larger remainder.
    shares = {
        row.participation_id: (row.weight_cent_days, row.amount)
        for row in session.scalars(
            select(DistributionShare).where(DistributionShare.distribution_id == run.id)
        )
    }
    assert shares == {
        anna_part.id: (5_400_000, Decimal("10.01")),
        bram_part.id: (1_350_000, Decimal("2.50")),
    }
    assert balance(session, anna_account.ledger_account_id) - anna_before == Decimal("10.01")
    assert balance(session, bram_account.ledger_account_id) - bram_before == Decimal("2.50")
    entry = session.get(JournalEntry, run.entry_id)
    assert entry.idempotency_key == "pool-distribution:STARTFONDS:2027-03-31"
    assert entry.kind == "pool_distribution"
    assert entry.value_date == dt.date(2027, 4, 1)
    expense = ledger.account_by_code(session, chart.POOL_RETURNS_EXPENSE)
    assert balance(session, expense.id) == Decimal("12.51")


def test_a_withdrawal_in_the_quarter_weighs_until_its_value_date(session, q1):
    anna_part, anna_account = q1["anna"]
    # Anna takes 400.00 back on 1 March (booked as the withdrawal payout books it).
    ledger.post(
        session,
        "test-pool-withdrawal",
        "pool_withdrawal",
        [
            debit(anna_part.ledger_account_id, Decimal("400.00")),
            credit(anna_account.ledger_account_id, Decimal("400.00")),
        ],
        dt.date(2027, 3, 1),
        SETUP,
    )
    session.commit()
    weights = {
        row.participation_id: row.weight_cent_days
        for row in dist.participation_weights(session, q1["pool"], *dist.quarter_bounds(Q1_END))
    }
    # 60 000 x 90 - 40 000 x 31 (1 - 31 March) = 4 160 000.
    assert weights == {anna_part.id: 4_160_000, q1["bram"][0].id: 1_350_000}


def test_nothing_collected_records_the_quarter_without_an_entry(session, q1):
    before = entry_count(session)
    run = dist.distribute_quarter(session, q1["pool"], Q1_END, actor=ADMIN, today=dt.date(2027, 4, 2))
    session.commit()
    assert (run.interest_collected, run.margin_amount, run.amount_distributed, run.entry_id) == (
        ZERO,
        ZERO,
        ZERO,
        None,
    )
    assert entry_count(session) == before
    with pytest.raises(ValidationError, match="already distributed on 2027-04-02"):
        dist.distribute_quarter(session, q1["pool"], Q1_END, actor=ADMIN, today=dt.date(2027, 5, 1))


@pytest.mark.parametrize(
    ("quarter_end", "today", "message"),
    [
        (dt.date(2027, 3, 30), dt.date(2027, 4, 1), "must be the last day of a quarter"),
        (
            dt.date(2027, 3, 31),
            dt.date(2027, 3, 31),
            "has not ended yet; it can be distributed from 2027-04-01",
        ),
        (dt.date(2027, 6, 30), dt.date(2027, 4, 1), "the quarter ending 2027-06-30 has not ended yet"),
    ],
)
def test_bad_quarters_are_refused_and_nothing_is_written(session, q1, quarter_end, today, message):
    collect_interest(session, q1["loan"], "10.00", dt.date(2027, 3, 16))
    session.commit()
    before = entry_count(session)
    with pytest.raises(ValidationError, match=message) as error:
        dist.distribute_quarter(session, q1["pool"], quarter_end, actor=ADMIN, today=today)
    assert list(error.value.fields) == ["quarter_end"]
    session.rollback()
    assert entry_count(session) == before
    assert session.scalar(select(func.count()).select_from(Distribution)) == 0


def test_run_twice_is_refused_and_nothing_more_is_written(session, q1):
    collect_interest(session, q1["loan"], "10.00", dt.date(2027, 3, 16))
    dist.distribute_quarter(session, q1["pool"], Q1_END, actor=ADMIN, today=dt.date(2027, 4, 1))
    session.commit()
    before = entry_count(session)
    anna_balance = balance(session, q1["anna"][1].ledger_account_id)
    with pytest.raises(ValidationError) as error:
        dist.distribute_quarter(session, q1["pool"], Q1_END, actor=ADMIN, today=dt.date(2027, 4, 2))
    assert error.value.fields == {
        "quarter_end": "the quarter ending 2027-03-31 of pool STARTFONDS"
        " was already distributed on 2027-04-01"
    }
    session.rollback()
    assert entry_count(session) == before
    assert balance(session, q1["anna"][1].ledger_account_id) == anna_balance
    assert session.scalar(select(func.count()).select_from(Distribution)) == 1


def _empty_and_close(session, participation_account, amount: str) -> None:
    """Move what is left on the member's deposit account out, then close the account."""
    left = balance(session, participation_account.ledger_account_id)
    if left > 0:
        savings.withdraw(
            session,
            participation_account,
            left,
            key=f"empty-{next(_key)}",
            actor=TELLER,
            approval_threshold=None,
            value_date=dt.date(2027, 3, 20),
        )
    savings.close_account(session, participation_account, actor=TELLER, closed_on=dt.date(2027, 3, 20))


def test_a_closed_deposit_account_is_paid_to_the_members_other_open_account(session, q1):
    collect_interest(session, q1["loan"], "33.35", dt.date(2027, 3, 16))
    bram_part, bram_account = q1["bram"]
    _empty_and_close(session, bram_account, "700.00")
    other = savings.open_account(
        session, bram_part.member, bram_account.product, actor=SETUP, opened_on=dt.date(2027, 3, 21)
    )
    session.commit()
    dist.distribute_quarter(session, q1["pool"], Q1_END, actor=ADMIN, today=dt.date(2027, 4, 1))
    session.commit()
    assert balance(session, other.ledger_account_id) == Decimal("2.50")
    assert balance(session, bram_account.ledger_account_id) == ZERO


def test_a_member_with_no_open_account_stops_the_run_naming_them(session, q1):
    collect_interest(session, q1["loan"], "33.35", dt.date(2027, 3, 16))
    bram_part, bram_account = q1["bram"]
    _empty_and_close(session, bram_account, "700.00")
    session.commit()
    before = entry_count(session)
    with pytest.raises(
        ValidationError, match=rf"member {bram_part.member.number} \(de Vries, Bram\) has no open"
    ):
        dist.distribute_quarter(session, q1["pool"], Q1_END, actor=ADMIN, today=dt.date(2027, 4, 1))
    session.rollback()
    assert entry_count(session) == before
    assert session.scalar(select(func.count()).select_from(Distribution)) == 0


def test_distribute_due_takes_the_last_ended_quarter_of_pools_with_participants(session, q1):
    empty_pool = make_pool(session, code="GRONDFONDS", name="Grondfonds", purposes=["land_trust_purchase"])
    collect_interest(session, q1["loan"], "33.35", dt.date(2027, 3, 16))
    session.commit()
    assert dist.distribute_due(session, dt.date(2027, 3, 31), actor=ADMIN) == []  # Q4 2026: nobody yet
    runs = dist.distribute_due(session, dt.date(2027, 4, 1), actor=ADMIN)
    session.commit()
    assert [(r.pool_id, r.quarter_end, r.amount_distributed) for r in runs] == [
        (q1["pool"].id, Q1_END, Decimal("12.51"))
    ]
    assert empty_pool.id not in {r.pool_id for r in runs}
    assert dist.distribute_due(session, dt.date(2027, 4, 2), actor=ADMIN) == []


# ---------------------------------------------------------------------------------------------
# The arithmetic, for any weights and amounts

cents = st.integers(min_value=0, max_value=10**9)


@given(
    interest_cents=cents,
    margin_percent=st.integers(min_value=0, max_value=100),
    weights=st.lists(st.integers(min_value=0, max_value=10**13), min_size=1, max_size=60).filter(any),
)
def test_parts_always_sum_to_the_distributable_amount_and_none_is_negative(
    interest_cents, margin_percent, weights
):
    interest = Decimal(interest_cents) / 100
    margin, distributable, parts = dist.split_returns(interest, Decimal(margin_percent) / 100, weights)
    assert margin + distributable == interest
    assert ZERO <= margin <= interest
    assert sum(parts, ZERO) == distributable
    assert all(part >= 0 for part in parts)
    assert all(part == 0 for part, weight in zip(parts, weights, strict=True) if weight == 0)
    # Largest remainder: nobody is more than a cent away from their exact share.
    total_weight = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - distributable * weight / total_weight) < Decimal("0.01")


def test_nobody_to_pay_leaves_the_interest_with_the_bank():
    assert dist.split_returns(Decimal("12.34"), Decimal("0.25"), []) == (Decimal("12.34"), ZERO, [])
    assert split(Decimal("0.00"), [0, 0]) == [ZERO, ZERO]
