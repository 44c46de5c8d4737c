"""The savings interest job: posts each month's interest (:mod:`bank.savings.interest`) at month end.

A run posts every month that ended since the last completed run, up to its business date, so a
missed month end is caught up; each month's accounts go in batches of the run framework.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bank.db import Database
from bank.runs.batches import BATCH_SIZE, Batches, Progress
from bank.runs.models import Run, RunJob, RunStatus
from bank.runs.record import JobOutcome, first_business_day, single_job
from bank.savings import interest as savings_interest


def savings_interest_job(
    batches: Batches, run: Run, run_date: dt.date, progress: Progress | None, batch_size: int
) -> None:
    """Post the months ended since the last completed run as ``run``'s work (alone or in a close day)."""
    session = batches.session
    previous = session.scalar(
        select(func.max(Run.business_date)).where(
            Run.job == RunJob.SAVINGS_INTEREST,
            Run.status == RunStatus.COMPLETED,
            Run.business_date < run_date,
        )
    )
    since = previous or first_business_day(session)
    if since is None:
        return
    for month_end in savings_interest.month_ends(since, run_date, include_start=previous is None):
        savings_interest.post_month(
            session, run, month_end, batch_size=batch_size, progress=progress, end_batch=batches.end_batch
        )


def run_savings_interest(
    database: Database,
    run_date: dt.date,
    *,
    started_by: str = "cli",
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> JobOutcome:
    """Post savings interest for every month ending since the last completed run, up to ``run_date``."""
    return single_job(
        database,
        RunJob.SAVINGS_INTEREST,
        run_date,
        started_by,
        lambda batches, run: savings_interest_job(batches, run, run_date, progress, batch_size),
    )
