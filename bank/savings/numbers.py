"""Deposit account numbers: an eight-digit serial followed by two mod-97 check digits.

The check digits are chosen so that the whole ten-digit number is 1 modulo 97, the same rule
IBANs use (ISO 7064 MOD 97-10). It catches every single mistyped digit and every swap of two
adjacent digits, so a mistyped number is refused at the counter instead of finding another
member's account. Pure functions (stdlib only).
"""

from __future__ import annotations

SERIAL_DIGITS = 8
#: Serials start here, so every number has exactly ten digits and none starts with a zero.
FIRST_SERIAL = 10_000_001


def check_digits(serial: int) -> str:
    """The two digits that make ``serial`` followed by them equal 1 modulo 97."""
    if not 10 ** (SERIAL_DIGITS - 1) <= serial < 10**SERIAL_DIGITS:
        raise ValueError(f"serial must have {SERIAL_DIGITS} digits: {serial}")
    return f"{98 - (serial * 100) % 97:02d}"


def make_number(serial: int) -> str:
    """The full ten-digit account number for a serial."""
    return f"{serial}{check_digits(serial)}"


def normalise(text: str) -> str:
    """Drop the spaces, dots and dashes people type ("1000 0001 43" → "1000000143")."""
    return "".join(ch for ch in str(text) if ch not in " .-\t")


def is_valid(number: str) -> bool:
    """Ten digits, no leading zero, and the whole number is 1 modulo 97."""
    return len(number) == 10 and number.isdigit() and number[0] != "0" and int(number) % 97 == 1


def serial_of(number: str) -> int:
    return int(number[:SERIAL_DIGITS])
