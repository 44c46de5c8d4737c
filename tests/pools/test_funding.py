"""Funding at disbursement: the pool of the loan's purpose carries what it can, no money moves."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from portal.world import collect
from sqlalchemy import func, select

from bank.loans.products_models import LoanPurpose
from bank.pools import queries, service
from bank.pools.funding import fund_loan
from bank.pools.models import LoanFunding

from .factories import (
    ADMIN,
    SETUP,
    TELLER,
    assert_books_balance,
    borrower,
    disburse_pool_loan,
    entry_count,
    investor,
    make_pool,
    participations_total,
    put_in,
)

JAN_10 = dt.date(2027, 1, 10)
FEB_1 = dt.date(2027, 2, 1)


def _pool_with(session, amount: str, **terms):
    pool = make_pool(session, **terms)
    member, account = investor(session, money=amount)
    put_in(session, pool, member, account, amount, JAN_10)
    return pool


def _fundings(session) -> int:
    return int(session.scalar(select(func.count()).select_from(LoanFunding)))


def test_the_pool_funds_up_to_its_uncommitted_capital_and_moves_no_money(session):
    pool = _pool_with(session, "3000.00")
    entries_before = entry_count(session)
    loan = disburse_pool_loan(session, on=FEB_1, principal="10000.00")
    session.commit()

    funding = session.scalar(select(LoanFunding).where(LoanFunding.loan_id == loan.id))
    assert (funding.pool_id, funding.amount_funded, funding.loan_principal, funding.funded_on) == (
        pool.id,
        Decimal("3000.00"),
        Decimal("10000.00"),
        FEB_1,
    )
    assert funding.share == Decimal("0.3")
    # Only the disbursement was posted (the test product has no fee); 2100 did not move.
    assert entry_count(session) == entries_before + 1
    assert participations_total(session) == Decimal("3000.00")
    assert queries.committed_capital(session, pool) == Decimal("3000.00")
    assert queries.uncommitted_capital(session, pool) == Decimal("0.00")

    # The next loan of the purpose finds nothing left: the bank's own funds carry all of it.
    second = disburse_pool_loan(session, on=dt.date(2027, 2, 2), principal="5000.00")
    assert fund_loan(session, second, actor=SETUP) is None
    assert _fundings(session) == 1
    assert_books_balance(session)


def test_a_small_loan_is_funded_whole_and_the_rest_stays_uncommitted(session):
    pool = _pool_with(session, "20000.00")
    loan = disburse_pool_loan(session, on=FEB_1, principal="5000.00")
    funding = fund_loan(session, loan, actor=SETUP)
    assert (funding.amount_funded, funding.share) == (Decimal("5000.00"), Decimal("1"))
    assert queries.uncommitted_capital(session, pool) == Decimal("15000.00")
    summary = queries.pool_summary(session, pool)
    assert (summary.capital, summary.committed, summary.uncommitted, summary.loans_funded_count) == (
        Decimal("20000.00"),
        Decimal("5000.00"),
        Decimal("15000.00"),
        1,
    )


def test_funding_is_recorded_once_per_loan(session):
    _pool_with(session, "3000.00")
    member_and_account = borrower(session)
    loan = disburse_pool_loan(
        session, on=FEB_1, principal="2000.00", key="L1", borrower_and_account=member_and_account
    )
    again = disburse_pool_loan(
        session, on=FEB_1, principal="2000.00", key="L1", borrower_and_account=member_and_account
    )
    assert again.id == loan.id
    first = fund_loan(session, loan, actor=SETUP)
    assert fund_loan(session, loan, actor=SETUP).id == first.id
    assert _fundings(session) == 1


def test_no_pool_for_the_purpose_funds_nothing(session):
    _pool_with(session, "3000.00")  # funds co-op startups only
    loan = disburse_pool_loan(session, on=FEB_1, principal="5000.00", purpose=LoanPurpose.ASSOCIATION)
    assert fund_loan(session, loan, actor=SETUP) is None
    assert _fundings(session) == 0


def test_a_closed_pool_funds_no_new_loans(session):
    pool = _pool_with(session, "3000.00")
    service.close_pool(session, pool, actor=ADMIN)
    disburse_pool_loan(session, on=FEB_1, principal="5000.00")
    assert _fundings(session) == 0


def test_a_pool_funds_each_of_its_purposes(session):
    pool = _pool_with(session, "6000.00", code="GRONDFONDS", purposes=("land_trust_purchase", "housing_coop"))
    disburse_pool_loan(session, on=FEB_1, principal="4000.00", purpose=LoanPurpose.LAND_TRUST_PURCHASE)
    disburse_pool_loan(session, on=FEB_1, principal="4000.00", purpose=LoanPurpose.HOUSING_COOP)
    assert sorted(f.amount_funded for f in session.scalars(select(LoanFunding))) == [
        Decimal("2000.00"),
        Decimal("4000.00"),
    ]
    assert queries.uncommitted_capital(session, pool) == Decimal("0.00")


def test_withdrawals_past_their_notice_come_before_new_loans(session):
    pool = make_pool(session)
    anna, anna_account = investor(session, money="1000.00")
    bram, bram_account = investor(session, "Bram", "de Vries", money="1000.00")
    anna_part = put_in(session, pool, anna, anna_account, "1000.00", JAN_10)
    put_in(session, pool, bram, bram_account, "1000.00", JAN_10)
    due = service.request_withdrawal(
        session, participation=anna_part, amount="400.00", key="w1", actor=TELLER, on=dt.date(2027, 1, 15)
    )
    assert due.payable_from == dt.date(2027, 4, 15)
    # Asked, but not yet due on the day of the loan: it does not hold money back yet.
    assert queries.lendable_capital(session, pool, on=dt.date(2027, 4, 14)) == Decimal("2000.00")
    loan = disburse_pool_loan(session, on=dt.date(2027, 4, 15), principal="10000.00")
    funding = session.scalar(select(LoanFunding).where(LoanFunding.loan_id == loan.id))
    assert funding.amount_funded == Decimal("1600.00")
    assert queries.uncommitted_capital(session, pool) == Decimal("400.00")
    assert service.pay_due_withdrawals(session, dt.date(2027, 4, 15), actor=ADMIN).paid_count == 1
    assert queries.uncommitted_capital(session, pool) == Decimal("0.00")
    assert_books_balance(session)


def test_committed_capital_falls_as_principal_is_repaid(session):
    pool = _pool_with(session, "3000.00")
    loan = disburse_pool_loan(session, on=FEB_1, principal="10000.00")
    # 10 000 over 24 months at 12 %: the first instalment of 470.73 repays 370.73 of principal.
    repayment_account = loan.repayment_account
    from .factories import deposit

    deposit(session, repayment_account, "470.73", dt.date(2027, 3, 1))
    collect(session, loan, 1)
    assert loan.instalments[0].principal_due == Decimal("370.73")
    # 0.3 × 9 629.27 = 2 888.781, half-up to the cent per loan.
    assert queries.committed_capital(session, pool) == Decimal("2888.78")
    assert queries.uncommitted_capital(session, pool) == Decimal("111.22")
    # As of a date before the collection the whole share was still out.
    assert queries.committed_capital(session, pool, on=dt.date(2027, 2, 28)) == Decimal("3000.00")
    assert queries.committed_capital(session, pool, on=dt.date(2027, 1, 31)) == Decimal("0.00")
    assert_books_balance(session)
