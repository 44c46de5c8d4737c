"""Properties of the identifier checks, over many generated values."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from bank.errors import ValidationError
from bank.members import validation as v

eight_digits = st.lists(st.integers(0, 9), min_size=8, max_size=8)


def with_check_digit(digits: list[int]) -> str | None:
    """The BSN that the 11-proef accepts for these eight digits (None when no digit fits)."""
    last = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True)) % 11
    return None if last > 9 else "".join(map(str, digits)) + str(last)


@given(eight_digits)
def test_every_number_passing_the_eleven_test_is_accepted(digits):
    bsn = with_check_digit(digits)
    if bsn is not None and bsn != "000000000":
        assert v.bsn(bsn) == bsn


@given(eight_digits, st.integers(0, 8), st.integers(1, 9))
def test_any_single_wrong_digit_is_refused(digits, position, shift):
    bsn = with_check_digit(digits)
    if bsn is None:
        return
    wrong = list(bsn)
    wrong[position] = str((int(wrong[position]) + shift) % 10)
    try:
        v.bsn("".join(wrong))
    except ValidationError as error:
        assert error.fields == {"bsn": "is not a valid BSN (fails the 11-proef)"}
    else:
        raise AssertionError(f"{''.join(wrong)} accepted after changing digit {position} of {bsn}")


@given(
    st.integers(1000, 9999),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRTUVWXYZabcdefghijklmnopqrtuvwxyz", min_size=2, max_size=2),
    st.sampled_from(["", " ", "  "]),
)
def test_postcode_normal_form_is_stable(digits, letters, space):
    stored = v.postcode(f"{digits}{space}{letters}")
    assert stored == f"{digits} {letters.upper()}"
    assert v.postcode(stored) == stored
