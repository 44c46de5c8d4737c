"""Pure amortisation maths (placeholder for the enums; the engine follows)."""

from __future__ import annotations

import enum


class Method(enum.StrEnum):
    """How principal is repaid."""

    #: Equal instalments (interest + principal), rounded to the instalment multiple.
    ANNUITY = "annuity"
    #: Equal principal parts; interest on the declining balance.
    LINEAR = "linear"
    #: Interest only; the whole principal in the last period.
    BULLET = "bullet"


class Frequency(enum.StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"

    @property
    def months(self) -> int:
        """Calendar months in one period."""
        return 1 if self is Frequency.MONTHLY else 3

    @property
    def periods_per_year(self) -> int:
        return 12 // self.months


class DayCount(enum.StrEnum):
    THIRTY_360 = "30/360"
    ACTUAL_365 = "actual/365"
