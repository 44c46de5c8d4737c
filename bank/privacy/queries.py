"""Reads for the privacy pages: requests, erasures, and the former members still kept."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bank.errors import N_, NotFound
from bank.members.models import Member, MemberStatus
from bank.privacy import service
from bank.privacy.models import Erasure, ErasureRequest


@dataclass(frozen=True)
class Kept:
    """A former member still kept, and from when the retention job anonymises them."""

    member: Member
    erasable_on: dt.date
    still_open: bool


def member(session: Session, member_id: int) -> Member:
    found = session.get(Member, member_id)
    if found is None:
        raise NotFound(N_("member does not exist"))
    return found


def requests_of(session: Session, member_id: int) -> list[ErasureRequest]:
    return list(
        session.scalars(
            select(ErasureRequest)
            .where(ErasureRequest.member_id == member_id)
            .order_by(ErasureRequest.received_on.desc(), ErasureRequest.id.desc())
        )
    )


def recent_requests(session: Session, *, limit: int = 50) -> list[ErasureRequest]:
    return list(
        session.scalars(
            select(ErasureRequest)
            .options(joinedload(ErasureRequest.member))
            .order_by(ErasureRequest.received_on.desc(), ErasureRequest.id.desc())
            .limit(limit)
        )
    )


def erasures(session: Session, *, limit: int = 50) -> list[Erasure]:
    return list(
        session.scalars(select(Erasure).order_by(Erasure.erased_on.desc(), Erasure.id.desc()).limit(limit))
    )


def erasure_of(session: Session, member_id: int) -> Erasure | None:
    return session.scalar(select(Erasure).where(Erasure.member_id == member_id))


def former_members_kept(session: Session) -> list[Kept]:
    """Former members not yet anonymised, the soonest erasable first."""
    former = session.scalars(
        select(Member).where(Member.status == MemberStatus.LEFT, Member.anonymised_on.is_(None))
    )
    kept = [
        Kept(member, due, bool(service.still_open(session, member)))
        for member in former
        if (due := service.erasable_on(session, member)) is not None
    ]
    return sorted(kept, key=lambda item: (item.erasable_on, item.member.number))
