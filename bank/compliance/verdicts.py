"""The words of the compliance gate: what the bank is about to do and why it may not.

Kept apart from ``gate`` so that the parts answering the gate (due diligence, screening) can
name a hindrance without importing the gate that imports them.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bank.errors import Message


class Purpose(enum.StrEnum):
    """What the bank is about to do for the member."""

    #: Open a deposit account (or any new product).
    OPEN_ACCOUNT = "open_account"
    #: Money leaves the member's accounts: a withdrawal, a transfer out, a payout, a redemption.
    MONEY_OUT = "money_out"
    #: Submit a loan application (borrowing at all).
    BORROW = "borrow"
    #: Pay out a granted loan.
    DISBURSE = "disburse"


#: Every purpose: what a confirmed sanctions hit stops.
ALL_PURPOSES = frozenset(Purpose)


@dataclass(frozen=True)
class Hindrance:
    """One reason the bank may not act: which purposes it stops and a sentence for the refusal."""

    code: str
    purposes: frozenset[Purpose]
    message: Message


#: A part's answer to the gate: the hindrances per member id among the ids asked (ids without
#: any may be left out).
Source = Callable[[Session, frozenset[int]], dict[int, list[Hindrance]]]
