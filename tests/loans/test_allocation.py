"""Where a repayment goes (bank.loans.allocation), without a database.

Properties over generated loans (hypothesis): the allocation sums exactly to what was taken,
takes all it can, never gives a part more than it owes, and follows the order (oldest
instalment first, then the loan's allocation order); plus worked examples in exact cents, and a
check that it divides money exactly as the repayment run's own loop did before it was pulled out.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bank.loans.allocation import PARTS, Allocation, Parts, allocate, allocation_order

SETTINGS = settings(max_examples=1000, deadline=None)

# Mostly realistic debts, with zeros (nothing of a part left) and the odd overpaid part.
cents_owed = st.one_of(st.integers(0, 500_000), st.just(0), st.integers(-500, -1))
owed_parts = st.builds(
    Parts, penalties=cents_owed, fees=cents_owed, interest=cents_owed, principal=cents_owed
)
instalments = st.lists(owed_parts, min_size=0, max_size=6)
available_cents = st.one_of(st.integers(0, 2_000_000), st.just(0))
# Orders a loan can carry: a permutation, a partial order, repeated names.
orders = st.one_of(
    st.permutations(PARTS).map(tuple),
    st.lists(st.sampled_from(PARTS), min_size=1, max_size=6).map(tuple),
)


def _owing(parts: Parts, part: str) -> int:
    return max(getattr(parts, part), 0)


def _slots(order: tuple[str, ...]) -> list[str]:
    """The order's parts, each once (a repeated name gets nothing the second time)."""
    return list(dict.fromkeys(order))


@SETTINGS
@given(available=available_cents, owed=instalments, order=orders)
def test_the_parts_sum_exactly_to_what_was_taken_and_take_all_they_can(
    available: int, owed: list[Parts], order: tuple[str, ...]
) -> None:
    allocation = allocate(available, owed, order)

    per_instalment = [received.total for received in allocation.instalments]
    assert sum(per_instalment) == allocation.collected == allocation.totals.total
    assert allocation.collected + allocation.left == available
    for part in PARTS:
        assert getattr(allocation.totals, part) == sum(getattr(r, part) for r in allocation.instalments)
    collectable = sum(_owing(parts, part) for parts in owed for part in _slots(order))
    assert allocation.collected == min(available, collectable)


@SETTINGS
@given(available=available_cents, owed=instalments, order=orders)
def test_no_part_gets_more_than_it_owes_and_unnamed_parts_get_nothing(
    available: int, owed: list[Parts], order: tuple[str, ...]
) -> None:
    allocation = allocate(available, owed, order)

    assert len(allocation.instalments) == len(owed)
    for parts, received in zip(owed, allocation.instalments, strict=True):
        for part in PARTS:
            got = getattr(received, part)
            assert 0 <= got <= _owing(parts, part)
            if part not in order:
                assert got == 0


@SETTINGS
@given(available=available_cents, owed=instalments, order=orders)
def test_a_later_part_gets_money_only_when_every_earlier_one_is_paid_in_full(
    available: int, owed: list[Parts], order: tuple[str, ...]
) -> None:
    allocation = allocate(available, owed, order)

    # Oldest instalment first, then the loan's order within it: one sequence of slots.
    slots = [
        (getattr(received, part), _owing(parts, part))
        for parts, received in zip(owed, allocation.instalments, strict=True)
        for part in _slots(order)
    ]
    for index, (got, _owing_here) in enumerate(slots):
        if got > 0:
            assert all(earlier_got == earlier_owed for earlier_got, earlier_owed in slots[:index])
    # At most one slot is paid in part: the one the money ran out on.
    assert sum(1 for got, owing in slots if 0 < got < owing) <= 1
    if allocation.left > 0:
        assert all(got == owing for got, owing in slots)


