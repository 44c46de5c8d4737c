"""Reading members (L3): search, detail, representatives, what a portal user may see."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement

from bank.audit.models import AuditEvent
from bank.errors import N_, NotFound
from bank.members.models import Member, MemberKind, MemberStatus, Representative

T = TypeVar("T")

_POSTCODE_PART = re.compile(r"^([1-9][0-9]{3})\s*([A-Za-z]{0,2})$")
#: "1093 AB" typed with its space stays one search word.
_SPACED_POSTCODE = re.compile(r"\b([1-9][0-9]{3})\s+([A-Za-z]{2})\b")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a listing, with what a pager needs."""

    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(math.ceil(self.total / self.per_page), 1)


def search(
    session: Session,
    text: str = "",
    *,
    kind: MemberKind | None = None,
    status: MemberStatus | None = None,
    page: int = 1,
    per_page: int = 25,
) -> Page[Member]:
    """Members matching ``text`` in their name, member number, postcode or e-mail, by name.

    Every word must match somewhere, so "de vries 1093" finds the De Vries living in 1093.
    A number matches the member number exactly; postcodes match with or without the space.
    """
    query = select(Member)
    words = _SPACED_POSTCODE.sub(r"\1\2", (text or "").strip()).split()
    for word in words[:6]:
        query = query.where(_word_condition(word))
    if kind is not None:
        query = query.where(Member.kind == kind)
    if status is not None:
        query = query.where(Member.status == status)
    return paginate(session, query.order_by(Member.display_name, Member.number), page, per_page)


def _word_condition(word: str) -> ColumnElement[bool]:
    like = f"%{_escape_like(word.lower())}%"
    conditions: list[ColumnElement[bool]] = [
        func.lower(Member.display_name).like(like, escape="\\"),
        func.lower(Member.email).like(like, escape="\\"),
    ]
    if word.isdigit() and len(word) <= 9:
        conditions.append(Member.number == int(word))
    postcode = _POSTCODE_PART.match(word)
    if postcode:
        digits, letters = postcode.group(1), postcode.group(2).upper()
        prefix = f"{digits} {letters}" if letters else digits
        conditions.append(Member.postcode.like(f"{prefix}%"))
    return or_(*conditions)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def paginate(session: Session, query: Select[T], page: int, per_page: int) -> Page[T]:
    page = max(page, 1)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.offset((page - 1) * per_page).limit(per_page)))
    return Page(items=items, total=total, page=page, per_page=per_page)


def member_detail(session: Session, member_id: int) -> Member:
    """A member with identity checks and representatives loaded (one query each, no N+1)."""
    member = session.scalar(
        select(Member)
        .where(Member.id == member_id)
        .options(
            selectinload(Member.identity_checks),
            selectinload(Member.representatives).selectinload(Representative.person),
        )
    )
    if member is None:
        raise NotFound(N_("member %(member_id)s does not exist"), member_id=member_id)
    return member


def by_id(session: Session, member_id: int) -> Member | None:
    """The member with this id, or None (the caller decides: a 404, a field error)."""
    return session.get(Member, member_id)


def by_number(session: Session, number: int) -> Member | None:
    return session.scalar(select(Member).where(Member.number == number))


def representatives_of(session: Session, organisation_id: int) -> list[Representative]:
    """The people who act for an organisation, with their person loaded, oldest first."""
    return list(
        session.scalars(
            select(Representative)
            .where(Representative.organisation_id == organisation_id)
            .options(selectinload(Representative.person))
            .order_by(Representative.since, Representative.id)
        )
    )


def representations_of(session: Session, person_id: int) -> list[Representative]:
    """The organisations a person acts for (with the role), organisation loaded."""
    return list(
        session.scalars(
            select(Representative)
            .where(Representative.person_id == person_id)
            .options(selectinload(Representative.organisation))
            .order_by(Representative.since, Representative.id)
        )
    )


def organisations_represented_by(session: Session, person_id: int) -> list[Member]:
    """Organisation-members this person represents (their representatives see their data too)."""
    return list(
        session.scalars(
            select(Member)
            .join(Representative, Representative.organisation_id == Member.id)
            .where(Representative.person_id == person_id)
            .order_by(Member.display_name)
        )
    )


def visible_member_ids(session: Session, member_id: int) -> set[int]:
    """Members whose data the portal user for ``member_id`` may see: themself and the
    organisations they represent. The portal looks every object up through this set."""
    ids = set(
        session.scalars(select(Representative.organisation_id).where(Representative.person_id == member_id))
    )
    ids.add(member_id)
    return ids


def audit_trail(session: Session, member_id: int, *, page: int = 1, per_page: int = 20) -> Page[AuditEvent]:
    """The audit events about this member, newest first."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.object_type == "member", AuditEvent.object_id == str(member_id))
        .order_by(AuditEvent.id.desc())
    )
    return paginate(session, query, page, per_page)


def status_counts(session: Session) -> dict[MemberStatus, int]:
    """How many members have each status (dashboard)."""
    rows = session.execute(select(Member.status, func.count()).group_by(Member.status)).all()
    counts = dict.fromkeys(MemberStatus, 0)
    counts.update({status: count for status, count in rows})
    return counts
