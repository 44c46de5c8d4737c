"""Pool tests run on a pinned "today" after every date the stories use (see factories.TODAY)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bank import clock

from .factories import TODAY


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield
