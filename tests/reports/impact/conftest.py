"""Fixtures: the impact world at a fixed date; request sessions end after each request."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from browser.conftest import browser_page, live_server, screenshots  # noqa: F401 (the browser test's fixtures)
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from bank import clock
from bank.extensions import db

from .world import TODAY, World, build


@pytest.fixture
def frozen_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def world(session: Session, frozen_today: None) -> World:
    built = build(session)
    session.commit()
    return built


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """The test client, ending the request's scoped session after every request (see tests/reports)."""
    app.teardown_request(lambda _exc: db.remove())
    return app.test_client()
