"""Fixtures for the statement tests: the small bank of :mod:`world`, with the clock on 28-11-2026."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from bank import clock

from . import world as world_module

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
