"""Factories for members: valid defaults that a test overrides only where its story needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from bank.actor import Actor
from bank.extensions import db
from bank.members import service
from bank.members.models import Member


@pytest.fixture
def teller_actor(make_user: Callable[..., Any]) -> Actor:
    user = make_user("teller")
    return Actor(user_id=user.id, label=user.email, role="teller")


@pytest.fixture
def admin_actor(make_user: Callable[..., Any]) -> Actor:
    user = make_user("admin")
    return Actor(user_id=user.id, label=user.email, role="admin")


@pytest.fixture
def person_factory(session: Session, actor: Actor) -> Callable[..., Member]:
    counter = {"n": 0}

    def make(**overrides: Any) -> Member:
        counter["n"] += 1
        values: dict[str, Any] = {
            "first_name": "Fatima",
            "last_name": f"Bouzid{counter['n']}",
            "date_of_birth": dt.date(1985, 4, 12),
            "street": "Javastraat",
            "house_number": str(10 + counter["n"]),
            "postcode": "1094 HB",
            "city": "Amsterdam",
            "email": f"fatima{counter['n']}@example.nl",
        }
        values.update(overrides)
        by = values.pop("actor", actor)
        return service.register_person(session, actor=by, **values)

    return make


@pytest.fixture
def organisation_factory(session: Session, actor: Actor) -> Callable[..., Member]:
    counter = {"n": 0}

    def make(**overrides: Any) -> Member:
        counter["n"] += 1
        values: dict[str, Any] = {
            "legal_name": f"Bakkerij De Korenschoof {counter['n']} coöperatie U.A.",
            "legal_form": "cooperative",
            "kvk_number": f"{85000000 + counter['n']}",
            "activity": "co-op bakery",
            "street": "Dapperstraat",
            "house_number": "4",
            "postcode": "1093 BS",
            "city": "Amsterdam",
        }
        values.update(overrides)
        by = values.pop("actor", actor)
        return service.register_organisation(session, actor=by, **values)

    return make


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """The test client, releasing the request's session after every request.

    The ``app`` fixture keeps an application context open for the whole test, so Flask does not
    tear one down per request and the scoped session would keep its SQLite transaction (and the
    database lock) into the test's own reads.
    """
    app.teardown_request(lambda _exc: db.remove())
    return app.test_client()
