"""Checks and normal forms for what staff type about members (L3, no database).

Every function takes raw text, returns the value in the form we store, and raises
:class:`bank.errors.ValidationError` naming the field and the rule it broke. The service runs
them all and reports every broken rule at once, so a form shows each message beside its field.

Rules chosen here, and why:

* Postcode: four digits (the first not 0) and two letters, stored as ``"1092 AB"``; PostNL
  never issues the letter pairs SA, SD and SS, so they are refused.
* IBAN: checked with schwifty (country, length, check digits, BBAN structure) and limited to
  the SEPA zone, because withdrawals are paid out by SEPA credit transfer. Stored compact and
  upper-case (``NL91ABNA0417164300``); the ``iban`` filter groups it for display.
* BSN: nine digits passing the 11-proef (python-stdnum ``nl.bsn``); eight-digit BSNs get their
  leading zero back.
* KvK number: exactly eight digits (dots and spaces typed from an extract are ignored).
* RSIN (an organisation's tax number): nine digits passing the same 11-proef as a BSN (the
  installed python-stdnum has no ``nl.rsin`` module; its ``nl.bsn`` checks the same rule).
* Date of birth: not in the future, at least :data:`MINIMUM_AGE_YEARS` years before today and
  at most :data:`MAXIMUM_AGE_YEARS`. A member signs the membership and share agreement and
  votes in the general meeting; in the Netherlands that needs legal capacity, which comes at
  18. Older than 120 is a typing error.
* Phone: lenient about spaces, dashes, dots and brackets, but it must be a Dutch number (ten
  digits starting with 0) or an international one (``+`` or ``00`` and 8 to 15 digits).
"""

from __future__ import annotations

import datetime as dt
import re

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.nl import bsn as stdnum_bsn

from bank.errors import N_, ValidationError

MINIMUM_AGE_YEARS = 18
MAXIMUM_AGE_YEARS = 120
LANGUAGES = ("nl", "en")

