"""Money is born here (L0, stdlib only).

Every amount in the bank is a ``decimal.Decimal`` with two places. Floats are refused at the
door because a binary fraction cannot hold a cent exactly; rounding happens only where the
design says so (a posting, an instalment's interest), always ROUND_HALF_UP to the cent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from bank.errors import N_, ValidationError

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
#: The largest single amount any form, command or API accepts (€ 100.000.000,00).
MAX_AMOUNT = Decimal("100000000.00")


def to_decimal(value: object) -> Decimal:
    """Turn an int, str or Decimal into a Decimal, refusing floats and booleans.

    Refusing floats here is what keeps a binary rounding error out of every ledger line.
    """
    if isinstance(value, (bool, float)):
        raise TypeError(f"money must not be a {type(value).__name__}: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a number: {value!r}") from exc
    else:
        raise TypeError(f"cannot make money from {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def round_cents(value: object) -> Decimal:
    """Round half-up to the cent: the bank's one rounding rule."""
    return to_decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money(value: object) -> Decimal:
    """An exact amount with at most two decimals; more precision is an error, not a rounding."""
    amount = to_decimal(value)
    if amount != amount.quantize(CENT, rounding=ROUND_DOWN):
        raise ValueError(f"more than two decimals: {value!r}")
    return amount.quantize(CENT)


def to_cents(amount: Decimal) -> int:
    """Integer cents of an exact amount (the storage form)."""
    return int(money(amount) * 100)


def from_cents(cents: int) -> Decimal:
    """A Decimal amount from integer cents."""
    return (Decimal(int(cents)) / 100).quantize(CENT)


#: The canonical notation of the API, the command line and stored text: ASCII digits, an
#: optional minus and a full stop before the decimals ("12000.00", "4.5"). Nothing is guessed:
#: "12.000" is twelve with three decimals (and so refused as an amount), never twelve thousand.
#: Forms read people's notation per locale in :mod:`bank.numbers` and hand the domain a Decimal.
_CANONICAL = re.compile(r"-?([0-9]+)(?:\.([0-9]+))?")
#: More digits than this before the decimal sign is refused by name (past 28 digits Decimal's
#: arithmetic would raise InvalidOperation, a 500 instead of a field error).
MAX_INTEGER_DIGITS = 15
#: The example the canonical notation's refusals give.
CANONICAL_EXAMPLE = "1234.56"

IS_REQUIRED = N_("is required")
NOT_A_NUMBER = N_("must be a number, e.g. %(example)s")
NOT_ASCII_DIGITS = N_("must be written with the digits 0 to 9, e.g. %(example)s")
TOO_MANY_DECIMALS = N_("may have at most %(places)s decimals, e.g. %(example)s")
TOO_MANY_DIGITS = N_("may have at most %(digits)s digits before the decimal sign")
NOT_A_FLOAT = N_("must be given as text or a decimal, not a float")
MUST_BE_POSITIVE = N_("must be greater than 0")
MUST_NOT_BE_NEGATIVE = N_("must not be negative")
MUST_NOT_EXCEED = N_("must not exceed %(maximum)s")


def has_foreign_digits(text: str) -> bool:
    """True when ``text`` holds a digit other than 0-9 (Arabic-Indic, full-width, ...).

    Python's ``\\d``, ``int()`` and ``Decimal()`` all accept them; the bank does not, so that what
    a person sees typed is what is booked.
    """
    return any(ch.isdigit() and not ("0" <= ch <= "9") for ch in text)


def parse_decimal(
    text: object, *, field: str, places: int | None = 2, example: str = CANONICAL_EXAMPLE
) -> Decimal:
    """Read canonical text ("12000.50", "-3", "4.125") exactly, naming the field on any refusal.

    ``places`` limits the decimals (None: any). Decimals and ints are checked by the same rules,
    so an integration that sends a JSON number is held to them too.
    """
    if isinstance(text, float | bool):
        raise ValidationError(field, NOT_A_FLOAT)
    if isinstance(text, Decimal | int):
        number = Decimal(text)
        if not number.is_finite():
            raise ValidationError(field, NOT_A_NUMBER, example=example)
        _sign, digits, exponent = number.as_tuple()
        assert isinstance(exponent, int)
        whole_digits = max(number.adjusted() + 1, 0) if number else 0
        trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
        decimals = max(-exponent - trailing_zeros, 0)
    else:
        raw = str(text if text is not None else "").strip()
        if not raw:
            raise ValidationError(field, IS_REQUIRED)
        if has_foreign_digits(raw):
            raise ValidationError(field, NOT_ASCII_DIGITS, example=example)
        match = _CANONICAL.fullmatch(raw)
        if match is None:
            raise ValidationError(field, NOT_A_NUMBER, example=example)
        whole_digits = len(match.group(1).lstrip("0"))
        decimals = len(match.group(2) or "")
        number = None
    if whole_digits > MAX_INTEGER_DIGITS:
        raise ValidationError(field, TOO_MANY_DIGITS, digits=MAX_INTEGER_DIGITS)
    if places is not None and decimals > places:
        raise ValidationError(field, TOO_MANY_DECIMALS, places=places, example=example)
    return number if number is not None else Decimal(raw)


