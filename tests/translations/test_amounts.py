"""Amounts are read and written per locale: "12.000" typed in Dutch is twelve thousand euros.

The parser (bank.numbers) reads the page's notation with Babel's symbols and guesses nothing: Dutch
groups thousands with "." and writes decimals after ","; English the other way round. What does not
follow the page's notation is refused with an example of the right form, in the reader's language.
The JSON API reads the canonical notation only ("12000.00"). What the interface prints, it reads
back to the same amount (a property test over 0,01 .. 10^13 in both languages).
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from flask import Flask
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st
from savings import factories
from savings.factories import balance
from sqlalchemy import func, select

from bank import money, numbers
from bank.errors import ValidationError
from bank.ledger.models import JournalEntry
from bank.web.messages import domain_text

from .conftest import NL_PO

BIG = Decimal(10**13)


def _refusal(text: object, locale: str | None, **kwargs: object) -> str:
    with pytest.raises(ValidationError) as caught:
        numbers.parse_amount(text, field="amount", locale=locale, **kwargs)
    assert list(caught.value.fields) == ["amount"], "the refusal names the field"
    return caught.value.fields["amount"]


# --- the parser, in Dutch and in English ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12.000", "12000.00"),
        ("1.000", "1000.00"),
        ("25.000", "25000.00"),
        ("12,5", "12.50"),
        ("12.000,50", "12000.50"),
        ("1.234.567,89", "1234567.89"),
        ("1234,56", "1234.56"),
        ("0,01", "0.01"),
        ("€ 12.000,00", "12000.00"),
        ("€\u00a012.000,00", "12000.00"),
        (" 12 ", "12.00"),
        ("100.000.000,00", "100000000.00"),
    ],
)
def test_dutch_reads_dots_as_thousands_and_the_comma_as_decimals(text, expected):
    assert numbers.parse_amount(text, field="amount", locale="nl") == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12,000", "12000.00"),
        ("12.5", "12.50"),
        ("12,000.50", "12000.50"),
        ("1,234,567.89", "1234567.89"),
        ("1234.56", "1234.56"),
        ("€12,000.00", "12000.00"),
    ],
)
def test_english_reads_commas_as_thousands_and_the_point_as_decimals(text, expected):
    assert numbers.parse_amount(text, field="amount", locale="en") == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "locale", "rule"),
    [
        ("12.000,5", "nl", "must have two decimals after grouped thousands, e.g. 12.000,50"),
        ("1.2.3", "nl", "must group thousands by three digits, e.g. 12.000,50"),
        ("12.00", "nl", "must group thousands by three digits, e.g. 12.000,50"),
        ("1.0000", "nl", "must group thousands by three digits, e.g. 12.000,50"),
        ("1,234.56", "nl", "must group thousands by three digits, e.g. 12.000,50"),
        ("12,505", "nl", "may have at most 2 decimals, e.g. 12.000,50"),
        ("12,000.5", "en", "must have two decimals after grouped thousands, e.g. 12,000.50"),
        ("12.000", "en", "may have at most 2 decimals, e.g. 12,000.50"),
        ("12,5", "en", "must group thousands by three digits, e.g. 12,000.50"),
        ("1,2,3", "en", "must group thousands by three digits, e.g. 12,000.50"),
        ("tien", "nl", "must be a number, e.g. 12.000,50"),
        ("1e3", "nl", "must be a number, e.g. 12.000,50"),
        (",5", "nl", "must be a number, e.g. 12.000,50"),
        ("12,", "nl", "must be a number, e.g. 12.000,50"),
        ("\u0661\u0662", "nl", "must be written with the digits 0 to 9, e.g. 12.000,50"),
        ("\uff11\uff12.000", "nl", "must be written with the digits 0 to 9, e.g. 12.000,50"),
        ("\u0967\u0968", "en", "must be written with the digits 0 to 9, e.g. 12,000.50"),
        ("1234567890123456", "nl", "may have at most 15 digits before the decimal sign"),
        ("9" * 40, "en", "may have at most 15 digits before the decimal sign"),
        ("1.234.567.890.123.456,00", "nl", "may have at most 15 digits before the decimal sign"),
        ("", "nl", "is required"),
        ("0", "nl", "must be greater than 0"),
        ("-5", "nl", "must be greater than 0"),
        ("100.000.000,01", "nl", "must not exceed 100000000.00"),
    ],
)
def test_what_does_not_follow_the_locale_is_refused_with_an_example(text, locale, rule):
    assert _refusal(text, locale) == rule


def test_more_than_fifteen_digits_never_reaches_decimal_arithmetic():
    """40 digits used to overflow Decimal's 28-digit context inside quantize: a 500, now a field error."""
    for locale in ("nl", "en", None):
        assert "at most 15 digits" in _refusal("1" * 60, locale, maximum=Decimal("1e50"))