_POSTCODE = re.compile(r"^([1-9][0-9]{3})\s*([A-Za-z]{2})$")
_UNISSUED_POSTCODE_LETTERS = frozenset({"SA", "SD", "SS"})
_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)
_PHONE_ALLOWED = re.compile(r"^\+?[0-9 ()./-]+$")
_HOUSE_NUMBER = re.compile(r"^[1-9][0-9]{0,5}(?:\s*[-/ ]?\s*[A-Za-z0-9]{1,6})?$")
_DOCUMENT_LAST4 = re.compile(r"^[A-Z0-9]{4}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def required_text(value: str | None, field: str, *, max_length: int) -> str:
    """Trimmed text that must be present and fit its column; no control characters."""
    text = optional_text(value, field, max_length=max_length)
    if not text:
        raise ValidationError(field, N_("is required"))
    return text


def optional_text(value: str | None, field: str, *, max_length: int) -> str:
    """Trimmed text (inner runs of spaces collapsed) or ``""``."""
    text = " ".join((value or "").split())
    if len(text) > max_length:
        raise ValidationError(field, N_("must be at most %(max_length)s characters"), max_length=max_length)
    if _CONTROL.search(text):
        raise ValidationError(field, N_("must not contain control characters"))
    return text


def postcode(value: str | None, field: str = "postcode") -> str:
    """A Dutch postcode normalised to ``"1092 AB"``."""
    text = (value or "").strip()
    if not text:
        raise ValidationError(field, N_("is required"))
    match = _POSTCODE.match(text)
    if not match:
        raise ValidationError(
            field, N_("must be a Dutch postcode: four digits and two letters, like 1092 AB")
        )
    letters = match.group(2).upper()
    if letters in _UNISSUED_POSTCODE_LETTERS:
        raise ValidationError(
            field, N_("letters %(letters)s are never used in Dutch postcodes"), letters=letters
        )
    return f"{match.group(1)} {letters}"


def house_number(value: str | None, field: str = "house_number") -> str:
    """A house number with an optional addition ("12", "12-3", "12 hs", "112A")."""
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError(field, N_("is required"))
    if len(text) > 20 or not _HOUSE_NUMBER.match(text):
        raise ValidationError(
            field, N_("must be a number with an optional addition, like 12 or 12-3 or 112A")
        )
    return text


def iban(value: str | None, field: str = "external_iban") -> str:
    """An IBAN in the SEPA zone, compact and upper-case."""
    text = "".join((value or "").split()).upper()
    if not text:
        raise ValidationError(field, N_("is required"))
    try:
        checked = IBAN(text)
    except SchwiftyException as error:
        raise ValidationError(field, _schwifty_reason(error)) from None
    if not checked.in_sepa_zone:
        raise ValidationError(field, N_("must be an account in the SEPA zone (we pay out by SEPA transfer)"))
    return checked.compact


def _schwifty_reason(error: SchwiftyException) -> str:
    """The refusal for what schwifty found, whole sentences so that each is translated."""
    name = type(error).__name__
    reasons = {
        "InvalidChecksumDigits": N_("is not a valid IBAN (the check digits do not match)"),
        "InvalidLength": N_("is not a valid IBAN (wrong length for its country)"),
        "InvalidCountryCode": N_("is not a valid IBAN (unknown country code)"),
        "InvalidStructure": N_("is not a valid IBAN (wrong characters for its country)"),
        "InvalidBBANChecksum": N_("is not a valid IBAN (the account number's check digit does not match)"),
    }
    return reasons.get(name, N_("is not a valid IBAN (check the number)"))


def bsn(value: str | None, field: str = "bsn") -> str:
    """A burgerservicenummer passing the 11-proef, as nine digits."""
    text = "".join(ch for ch in (value or "") if ch not in " .-")
    if not text:
        raise ValidationError(field, N_("is required"))
    if not text.isdigit() or len(text) not in (8, 9):
        raise ValidationError(field, N_("must be 9 digits"))
    text = text.zfill(9)
    try:
        stdnum_bsn.validate(text)
    except StdnumError:
        raise ValidationError(field, N_("is not a valid BSN (fails the 11-proef)")) from None
    return text


def kvk_number(value: str | None, field: str = "kvk_number") -> str:
    """A Kamer van Koophandel number: exactly eight digits."""
    text = "".join(ch for ch in (value or "") if ch not in " .")
    if not text:
        raise ValidationError(field, N_("is required"))
    if not text.isdigit() or len(text) != 8:
        raise ValidationError(field, N_("must be exactly 8 digits"))
    if text == "00000000":
        raise ValidationError(field, N_("is not a KvK number"))
    return text


def rsin(value: str | None, field: str = "rsin") -> str:
    """An RSIN: nine digits passing the 11-proef (dots and spaces typed from an extract ignored)."""
    text = "".join(ch for ch in (value or "") if ch not in " .")
    if not text:
        raise ValidationError(field, N_("is required"))
    if not text.isdigit() or len(text) != 9:
        raise ValidationError(field, N_("must be exactly 9 digits"))
    try:
        stdnum_bsn.validate(text)
    except StdnumError:
        raise ValidationError(field, N_("is not a valid RSIN (fails the 11-proef)")) from None
    return text


def email(value: str | None, field: str = "email") -> str:
    """An e-mail address, lower-case."""
    text = (value or "").strip().lower()
    if not text:
        raise ValidationError(field, N_("is required"))
    local = text.split("@", 1)[0]
    if len(text) > 254 or len(local) > 64 or ".." in text or not _EMAIL.match(text):
        raise ValidationError(field, N_("must be an e-mail address like name@example.nl"))
    if local.startswith(".") or local.endswith("."):
        raise ValidationError(field, N_("must be an e-mail address like name@example.nl"))
    return text


def phone(value: str | None, field: str = "phone") -> str:
    """A phone number as typed (whitespace tidied); ``00`` becomes ``+``."""
    text = " ".join((value or "").split())
    if not text:
        raise ValidationError(field, N_("is required"))
    if len(text) > 30 or not _PHONE_ALLOWED.match(text):
        raise ValidationError(field, N_("may contain only digits, spaces, + - . / ( )"))
    digits = "".join(ch for ch in text if ch.isdigit())
    if text.startswith("+"):
        international = True
    elif digits.startswith("00"):
        international = True
        text = "+" + text.lstrip("0 ").lstrip()
        digits = digits[2:]
    else:
        international = False
    if international:
        if not 8 <= len(digits) <= 15:
            raise ValidationError(field, N_("must have 8 to 15 digits after the country code prefix"))
    elif not (digits.startswith("0") and len(digits) == 10):
        raise ValidationError(
            field, N_("must be a Dutch number of 10 digits starting with 0, or start with +")
        )
    return text


def date_of_birth(value: dt.date | None, today: dt.date, field: str = "date_of_birth") -> dt.date:
    """A plausible date of birth for a member who signs for themselves (see module notes)."""
    if value is None:
        raise ValidationError(field, N_("is required"))
    if value > today:
        raise ValidationError(field, N_("must not be in the future"))
    age = years_between(value, today)
    if age < MINIMUM_AGE_YEARS:
        raise ValidationError(
            field,
            N_("a member must be at least %(minimum_age_years)s years old"),
            minimum_age_years=MINIMUM_AGE_YEARS,
        )
    if age > MAXIMUM_AGE_YEARS:
        raise ValidationError(
            field,
            N_("gives an age over %(maximum_age_years)s; check the year"),
            maximum_age_years=MAXIMUM_AGE_YEARS,
        )
    return value


def years_between(born_on: dt.date, on: dt.date) -> int:
    """Completed years from ``born_on`` to ``on`` (a birthday on 29 February counts from 1 March)."""
    return on.year - born_on.year - ((on.month, on.day) < (born_on.month, born_on.day))


def past_or_today(value: dt.date | None, today: dt.date, field: str) -> dt.date:
    if value is None:
        raise ValidationError(field, N_("is required"))
    if value > today:
        raise ValidationError(field, N_("must not be in the future"))
    return value


def language(value: str | None, field: str = "language") -> str:
    text = (value or "").strip().lower()
    if text not in LANGUAGES:
        raise ValidationError(field, N_("must be nl or en"))
    return text


def document_last4(value: str | None, field: str = "document_number_last4") -> str:
    """The last four characters of a document number, upper-case; more is refused, not kept."""
    text = "".join((value or "").split()).upper()
    if not text:
        raise ValidationError(field, N_("is required"))
    if not _DOCUMENT_LAST4.match(text):
        raise ValidationError(
            field, N_("must be exactly the last 4 letters or digits of the document number")
        )
    return text


def mask_bsn(value: str | None) -> str | None:
    """``*****1234``: what screens and the audit log show instead of a BSN."""
    if not value:
        return value
    return "*" * (len(value) - 4) + value[-4:]
