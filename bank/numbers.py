"""Numbers as people read and write them, per locale (Babel; no Flask, the caller names the locale).

Dutch groups thousands with "." and writes decimals after ","; English the other way round. The
same text means different amounts ("12.000" is twelve thousand in Dutch and twelve in English), so
nothing is guessed: the page's locale decides, and text that does not follow it is refused with an
example of the right form ("bijv. 12.000,50"). What the interface prints (``format_amount``,
Babel's ``format_currency``) the interface reads back to the same amount.

Rules, per locale: ASCII digits only; an optional sign and euro sign around the number; the number
is either plain digits with an optional decimal part ("12000,5") or thousands grouped in threes
("12.000" or "12.000,50": after grouped thousands there are no decimals or exactly two); at most 15
digits before the decimal sign. ``locale=None`` is the canonical notation of the API
(:func:`bank.money.parse_decimal`).
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel import Locale
from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

from bank import money
from bank.errors import N_, ValidationError
from bank.money import (
    IS_REQUIRED,
    MAX_AMOUNT,
    MAX_INTEGER_DIGITS,
    NOT_A_NUMBER,
    NOT_ASCII_DIGITS,
    TOO_MANY_DECIMALS,
    TOO_MANY_DIGITS,
)

LocaleLike = Locale | str | None

PERCENT_OUT_OF_RANGE = N_("must be between 0 and %(maximum_percent)s per cent")
MISPLACED_GROUP = N_("must group thousands by three digits, e.g. %(example)s")
GROUPED_DECIMALS = N_("must have two decimals after grouped thousands, e.g. %(example)s")

#: The numbers the refusals show as examples: an amount and a percentage.
EXAMPLE_AMOUNT = Decimal("12000.50")
EXAMPLE_PERCENT = Decimal("3.85")

_CURRENCY_SIGNS = ("€", "EUR")


def _name(locale: LocaleLike) -> str:
    return str(locale) if locale else "nl"


def format_amount(value: Decimal | int | str, locale: LocaleLike) -> str:
    """An amount as a form shows it, without the euro sign: ``12.000,50`` (nl), ``12,000.50`` (en)."""
    return format_decimal(Decimal(value), format="#,##0.00", locale=_name(locale))


def format_number(value: Decimal | int | str, locale: LocaleLike, *, places: int = 6) -> str:
    """A percentage or other decimal as a form shows it: ``3,85`` (nl), ``3.85`` (en), no grouping.

    Up to ``places`` decimals, trailing zeros dropped; what it prints, :func:`parse_number` reads.
    """
    pattern = "0" + ("." + "#" * places if places else "")
    return format_decimal(Decimal(value), format=pattern, locale=_name(locale))


def amount_example(locale: LocaleLike) -> str:
    """The example an amount's refusal gives: ``12.000,50`` (nl), ``12,000.50`` (en), canonical without."""
    return format_amount(EXAMPLE_AMOUNT, locale) if locale else money.CANONICAL_EXAMPLE


def percent_example(locale: LocaleLike) -> str:
    return format_number(EXAMPLE_PERCENT, locale) if locale else f"{EXAMPLE_PERCENT}"


