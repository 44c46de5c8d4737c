"""The structured creditor reference (betalingskenmerk, ISO 11649 ``RF…``) of each deposit account.

A member who transfers money to the bank's settlement IBAN quotes the reference of the account
it is for ("o.v.v. RF18 …"); the statement matching reads it back from the remittance text and
books the money on that account without a person looking at it.

The reference is the account number behind ``RF`` and two ISO 7064 MOD 97-10 check digits:
``RF`` + check + the ten digits (``RF74 1000 0001 61``). It is derived, never stored: the
account number is unique and never changes or returns (closed accounts keep theirs), so the
reference is stable for as long as the account exists and never names another account.

The check digits are 74 for every account: an account number is itself 1 modulo 97
(``bank.savings.numbers``), and ISO 11649's check depends only on the payload modulo 97. So the
RF check and the account number's own check are one and the same MOD 97-10 check, not two: it
catches every single mistyped character and every swap of two adjacent digits, and the text
matcher also wants the ten digits to be a valid account number, so a typo finds nothing rather
than another member's account.

Pure apart from :func:`account_for_reference`, which reads (never writes) the accounts.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from bank.savings import numbers
from bank.savings.models import DepositAccount, DepositAccountStatus

#: The part behind ``RF`` and the check digits: a deposit account number, ten digits.
PAYLOAD_DIGITS = 10

#: A reference of ours inside free text: ``RF`` not glued to a word before it, two check digits
#: and ten digits, with spaces anywhere between them (people copy "RF18 1000 0001 43" with its
#: groups, or type their own), in any case. It must not run on into more letters or digits
#: without a space: then it is the start of a longer reference, not ours.
_IN_TEXT = re.compile(
    r"(?<![0-9A-Z])R\s*F\s*(\d\s*\d(?:\s*\d){" + str(PAYLOAD_DIGITS) + r"})(?![0-9A-Z])",
    re.IGNORECASE,
)


def _reference_for_payload(payload: str) -> str:
    """``RF`` + the check digits that make ``payload`` + ``RF`` + check equal 1 modulo 97 (ISO 11649)."""
    reference = f"RF{mod_97_10.calc_check_digits(payload + 'RF')}{payload}"
    assert iso11649.is_valid(reference), reference
    return reference


def creditor_reference(account: DepositAccount) -> str:
    """The account's reference in compact form (``RF741000000161``), as files and matching use it."""
    return _reference_for_payload(account.number)


def format(reference: str) -> str:
    """The printed form in groups of four (``RF74 1000 0001 61``), for pages, letters and mail."""
    return iso11649.format(reference)


def references_in(text: str) -> list[str]:
    """Every valid reference of the deposit-account shape in a remittance text, compact, in order.

    Candidates whose check digits are wrong are left out: a typo finds nothing rather than
    another member's account.
    """
    found: list[str] = []
    for match in _IN_TEXT.finditer(text or ""):
        reference = "RF" + re.sub(r"\s+", "", match.group(1))
        if iso11649.is_valid(reference) and numbers.is_valid(reference[4:]) and reference not in found:
            found.append(reference)
    return found


def account_for_reference(session: Session, text: str) -> DepositAccount | None:
    """The open (or blocked) deposit account whose reference the text quotes, or None.

    None when the text holds no valid reference, when no account has it, when that account is
    closed (its money cannot be booked there; the item waits in suspense for a person), and when
    the text quotes valid references of two different accounts (which one was meant is a
    person's decision, not the matcher's).
    """
    account_numbers = [reference[4:] for reference in references_in(text)]
    if not account_numbers:
        return None
    accounts = session.scalars(select(DepositAccount).where(DepositAccount.number.in_(account_numbers))).all()
    if len(accounts) != 1:
        return None
    account = accounts[0]
    if account.status is DepositAccountStatus.CLOSED:
        return None
    return account
