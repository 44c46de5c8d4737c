"""Percentages: what people type, per locale (bank.numbers); the canonical notation (bank.money)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bank import money, numbers
from bank.errors import ValidationError


@pytest.mark.parametrize(
    ("text", "locale", "fraction"),
    [("4,5", "nl", Decimal("0.045")), ("4.5", "en", Decimal("0.045")), ("25 %", "nl", Decimal("0.25"))],
)
def test_a_percentage_typed_in_the_page_language_is_stored_as_a_fraction(text, locale, fraction):
    assert numbers.parse_percent(text, field="rate", locale=locale) == fraction


def test_a_typed_percentage_above_its_maximum_is_refused_naming_the_maximum():
    with pytest.raises(ValidationError) as refused:
        numbers.parse_percent("101", field="margin_share", locale="nl", maximum_percent=Decimal(100))
    rule = refused.value.fields["margin_share"]
    assert rule.template == "must be between 0 and %(maximum_percent)s per cent"
    assert rule.params == {"maximum_percent": 100}
    with pytest.raises(ValidationError):
        numbers.parse_percent("-1", field="margin_share", locale="nl", maximum_percent=Decimal(100))


def test_a_dutch_percentage_read_as_english_is_refused_not_guessed():
    with pytest.raises(ValidationError):
        numbers.parse_percent("4,5", field="rate", locale="en")


def test_the_canonical_percentage_takes_a_full_stop_and_refuses_a_comma():
    assert money.parse_rate_percent("4.5%") == Decimal("0.045")
    assert money.parse_rate_percent(Decimal("12")) == Decimal("0.12")
    with pytest.raises(ValidationError) as refused:
        money.parse_rate_percent("4,5", "rate_annual")
    assert "rate_annual" in refused.value.fields
    with pytest.raises(ValidationError):
        money.parse_rate_percent("31")
    with pytest.raises(ValidationError):
        money.parse_rate_percent("4.1234567")
