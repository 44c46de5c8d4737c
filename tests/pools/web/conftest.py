"""A pool with three funded loans and two investors, built through the real services, for the pages.

The coop start-up pool (minimum € 50, three months' notice, 25 % margin, 3 % target, € 500
buffer) holds Anna's € 600 and Bram's € 2,400. It funds three € 1,000 loans in full: a bakery
that did not consent to be named (activity "co-op bakery", 1092), a bicycle workshop that did,
and a person (no activity on record, 1093), so the loan's purpose describes it. Anna also
represents a neighbourhood association with its own account. "Today" is pinned after every date
used (tests/pools/factories.TODAY).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from portal.world import SETUP, deposit
from sqlalchemy.orm import Session

from bank import clock
from bank.auth.models import User
from bank.extensions import db
from bank.loans.models import Loan
from bank.members import service as members
from bank.members.models import Member
from bank.pools.funding import fund_loan
from bank.pools.models import Participation, Pool
from bank.savings import service as savings
from bank.savings.models import DepositAccount
from pools.factories import (
    OPENED_ON,
    TODAY,
    borrower,
    disburse_pool_loan,
    investor,
    make_pool,
    put_in,
    savings_product,
)


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@dataclass
class PoolWorld:
    pool: Pool
    anna: Member
    anna_account: DepositAccount
    anna_participation: Participation
    bram: Member
    bram_account: DepositAccount
    bram_participation: Participation
    association: Member
    association_account: DepositAccount
    bakery_loan: Loan
    workshop_loan: Loan
    unnamed_loan: Loan


def build(session: Session) -> PoolWorld:
    pool = make_pool(session, first_loss_buffer="500.00")
    anna, anna_account = investor(session, "Anna", "Jansen", money="1000.00")
    bram, bram_account = investor(session, "Bram", "Geheim", money="3000.00")
    association = members.register_organisation(
        session,
        actor=SETUP,
        legal_name="Buurtvereniging Oost",
        legal_form="association",
        kvk_number="61234567",
        street="Dapperstraat",
        house_number="1",
        postcode="1093 BS",
        city="Amsterdam",
        activity="neighbourhood association",
    )
    members.add_representative(session, association, anna, actor=SETUP, role="penningmeester")
    association_account = savings.open_account(
        session, association, savings_product(session), actor=SETUP, opened_on=OPENED_ON
    )
    deposit(session, association_account, "500.00", OPENED_ON)
    anna_participation = put_in(session, pool, anna, anna_account, "600.00")
    bram_participation = put_in(session, pool, bram, bram_account, "2400.00")
    loans = []
    for name, activity, postcode, consent in (
        ("Bakkerij De Korenschoof", "co-op bakery", "1092 AB", False),
        ("Fietsenmakerij De Spaak", "bicycle repair co-op", "1094 HB", True),
        ("Carla Lener", "", "1093 BS", False),
    ):
        if activity:
            holder = borrower(session, name, activity=activity, postcode=postcode, listing_consent=consent)
        else:
            holder = _without_activity(session, name, postcode)
        loan = disburse_pool_loan(
            session, on=OPENED_ON.replace(month=3), principal="1000.00", borrower_and_account=holder
        )
        fund_loan(session, loan, actor=SETUP)
        loans.append(loan)
    return PoolWorld(
        pool, anna, anna_account, anna_participation, bram, bram_account, bram_participation,
        association, association_account, *loans,
    )  # fmt: skip


def _without_activity(session: Session, name: str, postcode: str) -> tuple[Member, DepositAccount]:
    """A borrower with no activity on record (a person): the loan's purpose describes it."""
    first_name, last_name = name.split(" ", 1)
    return investor(session, first_name, last_name, money=None)


@pytest.fixture
def pool_world(app: Flask) -> PoolWorld:
    with db.unit_of_work(db.new_session()) as s:
        built = build(s)
    return built


@pytest.fixture
def as_anna(
    client: FlaskClient, pool_world: PoolWorld, make_user: Callable[..., User], login_as: Callable[..., User]
) -> FlaskClient:
    user = make_user("member", email="anna.login@example.org", member_id=pool_world.anna.id, name="Anna")
    login_as(user=user)
    return client


def fresh_session() -> Session:
    """A session of its own after ending the request session the test client keeps open."""
    db.session.rollback()
    db.session.expire_all()
    return db.new_session()
