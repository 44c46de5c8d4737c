"""A small bank with a few loans and the officer who keeps their collateral register.

Loans are booked directly (``book_loan``): the register's arithmetic needs a loan id and its
principal account, not the road to it; the carry-over from an application is tested on that road.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from applications.helpers import TODAY, World, actor_of, build_world
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.loans.models import Loan
from bank.loans.service import book_loan


@dataclass
class Bank:
    world: World
    officer: Actor
    #: Four loans of the land trust, booked on 2025-07-01 (principal 200 000, 100 000, 50 000, 50 000).
    loans: list[Loan]


def _loan(session: Session, world: World, principal: str, key: str) -> Loan:
    return book_loan(
        session,
        borrower=world.clt,
        product=world.land_product,
        principal=Decimal(principal),
        term_periods=40,
        disbursed_on=dt.date(2025, 7, 1),
        repayment_account=world.clt_account,
        actor=actor_of(world.admin),
        key=key,
    )


@pytest.fixture
def bank(session, make_user) -> Iterator[Bank]:
    with clock.frozen(TODAY):
        world = build_world(session, make_user)
        loans = [
            _loan(session, world, amount, f"collateral-{n}")
            for n, amount in enumerate(("200000.00", "100000.00", "50000.00", "50000.00"))
        ]
        session.commit()
        yield Bank(world=world, officer=actor_of(world.officer), loans=loans)


@pytest.fixture(autouse=True)
def _end_request_sessions(app):
    """Each request's scoped session (and on SQLite its write lock) ends with the request."""
    from bank.extensions import db

    app.teardown_request(lambda _exc: db.remove())