def test_percentages_are_read_in_the_locale_too():
    assert numbers.parse_number("3,85", field="rate", locale="nl") == Decimal("3.85")
    assert numbers.parse_number("3,85 %", field="rate", locale="nl") == Decimal("3.85")
    assert numbers.parse_number("3.85", field="rate", locale="en") == Decimal("3.85")
    with pytest.raises(ValidationError) as caught:
        numbers.parse_number("3.85", field="rate", locale="nl")
    assert caught.value.fields == {"rate": "must group thousands by three digits, e.g. 3,85"}


def test_the_canonical_notation_is_the_apis():
    assert numbers.parse_amount("12000.00", field="amount", locale=None) == Decimal("12000.00")
    assert _refusal("12.000", None) == "may have at most 2 decimals, e.g. 1234.56"
    assert _refusal("12,5", None) == "must be a number, e.g. 1234.56"
    assert money.parse_amount(Decimal("12.5"), field="amount") == Decimal("12.50")


# --- in Dutch, through the catalogue ----------------------------------------------------------


def _dutch_catalogue() -> dict[str, str]:
    with NL_PO.open("rb") as fh:
        return {str(m.id): str(m.string) for m in read_po(fh, locale="nl") if m.id}


def test_every_refusal_of_the_parser_has_a_dutch_text():
    catalogue = _dutch_catalogue()
    rules = [
        money.IS_REQUIRED,
        money.NOT_A_NUMBER,
        money.NOT_ASCII_DIGITS,
        money.TOO_MANY_DECIMALS,
        money.TOO_MANY_DIGITS,
        money.NOT_A_FLOAT,
        money.MUST_BE_POSITIVE,
        money.MUST_NOT_BE_NEGATIVE,
        money.MUST_NOT_EXCEED,
        numbers.MISPLACED_GROUP,
        numbers.GROUPED_DECIMALS,
    ]
    untranslated = [rule for rule in rules if not catalogue.get(rule)]
    assert untranslated == []
    for rule in rules:
        assert re.findall(r"%\(\w+\)s", rule) == re.findall(r"%\(\w+\)s", catalogue[rule])


@pytest.mark.parametrize(
    ("text", "dutch"),
    [
        ("12.000,5", "moet na gescheiden duizendtallen precies twee decimalen hebben, bijv. 12.000,50"),
        ("1.2.3", "moet duizendtallen per drie cijfers scheiden, bijv. 12.000,50"),
        ("\u0661\u0662", "moet met de cijfers 0 tot en met 9 geschreven zijn, bijv. 12.000,50"),
        ("1" * 16, "mag hoogstens 15 cijfers vóór de komma hebben"),
        ("12,505", "mag hoogstens 2 decimalen hebben, bijv. 12.000,50"),
        ("100.000.000,01", "mag niet hoger zijn dan € 100.000.000,00"),
    ],
)
def test_a_dutch_reader_reads_the_refusal_in_dutch(app: Flask, text, dutch):
    rule = _refusal(text, "nl")
    with app.test_request_context(), force_locale("nl"):
        assert domain_text(rule) == dutch.replace("€ ", "€\u00a0")


# --- what the interface prints, it reads back -------------------------------------------------

amounts = st.integers(min_value=1, max_value=10**15).map(lambda cents: Decimal(cents).scaleb(-2))


@settings(max_examples=300, deadline=None)
@given(amount=amounts, locale=st.sampled_from(["nl", "en"]))
def test_what_the_interface_prints_it_reads_back(amount, locale):
    printed = [
        format_currency(amount, "EUR", locale=locale, format_type="standard"),  # the money filter
        format_decimal(amount, format="#,##0.00", locale=locale),
        numbers.format_amount(amount, locale),  # what a form shows
        numbers.canonical(amount) if locale == "en" else numbers.canonical(amount).replace(".", ","),
    ]
    for text in printed:
        assert numbers.parse_amount(text, field="amount", locale=locale, maximum=BIG) == amount, text


@settings(max_examples=200, deadline=None)
@given(
    percent=st.integers(min_value=0, max_value=30_000_000).map(lambda n: Decimal(n).scaleb(-6)),
    locale=st.sampled_from(["nl", "en"]),
)
def test_a_printed_percentage_reads_back(percent, locale):
    printed = numbers.format_number(percent, locale)
    assert numbers.parse_number(printed, field="rate", locale=locale, places=6) == percent


# --- the web: a Dutch teller deposits "12.000" ------------------------------------------------


def _form_key(page: str) -> str:
    match = re.search(r'name="form_key" type="hidden" value="([^"]+)"', page) or re.search(
        r'id="form_key" name="form_key" type="hidden" value="([^"]+)"', page
    )
    assert match, "the form carries a one-time key"
    return match.group(1)


