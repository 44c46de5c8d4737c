"""bank.money: Decimal only, floats refused, one rounding rule, splits that never lose a cent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bank.errors import ValidationError
from bank.money import (
    MAX_AMOUNT,
    from_cents,
    money,
    parse_amount,
    round_cents,
    split,
    to_cents,
    to_decimal,
)

# --- floats and exactness ---------------------------------------------------------------


@pytest.mark.parametrize("value", [0.1, 1.0, float("nan"), True, False])
def test_floats_and_booleans_are_refused(value):
    with pytest.raises(TypeError, match="must not be a"):
        to_decimal(value)
    with pytest.raises(TypeError):
        money(value)


def test_money_is_exact_with_two_places():
    assert money("12.3") == Decimal("12.30")
    assert str(money(5)) == "5.00"
    assert money(Decimal("0.10")) == Decimal("0.10")


def test_money_refuses_more_precision_instead_of_rounding():
    with pytest.raises(ValueError, match="more than two decimals"):
        money("0.005")


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_money_refuses_non_finite_values(value):
    with pytest.raises(ValueError, match="finite"):
        money(value)


def test_cents_round_trip():
    assert to_cents(Decimal("1234.56")) == 123456
    assert from_cents(123456) == Decimal("1234.56")
    assert from_cents(-5) == Decimal("-0.05")


# --- parse_amount: the canonical notation of the API and the command line ----------------
# People's notation ("1.234,56" in Dutch) is read per locale by bank.numbers (tests/translations).


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1234.56", "1234.56"),
        ("1234.5", "1234.50"),
        (" 12 ", "12.00"),
        ("0.01", "0.01"),
        ("100000000", "100000000.00"),
        ("12000.00", "12000.00"),
        (Decimal("12.5"), "12.50"),
        (Decimal("12.000"), "12.00"),
        (7, "7.00"),
    ],
)
def test_parse_amount_accepts_the_canonical_notation(text, expected):
    assert parse_amount(text, field="amount") == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "amount: is required"),
        (None, "amount: is required"),
        ("abc", "amount: must be a number, e.g. 1234.56"),
        ("12abc", "amount: must be a number, e.g. 1234.56"),
        ("1e5", "amount: must be a number, e.g. 1234.56"),
        ("1.2.3", "amount: must be a number, e.g. 1234.56"),
        ("NaN", "amount: must be a number, e.g. 1234.56"),
        # Nothing is guessed: a decimal comma or a grouping sign is not the canonical notation.
        ("1.234,56", "amount: must be a number, e.g. 1234.56"),
        ("1,234.56", "amount: must be a number, e.g. 1234.56"),
        ("12,5", "amount: must be a number, e.g. 1234.56"),
        ("€ 12", "amount: must be a number, e.g. 1234.56"),
        ("12.000", "amount: may have at most 2 decimals, e.g. 1234.56"),
        ("0.001", "amount: may have at most 2 decimals, e.g. 1234.56"),
        ("\u0661\u0662", "amount: must be written with the digits 0 to 9, e.g. 1234.56"),
        ("\uff11\uff12", "amount: must be written with the digits 0 to 9, e.g. 1234.56"),
        ("1234567890123456", "amount: may have at most 15 digits before the decimal sign"),
        ("9" * 40, "amount: may have at most 15 digits before the decimal sign"),
        ("0", "amount: must be greater than 0"),
        ("0.00", "amount: must be greater than 0"),
        ("-5", "amount: must be greater than 0"),
        ("100000000.01", "amount: must not exceed 100000000.00"),
    ],
)
def test_parse_amount_refuses_with_the_field_and_the_rule(text, message):
    with pytest.raises(ValidationError) as caught:
        parse_amount(text, field="amount")
    assert caught.value.message == message
    assert list(caught.value.fields) == ["amount"]


def test_parse_amount_holds_decimals_to_the_same_digits_and_places():
    with pytest.raises(ValidationError, match="at most 15 digits"):
        parse_amount(Decimal("1e30"), field="amount", maximum=Decimal("1e40"))
    with pytest.raises(ValidationError, match="at most 2 decimals"):
        parse_amount(Decimal("0.005"), field="amount")
    with pytest.raises(ValidationError, match="must be a number"):
        parse_amount(Decimal("NaN"), field="amount")


def test_parse_amount_refuses_a_float_even_an_exact_one():
    with pytest.raises(ValidationError, match="not a float"):
        parse_amount(12.5, field="amount")


def test_parse_amount_zero_allowed_when_asked_but_never_negative():
    assert parse_amount("0", field="fee", allow_zero=True) == Decimal("0.00")
    with pytest.raises(ValidationError, match="fee: must not be negative"):
        parse_amount("-1", field="fee", allow_zero=True)


def test_parse_amount_respects_a_lower_maximum():
    with pytest.raises(ValidationError, match=r"must not exceed 500\.00"):
        parse_amount("500.01", field="amount", maximum=Decimal("500.00"))
    assert Decimal("100000000.00") == MAX_AMOUNT


# --- round_cents: the one rounding rule ---------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.004", "0.00"),
        ("2.675", "2.68"),  # a float would give 2.67
        ("-0.005", "-0.01"),  # half away from zero
        ("1.125", "1.13"),
        ("1.135", "1.14"),  # not banker's rounding
        (Decimal("10"), "10.00"),
    ],
)
def test_round_cents_is_half_up(value, expected):
    assert round_cents(value) == Decimal(expected)


# --- split: largest remainder -------------------------------------------------------------


def test_split_worked_examples():
    assert split(Decimal("100.00"), [1, 1, 1]) == [Decimal("33.34"), Decimal("33.33"), Decimal("33.33")]
    assert split(Decimal("0.05"), [1, 1]) == [Decimal("0.03"), Decimal("0.02")]
    assert split(Decimal("10.00"), [Decimal("0.5"), Decimal("0.25"), Decimal("0.25")]) == [
        Decimal("5.00"),
        Decimal("2.50"),
        Decimal("2.50"),
    ]
    assert split(Decimal("-1.00"), [1, 2]) == [Decimal("-0.33"), Decimal("-0.67")]
    assert split(Decimal("0.00"), [0, 0]) == [Decimal("0.00"), Decimal("0.00")]


def test_split_refuses_impossible_requests():
    with pytest.raises(ValueError, match="negative"):
        split(Decimal("1.00"), [1, -1])
    with pytest.raises(ValueError, match="nothing to split"):
        split(Decimal("1.00"), [])
    with pytest.raises(ValueError, match="zero weights"):
        split(Decimal("1.00"), [0, 0])
    with pytest.raises(TypeError):
        split(Decimal("1.00"), [0.5, 0.5])


cents_totals = st.integers(min_value=0, max_value=10_000_000_000).map(from_cents)
weight_lists = st.lists(
    st.one_of(
        st.integers(min_value=0, max_value=10**9),
        st.decimals(min_value=0, max_value=10**6, places=4, allow_nan=False, allow_infinity=False),
    ),
    min_size=1,
    max_size=40,
).filter(lambda ws: sum(Decimal(w) for w in ws) > 0)


@settings(max_examples=300, deadline=None)
@given(total=cents_totals, weights=weight_lists)
def test_split_parts_sum_to_the_total_and_stay_within_a_cent_of_the_exact_share(total, weights):
    parts = split(total, weights)
    assert len(parts) == len(weights)
    assert sum(parts, Decimal("0.00")) == total
    weight_sum = sum((Decimal(w) for w in weights), Decimal(0))
    for part, weight in zip(parts, weights, strict=True):
        exact = total * Decimal(weight) / weight_sum
        assert abs(part - exact) < Decimal("0.01")
        assert part >= 0
        assert part == part.quantize(Decimal("0.01"))


@settings(max_examples=100, deadline=None)
@given(total=cents_totals, weights=weight_lists)
def test_split_of_a_negative_total_mirrors_the_positive_one(total, weights):
    assert split(-total, weights) == [-part for part in split(total, weights)]


@settings(max_examples=200, deadline=None)
@given(cents=st.integers(min_value=-(10**12), max_value=10**12))
def test_cents_and_parse_round_trip(cents):
    amount = from_cents(cents)
    assert to_cents(amount) == cents
    if 0 < amount <= MAX_AMOUNT:
        assert parse_amount(str(amount), field="amount") == amount
