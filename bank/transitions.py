"""Status tables and the one check of them (base floor: stdlib and ``bank.errors`` only).

Every entity with a status enum declares one :class:`Transitions` beside the enum (conventions
§7): the moves from one status to another it allows and, for actions that keep the status
(servicing a loan, voting on an application), the statuses each is allowed in. Services ask the
table through :meth:`Transitions.require` and :meth:`Transitions.require_action` instead of
comparing statuses themselves, so the rules of an entity can be read in one place and tested
without a database; pages may ask the same table which buttons to show.

A refusal is always :class:`~bank.errors.InvalidTransition`, but its message stays the caller's:
each place says in its own (catalogued) words what the reader needs to know, e.g. "account
%(formatted_number)s is %(status)s, not open".
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterable, Mapping
from typing import Any, Generic, TypeVar

from bank.errors import InvalidTransition

S = TypeVar("S", bound=enum.Enum)


class Transitions(Generic[S]):
    """The allowed moves ``from -> to`` of one status enum, and the statuses each action keeps.

    ``moves`` maps every status to the statuses it may move to (a status with none is final);
    its values may be any collection of statuses, such as the applications' mapping of target to
    who may make the move. ``actions`` names what may be done to the entity without changing its
    status, with the statuses it is allowed in. A table that leaves out a status, or names one of
    another enum, fails when it is built, so a forgotten status cannot slip through as "refused".
    """

    def __init__(
        self,
        statuses: type[S],
        moves: Mapping[S, Iterable[S]],
        *,
        actions: Mapping[str, Iterable[S]] | None = None,
    ) -> None:
        self.statuses: tuple[S, ...] = tuple(statuses)
        self.moves: dict[S, frozenset[S]] = {
            current: frozenset(targets) for current, targets in moves.items()
        }
        self.actions: dict[str, frozenset[S]] = {
            name: frozenset(allowed) for name, allowed in (actions or {}).items()
        }
        # By type, not by value: the status enums are StrEnums, and "approved" is an application's
        # status as well as an approval's.
        foreign = [
            status
            for status in itertools.chain(self.moves, *self.moves.values(), *self.actions.values())
            if not isinstance(status, statuses)
        ]
        if foreign:
            raise ValueError(f"the {statuses.__name__} table names statuses of another kind: {foreign}")
        if set(self.moves) != set(self.statuses):
            raise ValueError(f"the {statuses.__name__} table must list every status once")

    def allows(self, current: S, target: S) -> bool:
        """Whether the table allows the move ``current -> target``."""
        return target in self.moves[current]

    def targets(self, current: S) -> list[S]:
        """Where ``current`` may move to, in the enum's order (for buttons and messages)."""
        return [status for status in self.statuses if status in self.moves[current]]

    def sources(self, target: S) -> list[S]:
        """The statuses from which ``target`` can be reached, in the enum's order."""
        return [status for status in self.statuses if target in self.moves[status]]

    @property
    def final(self) -> frozenset[S]:
        """The statuses with no way out."""
        return frozenset(status for status, targets in self.moves.items() if not targets)

    def require(self, current: S, target: S, message: str, /, **params: Any) -> None:
        """Refuse the move ``current -> target`` with ``message`` unless the table allows it."""
        if not self.allows(current, target):
            raise InvalidTransition(message, **params)

    def allows_action(self, action: str, current: S) -> bool:
        """Whether ``action`` (a name in the table's ``actions``) may be taken in ``current``."""
        return current in self.actions[action]

    def require_action(self, action: str, current: S, message: str, /, **params: Any) -> None:
        """Refuse ``action`` with ``message`` unless the table allows it in ``current``."""
        if not self.allows_action(action, current):
            raise InvalidTransition(message, **params)
