"""Fixtures for the member-share tests: a share class (€ 25, 1..40), a product, members, staff."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from savings import factories
from sqlalchemy.orm import Session

from bank.actor import Actor
from bank.extensions import db


@pytest.fixture
def teller(make_user: Callable[..., Any]) -> Actor:
    return factories.staff(make_user, "teller")


@pytest.fixture
def second_teller(make_user: Callable[..., Any]) -> Actor:
    return factories.staff(make_user, "teller")


@pytest.fixture
def admin(make_user: Callable[..., Any]) -> Actor:
    return factories.staff(make_user, "admin")


@pytest.fixture
def world(session: Session) -> dict[str, Any]:
    """Share class A (€ 25, min 1, max 40); Anna (applicant) with an account holding € 1.000."""
    share_class = factories.share_class(session)
    product = factories.product(session)
    anna = factories.member(session, last_name="Anna")
    account = factories.account(session, anna, product)
    from bank.savings import service as savings

    savings.deposit(session, account, "1000.00", key="world-funding", actor=factories.SETUP)
    session.commit()
    return {"share_class": share_class, "product": product, "anna": anna, "account": account}


@pytest.fixture(autouse=True)
def _release_request_sessions(app: Flask) -> None:
    """End the request's transaction after each test-client request (see tests/savings/conftest.py)."""
    app.teardown_request(lambda _exc: db.remove())
