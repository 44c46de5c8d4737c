"""The ledger's refusals, one class per fault (issue 15).

``UnbalancedEntry`` used to be raised for every entry the ledger refused, also where nothing was
out of balance (a missing key, a value date that is a datetime, a control account, a reversal
without a reason). Each fault now has its own class, so a caller and a test can tell them apart.
They subclass :class:`~bank.errors.UnbalancedEntry`, so whoever catches that still catches
them all, and they keep its machine code (``unbalanced_entry``) and HTTP status (422): the API
answers exactly as before. Each message is a catalogue id (``N_``) with a Dutch translation,
its values passed as the class's arguments.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from bank.errors import N_, Message, UnbalancedEntry


class _LedgerRefusal(UnbalancedEntry):
    """Base of the classes below: each takes exactly its message's values, by name."""

    def __reduce__(self) -> tuple[object, ...]:  # pickling: rebuilt from the message's values
        return (_rebuild, (type(self), dict(self.message.params)))


def _rebuild(cls: Callable[..., _LedgerRefusal], params: dict[str, object]) -> _LedgerRefusal:
    # Each subclass takes its own message's values by name, not the base class's arguments.
    return cls(**params)


class InvalidIdempotencyKey(_LedgerRefusal):
    """An entry without an idempotency key, or with one longer than the column holds."""

    def __init__(self) -> None:
        super().__init__(N_("an entry needs an idempotency key of 1 to 200 characters"))


class InvalidEntryKind(_LedgerRefusal):
    """An entry without a kind, or with one longer than the column holds."""

    def __init__(self, *, key: str) -> None:
        super().__init__(N_("entry '%(key)s' needs a kind of 1 to 40 characters"), key=key)


class InvalidValueDate(_LedgerRefusal):
    """A value date that is not a plain date (a datetime would carry a time and a zone)."""

    def __init__(self, *, key: str) -> None:
        super().__init__(N_("entry '%(key)s': value_date must be a date"), key=key)


class TooFewLines(_LedgerRefusal):
    """An entry of fewer than two lines: money has to come from somewhere and go somewhere."""

    def __init__(self, *, key: str) -> None:
        super().__init__(N_("entry '%(key)s' needs at least two lines"), key=key)


class AmountNotPositive(_LedgerRefusal):
    """A line of zero or less: the side says the direction, the amount only how much."""

    def __init__(self, *, key: str) -> None:
        super().__init__(N_("entry '%(key)s': every amount must be greater than 0"), key=key)


class DebitsAreNotCredits(_LedgerRefusal):
    """The one fault that really is an unbalanced entry: its debits and credits differ."""

    def __init__(self, *, key: str, debits: Decimal, credits: Decimal) -> None:
        super().__init__(
            N_("entry '%(key)s' does not balance: debits %(debits)s != credits %(credits)s"),
            key=key,
            debits=debits,
            credits=credits,
        )


class PostingToControlAccount(_LedgerRefusal):
    """A line on a control account (member deposits, loan principal…): post to its child account."""

    def __init__(self, *, code: str) -> None:
        super().__init__(N_("account %(code)s is a control account; post to a child account"), code=code)


class ReversalOfReversal(_LedgerRefusal):
    """A reversal is not reversed again: a new entry says what is meant, plainly."""

    def __init__(self, *, entry_id: int) -> None:
        super().__init__(
            N_("entry %(entry_id)s is itself a reversal; post a new entry instead"), entry_id=entry_id
        )


class ReversalWithoutReason(_LedgerRefusal):
    """A reversal must say why, for the audit trail and the member's statement."""

    def __init__(self) -> None:
        super().__init__(N_("a reversal needs a reason"))


class EntryInClosedPeriod(_LedgerRefusal):
    """An entry dated in a closed month: the books of a closed period never change.

    A correction is dated in the open period and names the month it corrects
    (``EntryRequest.corrects_month``). Its own code, so the API can tell it from a fault of
    the entry itself; the field is the value date, so a form shows it beside that field.
    """

    code = "period_closed"

    def __init__(self, *, key: str, value_date: dt.date, closed_through: dt.date) -> None:
        super().__init__(
            N_(
                "entry '%(key)s' is dated %(value_date)s, in a closed period (the books are closed"
                " through %(closed_through)s): date it in the open period and name the period it corrects"
            ),
            fields={
                "value_date": Message(
                    N_("falls in a closed period: the books are closed through %(closed_through)s"),
                    closed_through=closed_through,
                )
            },
            key=key,
            value_date=value_date,
            closed_through=closed_through,
        )


class CorrectionBeforeItsPeriod(_LedgerRefusal):
    """A correction dated before the month it says it corrects: corrections come after."""

    def __init__(self, *, key: str, month: str) -> None:
        super().__init__(
            N_("entry '%(key)s' corrects %(month)s but is dated before that month"), key=key, month=month
        )


__all__ = [
    "AmountNotPositive",
    "CorrectionBeforeItsPeriod",
    "DebitsAreNotCredits",
    "EntryInClosedPeriod",
    "InvalidEntryKind",
    "InvalidIdempotencyKey",
    "InvalidValueDate",
    "PostingToControlAccount",
    "ReversalOfReversal",
    "ReversalWithoutReason",
    "TooFewLines",
]
