"""The forbearance stories' world: the servicing stories' bank (``loans.servicing.conftest``), in Dutch.

"Today" is pinned after every date the stories use; the app loads the real catalogue (Dutch by
default) so the pages read as the credit officers, the committee and the borrower read them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from loans.servicing.conftest import Bank, open_bank
from sqlalchemy.orm import Session
from translations.conftest import app, compiled_catalogue  # noqa: F401  (Dutch pages)

from bank import clock
from bank.actor import Actor

TODAY = dt.date(2028, 6, 15)


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def bank(session: Session, actor: Actor) -> Bank:
    return open_bank(session, actor)
