"""Properties of the report's arithmetic: the ratio rounds half up, every euro of a loss is accounted for."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from bank.reports.impact import LossRow, per_euro

cents = st.integers(min_value=0, max_value=10**11)


@given(member_cents=cents, seed_cents=st.integers(min_value=1, max_value=10**11))
def test_member_money_per_seed_euro_is_the_exact_ratio_rounded_half_up(member_cents: int, seed_cents: int):
    ratio = per_euro(Decimal(member_cents) / 100, Decimal(seed_cents) / 100)
    assert ratio is not None and ratio.as_tuple().exponent == -2
    # Half up: exact - 0.005 < ratio <= exact + 0.005, with the fraction compared exactly.
    exact = Fraction(member_cents, seed_cents)
    assert exact - Fraction(1, 200) < Fraction(ratio) <= exact + Fraction(1, 200)


@given(
    write_off_cents=st.integers(min_value=1, max_value=10**10),
    pool_part=st.fractions(min_value=0, max_value=1),
    buffer_part=st.fractions(min_value=0, max_value=1),
)
def test_buffer_participants_and_bank_add_up_to_the_write_off(write_off_cents, pool_part, buffer_part):
    pool_cents = int(write_off_cents * pool_part)
    buffer_cents = int(pool_cents * buffer_part)
    row = LossRow(
        loan_id=1,
        loan_number="WL-2026-0001",
        purpose="coop_startup",
        area="1094",
        written_off_on=dt.date(2026, 7, 15),
        write_off_amount=Decimal(write_off_cents) / 100,
        pool_code="STARTFONDS",
        absorbed_by_buffer=Decimal(buffer_cents) / 100,
        absorbed_by_participants=Decimal(pool_cents - buffer_cents) / 100,
    )
    assert row.absorbed_by_bank >= 0
    assert (
        row.absorbed_by_buffer + row.absorbed_by_participants + row.absorbed_by_bank == row.write_off_amount
    )