def parse_amount(
    text: object,
    *,
    field: str,
    allow_zero: bool = False,
    maximum: Decimal = MAX_AMOUNT,
    example: str = CANONICAL_EXAMPLE,
) -> Decimal:
    """An amount in the canonical notation (or a Decimal), naming the field on error.

    Accepts ``1234.56``, ``1234.5`` and ``1234``; refuses grouping signs, a decimal comma, other
    digits than 0-9, exponents, more than two decimals, more than 15 digits before the decimal
    sign, zero or negative amounts and anything above ``maximum``. People's notation ("1.234,56"
    in Dutch) is read by :func:`bank.numbers.parse_amount` with their locale.
    """
    amount = parse_decimal(text, field=field, places=2, example=example)
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(field, MUST_NOT_BE_NEGATIVE if allow_zero else MUST_BE_POSITIVE)
    if amount > maximum:
        raise ValidationError(field, MUST_NOT_EXCEED, maximum=maximum.quantize(CENT))
    return amount.quantize(CENT)


#: The example a percentage's refusal gives in the canonical notation.
RATE_EXAMPLE = "4.5"
#: Rates are stored with 8 decimals (a percentage with 6), as ``RateType`` and the schedule hold them.
RATE_SCALE = 10**8


def parse_rate_percent(value: object, field_name: str = "rate_annual") -> Decimal:
    """A rate given as a percentage ("12", "4.5", "4.5%") → the fraction (0.12, 0.045); 0–30 %.

    The one reader of percentages in the canonical notation (loan terms, products, the
    committee's decision, the API and the CLI); what people type is read by
    :func:`bank.numbers.parse_percent` in their locale.

    The canonical notation only, like amounts (:func:`bank.money.parse_amount`): "4,5" is
    refused naming the field rather than guessed, as the API and the CLI know no locale. Pages
    read what people type in their language first (``bank.numbers``) and pass it on canonical.
    """
    if isinstance(value, float | bool):
        raise ValidationError(field_name, N_("must be given as text or a decimal, not a float"))
    text = value if isinstance(value, Decimal | int) else str(value if value is not None else "")
    if isinstance(text, str):
        text = text.strip().removesuffix("%").strip()
    percent = parse_decimal(text, field=field_name, places=None, example=RATE_EXAMPLE)
    if not percent.is_finite() or not 0 <= percent <= 30:
        raise ValidationError(field_name, N_("must be between 0 and 30 per cent"))
    rate = percent / 100
    if rate * RATE_SCALE != (rate * RATE_SCALE).to_integral_value():
        raise ValidationError(field_name, N_("may have at most 6 decimals"))
    return rate


#: Rates given as a fraction (0.0125 is 1.25 %) are exact to 8 decimals, like ``RateType``.
RATE_QUANTUM = Decimal(1) / RATE_SCALE


def parse_rate_fraction(
    value: object,
    *,
    field: str,
    maximum: Decimal,
    not_a_number: str,
    out_of_range: str,
    refuse_float: bool = True,
) -> Decimal:
    """A rate given as a fraction ("0.0125" is 1.25 %), from 0 to ``maximum``, 8 decimals at most.

    The one reader of rates written as fractions: a savings product's rate and a pool's margin
    share and target return. Each says in its own words what such a number looks like and what
    its range is (``not_a_number``, ``out_of_range``, a literal or a ``Message``). A comma is
    read as the decimal sign. A float is refused unless ``refuse_float`` is off (savings rates
    have always been read from any value's text).
    """
    if refuse_float and isinstance(value, float):
        raise ValidationError(field, NOT_A_FLOAT)
    try:
        rate = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        raise ValidationError(field, not_a_number) from None
    if not rate.is_finite() or rate < 0 or rate > maximum:
        raise ValidationError(field, out_of_range)
    if rate != rate.quantize(RATE_QUANTUM):
        raise ValidationError(field, N_("may have at most 8 decimals"))
    return rate


def split(total: Decimal, weights: Sequence[Decimal | int]) -> list[Decimal]:
    """Split ``total`` over ``weights`` to the cent by largest remainder; parts sum to ``total``.

    Ties in the remainder go to the earlier weight, so the result is deterministic.
    """
    total_cents = to_cents(total)
    weight_values = [to_decimal(w) for w in weights]
    if any(w < 0 for w in weight_values):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weight_values, Decimal(0))
    if not weight_values:
        raise ValueError("nothing to split over")
    if weight_sum == 0:
        if total_cents == 0:
            return [ZERO for _ in weight_values]
        raise ValueError("cannot split a non-zero amount over zero weights")
    sign = -1 if total_cents < 0 else 1
    magnitude = abs(total_cents)
    exact = [Decimal(magnitude) * w / weight_sum for w in weight_values]
    floors = [int(e.to_integral_value(rounding=ROUND_DOWN)) for e in exact]
    leftover = magnitude - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:leftover]:
        floors[i] += 1
    parts = [from_cents(sign * c) for c in floors]
    assert sum(parts, ZERO) == from_cents(total_cents), "split lost a cent"
    return parts
