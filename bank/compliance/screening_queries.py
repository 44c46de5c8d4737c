"""Reads of the screening pages: the hit queue, one member's hits, the list loads."""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.orm import Session, joinedload

from bank.compliance.models import UNDECIDED, HitStatus, ScreeningHit, ScreeningListLoad


def undecided_hits(session: Session) -> list[ScreeningHit]:
    """Hits waiting for a decision: proposed clearings first (a second person can finish them),
    then open ones, best score first."""
    proposed_first = case((ScreeningHit.status == HitStatus.CLEARING_PROPOSED, 0), else_=1)
    return list(
        session.scalars(
            select(ScreeningHit)
            .options(joinedload(ScreeningHit.member), joinedload(ScreeningHit.entry))
            .where(ScreeningHit.status.in_(UNDECIDED))
            .order_by(proposed_first, ScreeningHit.score.desc(), ScreeningHit.id)
        )
    )


def decided_hits(session: Session, *, limit: int = 50) -> list[ScreeningHit]:
    """Hits decided (cleared, confirmed, lifted), the latest decision first."""
    return list(
        session.scalars(
            select(ScreeningHit)
            .options(joinedload(ScreeningHit.member), joinedload(ScreeningHit.entry))
            .where(ScreeningHit.status.not_in(UNDECIDED))
            .order_by(ScreeningHit.decided_at.desc(), ScreeningHit.id.desc())
            .limit(limit)
        )
    )


def hits_of_member(session: Session, member_id: int) -> list[ScreeningHit]:
    return list(
        session.scalars(
            select(ScreeningHit).where(ScreeningHit.member_id == member_id).order_by(ScreeningHit.id.desc())
        )
    )


def loads(session: Session) -> list[ScreeningListLoad]:
    """Every list load, the newest first."""
    return list(
        session.scalars(
            select(ScreeningListLoad).order_by(
                ScreeningListLoad.loaded_at.desc(), ScreeningListLoad.id.desc()
            )
        )
    )
