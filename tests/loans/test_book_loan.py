"""book_loan: a loan, its ledger accounts and its stored schedule are born together."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from savings import factories
from sqlalchemy import select

from bank.errors import ValidationError
from bank.ledger import queries as ledger_queries
from bank.loans.models import Instalment, LoanStatus
from bank.loans.service import book_loan

from .product_factories import fixed_fee, make_loan_product


@pytest.fixture
def borrower_setup(session, actor):
    member = factories.coop_bakery(session)
    product = factories.product(session, code="WIJK")
    account = factories.account(session, member, product, opened_on=dt.date(2026, 1, 1))
    loan_product = make_loan_product(
        session, name_en="Co-op start loan", rate_annual=Decimal("0.12"), **fixed_fee("50.00")
    )
    return member, account, loan_product


def test_booking_a_loan_posts_principal_and_fee_and_stores_the_schedule(session, actor, borrower_setup):
    member, account, product = borrower_setup
    loan = book_loan(
        session,
        borrower=member,
        product=product,
        principal=Decimal("24000.00"),
        term_periods=36,
        disbursed_on=dt.date(2026, 3, 31),
        repayment_account=account,
        actor=actor,
        key="application-1",
    )
    assert loan.number == "WL-2026-0001"
    assert loan.status is LoanStatus.ACTIVE
    instalments = session.scalars(
        select(Instalment).where(Instalment.loan_id == loan.id).order_by(Instalment.number)
    ).all()
    assert len(instalments) == 36
    assert sum(i.principal_due for i in instalments) == Decimal("24000.00")
    # Month-end clipping from 31 March: 30 April, 31 May ...
    assert [i.due_on for i in instalments[:2]] == [dt.date(2026, 4, 30), dt.date(2026, 5, 31)]
    assert instalments[0].interest_due == Decimal("240.00")
    # The borrower received the principal less the fee; the loan account holds the principal.
    assert ledger_queries.balance(session, account.ledger_account_id) == Decimal("23950.00")
    assert ledger_queries.balance(session, loan.principal_account_id) == Decimal("24000.00")
    assert ledger_queries.verify(session) == []
    # The same key books nothing more.
    again = book_loan(
        session,
        borrower=member,
        product=product,
        principal=Decimal("24000.00"),
        term_periods=36,
        disbursed_on=dt.date(2026, 3, 31),
        repayment_account=account,
        actor=actor,
        key="application-1",
    )
    assert again.id == loan.id
    assert ledger_queries.balance(session, account.ledger_account_id) == Decimal("23950.00")


def test_bounds_of_the_product_are_named(session, actor, borrower_setup):
    member, account, product = borrower_setup
    with pytest.raises(ValidationError) as refused:
        book_loan(
            session,
            borrower=member,
            product=product,
            principal=Decimal("80000.00"),
            term_periods=100,
            disbursed_on=dt.date(2026, 3, 31),
            repayment_account=account,
            actor=actor,
            key="application-2",
        )
    assert refused.value.fields == {
        "principal": "must be between 5000.00 and 75000.00 for COOP-START",
        "term": "must be between 24 and 84 months for COOP-START",
    }
