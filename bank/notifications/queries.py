"""Reading the outbox (L8): the mail that did not go out, for the staff home."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank.notifications.models import OutboxMessage, OutboxStatus


def undelivered(session: Session, *, limit: int) -> list[OutboxMessage]:
    """The latest messages that failed or had no address to go to, newest first."""
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status.in_((OutboxStatus.FAILED, OutboxStatus.NO_ADDRESS)))
            .order_by(OutboxMessage.id.desc())
            .limit(limit)
        )
    )
