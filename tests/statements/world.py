"""A small bank with history, shared by the statement and report tests.

Built through the real services (members, savings, shares, loans, ledger), so every figure the
tests compare comes from postings the way production makes them.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

from loans.product_factories import fixed_fee, make_loan_product
from savings import factories
from savings.factories import deposit
from sqlalchemy.orm import Session

from bank.actor import Actor, system
from bank.ledger import chart
from bank.ledger import service as ledger
from bank.loans.models import Loan
from bank.loans.products_models import LoanProduct
from bank.loans.service import book_loan
from bank.members.models import Member
from bank.savings import service as savings
from bank.savings.models import DepositAccount, SavingsProduct
from bank.shares import service as shares

TELLER = Actor(user_id=None, label="system:test-teller", role="teller")
SETUP = system("test-setup")
_serial = itertools.count(1)


@dataclass
class World:
    product: SavingsProduct
    loan_product: LoanProduct
    anna: Member
    anna_account: DepositAccount
    bram: Member
    bram_account: DepositAccount
    coop: Member
    coop_account: DepositAccount
    loan: Loan


def withdraw(session: Session, account: DepositAccount, amount: str, on: dt.date) -> None:
    savings.withdraw(
        session,
        account,
        Decimal(amount),
        key=f"t-{next(_serial)}",
        actor=TELLER,
        approval_threshold=None,
        value_date=on,
    )


def transfer(
    session: Session, source: DepositAccount, target: DepositAccount, amount: str, on: dt.date
) -> None:
    savings.transfer(
        session,
        source,
        target,
        Decimal(amount),
        key=f"t-{next(_serial)}",
        actor=TELLER,
        value_date=on,
        description="Huur",
    )


def pay_interest(session: Session, account: DepositAccount, amount: str, on: dt.date) -> None:
    """Savings interest as the month-end run posts it: Dr 5000 / Cr the member's account."""
    expense = ledger.account_by_code(session, chart.SAVINGS_INTEREST_EXPENSE)
    ledger.post(
        session,
        f"test-interest:{account.id}:{on}",
        "savings_interest",
        [ledger.debit(expense, Decimal(amount)), ledger.credit(account.ledger_account_id, Decimal(amount))],
        on,
        SETUP,
        "Savings interest",
    )


def collect_instalment(session: Session, loan: Loan, number: int, on: dt.date) -> None:
    """Collect one instalment the way the repayment run does: accrue interest, then take the money."""
    instalment = next(i for i in loan.instalments if i.number == number)
    income = ledger.account_by_code(session, chart.INTEREST_INCOME)
    ledger.post(
        session,
        f"test-accrue:{instalment.id}",
        "interest_accrual",
        [
            ledger.debit(loan.interest_account_id, instalment.interest_due),
            ledger.credit(income, instalment.interest_due),
        ],
        instalment.due_on,
        SETUP,
        f"Interest {loan.number} #{number}",
    )
    ledger.post(
        session,
        f"test-collect:{instalment.id}",
        "loan_collection",
        [
            ledger.debit(loan.repayment_account.ledger_account_id, instalment.total_scheduled),
            ledger.credit(loan.interest_account_id, instalment.interest_due),
            ledger.credit(loan.principal_account_id, instalment.principal_due),
        ],
        on,
        SETUP,
        f"Instalment {number} of loan {loan.number}",
    )
    instalment.interest_paid = instalment.interest_due
    instalment.principal_paid = instalment.principal_due
    instalment.status = instalment.status.PAID
    instalment.paid_on = on
    session.flush()


def build(session: Session) -> World:
    """Anna (nl), Bram (en) and a co-op with a loan; history from January to October 2026."""
    product = factories.product(session)
    share_class = factories.share_class(session)
    anna = factories.member(session, last_name="Anna")
    bram = factories.member(session, last_name="Bram", language="en", postcode="1094 AB")
    coop = factories.coop_bakery(session)
    opened = dt.date(2026, 1, 2)
    anna_account = factories.account(session, anna, product, opened)
    bram_account = factories.account(session, bram, product, opened)
    coop_account = factories.account(session, coop, product, opened)
    deposit(session, anna_account, "1500.00", dt.date(2026, 1, 5), "Salaris")
    deposit(session, bram_account, "2500.00", dt.date(2026, 1, 6))
    deposit(session, coop_account, "3000.00", dt.date(2026, 1, 6))
    shares.issue_shares(
        session,
        anna,
        4,
        key=f"s-{next(_serial)}",
        actor=TELLER,
        paid_from=anna_account,
        share_class=share_class,
        value_date=dt.date(2026, 1, 7),
    )
    deposit(session, anna_account, "1234.56", dt.date(2026, 9, 15))
    withdraw(session, anna_account, "200.00", dt.date(2026, 10, 3))
    transfer(session, anna_account, bram_account, "45.50", dt.date(2026, 10, 10))
    deposit(session, anna_account, "10.01", dt.date(2026, 10, 31), "Teruggave")
    pay_interest(session, anna_account, "12.34", dt.date(2026, 6, 30))
    loan_product = make_loan_product(
        session,
        name_en="Co-op start loan",
        term_min_months=12,
        rate_annual=Decimal("0.06"),
        **fixed_fee("50.00"),
    )
    loan = book_loan(
        session,
        borrower=coop,
        product=loan_product,
        principal=Decimal("12000.00"),
        term_periods=24,
        disbursed_on=dt.date(2026, 3, 31),
        repayment_account=coop_account,
        actor=SETUP,
        key="test-loan-1",
    )
    session.refresh(loan)
    for number in (1, 2, 3, 4):
        collect_instalment(session, loan, number, loan.instalments[number - 1].due_on)
    return World(product, loan_product, anna, anna_account, bram, bram_account, coop, coop_account, loan)