def _loop_of_the_repayment_run(
    available: int, owed: list[Parts], order: tuple[str, ...]
) -> list[dict[str, int]]:
    """service_batch's collection loop as it was written before the rule had a module of its own."""
    paid = [dict.fromkeys(PARTS, 0) for _ in owed]
    balance = available
    for parts, item_paid in zip(owed, paid, strict=True):
        for part in order:
            take = min(balance, getattr(parts, part) - item_paid[part])
            if take > 0:
                item_paid[part] += take
                balance -= take
    return paid


@SETTINGS
@given(available=available_cents, owed=instalments, order=orders)
def test_it_divides_the_money_as_the_repayment_runs_loop_did(
    available: int, owed: list[Parts], order: tuple[str, ...]
) -> None:
    allocation = allocate(available, owed, order)

    expected = _loop_of_the_repayment_run(available, owed, order)
    assert [Parts(**paid) for paid in expected] == list(allocation.instalments)


def test_a_short_payment_reaches_principal_last() -> None:
    owed = [Parts(penalties=317, fees=1000, interest=4125, principal=25000)]

    allocation = allocate(6000, owed)

    assert allocation == Allocation(
        instalments=(Parts(penalties=317, fees=1000, interest=4125, principal=558),),
        totals=Parts(penalties=317, fees=1000, interest=4125, principal=558),
        left=0,
    )


def test_the_oldest_instalment_is_paid_in_full_before_the_next_gets_a_cent() -> None:
    # Two instalments of € 304,42 and € 291,67 (penalties only on the late one); € 500,00 available.
    owed = [
        Parts(penalties=317, fees=1000, interest=4125, principal=25000),
        Parts(interest=4167, principal=25000),
    ]

    allocation = allocate(50000, owed)

    assert allocation.instalments == (
        Parts(penalties=317, fees=1000, interest=4125, principal=25000),
        Parts(interest=4167, principal=15391),
    )
    assert allocation.totals == Parts(penalties=317, fees=1000, interest=8292, principal=40391)
    assert (allocation.collected, allocation.left) == (50000, 0)


def test_money_beyond_what_is_due_stays_in_the_account() -> None:
    allocation = allocate(100000, [Parts(interest=4167, principal=25000)])

    assert allocation.totals == Parts(interest=4167, principal=25000)
    assert (allocation.collected, allocation.left) == (29167, 70833)


def test_the_loans_own_order_is_followed() -> None:
    owed = [Parts(penalties=500, fees=1000, interest=2000, principal=10000)]

    principal_first = allocate(10500, owed, ("principal", "interest", "fees", "penalties"))
    assert principal_first.totals == Parts(interest=500, principal=10000)

    # A part the order leaves out is not collected, however much money there is.
    without_fees = allocate(99999, owed, ("penalties", "interest", "principal"))
    assert without_fees.totals == Parts(penalties=500, interest=2000, principal=10000)
    assert without_fees.left == 99999 - 12500


def test_nothing_available_or_nothing_owed_takes_nothing() -> None:
    owed = [Parts(interest=4167, principal=25000)]
    assert allocate(0, owed).instalments == (Parts(),)
    assert allocate(0, owed).collected == 0
    assert allocate(2500, []) == Allocation(instalments=(), totals=Parts(), left=2500)
    # An overpaid part (owing less than nothing) neither takes nor gives back.
    assert allocate(2500, [Parts(fees=-100, interest=1000)]).totals == Parts(interest=1000)


@pytest.mark.parametrize(
    ("setting", "order"),
    [
        ("penalties,fees,interest,principal", PARTS),
        ("principal,interest,fees,penalties", ("principal", "interest", "fees", "penalties")),
        ("interest,principal", ("interest", "principal")),
        ("interest,,bogus,principal", ("interest", "principal")),
        ("", PARTS),
        ("bogus", PARTS),
    ],
)
def test_a_stored_allocation_order_means(setting: str, order: tuple[str, ...]) -> None:
    assert allocation_order(setting) == order
