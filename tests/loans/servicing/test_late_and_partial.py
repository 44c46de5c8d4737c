"""Worked examples: a late payer (late fee, penalty interest, arrears) and a partial payer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.service import account_by_code
from bank.loans import queries
from bank.loans.models import InstalmentStatus, LoanStatus
from bank.runs.models import Run, RunJob

from .conftest import make_loan_product

D = dt.date


def _spent(bank, account, loan):
    """The borrower spends the loan: the account is empty when the first instalment falls due."""
    bank.withdraw(account, str(bank.balance(account.ledger_account_id)), D(2026, 1, 16))


def test_late_payer_pays_fee_and_penalty_then_catches_up_and_pays_off(bank):
    member, account = bank.borrower()
    loan = bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    _spent(bank, account, loan)
    total_interest = sum(i.interest_due for i in bank.instalments(loan))

    # Due Sunday 15 February, collected from Monday the 16th; nothing there until the 25th.
    bank.close_days(D(2026, 1, 16), D(2026, 2, 24))
    first = bank.instalments(loan)[0]
    assert first.status is InstalmentStatus.OPEN
    assert first.interest_due == Decimal("120.00") and first.principal_due == Decimal("946.19")
    # Penalty 3.65 % a year on 946.19 overdue: 0.09 a day, rounded per run:
    # 17, 18, 19, 20 Feb one day each (0.09), the 23rd three days (0.28), the 24th (0.09).
    assert first.penalties_due == Decimal("0.82") - Decimal("0.09")
    # The late fee once, on the first run more than 5 days after the due date (23 Feb).
    assert first.fees_due == Decimal("15.00")
    assert first.late_fee_charged_on == D(2026, 2, 23)
    overdue = queries.arrears(bank.session, D(2026, 2, 24))[loan.id]
    assert overdue.days_past_due == 9 and overdue.bucket == "1-30"
    assert overdue.amount_overdue == Decimal("1066.19") + Decimal("15.00") + Decimal("0.73")
    run = bank.session.scalar(
        select(Run).where(Run.job == RunJob.REPAYMENTS, Run.business_date == D(2026, 2, 24))
    )
    assert [(s.loan_id, s.amount_collected, s.days_past_due) for s in run.shortfalls] == [
        (loan.id, Decimal("0.00"), 9)
    ]
    assert run.collected_nothing_count == 1

    bank.deposit(account, "1100.00", D(2026, 2, 25))
    bank.close_days(D(2026, 2, 25), D(2026, 2, 25))
    first = bank.instalments(loan)[0]
    assert first.status is InstalmentStatus.PAID and first.paid_on == D(2026, 2, 25)
    assert first.penalties_due == Decimal("0.82") and first.fees_due == Decimal("15.00")
    assert bank.balance(account.ledger_account_id) == Decimal("1100.00") - Decimal("1082.01")
    assert queries.arrears(bank.session, D(2026, 2, 26)) == {}

    # From March on the borrower pays on time.
    bank.deposit(account, "12000.00", D(2026, 3, 1))
    bank.close_days(D(2026, 2, 26), D(2027, 1, 20))
    assert all(i.status is InstalmentStatus.PAID for i in bank.instalments(loan))
    bank.session.refresh(loan)
    assert loan.status is LoanStatus.PAID_OFF
    assert bank.balance(account.ledger_account_id) == Decimal("13100.00") - Decimal(
        "12000.00"
    ) - total_interest - Decimal("15.82")
    fee_income = account_by_code(bank.session, chart.FEE_INCOME)
    assert ledger_queries.balance(bank.session, fee_income.id) == Decimal("15.82")
    assert bank.balance(loan.fees_account_id) == Decimal("0.00")
    bank.verify()


def test_partial_payer_pays_interest_first_and_the_rest_stays_due(bank):
    member, account = bank.borrower()
    loan = bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    _spent(bank, account, loan)
    bank.deposit(account, "500.00", D(2026, 2, 10))
    bank.close_days(D(2026, 1, 16), D(2026, 2, 16))
    first = bank.instalments(loan)[0]
    # Allocation penalties -> fees -> interest -> principal: 120.00 interest, 380.00 principal.
    assert (first.interest_paid, first.principal_paid) == (Decimal("120.00"), Decimal("380.00"))
    assert first.status is InstalmentStatus.OPEN
    run = bank.session.scalar(
        select(Run).where(Run.job == RunJob.REPAYMENTS, Run.business_date == D(2026, 2, 16))
    )
    assert run.collected_partial_count == 1
    assert (run.amount_due, run.amount_collected) == (Decimal("1066.19"), Decimal("500.00"))

    bank.deposit(account, "600.00", D(2026, 2, 17))
    bank.close_days(D(2026, 2, 17), D(2026, 2, 17))
    first = bank.instalments(loan)[0]
    # One day of penalty on 566.19 overdue principal: 0.06; collected first, then the principal.
    assert first.penalties_due == first.penalties_paid == Decimal("0.06")
    assert first.status is InstalmentStatus.PAID and first.fees_due == Decimal("0.00")
    assert bank.balance(account.ledger_account_id) == Decimal("1100.00") - Decimal("1066.25")
    assert bank.balance(loan.principal_account_id) == Decimal("12000.00") - Decimal("946.19")
    assert bank.balance(loan.fees_account_id) == Decimal("0.00")
    bank.verify()


def test_collection_follows_the_products_allocation_order(bank):
    product = make_loan_product(
        bank.session, code="PRINCIPAL-FIRST", allocation_order="principal,interest,fees,penalties"
    )
    bank.session.commit()
    member, account = bank.borrower()
    loan = bank.book(member, account, "12000.00", 12, D(2026, 1, 15), product=product)
    _spent(bank, account, loan)
    bank.deposit(account, "1000.00", D(2026, 2, 10))
    bank.close_days(D(2026, 1, 16), D(2026, 2, 16))
    first = bank.instalments(loan)[0]
    assert (first.principal_paid, first.interest_paid) == (Decimal("946.19"), Decimal("53.81"))
    bank.verify()
