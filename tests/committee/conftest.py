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
