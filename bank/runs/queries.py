"""Reads of the runs list: which runs a person needs to see.

Every business day leaves a close-day row and one row per job, and on most days most jobs find
nothing to do: the demo's list was 47 pages of "nothing to do". A run *did something* when it
posted an entry, counted anything or handled any item; one that failed, is still running (or was
interrupted), or needed more than one attempt is always worth seeing.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from bank.runs.models import Run, RunStatus


def did_nothing() -> ColumnElement[bool]:
    """Completed at the first attempt without posting, counting or handling anything."""
    return and_(
        Run.status == RunStatus.COMPLETED,
        Run.attempts <= 1,
        Run.entries_posted == 0,
        Run.progress_done == 0,
        Run.due_count == 0,
        Run.collected_full_count == 0,
        Run.collected_partial_count == 0,
        Run.collected_nothing_count == 0,
        Run.items_count == 0,
        Run.items_done == 0,
        Run.items_waiting == 0,
    )


def _listed(include_idle: bool) -> Select[Run]:
    query = select(Run)
    return query if include_idle else query.where(~did_nothing())


def count_runs(session: Session, *, include_idle: bool) -> int:
    return session.scalar(select(func.count()).select_from(_listed(include_idle).subquery())) or 0


def count_idle(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Run).where(did_nothing())) or 0


def list_runs(session: Session, *, include_idle: bool, limit: int, offset: int = 0) -> list[Run]:
    """Newest business date first; without ``include_idle`` the runs that did nothing are left out."""
    return list(
        session.scalars(
            _listed(include_idle)
            .order_by(Run.business_date.desc(), Run.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )


def needing_attention(session: Session, *, limit: int = 10) -> list[Run]:
    """Failed runs, and runs left "running" (in progress or interrupted), newest first.

    A failed job whose date was later completed by a retry is the same row (``attempts`` > 1,
    status completed), so what is listed here still waits for someone.
    """
    return list(
        session.scalars(
            select(Run)
            .where(or_(Run.status == RunStatus.FAILED, Run.status == RunStatus.RUNNING))
            .order_by(Run.business_date.desc(), Run.id.desc())
            .limit(limit)
        )
    )
