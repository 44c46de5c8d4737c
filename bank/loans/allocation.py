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
from dataclasses import dataclass

#: The parts of an instalment, in the default allocation order.
PARTS = ("penalties", "fees", "interest", "principal")


@dataclass(frozen=True, slots=True)
class Parts:
    """An amount per part of an instalment, in cents (what is owed, or what was allocated)."""

    penalties: int = 0
    fees: int = 0
    interest: int = 0
    principal: int = 0

    @property
    def total(self) -> int:
        return self.penalties + self.fees + self.interest + self.principal


@dataclass(frozen=True, slots=True)
class Allocation:
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


def allocation_order(setting: str) -> tuple[str, ...]:
    """The order a loan's stored ``allocation_order`` ("interest,principal", …) means.

    Names that are not parts are ignored; a setting naming no part means the default order.
    A part the setting leaves out is never collected (the loan's own rule, kept as it is).
    """
    return tuple(part for part in setting.split(",") if part in PARTS) or PARTS


def allocate(available: int, owed: Sequence[Parts], order: Sequence[str] = PARTS) -> Allocation:
    """Divide ``available`` cents over the instalments ``owed`` (oldest first) in ``order``.

    ``owed`` holds what is still outstanding of each instalment per part (due minus paid); a
    part owing nothing (or less than nothing) gets nothing. Each part receives
    ``min(money left, outstanding)``, so no part receives more than it is owed, the parts sum
    exactly to what was taken, and nothing reaches a later part while an earlier one is short.
    """
    balance = max(available, 0)
    received: list[Parts] = []
    totals = dict.fromkeys(PARTS, 0)
    for instalment in owed:
        taken = dict.fromkeys(PARTS, 0)
        for part in order:
            take = min(balance, getattr(instalment, part) - taken[part])
            if take > 0:
                taken[part] += take
                totals[part] += take
                balance -= take
        received.append(Parts(**taken))
    return Allocation(instalments=tuple(received), totals=Parts(**totals), left=balance)
