"""The mandate-expiry job: mandates unused for 36 months expire (close day, ``bank runs``)."""

from __future__ import annotations

import datetime as dt

from bank.actor import system
from bank.db import Database
from bank.payments import mandates
from bank.runs.batches import Batches, Progress
from bank.runs.models import Run, RunJob
from bank.runs.record import JobOutcome, single_job


def expire_mandates_job(batches: Batches, run: Run, run_date: dt.date, progress: Progress | None) -> None:
    """Mandates unused for 36 months on ``run_date`` expire (one batch: a handful a day at most)."""
    session = batches.session
    expired = mandates.expire_unused_mandates(session, system("expire-mandates"), run_date)
    session.add(run)
    # An expired mandate is final, so a resumed run never counts one twice.
    run.progress_total += len(expired)
    run.progress_done += len(expired)
    run.items_count += len(expired)
    run.items_done += len(expired)
    batches.end_batch()
    if progress:
        progress(run.progress_done, run.progress_total)


def run_expire_mandates(
    database: Database, run_date: dt.date, *, started_by: str = "cli", progress: Progress | None = None
) -> JobOutcome:
    """Mandates unused for 36 months on ``run_date`` expire; their loans fall back to their accounts."""
    return single_job(
        database,
        RunJob.EXPIRE_MANDATES,
        run_date,
        started_by,
        lambda batches, run: expire_mandates_job(batches, run, run_date, progress),
    )
