"""Whether the bank may act for a member: the one place the rest of the bank asks compliance.

Savings, loans, applications and payouts sit above compliance and call :func:`require_clear`
before money leaves a member or a relationship deepens (an account opens, a loan is applied for
or paid out). Compliance answers from its own records — a confirmed screening hit, enhanced due
diligence not yet approved by a second person, an organisation without its ultimate beneficial
owners — so nobody keeps a copy of "blocked" that could drift from the reason behind it.

Other staff see only the verdict (:func:`clearance_of`: cleared or not, and in one line why);
the reasons' details are on the compliance officer's pages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bank.compliance import due_diligence, screening_service
from bank.compliance.verdicts import Hindrance, Purpose, Source
from bank.errors import Message, ValidationError

__all__ = ["Clearance", "Hindrance", "Purpose", "clearance_of", "hindrances", "require_clear"]

#: The parts whose records can stop the bank acting for a member, each answering for many
#: members at once (due diligence and screening add theirs here).
SOURCES: tuple[Source, ...] = (
    screening_service.gate_source,
    due_diligence.ubo_hindrances,
    due_diligence.edd_hindrances,
)


def hindrances(session: Session, member_ids: Iterable[int]) -> dict[int, list[Hindrance]]:
    """Every member's hindrances, all purposes; a member without any is absent from the answer."""
    ids = frozenset(member_ids)
    found: dict[int, list[Hindrance]] = {}
    if not ids:
        return found
    for source in SOURCES:
        for member_id, items in source(session, ids).items():
            if items:
                found.setdefault(member_id, []).extend(items)
    return found


def require_clear(session: Session, member_id: int, purpose: Purpose, *, field: str = "member") -> None:
    """Refuse, naming the first reason, when compliance stops ``purpose`` for the member."""
    for hindrance in hindrances(session, (member_id,)).get(member_id, []):
        if purpose in hindrance.purposes:
            raise ValidationError(field, hindrance.message)


@dataclass(frozen=True)
class Clearance:
    """What staff outside compliance may see: cleared or not, and the reasons' sentences."""

    cleared: bool
    reasons: tuple[Message, ...] = ()


def clearance_of(session: Session, member_ids: Iterable[int]) -> dict[int, Clearance]:
    """The verdict per member (every id asked is in the answer)."""
    ids = frozenset(member_ids)
    found = hindrances(session, ids)
    return {
        member_id: Clearance(
            cleared=member_id not in found,
            reasons=tuple(hindrance.message for hindrance in found.get(member_id, [])),
        )
        for member_id in ids
    }
