"""The demo's "newly in arrears" story picks an instalment of the last week that a punctual payer
had collected before today, so the staff home has a loan to show whatever the day of loading."""

from __future__ import annotations

import datetime as dt

from bank.demo.servicing import _newly_late

TODAY = dt.date(2026, 12, 3)  # a Thursday


def _days(*pairs: tuple[tuple[int, int], int]) -> tuple[dict, dict]:
    due = {key: TODAY - dt.timedelta(days=back) for key, back in pairs}
    return due, dict(due)


def test_a_punctual_payer_two_or_more_days_overdue_comes_first() -> None:
    due, collected = _days(((1, 5), 1), ((2, 3), 4), ((3, 9), 2), ((4, 2), 12))
    plan = {1: {}, 2: {}, 3: {"in_arrears": True}, 4: {}}
    # Loan 3 tells its own story; loan 4's instalment is too old; of 1 and 2 the one four days ago.
    assert _newly_late(plan, due, collected, TODAY) == (2, 3)


def test_yesterday_when_nothing_older_in_the_week_and_never_an_uncollected_one() -> None:
    due, collected = _days(((1, 5), 1), ((2, 3), 9))
    assert _newly_late({1: {}, 2: {}}, due, collected, TODAY) == (1, 5)
    # Due on Sunday, collected on Monday: on that Monday nothing was collected yet.
    monday = dt.date(2026, 12, 7)
    due = {(1, 5): dt.date(2026, 12, 6)}
    assert _newly_late({1: {}}, due, {(1, 5): monday}, monday) is None


def test_stories_that_decide_the_loan_are_left_alone() -> None:
    due, collected = _days(((1, 4), 3), ((2, 2), 3), ((3, 6), 3))
    plan = {1: {"payoff": 3}, 2: {"prepay": ("shorten_term", 6)}, 3: {"late": 6}}
    assert _newly_late(plan, due, collected, TODAY) is None
    plan[3] = {"late": 2}
    assert _newly_late(plan, due, collected, TODAY) == (3, 6)
