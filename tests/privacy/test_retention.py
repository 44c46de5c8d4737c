"""The retention periods (pure): Wwft five years from the end, tax seven from the end of its year."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from bank.privacy import retention
from bank.privacy.retention import Category, Kept, Law


def test_a_member_who_left_in_march_2026_is_kept_until_the_end_of_2033():
    kept = retention.retention_of(dt.date(2026, 3, 15), had_relationship=True)
    assert kept == [
        Kept(Category.DUE_DILIGENCE, Law.WWFT, dt.date(2031, 3, 15)),
        Kept(Category.ACCOUNTING, Law.TAX, dt.date(2033, 12, 31)),
        Kept(Category.CONTACT, Law.NONE, dt.date(2026, 3, 15)),
    ]
    assert retention.erasable_on(dt.date(2026, 3, 15), had_relationship=True) == dt.date(2034, 1, 1)


def test_a_leap_day_counts_to_the_28th_five_years_on():
    assert retention.wwft_until(dt.date(2024, 2, 29)) == dt.date(2029, 2, 28)


def test_a_registration_that_never_became_a_relationship_is_erasable_the_next_day():
    assert retention.erasable_on(dt.date(2026, 5, 4), had_relationship=False) == dt.date(2026, 5, 5)
    assert {k.law for k in retention.retention_of(dt.date(2026, 5, 4), had_relationship=False)} == {Law.NONE}


def test_while_a_member_every_period_waits_for_the_end():
    assert all(k.kept_until is None for k in retention.retention_while_member())


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2090, 12, 31)))
def test_nothing_is_erasable_before_both_periods_have_passed(left_on: dt.date):
    erasable = retention.erasable_on(left_on, had_relationship=True)
    assert erasable > retention.wwft_until(left_on)
    assert erasable > retention.tax_until(left_on)
    assert erasable == max(retention.wwft_until(left_on), retention.tax_until(left_on)) + dt.timedelta(days=1)
    # Seven calendar years at least, never more than eight.
    assert dt.date(left_on.year + 7, 12, 31) < erasable <= dt.date(left_on.year + 8, 1, 1)
