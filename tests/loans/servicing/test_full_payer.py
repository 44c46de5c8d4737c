"""Worked example: a borrower who always pays on time, over the whole life of the loan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.service import account_by_code
from bank.loans.models import InstalmentStatus, LoanStatus


def test_full_payer_pays_every_instalment_and_the_loan_pays_itself_off(bank):
    member, account = bank.borrower()
    bank.deposit(account, "20000.00", dt.date(2026, 1, 5))
    loan = bank.book(member, account, "12000.00", 12, dt.date(2026, 1, 15))
    schedule = bank.instalments(loan)
    total_interest = sum(i.interest_due for i in schedule)
    # 12 % a year, annuity over 12 months: 1066.19 a month, the last one absorbs the rounding.
    assert schedule[0].principal_due + schedule[0].interest_due == Decimal("1066.19")
    assert schedule[0].interest_due == Decimal("120.00")

    bank.close_days(dt.date(2026, 1, 16), dt.date(2027, 1, 20))

    instalments = bank.instalments(loan)
    assert all(i.status is InstalmentStatus.PAID for i in instalments)
    assert all(i.fees_due == 0 and i.penalties_due == 0 for i in instalments)
    # 15 February 2026 is a Sunday: collected on Monday the 16th, the interest unchanged.
    assert instalments[0].paid_on == dt.date(2026, 2, 16)
    assert instalments[0].interest_due == Decimal("120.00")
    bank.session.refresh(loan)
    assert loan.status is LoanStatus.PAID_OFF
    assert loan.closed_on == instalments[-1].paid_on
    assert bank.balance(loan.principal_account_id) == Decimal("0.00")
    assert bank.balance(loan.interest_account_id) == Decimal("0.00")
    assert bank.balance(loan.fees_account_id) == Decimal("0.00")
    # 20 000 deposited + 12 000 disbursed - principal - interest.
    assert (
        bank.balance(account.ledger_account_id) == Decimal("32000.00") - Decimal("12000.00") - total_interest
    )
    income = account_by_code(bank.session, chart.INTEREST_INCOME)
    assert ledger_queries.balance(bank.session, income.id) == total_interest
    bank.verify()
