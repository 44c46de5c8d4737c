"""Fixtures for the portal tests: the world of :mod:`tests.portal.world`, and Anna logged in."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

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


def outbox(app: Flask) -> list[Any]:
    from sqlalchemy import select

    from bank.notifications.models import OutboxMessage

    with db.new_session() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
