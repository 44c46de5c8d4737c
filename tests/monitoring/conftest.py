"""The monitoring stories' world: a savings product and members who deposit, withdraw and transfer.

"Today" is pinned after every date the stories use; the app loads the real catalogue (Dutch by
default) so the compliance pages read as the officers read them.
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
from translations.conftest import app, compiled_catalogue  # noqa: F401  (Dutch pages)

from bank import clock
from bank.actor import Actor
from bank.members import service as members
from bank.members.models import Member
from bank.monitoring import service
from bank.monitoring.models import Alert, MonitoringRule, RuleCode
from bank.savings import service as savings
from bank.savings.models import DepositAccount, SavingsProduct

TODAY = dt.date(2026, 6, 30)
#: A Monday: the stories' week runs Monday 1 June to Friday 5 June 2026.
MONDAY = dt.date(2026, 6, 1)
NL_IBAN = "NL91ABNA0417164300"
#: Monaco is on the EU list of high-risk third countries (since August 2025).
MC_IBAN = "MC5811222000010123456789030"

_key = itertools.count(1)
_person = itertools.count(1)


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@dataclass
class World:
    session: Session
    actor: Actor
    product: SavingsProduct

    def member(self, last_name: str = "Jansen", *, iban: str = NL_IBAN) -> tuple[Member, DepositAccount]:
        number = next(_person)
        member = members.register_person(
            self.session,
            actor=self.actor,
            first_name="Sanne",
            last_name=f"{last_name}{'' if number == 1 else number}",
            date_of_birth=dt.date(1980, 4, 12),
            street="Javastraat",
            house_number=str(number),
            postcode="1094 HB",
            city="Amsterdam",
            external_iban=iban,
        )
        account = savings.open_account(
            self.session, member, self.product, actor=self.actor, opened_on=dt.date(2026, 1, 2)
        )
        self.session.commit()
        return member, account

    def deposit(self, account: DepositAccount, amount: str, on: dt.date, *, cash: bool = False) -> int:
        booked = savings.deposit(
            self.session, account, amount, key=f"dep-{next(_key)}", actor=self.actor, value_date=on, cash=cash
        )
        self.session.commit()
        return booked.entry.id

    def withdraw(self, account: DepositAccount, amount: str, on: dt.date) -> int:
        outcome = savings.withdraw(
            self.session,
            account,
            amount,
            key=f"wd-{next(_key)}",
            actor=self.actor,
            approval_threshold=None,
            value_date=on,
        )
        self.session.commit()
        assert outcome.entry is not None
        return outcome.entry.id

    def transfer(self, source: DepositAccount, target: DepositAccount, amount: str, on: dt.date) -> int:
        booked = savings.transfer(
            self.session, source, target, amount, key=f"tr-{next(_key)}", actor=self.actor, value_date=on
        )
        self.session.commit()
        return booked.entry.id

    def rule(self, code: RuleCode) -> MonitoringRule:
        rule = self.session.get(MonitoringRule, code)
        assert rule is not None
        return rule

    def run(self, day: dt.date) -> dict[RuleCode, tuple[int, int]]:
        counts = service.run_rules(self.session, day)
        self.session.commit()
        return counts

    def alerts(self, rule: RuleCode | None = None) -> list[Alert]:
        query = select(Alert).order_by(Alert.id)
        if rule is not None:
            query = query.where(Alert.rule == rule)
        return list(self.session.scalars(query))


@pytest.fixture
def world(session: Session, actor: Actor) -> World:
    product = savings.create_product(
        session,
        code="WIJK",
        name_nl="Wijkspaarrekening",
        name_en="Savings",
        rate_annual=Decimal("0"),
        effective_from=dt.date(2026, 1, 1),
        actor=actor,
    )
    session.commit()
    return World(session, actor, product)
