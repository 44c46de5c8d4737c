"""The pure maths: staging boundaries, the expected loss, and the run's integer path equal to
the Decimal statement of the rule (hypothesis)."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bank.money import RATE_SCALE
from bank.provisioning import calculator

M = Decimal


def test_stage_boundaries():
    assert calculator.stage_of(0) == (1, "current")
    assert calculator.stage_of(30) == (1, "current")
    assert calculator.stage_of(31) == (2, "arrears")
    assert calculator.stage_of(90) == (2, "arrears")
    assert calculator.stage_of(91) == (3, "arrears")
    assert calculator.stage_of(5, watchlist=True) == (2, "watchlist")
    assert calculator.stage_of(5, forborne=True) == (2, "forborne")
    assert calculator.stage_of(95, watchlist=True) == (3, "arrears")
    assert calculator.stage_of(0, credit_impaired=True) == (3, "credit_impaired")


def test_expected_loss_by_hand():
    # 12 345.67 x 0.0175 x 0.40 = 86.41969
    assert calculator.expected_loss(M("12345.67"), M("0.0175"), cover=None, unsecured_lgd=M("0.4")) == (
        M("0.4"),
        M("86.42"),
    )
    # Secured: (10 000.00 - 7 500.00) x 0.12 = 300.00; LGD 0.25
    assert calculator.expected_loss(M("10000.00"), M("0.12"), cover=M("7500.00"), unsecured_lgd=M("0.4")) == (
        M("0.25000000"),
        M("300.00"),
    )
    # Cover beyond the exposure: nothing lost.
    assert calculator.expected_loss(M("1000.00"), M("1"), cover=M("5000"), unsecured_lgd=M("0.4"))[1] == M(
        "0.00"
    )
    # Half a cent rounds up: 0.125 -> 0.13
    assert calculator.expected_loss(M("12.50"), M("0.01"), cover=None, unsecured_lgd=M("1"))[1] == M("0.13")


cents = st.integers(min_value=-10_000, max_value=10**11)
parts = st.integers(min_value=0, max_value=RATE_SCALE)


@given(cents, parts, st.one_of(st.none(), st.integers(min_value=0, max_value=10**11)), parts)
def test_integer_path_equals_the_decimal_rule(exposure, probability, cover, lgd):
    fast = calculator.expected_loss_cents(exposure, probability, cover_cents=cover, unsecured_lgd_parts=lgd)
    slow = calculator.expected_loss(
        M(exposure) / 100,
        M(probability) / RATE_SCALE,
        cover=None if cover is None else M(cover) / 100,
        unsecured_lgd=M(lgd) / RATE_SCALE,
    )
    assert M(fast[1]) / 100 == slow[1]
    assert M(fast[0]) / RATE_SCALE == slow[0]
    assert 0 <= fast[1] <= max(exposure, 0)
