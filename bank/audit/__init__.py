"""The append-only audit log (L2): who did what to which object, when, from where.

``record()`` is the one writer; it joins the caller's transaction, so an audited change and
its audit line commit or roll back together.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.audit.models import AuditEvent


def record(
    session: Session,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: int | str | None,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str = "",
) -> AuditEvent:
    event = AuditEvent(
        at=clock.now_utc(),
        actor_id=actor.user_id,
        actor_label=actor.label,
        action=action,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        before=_jsonable(before),
        after=_jsonable(after),
        ip_address=actor.ip_address,
        detail=detail[:1000],
    )
    session.add(event)
    return event


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {
        key: (value if isinstance(value, int | bool | type(None)) else str(value))
        for key, value in values.items()
    }
