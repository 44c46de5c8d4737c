"""Time, in one place (L0, stdlib only).

Timestamps are stored in UTC (``posted_at``); business dates (``value_date``, ``due_on``) are
dates in Europe/Amsterdam. Tests and the demo can pin "now" with :func:`frozen`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

BANK_TZ = ZoneInfo("Europe/Amsterdam")
_frozen_at: dt.datetime | None = None


def now_utc() -> dt.datetime:
    """The current instant as an aware UTC datetime."""
    if _frozen_at is not None:
        return _frozen_at
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's business date in Amsterdam."""
    return now_utc().astimezone(BANK_TZ).date()


@contextlib.contextmanager
def frozen(at: dt.datetime | dt.date) -> Iterator[None]:
    """Pin now_utc() (noon in Amsterdam when given a date) for the duration of the block."""
    global _frozen_at
    if not isinstance(at, dt.datetime):
        at = dt.datetime.combine(at, dt.time(12, 0), tzinfo=BANK_TZ)
    previous = _frozen_at
    _frozen_at = at.astimezone(dt.UTC)
    try:
        yield
    finally:
        _frozen_at = previous