def read_decimal(
    text: object,
    *,
    field: str,
    locale: LocaleLike,
    places: int | None = 2,
    example: str | None = None,
    signs: tuple[str, ...] = _CURRENCY_SIGNS,
) -> Decimal:
    """The number ``text`` means in ``locale``, exactly; a ValidationError naming ``field`` if none.

    ``signs`` are symbols that may stand before or after the number (the euro sign for amounts,
    ``%`` for percentages); ``places`` limits the decimals (None: any).
    """
    if locale is None or isinstance(text, Decimal | int | float | bool):
        return money.parse_decimal(
            text, field=field, places=places, example=example or money.CANONICAL_EXAMPLE
        )
    name = _name(locale)
    example = example or amount_example(name)
    raw = str(text if text is not None else "").strip()
    if not raw:
        raise ValidationError(field, IS_REQUIRED)
    if money.has_foreign_digits(raw):
        raise ValidationError(field, NOT_ASCII_DIGITS, example=example)
    decimal_sign, group_sign = get_decimal_symbol(name), get_group_symbol(name)
    minus_signs = {"-", get_minus_sign_symbol(name)}
    negative = False
    body = raw
    # "€ -12,00" (nl), "-€12.00" (en), "12,00 €", "3,85 %": a sign and a symbol around the number.
    for _round in range(2):
        for symbol in signs:
            if body.startswith(symbol):
                body = body[len(symbol) :].strip()
            elif body.endswith(symbol):
                body = body[: -len(symbol)].strip()
        if body[:1] in minus_signs and not negative:
            negative, body = True, body[1:].strip()
        elif body[:1] == "+":
            body = body[1:].strip()
    if not body or any(ch not in "0123456789" + decimal_sign + group_sign for ch in body):
        raise ValidationError(field, NOT_A_NUMBER, example=example)
    whole, has_fraction, fraction = body.partition(decimal_sign)
    if not whole or (has_fraction and not fraction.isdigit()):
        if group_sign in fraction:
            raise ValidationError(field, MISPLACED_GROUP, example=example)
        raise ValidationError(field, NOT_A_NUMBER, example=example)
    grouped = group_sign in whole
    if grouped:
        if not re.fullmatch(r"[0-9]{1,3}(?:" + re.escape(group_sign) + r"[0-9]{3})+", whole):
            raise ValidationError(field, MISPLACED_GROUP, example=example)
        whole = whole.replace(group_sign, "")
    if len(whole.lstrip("0")) > MAX_INTEGER_DIGITS:
        raise ValidationError(field, TOO_MANY_DIGITS, digits=MAX_INTEGER_DIGITS)
    if places is not None and len(fraction) > places:
        raise ValidationError(field, TOO_MANY_DECIMALS, places=places, example=example)
    if grouped and has_fraction and len(fraction) < 2:
        raise ValidationError(field, GROUPED_DECIMALS, example=example)
    return Decimal(("-" if negative else "") + whole + ("." + fraction if fraction else ""))


def parse_amount(
    text: object,
    *,
    field: str,
    locale: LocaleLike,
    allow_zero: bool = False,
    maximum: Decimal = MAX_AMOUNT,
) -> Decimal:
    """An amount typed in ``locale``'s notation, checked by :func:`bank.money.parse_amount`'s rules.

    "12.000" is € 12.000,00 in Dutch; "12,5" is € 12,50; "12.000,5", "1.2.3" and "١٢" are refused
    with an example of the right form. ``locale=None`` reads the canonical notation of the API.
    """
    example = amount_example(locale)
    number = read_decimal(text, field=field, locale=locale, places=2, example=example)
    return money.parse_amount(number, field=field, allow_zero=allow_zero, maximum=maximum, example=example)


def parse_number(text: object, *, field: str, locale: LocaleLike, places: int | None = None) -> Decimal:
    """A percentage or other decimal typed in ``locale``'s notation ("3,85" in Dutch), a ``%`` allowed."""
    return read_decimal(
        text, field=field, locale=locale, places=places, example=percent_example(locale), signs=("%",)
    )


def parse_percent(
    text: object,
    *,
    field: str,
    locale: LocaleLike,
    maximum_percent: Decimal | None = None,
    places: int = 6,
) -> Decimal:
    """A percentage typed in ``locale``'s notation ("4,5" in Dutch) as the fraction the bank stores (0.045).

    People type rates as percentages; the domain stores fractions. ``maximum_percent`` (when
    given) bounds it from 0 to that many per cent, named in the refusal; without it the service
    that receives the rate judges its range. The API and the command line send rates in the
    canonical notation instead (:mod:`bank.money`).
    """
    percent = parse_number(text, field=field, locale=locale, places=places)
    if maximum_percent is not None and not 0 <= percent <= maximum_percent:
        shown = int(maximum_percent) if maximum_percent == int(maximum_percent) else maximum_percent
        raise ValidationError(field, PERCENT_OUT_OF_RANGE, maximum_percent=shown)
    return percent / 100


def canonical(number: Decimal) -> str:
    """The canonical text of a number ("12000.50"): what the domain and the API read."""
    return format(number, "f")
