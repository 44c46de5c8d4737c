"""Money is born here (L0, stdlib only).

Every amount in the bank is a ``decimal.Decimal`` with two places. Floats are refused at the
door because a binary fraction cannot hold a cent exactly; rounding happens only where the
design says so (a posting, an instalment's interest), always ROUND_HALF_UP to the cent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation

from bank.errors import ValidationError

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


#: Forms people type: plain digits with one decimal sign ("1234,56" / "1234.56"), or grouped
#: thousands with the other sign for decimals ("1.234,56" Dutch, "1,234.56" English). One
#: grouping sign alone with three digits ("1.234") is read as decimals and so refused, never
#: guessed to be a thousand.
_PLAIN = re.compile(r"^(?P<int>\d+)(?:[.,](?P<frac>\d+))?$")
_GROUPED_NL = re.compile(
    r"^(?P<int>\d{1,3}(?:\.\d{3})+)(?:,(?P<frac>\d+))$|^(?P<int2>\d{1,3}(?:\.\d{3}){2,})$"
)
_GROUPED_EN = re.compile(
    r"^(?P<int>\d{1,3}(?:,\d{3})+)(?:\.(?P<frac>\d+))$|^(?P<int2>\d{1,3}(?:,\d{3}){2,})$"
)


def _normalise_amount_text(raw: str) -> str | None:
    """Canonical ``[-]digits[.digits]`` for the accepted notations, or None when it is not a number."""
    sign = ""
    if raw[:1] in "+-":
        sign, raw = ("-" if raw[0] == "-" else ""), raw[1:]
    for pattern, group_sign in ((_PLAIN, ""), (_GROUPED_NL, "."), (_GROUPED_EN, ",")):
        match = pattern.match(raw)
        if match is None:
            continue
        whole = match.group("int") or match.groupdict().get("int2") or ""
        if group_sign:
            whole = whole.replace(group_sign, "")
        fraction = match.group("frac")
        return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"
    return None


def parse_amount(
    text: object,
    *,
    field: str,
    allow_zero: bool = False,
    maximum: Decimal = MAX_AMOUNT,
) -> Decimal:
    """Parse an amount typed by a person or sent by an integration, naming the field on error.

    Accepts ``1234.56``, ``1234,56``, Dutch ``1.234,56`` and English ``1,234.56``; refuses
    text, exponents, more than two decimals, zero or negative amounts and anything above
    ``maximum``. A Decimal or int is checked by the same rules.
    """
    if isinstance(text, float | bool):
        raise ValidationError(field, "must be given as text or a decimal, not a float")
    if isinstance(text, Decimal | int):
        amount = to_decimal(text)
        if not amount.is_finite():
            raise ValidationError(field, "must be a number, e.g. 1234,56")
    else:
        raw = str(text if text is not None else "").strip().replace("€", "")
        raw = "".join(raw.split())  # spaces, also the non-breaking ones Babel prints
        if not raw:
            raise ValidationError(field, "is required")
        canonical = _normalise_amount_text(raw)
        if canonical is None:
            raise ValidationError(field, "must be a number, e.g. 1234,56")
        amount = Decimal(canonical)
    if amount != amount.quantize(CENT, rounding=ROUND_DOWN):
        raise ValidationError(field, "may have at most 2 decimals")
    if amount < 0 or (amount == 0 and not allow_zero):
        raise ValidationError(field, "must be greater than 0" if not allow_zero else "must not be negative")
    if amount > maximum:
        raise ValidationError(field, f"must not exceed {maximum:,.2f}")
    return amount.quantize(CENT)


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