@pytest.fixture
def account(session):
    product = factories.product(session)
    member = factories.member(session, last_name="Noor")
    account = factories.account(session, member, product)
    session.commit()
    return account


def test_a_dutch_teller_depositing_12_000_books_twelve_thousand(app, session, login_as, page, account):
    login_as("teller")
    status, form = page(f"/staff/accounts/{account.id}/deposit")
    assert status == 200
    assert "bijv. 1.234,56" in form, "the hint shows the Dutch notation the field reads"
    status, _body = page(
        f"/staff/accounts/{account.id}/deposit",
        {"form_key": _form_key(form), "amount": "12.000", "description": "Contant"},
    )
    assert status == 302
    session.expire_all()
    assert balance(session, account) == Decimal("12000.00")
    status, detail = page(f"/staff/accounts/{account.id}")
    assert "€\u00a012.000,00" in detail


def test_a_dutch_teller_is_told_the_dutch_form_and_nothing_is_booked(app, session, login_as, page, account):
    login_as("teller")
    entries = session.scalar(select(func.count()).select_from(JournalEntry))
    session.commit()  # end the read: SQLite lets one writer in at a time
    _status, form = page(f"/staff/accounts/{account.id}/deposit")
    for typed, dutch in (
        ("12.000,5", "moet na gescheiden duizendtallen precies twee decimalen hebben, bijv. 12.000,50"),
        ("1.2.3", "moet duizendtallen per drie cijfers scheiden, bijv. 12.000,50"),
        ("\uff11\uff12", "moet met de cijfers 0 tot en met 9 geschreven zijn, bijv. 12.000,50"),
        ("9" * 30, "mag hoogstens 15 cijfers vóór de komma hebben"),
    ):
        status, body = page(
            f"/staff/accounts/{account.id}/deposit", {"form_key": _form_key(form), "amount": typed}
        )
        assert status == 422, typed
        assert dutch in body, typed
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == entries
    assert balance(session, account) == Decimal("0.00")


def test_an_english_page_reads_english_notation(app, client, session, login_as, page, account):
    login_as("teller")
    client.post("/lang/en", data={"next": "/"})
    _status, form = page(f"/staff/accounts/{account.id}/deposit")
    assert "e.g. 1,234.56" in form
    status, _body = page(
        f"/staff/accounts/{account.id}/deposit", {"form_key": _form_key(form), "amount": "12,000"}
    )
    assert status == 302
    session.expire_all()
    assert balance(session, account) == Decimal("12000.00")


# --- the JSON API: canonical strings only -----------------------------------------------------


@pytest.mark.parametrize("principal", ["12.000", "12,5", "12.000,00", "1,234.56", "\u0661\u0662"])
def test_the_api_refuses_people_notation_naming_the_field(client, principal):
    response = client.post(
        "/api/v1/schedule-preview",
        json={"principal": principal, "rate_annual": "6", "term": 12, "disbursed_on": "2026-01-15"},
    )
    assert response.status_code == 422, response.get_data(as_text=True)
    assert "principal" in response.get_json()["fields"]


def test_the_api_takes_and_gives_canonical_strings(client):
    response = client.post(
        "/api/v1/schedule-preview",
        json={"principal": "12000.00", "rate_annual": "6", "term": 12, "disbursed_on": "2026-01-15"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["instalment_amount"] == "1032.80"  # 12 000 at 6 % over 12 months, to the cent
    assert sum(Decimal(row["principal"]) for row in body["instalments"]) == Decimal("12000.00")
    for row in body["instalments"]:
        assert all(re.fullmatch(r"\d+\.\d{2}", row[name]) for name in ("principal", "interest", "total"))


# --- the public calculator and other forms ----------------------------------------------------


def test_the_public_calculator_reads_25_000_as_twenty_five_thousand(app, page):
    query = (
        "principal=25.000&term_months=12&rate_annual=6&method=annuity&frequency=monthly&day_count=30%2F360"
    )
    status, body = page(f"/calculator?{query}&disbursed_on=2026-01-15")
    assert status == 200
    assert "€\u00a025.000,00" in body
    assert 'value="0,01"' in body, "the rounding field shows the Dutch notation it reads back"
    status, body = page(f"/calculator?{query.replace('25.000', '25.000,5')}&disbursed_on=2026-01-15")
    assert "moet na gescheiden duizendtallen precies twee decimalen hebben, bijv. 12.000,50" in body
    status, body = page(f"/calculator?{query.replace('term_months=12', 'term_months=%EF%BC%91%EF%BC%92')}")
    assert "moet met de cijfers 0 tot en met 9 geschreven zijn" in body
