"""Fixtures for the deposit-account tests: a product, two members with accounts, staff actors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from bank.actor import Actor
from bank.extensions import db

from . import factories


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
def credit_officer(make_user: Callable[..., Any]) -> Actor:
    return factories.staff(make_user, "credit_officer")


@pytest.fixture
def bank_setup(session: Session) -> dict[str, Any]:
    """A product, members Anna and Bram with one account each; committed like a view would."""
    product = factories.product(session)
    anna = factories.member(session, last_name="Anna")
    bram = factories.member(session, last_name="Bram")
    setup = {
        "product": product,
        "anna": anna,
        "bram": bram,
        "anna_account": factories.account(session, anna, product),
        "bram_account": factories.account(session, bram, product),
    }
    session.commit()
    return setup


@pytest.fixture(autouse=True)
def _release_request_sessions(app: Flask) -> None:
    """End the request's transaction after each test-client request.

    The ``app`` fixture keeps one app context for the whole test, so the per-request
    ``teardown_appcontext`` does not run between requests; on SQLite the open read
    transaction would otherwise hold the write lock our own session needs.
    """
    app.teardown_request(lambda _exc: db.remove())
