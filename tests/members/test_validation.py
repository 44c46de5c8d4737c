"""Each field rule with good and bad values; the error names the field and the rule."""

from __future__ import annotations

import datetime as dt

import pytest

from bank.errors import ValidationError
from bank.members import validation as v


def refused(call, *args, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        call(*args, **kwargs)
    return caught.value.fields


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("1092 AB", "1092 AB"), ("1092ab", "1092 AB"), (" 1092  aB ", "1092 AB"), ("9999 ZZ", "9999 ZZ")],
)
def test_postcode_is_normalised(typed, stored):
    assert v.postcode(typed) == stored


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("0192 AB", "four digits and two letters"),
        ("109 AB", "four digits and two letters"),
        ("1092 A", "four digits and two letters"),
        ("1092 A1", "four digits and two letters"),
        ("10923 AB", "four digits and two letters"),
        ("1092 SS", "never used"),
        ("1092 sa", "never used"),
        ("", "is required"),
    ],
)
def test_bad_postcodes_are_refused(typed, rule):
    fields = refused(v.postcode, typed)
    assert list(fields) == ["postcode"]
    assert rule in fields["postcode"]


def test_iban_is_stored_compact_and_upper_case():
    assert v.iban("nl91 abna 0417 1643 00") == "NL91ABNA0417164300"
    assert v.iban("DE89 3704 0044 0532 0130 00") == "DE89370400440532013000"


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("NL91ABNA0417164301", "check digits"),
        ("NL92ABNA0417164300", "check digits"),
        ("NL91ABNA041716430", "length"),
        ("ZZ91ABNA0417164300", "country"),
        ("", "is required"),
    ],
)
def test_bad_ibans_are_refused(typed, reason):
    fields = refused(v.iban, typed)
    assert reason in fields["external_iban"]


def test_iban_outside_the_sepa_zone_is_refused():
    # A valid Brazilian IBAN: right check digits, but we pay out by SEPA transfer only.
    fields = refused(v.iban, "BR1800360305000010009795493C1")
    assert "SEPA" in fields["external_iban"]


@pytest.mark.parametrize(("typed", "stored"), [("111222333", "111222333"), ("1112.22.333", "111222333")])
def test_bsn_passing_the_eleven_test(typed, stored):
    assert v.bsn(typed) == stored


def test_eight_digit_bsn_gets_its_leading_zero():
    # 012345672: 0*9+1*8+2*7+3*6+4*5+5*4+6*3+7*2-2 = 110, divisible by 11.
    assert v.bsn("12345672") == "012345672"


@pytest.mark.parametrize(
    ("typed", "rule"),
    [
        ("111222334", "11-proef"),
        ("123456789", "11-proef"),
        ("12345", "9 digits"),
        ("1112223330", "9 digits"),
        ("11122233a", "9 digits"),
    ],
)
def test_bad_bsns_are_refused(typed, rule):
    assert rule in refused(v.bsn, typed)["bsn"]


def test_kvk_number_is_eight_digits():
    assert v.kvk_number("8512 3456") == "85123456"
    assert v.kvk_number("01234567") == "01234567"
    for bad in ("1234567", "123456789", "1234567a", "00000000", ""):
        assert "kvk_number" in refused(v.kvk_number, bad)
    assert "8 digits" in refused(v.kvk_number, "1234567")["kvk_number"]


@pytest.mark.parametrize("typed", ["Anna@Example.NL", "a.b+c@sub.example.org"])
def test_good_emails_are_lower_cased(typed):
    assert v.email(typed) == typed.lower()


@pytest.mark.parametrize(
    "typed", ["anna", "anna@", "@example.nl", "anna@example", "an na@example.nl", "a..b@example.nl"]
)
def test_bad_emails_are_refused(typed):
    assert "e-mail address" in refused(v.email, typed)["email"]


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06-12345678", "06-12345678"),
        ("020 123 4567", "020 123 4567"),
        ("+31 6 1234 5678", "+31 6 1234 5678"),
        ("0031 6 1234 5678", "+31 6 1234 5678"),
        ("+233 24 123 4567", "+233 24 123 4567"),
    ],
)
def test_phone_numbers_are_accepted_leniently(typed, stored):
    assert v.phone(typed) == stored


@pytest.mark.parametrize("typed", ["12345", "0612345", "061234567890", "phone me", "+31 6", "6 1234 5678"])
def test_implausible_phone_numbers_are_refused(typed):
    assert "phone" in refused(v.phone, typed)


def test_date_of_birth_rules():
    today = dt.date(2026, 11, 28)
    assert v.date_of_birth(dt.date(2008, 11, 28), today) == dt.date(2008, 11, 28)  # 18 today
    assert "at least 18" in refused(v.date_of_birth, dt.date(2008, 11, 29), today)["date_of_birth"]
    assert "future" in refused(v.date_of_birth, dt.date(2027, 1, 1), today)["date_of_birth"]
    assert "over 120" in refused(v.date_of_birth, dt.date(1900, 1, 1), today)["date_of_birth"]
    assert "is required" in refused(v.date_of_birth, None, today)["date_of_birth"]


def test_house_numbers():
    for good in ("12", "12-3", "112A", "12 hs", "7 bis"):
        assert v.house_number(good) == good
    for bad in ("", "A12", "0", "twelve"):
        assert "house_number" in refused(v.house_number, bad)


def test_document_last4_keeps_four_characters_only():
    assert v.document_last4("x7k2") == "X7K2"
    assert "last 4" in refused(v.document_last4, "NXC1234567")["document_number_last4"]


def test_text_fields():
    assert v.required_text("  Jan   Piet ", "first_name", max_length=10) == "Jan Piet"
    assert "is required" in refused(v.required_text, "   ", "first_name", max_length=10)["first_name"]
    assert "at most 3" in refused(v.required_text, "abcd", "first_name", max_length=3)["first_name"]


def test_mask_bsn_shows_the_last_four():
    assert v.mask_bsn("111222333") == "*****2333"
