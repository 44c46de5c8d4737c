"""The structured creditor reference of a deposit account: valid ISO 11649, found again in any
remittance text a person writes around it, back to the same account, and a one-character typo
finds nothing (never another member's account)."""

from __future__ import annotations

import datetime as dt
import string

from hypothesis import given, settings
from hypothesis import strategies as st
from savings import factories
from stdnum import iso11649

from bank.payments import references
from bank.savings import numbers
from bank.savings import service as savings
from bank.savings.models import DepositAccount

serials = st.integers(min_value=numbers.FIRST_SERIAL, max_value=10**numbers.SERIAL_DIGITS - 1)
#: Words people write around a reference in a bank app's description field.
words = st.sampled_from(["", "huur december", "o.v.v.", "storting", "Spaargeld voor Mila", "2026", "12-2026"])


def _account(serial: int) -> DepositAccount:
    return DepositAccount(number=numbers.make_number(serial))


def _as_typed(reference: str, spacing: list[int], upper: bool) -> str:
    """The reference as a person may type it: spaces after some characters, in either case."""
    typed = "".join(ch + " " * spacing[i % len(spacing)] for i, ch in enumerate(reference)).strip()
    return typed if upper else typed.lower()


def _typo(reference: str, position: int, replacement: str) -> str:
    return reference[:position] + replacement + reference[position + 1 :]


def test_the_reference_is_rf_check_digits_and_the_account_number() -> None:
    account = _account(10_000_001)
    assert account.number == "1000000161"
    assert references.creditor_reference(account) == "RF741000000161"
    assert references.format("RF741000000161") == "RF74 1000 0001 61"
    assert iso11649.validate("RF74 1000 0001 61") == "RF741000000161"


@given(serial=serials)
def test_every_account_reference_is_valid_iso_11649(serial: int) -> None:
    reference = references.creditor_reference(_account(serial))
    assert iso11649.is_valid(reference)
    assert len(reference) == 4 + references.PAYLOAD_DIGITS
    assert reference[4:] == numbers.make_number(serial)
    # An account number is 1 modulo 97 by itself, so its check digits are always the same.
    assert reference[2:4] == "74"
    assert iso11649.compact(references.format(reference)) == reference


@given(
    serial=serials,
    before=words,
    after=words,
    spacing=st.lists(st.integers(0, 2), min_size=1, max_size=5),
    upper=st.booleans(),
)
def test_the_reference_is_found_in_free_text_however_it_is_spaced(
    serial: int, before: str, after: str, spacing: list[int], upper: bool
) -> None:
    reference = references.creditor_reference(_account(serial))
    text = f"{before} {_as_typed(reference, spacing, upper)} {after}"
    assert references.references_in(text) == [reference]


@given(serial=serials, data=st.data())
def test_a_one_character_typo_is_rejected(serial: int, data: st.DataObject) -> None:
    reference = references.creditor_reference(_account(serial))
    position = data.draw(st.integers(0, len(reference) - 1))
    alphabet = [c for c in string.ascii_uppercase + string.digits if c != reference[position]]
    typo = _typo(reference, position, data.draw(st.sampled_from(alphabet)))
    if typo[position].isdigit():
        assert not iso11649.is_valid(typo)
    # stdnum lets a letter pass as a check digit ("RF7V…" can be "valid"); the reference in a
    # text must have digits there, so that typo finds nothing either.
    assert references.references_in(f"o.v.v. {references.format(typo)}") == []


def test_a_longer_reference_that_starts_like_ours_is_not_ours() -> None:
    ours = references.creditor_reference(_account(10_000_001))
    assert references.references_in(f"{ours}7") == []
    assert references.references_in(f"X{ours}") == []
    assert references.references_in(f"{ours} 7") == [ours]


def test_each_account_is_found_by_its_reference_and_a_typo_finds_none(session) -> None:
    product = factories.product(session)
    anna = factories.member(session, first_name="Anna")
    bram = factories.member(session, first_name="Bram")
    accounts = [
        factories.account(session, anna, product),
        factories.account(session, anna, product),
        factories.account(session, bram, product),
    ]
    session.flush()

    @settings(max_examples=60, deadline=None)
    @given(
        index=st.integers(0, len(accounts) - 1),
        before=words,
        spacing=st.lists(st.integers(0, 1), min_size=1, max_size=4),
        upper=st.booleans(),
        data=st.data(),
    )
    def round_trip(index: int, before: str, spacing: list[int], upper: bool, data: st.DataObject) -> None:
        account = accounts[index]
        reference = references.creditor_reference(account)
        typed = _as_typed(reference, spacing, upper)
        assert references.account_for_reference(session, f"{before} {typed}") is account
        position = data.draw(st.integers(0, len(reference) - 1))
        alphabet = [c for c in string.digits if c != reference[position]]
        typo = _typo(reference, position, data.draw(st.sampled_from(alphabet)))
        assert references.account_for_reference(session, f"{before} {typo}") is None

    round_trip()


def test_no_account_a_closed_account_or_two_accounts_give_none(session) -> None:
    product = factories.product(session)
    anna = factories.member(session, first_name="Anna")
    first = factories.account(session, anna, product)
    second = factories.account(session, anna, product)
    session.flush()
    one, two = references.creditor_reference(first), references.creditor_reference(second)

    assert references.account_for_reference(session, "geen kenmerk") is None
    assert references.account_for_reference(session, "") is None
    unknown = references.creditor_reference(_account(99_999_999))
    assert references.account_for_reference(session, unknown) is None
    # The same reference twice is one account; two accounts' references are a person's choice.
    assert references.account_for_reference(session, f"{one} herhaald {one}") is first
    assert references.account_for_reference(session, f"{one} en {two}") is None

    savings.close_account(session, second, actor=factories.TELLER, closed_on=dt.date(2026, 6, 1))
    assert references.account_for_reference(session, two) is None
    assert references.account_for_reference(session, one) is first
