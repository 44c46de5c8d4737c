"""Fixtures: a small bank (products, a co-op with its representative, a land trust, staff) at a fixed date."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from applications.helpers import TODAY, World, build_world

from bank import clock


@pytest.fixture
def world(session, make_user) -> Iterator[World]:
    with clock.frozen(TODAY):
        yield build_world(session, make_user)


@pytest.fixture(autouse=True)
def _end_request_sessions(app):
    """The ``app`` fixture keeps one application context for the whole test, so the request's scoped
    session (and on SQLite its write lock) would outlive each request; end it after every request."""
    from bank.extensions import db

    app.teardown_request(lambda _exc: db.remove())
