"""Period rules and arrears buckets of the portal queries (pure, no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bank.errors import ValidationError
from bank.portal.queries import Arrears, check_period

TODAY = dt.date(2026, 11, 28)


@pytest.mark.parametrize(
    ("start", "end", "field", "rule"),
    [
        (dt.date(2026, 9, 30), dt.date(2026, 9, 1), "date_to", "must not be before the start of the period"),
        (
            dt.date(2026, 9, 1),
            dt.date(2026, 11, 29),
            "date_to",
            "must not be in the future (today is 2026-11-28)",
        ),
        (dt.date(2026, 12, 1), None, "date_from", "must not be in the future"),
        (dt.date(2020, 1, 1), dt.date(2026, 1, 1), "date_to", "the period may be at most three years"),
        (None, dt.date(2026, 1, 1), "date_from", "is required"),
    ],
)
def test_bad_periods_name_the_field_and_the_rule(start, end, field, rule):
    with pytest.raises(ValidationError) as refused:
        check_period(start, end, today=TODAY, required=start is None)
    assert refused.value.fields[field] == rule


def test_good_periods_pass_unchanged():
    assert check_period(dt.date(2026, 11, 1), TODAY, today=TODAY) == (dt.date(2026, 11, 1), TODAY)
    assert check_period(None, None, today=TODAY) == (None, None)


@pytest.mark.parametrize(
    ("days", "bucket"), [(0, ""), (1, "1-30"), (30, "1-30"), (31, "31-60"), (61, "61-90"), (91, "90+")]
)
def test_arrears_buckets(days, bucket):
    assert Arrears(Decimal("1.00"), days, None).bucket == bucket
