"""The report tests use the same small bank as the statement tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from statements import world as world_module  # tests/ is on sys.path (rootdir-relative packages)

from bank import clock
from bank.extensions import db

TODAY = dt.date(2026, 11, 28)


@pytest.fixture
def frozen_today() -> Iterator[dt.date]:
    with clock.frozen(TODAY):
        yield TODAY


@pytest.fixture
def world(session: Session, frozen_today: dt.date) -> world_module.World:
    built = world_module.build(session)
    session.commit()
    return built


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """The test client, ending the request's session after every request.

    The ``app`` fixture holds one application context for the whole test, so Flask does not
    tear the scoped session down per request; on SQLite its transaction would keep the database
    lock into the test's own reads (same fixture as tests/members).
    """
    app.teardown_request(lambda _exc: db.remove())
    return app.test_client()
