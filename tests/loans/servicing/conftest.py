"""A small bank for servicing stories: borrowers with accounts, a loan product, helpers to run days.

"Today" is pinned (``clock.frozen``) after every date the stories use, so deposits and runs
with past value dates are allowed; a run is started exactly as the command starts it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import clock
from bank import day as business_day
from bank.actor import Actor
from bank.extensions import db
from bank.ledger import queries as ledger_queries
from bank.loans import jobs as loan_jobs
from bank.loans.models import Instalment, InstalmentStatus, Loan
from bank.loans.products_models import LoanProduct
from bank.loans.service import book_loan
from bank.members import service as members
from bank.savings import service as savings
from bank.savings.models import DepositAccount

from .. import product_factories
from ..product_factories import fixed_fee

TODAY = dt.date(2028, 6, 15)
IBAN = "NL91ABNA0417164300"
_kvk = itertools.count(12345678)
_key = itertools.count(1)


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@dataclass
class Bank:
    session: Session
    actor: Actor
    savings_product: object
    loan_product: LoanProduct

    def borrower(self, name: str = "Bakkerij De Korenschoof", opened_on: dt.date = dt.date(2026, 1, 1)):
        member = members.register_organisation(
            self.session,
            actor=self.actor,
            legal_name=f"{name} coöperatie U.A.",
            legal_form="cooperative",
            kvk_number=str(next(_kvk)),
            street="Javastraat",
            house_number="12",
            postcode="1094 HB",
            city="Amsterdam",
            activity="co-op",
            external_iban=IBAN,
        )
        account = savings.open_account(
            self.session, member, self.savings_product, actor=self.actor, opened_on=opened_on
        )
        return member, account

    def book(self, member, account, principal: str, term: int, disbursed_on: dt.date, **kwargs) -> Loan:
        loan = book_loan(
            self.session,
            borrower=member,
            product=kwargs.pop("product", self.loan_product),
            principal=Decimal(principal),
            term_periods=term,
            disbursed_on=disbursed_on,
            repayment_account=account,
            actor=self.actor,
            key=f"loan-{next(_key)}",
            **kwargs,
        )
        self.session.commit()
        return loan

    def deposit(self, account: DepositAccount, amount: str, on: dt.date) -> None:
        savings.deposit(
            self.session, account, amount, key=f"dep-{next(_key)}", actor=self.actor, value_date=on
        )
        self.session.commit()

    def withdraw(self, account: DepositAccount, amount: str, on: dt.date) -> None:
        savings.withdraw(
            self.session,
            account,
            amount,
            key=f"wd-{next(_key)}",
            actor=self.actor,
            approval_threshold=None,
            value_date=on,
        )
        self.session.commit()

    def balance(self, account_id: int) -> Decimal:
        self.session.expire_all()
        value = ledger_queries.balance(self.session, account_id)
        self.session.commit()  # SQLite: leave no read transaction holding the write lock
        return value

    def run(self, day: dt.date):
        self.session.commit()  # SQLite: no open transaction may hold the write lock
        outcome = loan_jobs.run_repayments(db, day, started_by="test")
        self.session.expire_all()
        return outcome.run

    def close_days(self, start: dt.date, end: dt.date) -> None:
        from bank.calendar import business_days

        self.session.commit()
        for day in business_days(start, end):
            business_day.close_day(db, day, started_by="test")
        self.session.expire_all()

    def instalments(self, loan: Loan, *, version: int | None = None) -> list[Instalment]:
        self.session.expire_all()
        query = select(Instalment).where(Instalment.loan_id == loan.id)
        if version is not None:
            query = query.where(Instalment.schedule_version == version)
        rows = list(self.session.scalars(query.order_by(Instalment.schedule_version, Instalment.number)))
        self.session.commit()
        return rows

    def open_instalments(self, loan: Loan) -> list[Instalment]:
        return [i for i in self.instalments(loan) if i.status is InstalmentStatus.OPEN]

    def verify(self) -> None:
        self.session.expire_all()
        assert ledger_queries.verify(self.session) == []


#: What the servicing stories' product differs in from the tests' co-op start-up product: from
#: € 1 000 and six months, at 12 % (round monthly interest), no fee, 3.65 % penalty interest.
SERVICING_TERMS: dict[str, object] = {
    "name_en": "Co-op start loan",
    "amount_min": Decimal("1000.00"),
    "term_min_months": 6,
    "rate_annual": Decimal("0.12"),
    **fixed_fee("0.00"),
    "penalty_rate_annual": Decimal("0.0365"),
}


def make_loan_product(session: Session, **overrides) -> LoanProduct:
    """The servicing stories' product (``SERVICING_TERMS``), with ``overrides`` (a ``code`` too)."""
    return product_factories.make_loan_product(session, **{**SERVICING_TERMS, **overrides})


def open_bank(session: Session, actor: Actor) -> Bank:
    """A savings product and the servicing product, committed: the bank the stories lend from."""
    product = savings.create_product(
        session,
        code="WIJK",
        name_nl="Wijkspaarrekening",
        name_en="Savings",
        rate_annual=Decimal("0"),
        effective_from=dt.date(2026, 1, 1),
        actor=actor,
    )
    loan_product = make_loan_product(session)
    session.commit()
    return Bank(session, actor, product, loan_product)


@pytest.fixture
def bank(session: Session, actor: Actor) -> Bank:
    return open_bank(session, actor)
