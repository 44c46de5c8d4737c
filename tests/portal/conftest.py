"""Fixtures for the portal tests: the world of :mod:`tests.portal.world`, and Anna logged in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from bank.auth.models import User
from bank.extensions import db

from . import world as world_module


@pytest.fixture
def world(app: Flask) -> world_module.World:
    with db.unit_of_work(db.new_session()) as s:
        built = world_module.build(s, app.config["STATEMENT_DIR"])
    return built


@pytest.fixture
def anna_user(world: world_module.World, make_user: Callable[..., User]) -> User:
    return make_user("member", email="anna.login@example.org", member_id=world.anna.id, name="Anna Jansen")


@pytest.fixture
def as_anna(client: FlaskClient, anna_user: User, login_as: Callable[..., User]) -> FlaskClient:
    login_as(user=anna_user)
    return client


def fresh_session() -> Session:
    """A session of its own, after ending the request session the test client keeps open.

    The ``app`` fixture holds one application context for the whole test, so the scoped
    session (and, on SQLite, its BEGIN IMMEDIATE lock) outlives each request; end its
    transaction first (and expire what it cached, so the next request rereads).
    """
    db.session.rollback()
    db.session.expire_all()
    return db.new_session()


def outbox(app: Flask) -> list[Any]:
    from sqlalchemy import select

    from bank.notifications.models import OutboxMessage

    with fresh_session() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
