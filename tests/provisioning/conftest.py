"""A small lending bank for provisioning stories: the servicing world, a PD table, helpers.

Today is pinned after every date the stories use (``clock.frozen``), so the month-end runs of
the past are allowed. The PD table here is the one the hand calculations use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from loans.servicing.conftest import Bank, open_bank
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.applications.models import ApplicationStatus, LoanApplication, RiskGrade
from bank.extensions import db
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.service import account_by_code
from bank.loans.models import Loan
from bank.provisioning import jobs, queries, service
from bank.provisioning.models import GRADES, STAGES

TODAY = dt.date(2027, 8, 15)
D = dt.date
ADMIN = Actor(user_id=None, label="admin@test", role="admin")
OFFICER = Actor(user_id=None, label="officer@test", role="credit_officer")

#: Stage 1 is 12-month, stages 2 and 3 lifetime; grade C is the default for loans without one.
PD = {
    "A": ("0.005", "0.05", "1"),
    "B": ("0.01", "0.08", "1"),
    "C": ("0.0175", "0.12", "1"),
    "D": ("0.03", "0.2", "1"),
    "E": ("0.06", "0.35", "1"),
}
UNSECURED_LGD = "0.4"


def cells(table: dict[str, tuple[str, str, str]] = PD) -> dict[str, object]:
    return {queries.cell_field(grade, stage): table[grade][stage - 1] for grade in GRADES for stage in STAGES}


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@dataclass
class World:
    bank: Bank

    @property
    def session(self) -> Session:
        return self.bank.session

    def set_table(self, effective_on: dt.date, table=PD, *, lgd: str = UNSECURED_LGD, default: str = "C"):
        made = service.set_pd_table(
            self.session,
            effective_on=effective_on,
            default_grade=default,
            unsecured_lgd=lgd,
            probabilities=cells(table),
            actor=ADMIN,
        )
        self.session.commit()
        return made

    def loan(
        self,
        principal: str,
        disbursed_on: dt.date,
        *,
        deposit: str | None = None,
        grade: str | None = None,
        name: str = "Bakkerij De Korenschoof",
        term: int = 12,
    ) -> Loan:
        member, account = self.bank.borrower(name)
        if deposit:
            self.bank.deposit(account, deposit, disbursed_on)
        loan = self.bank.book(member, account, principal, term, disbursed_on)
        if grade is not None:
            self.session.add(
                LoanApplication(
                    number=f"KA-T-{loan.id}",
                    status=ApplicationStatus.DISBURSED,
                    applicant_id=member.id,
                    created_by_label="test",
                    product_id=loan.product_id,
                    loan_id=loan.id,
                    risk_grade=RiskGrade(grade),
                )
            )
            self.session.commit()
        return loan

    def provision(self, month_end: dt.date):
        self.session.commit()
        outcome = jobs.run_provisioning(db, month_end, started_by="test")
        self.session.expire_all()
        return outcome

    def allowance(self) -> Decimal:
        self.session.expire_all()
        value = queries.allowance_balance(self.session)
        self.session.commit()
        return value

    def impairment(self) -> Decimal:
        account = account_by_code(self.session, chart.IMPAIRMENT_EXPENSE)
        value = ledger_queries.balance(self.session, account.id)
        self.session.commit()
        return value

    def stored(self, month_end: dt.date) -> dict[int, tuple[int, Decimal]]:
        rows = {p.loan_id: (p.stage, p.ecl) for p, _number in queries.results(self.session, month_end)}
        self.session.commit()
        return rows


@pytest.fixture
def world(session: Session, actor: Actor) -> World:
    return World(open_bank(session, actor))
