"""Reading the audit log (L4): the searchable, paged list of events the admin reads."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank.audit.models import AuditEvent


def search(
    session: Session,
    *,
    text: str = "",
    object_type: str = "",
    object_id: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    actions: Collection[str] | None = None,
    page: int = 1,
    per_page: int = 50,
) -> tuple[list[AuditEvent], int]:
    """One page of events, newest first, and how many match in all.

    ``text`` is looked for in the action, the actor and the detail (case-insensitive, ``%`` and
    ``_`` literally: a wildcard would list everything); the dates are days in UTC, both included;
    ``actions`` keeps only those actions (the reveals and exports the compliance officer watches).
    """
    query = select(AuditEvent)
    if actions is not None:
        query = query.where(AuditEvent.action.in_(sorted(actions)))
    if text:
        needle = text.lower()
        query = query.where(
            func.lower(AuditEvent.action).contains(needle, autoescape=True)
            | func.lower(AuditEvent.actor_label).contains(needle, autoescape=True)
            | func.lower(AuditEvent.detail).contains(needle, autoescape=True)
        )
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    if date_from is not None:
        query = query.where(AuditEvent.at >= dt.datetime.combine(date_from, dt.time(), tzinfo=dt.UTC))
    if date_to is not None:
        after = date_to + dt.timedelta(days=1)
        query = query.where(AuditEvent.at < dt.datetime.combine(after, dt.time(), tzinfo=dt.UTC))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = session.scalars(
        query.order_by(AuditEvent.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return list(events), total
