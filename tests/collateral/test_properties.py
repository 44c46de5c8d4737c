"""Property tests of the register's money maths (no database): what an item recovers and cover."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bank.collateral.models import HAIRCUTS, VALUED_KINDS, CollateralKind
from bank.collateral.queries import guaranteed, loss_given_default, recoverable
from bank.money import CENT, ZERO, round_cents

cents = st.integers(min_value=0, max_value=10**11).map(lambda n: Decimal(n) / 100)
positive_cents = st.integers(min_value=1, max_value=10**11).map(lambda n: Decimal(n) / 100)
percentages = st.integers(min_value=1, max_value=1_000_000).map(lambda n: Decimal(n) / 1_000_000)
valued_kinds = st.sampled_from(sorted(VALUED_KINDS))


@given(valued_kinds, cents, st.none() | positive_cents, cents)
def test_an_item_recovers_between_nothing_and_its_haircut_value_and_registered_amount(
    kind: CollateralKind, appraised: Decimal, registered: Decimal | None, prior: Decimal
) -> None:
    value = recoverable(kind, appraised, registered_amount=registered, prior_claims=prior)
    assert value == value.quantize(CENT)
    assert ZERO <= value <= round_cents(appraised * (1 - HAIRCUTS[kind]))
    if registered is not None:
        assert value <= registered
    # A higher appraisal never recovers less.
    assert recoverable(kind, appraised + 1, registered_amount=registered, prior_claims=prior) >= value


@given(percentages, positive_cents, cents)
def test_cover_is_the_percentage_to_the_cent_up_to_the_cap(percentage, cap, exposure) -> None:
    value = guaranteed(percentage, cap, exposure)
    assert value == value.quantize(CENT)
    assert ZERO <= value <= cap
    assert value == min(round_cents(percentage * exposure), cap)
    assert value <= exposure  # at most 100 % of an amount in cents, rounded to the cent


@given(positive_cents, cents)
def test_loss_given_default_is_a_fraction_from_0_to_1(exposure, cover) -> None:
    lgd = loss_given_default(exposure, cover)
    assert Decimal(0) <= lgd <= Decimal(1)
    if cover >= exposure:
        assert lgd == 0
