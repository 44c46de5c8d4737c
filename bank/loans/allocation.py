"""How a repayment is divided over what a loan owes: a pure calculator (no database, no session).

The repayment run (:func:`bank.loans.servicing.service_batch`) collects from the borrower's
repayment account whatever is available up to what is due. This module holds the one rule that
says where that money goes, so it can be read and tested on its own:

- **oldest instalment first**: the instalments are given oldest first, and an instalment gets
  money only when every earlier one is paid in full in the parts the order names;
- **within an instalment, the loan's allocation order** (default penalties → fees → interest →
  principal): a part gets money only when every earlier part is paid in full;
- **partial payments**: when the money runs out, the part it reached gets what is left and every
  later part nothing; whatever is not needed stays in the account (:attr:`Allocation.left`);
- a part the loan's order does not name is not collected at all.

Amounts are integer cents, as the run's hot path keeps them (Decimal is made at the ledger's
door); nothing here rounds, so the parts always sum exactly to what was collected.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

#: The parts of an instalment, in the default allocation order.
PARTS = ("penalties", "fees", "interest", "principal")


class Parts(NamedTuple):
    """An amount per part of an instalment, in cents (what is owed, or what was allocated).

    A named tuple, not a dataclass: the repayment run makes two per instalment, and a tuple is
    built and read several times faster, which the run's time per loan shows.
    """

    penalties: int = 0
    fees: int = 0
    interest: int = 0
    principal: int = 0

    @property
    def total(self) -> int:
        return self[0] + self[1] + self[2] + self[3]


class Allocation(NamedTuple):
    """Where a collection went: per instalment (in the order given), per part, and what was left."""

    #: What each instalment received, one :class:`Parts` per instalment given.
    instalments: tuple[Parts, ...]
    #: What all instalments received together, per part (the collection entry's lines).
    totals: Parts
    #: Cents of the available money not needed (the repayment account keeps them).
    left: int

    @property
    def collected(self) -> int:
        """Cents taken from the repayment account: what was available minus what is left."""
        return self.totals.total


_NOTHING = Parts()


@lru_cache(maxsize=64)
def allocation_order(setting: str) -> tuple[str, ...]:
    """The order a loan's stored ``allocation_order`` ("interest,principal", …) means.

    Names that are not parts are ignored; a setting naming no part means the default order.
    A part the setting leaves out is never collected (the loan's own rule, kept as it is).
    """
    return tuple(part for part in setting.split(",") if part in PARTS) or PARTS


@lru_cache(maxsize=64)
def _positions(order: tuple[str, ...]) -> tuple[int, ...]:
    """The order as field positions of :class:`Parts` (a loan's order is one of very few)."""
    return tuple(PARTS.index(part) for part in order)


def allocate(available: int, owed: Sequence[Parts], order: Sequence[str] = PARTS) -> Allocation:
    """Divide ``available`` cents over the instalments ``owed`` (oldest first) in ``order``.

    ``owed`` holds what is still outstanding of each instalment per part (due minus paid); a
    part owing nothing (or less than nothing) gets nothing. Each part receives
    ``min(money left, outstanding)``, so no part receives more than it is owed, the parts sum
    exactly to what was taken, and nothing reaches a later part while an earlier one is short.
    A part named twice in ``order`` gets nothing the second time (it is already paid, or the
    money ran out on it).
    """
    balance = available if available > 0 else 0
    positions = _positions(tuple(order))
    received: list[Parts] = []
    totals = [0, 0, 0, 0]
    for instalment in owed:
        if not balance:
            received.append(_NOTHING)
            continue
        taken = [0, 0, 0, 0]
        for position in positions:
            take = instalment[position] - taken[position]
            if take > balance:
                take = balance
            if take > 0:
                taken[position] += take
                totals[position] += take
                balance -= take
        received.append(Parts._make(taken))
    return Allocation(tuple(received), Parts._make(totals), balance)
