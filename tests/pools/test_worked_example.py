"""Worked example: a pool over four quarters of 2027, through the real close-day runs.

The Coöp Startfonds keeps a 25 % margin and has a first-loss buffer of 150.00 from the
municipality's seed capital.

* Anna subscribes 2000.00 on 4 January, Bram 1000.00 on 15 February.
* 1 March: a 4000.00 co-op loan (12 % a year, interest only, monthly) is disbursed; the pool
  lends all it has, 3000.00, so it carries 3/4 of the loan. Interest: 40.00 a month.
* Q1: nothing collected yet -> a distribution of 0.00 on 1 April (no entry).
* Cara subscribes 500.00 on 17 May. Bram asks on 10 May to take 400.00 out; three months'
  notice -> paid on 10 August by the close-day run (the pool has 500.00 uncommitted).
* Q2 (91 days): collected 1 April, 3 May (1 May is a Saturday), 1 June: 120.00; the pool's
  3/4 = 90.00; margin 22.50; 67.50 over cent-days
  Anna 200 000 x 91 = 18 200 000, Bram 100 000 x 91 = 9 100 000, Cara 50 000 x 45 = 2 250 000
  -> 41.573..., 20.786..., 5.139... -> 41.57, 20.79, 5.14 (the two cents to Cara and Bram).
* Q3 (92 days): 120.00 again -> 67.50 over Anna 18 400 000, Bram 9 200 000 - 40 000 x 52 =
  7 120 000, Cara 4 600 000 -> 41.235..., 15.956..., 10.308... -> 41.23, 15.96, 10.31.
* 1 October the Q4 interest (40.00) is collected; 15 October the loan is written off: 4000.00
  principal, the pool's 3/4 = 3000.00: 150.00 from the buffer, 2850.00 from the members pro
  rata 2000 : 600 : 500 -> 1838.709..., 551.612..., 459.677... -> 1838.71, 551.61, 459.68.
* Q4 (92 days): 40.00 x 3/4 = 30.00, margin 7.50, 22.50 over Anna 200 000 x 92 - 183 871 x 78 =
  4 058 062, Bram 60 000 x 92 - 55 161 x 78 = 1 217 442, Cara 50 000 x 92 - 45 968 x 78 =
  1 014 496 -> 14.516..., 4.354..., 3.629... -> 14.52, 4.35, 3.63; paid on 3 January 2028.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from loans.servicing.conftest import make_loan_product
from sqlalchemy import func, select

from bank import clock
from bank import day as business_day
from bank.actor import Actor
from bank.approvals import service as approvals
from bank.errors import ValidationError
from bank.extensions import db
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger import service as ledger
from bank.ledger.models import JournalEntry
from bank.lending.disbursement import book_funded_loan
from bank.loans import servicing
from bank.loans.models import Instalment
from bank.loans.products_models import LoanPurpose
from bank.loans.schedule import Method
from bank.money import ZERO
from bank.pools import distribution as dist
from bank.pools import service as pools
from bank.pools.models import (
    Distribution,
    DistributionShare,
    LoanFunding,
    Loss,
    LossShare,
    WithdrawalRequest,
    WithdrawalStatus,
)

from .factories import SETUP, TELLER, borrower, investor, make_pool, put_in

D = dt.date


def close(session, *days: dt.date) -> None:
    session.commit()  # SQLite: no open transaction may hold the write lock
    for day in days:
        outcomes = business_day.close_day(db, day, started_by="test")
        assert all(outcome.run.status.value == "completed" for outcome in outcomes), day
    session.expire_all()


def money_of(session, account_id: int) -> Decimal:
    return ledger_queries.balance(session, account_id)


def code_balance(session, code: str) -> Decimal:
    return money_of(session, ledger.account_by_code(session, code).id)


def quarter(session, pool, quarter_end: dt.date) -> tuple[Distribution, dict[int, Decimal]]:
    row = session.scalar(
        select(Distribution).where(Distribution.pool_id == pool.id, Distribution.quarter_end == quarter_end)
    )
    assert row is not None, quarter_end
    shares = {
        share.participation_id: share.amount
        for share in session.scalars(
            select(DistributionShare).where(DistributionShare.distribution_id == row.id)
        )
    }
    return row, shares


def test_a_year_of_a_pool_returns_a_withdrawal_and_a_write_off(session, make_user):
    pool = make_pool(session, first_loss_buffer=Decimal("150.00"))
    anna, anna_account = investor(session, "Anna", "Jansen", money="3000.00")
    bram, bram_account = investor(session, "Bram", "de Vries", money="1500.00")
    cara, cara_account = investor(session, "Cara", "Bakker", money="800.00")
    anna_part = put_in(session, pool, anna, anna_account, "2000.00", D(2027, 1, 4))
    bram_part = put_in(session, pool, bram, bram_account, "1000.00", D(2027, 2, 15))

    product = make_loan_product(
        session, code="T-BULLET", purpose=LoanPurpose.COOP_STARTUP, method=Method.BULLET, name_en="Bullet"
    )
    co_op, co_op_account = borrower(session, "Fietsenmakerij De Ketting", on=D(2027, 2, 1))
    loan = book_funded_loan(
        session,
        borrower=co_op,
        product=product,
        principal=Decimal("4000.00"),
        term_periods=24,
        disbursed_on=D(2027, 3, 1),
        repayment_account=co_op_account,
        actor=SETUP,
        key="worked-example-loan",
    )
    funding = session.scalar(select(LoanFunding).where(LoanFunding.loan_id == loan.id))
    assert (funding.amount_funded, funding.loan_principal) == (Decimal("3000.00"), Decimal("4000.00"))
    first_year = session.scalars(
        select(Instalment.interest_due)
        .where(Instalment.loan_id == loan.id)
        .order_by(Instalment.number)
        .limit(9)
    ).all()
    assert first_year == [Decimal("40.00")] * 9

    # Q1: nothing collected yet; the quarter is recorded without an entry.
    close(session, D(2027, 4, 1))
    q1, q1_shares = quarter(session, pool, D(2027, 3, 31))
    assert (q1.interest_collected, q1.amount_distributed, q1.entry_id, q1_shares) == (ZERO, ZERO, None, {})

    bram_out = pools.request_withdrawal(
        session,
        participation=bram_part,
        amount=Decimal("400.00"),
        key="bram-out",
        actor=TELLER,
        on=D(2027, 5, 10),
    )
    assert bram_out.payable_from == D(2027, 8, 10)
    close(session, D(2027, 5, 3))
    cara_part = put_in(session, pool, cara, cara_account, "500.00", D(2027, 5, 17))
    close(session, D(2027, 6, 1), D(2027, 7, 1))

    q2, q2_shares = quarter(session, pool, D(2027, 6, 30))
    assert (q2.interest_collected, q2.margin_amount, q2.amount_distributed, q2.distributed_on) == (
        Decimal("90.00"),
        Decimal("22.50"),
        Decimal("67.50"),
        D(2027, 7, 1),
    )
    assert q2_shares == {
        anna_part.id: Decimal("41.57"),
        bram_part.id: Decimal("20.79"),
        cara_part.id: Decimal("5.14"),
    }
    weights = dict(
        session.execute(
            select(DistributionShare.participation_id, DistributionShare.weight_cent_days).where(
                DistributionShare.distribution_id == q2.id
            )
        ).all()
    )
    assert weights == {anna_part.id: 18_200_000, bram_part.id: 9_100_000, cara_part.id: 2_250_000}

    close(session, D(2027, 8, 2), D(2027, 8, 10))
    paid = session.get(WithdrawalRequest, bram_out.id)
    assert (paid.status, paid.paid_on) == (WithdrawalStatus.PAID, D(2027, 8, 10))
    close(session, D(2027, 9, 1), D(2027, 10, 1))

    q3, q3_shares = quarter(session, pool, D(2027, 9, 30))
    assert (q3.interest_collected, q3.margin_amount, q3.amount_distributed) == (
        Decimal("90.00"),
        Decimal("22.50"),
        Decimal("67.50"),
    )
    assert q3_shares == {
        anna_part.id: Decimal("41.23"),
        bram_part.id: Decimal("15.96"),
        cara_part.id: Decimal("10.31"),
    }

    # 15 October: the co-op fails; an admin proposes the write-off, a second admin carries it out.
    session.commit()
    proposer, second = make_user("admin"), make_user("admin")
    with clock.frozen(D(2027, 10, 15)):
        approval = servicing.request_write_off(
            session,
            loan,
            reason="Bankruptcy of the co-op",
            key="w",
            actor=Actor(user_id=proposer.id, label=proposer.email, role="admin"),
        )
        session.commit()
        approvals.approve(session, approval, actor=Actor(user_id=second.id, label=second.email, role="admin"))
        session.commit()
    loss = session.scalar(select(Loss).where(Loss.loan_id == loan.id))
    assert (loss.loss_amount, loss.absorbed_by_buffer, loss.absorbed_by_participants, loss.occurred_on) == (
        Decimal("3000.00"),
        Decimal("150.00"),
        Decimal("2850.00"),
        D(2027, 10, 15),
    )
    loss_shares = dict(
        session.execute(
            select(LossShare.participation_id, LossShare.amount).where(LossShare.loss_id == loss.id)
        ).all()
    )
    assert loss_shares == {
        anna_part.id: Decimal("1838.71"),
        bram_part.id: Decimal("551.61"),
        cara_part.id: Decimal("459.68"),
    }

    close(session, D(2028, 1, 3))
    q4, q4_shares = quarter(session, pool, D(2027, 12, 31))
    assert (q4.interest_collected, q4.margin_amount, q4.amount_distributed, q4.distributed_on) == (
        Decimal("30.00"),
        Decimal("7.50"),
        Decimal("22.50"),
        D(2028, 1, 3),
    )
    assert q4_shares == {
        anna_part.id: Decimal("14.52"),
        bram_part.id: Decimal("4.35"),
        cara_part.id: Decimal("3.63"),
    }

    # Where everyone ends.
    assert money_of(session, anna_account.ledger_account_id) == Decimal("1097.32")  # 3000 - 2000 + 97.32
    assert money_of(session, bram_account.ledger_account_id) == Decimal("941.10")  # 1500 - 1000 + 400 + 41.10
    assert money_of(session, cara_account.ledger_account_id) == Decimal("319.08")  # 800 - 500 + 19.08
    assert money_of(session, anna_part.ledger_account_id) == Decimal("161.29")
    assert money_of(session, bram_part.ledger_account_id) == Decimal("48.39")
    assert money_of(session, cara_part.ledger_account_id) == Decimal("40.32")
    assert code_balance(session, chart.SEED_CAPITAL) == ZERO  # the 150.00 buffer is spent
    assert code_balance(session, chart.IMPAIRMENT_EXPENSE) == Decimal("1000.00")  # the bank's own quarter
    assert code_balance(session, chart.POOL_RETURNS_EXPENSE) == Decimal("157.50")
    assert ledger_queries.verify(session) == []
    trial = ledger_queries.trial_balance(session)
    assert sum((row.debit_total for row in trial), ZERO) == sum((row.credit_total for row in trial), ZERO)

    # Run again for a quarter already paid: refused, nothing written.
    entries = session.scalar(select(func.count()).select_from(JournalEntry))
    with pytest.raises(ValidationError, match="already distributed on 2027-10-01"):
        dist.distribute_quarter(session, pool, D(2027, 9, 30), actor=SETUP, today=D(2028, 1, 4))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == entries
    close(session, D(2028, 1, 4))  # the next day's run distributes nothing more
    assert session.scalar(select(func.count()).select_from(Distribution)) == 4
