"""Reads of the approval queue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank.approvals.models import Approval, ApprovalStatus


def pending(session: Session, *, kind: str | None = None, limit: int = 200) -> list[Approval]:
    """Requests waiting for a decision, oldest first (first come, first served)."""
    query = select(Approval).where(Approval.status == ApprovalStatus.PENDING)
    if kind is not None:
        query = query.where(Approval.kind == kind)
    return list(session.scalars(query.order_by(Approval.created_at, Approval.id).limit(limit)))


def recently_decided(session: Session, *, limit: int = 30) -> list[Approval]:
    query = (
        select(Approval)
        .where(Approval.status != ApprovalStatus.PENDING)
        .order_by(Approval.decided_at.desc(), Approval.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def pending_for(session: Session, object_type: str, object_id: int) -> list[Approval]:
    """Pending requests about one object (an account, a holding)."""
    query = select(Approval).where(
        Approval.status == ApprovalStatus.PENDING,
        Approval.object_type == object_type,
        Approval.object_id == object_id,
    )
    return list(session.scalars(query.order_by(Approval.id)))
