"""The report tests use the same small bank as the statement tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session
from statements import world as world_module  # tests/ is on sys.path (rootdir-relative packages)

from bank import clock

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
