"""The offer-expiry job: approved offers not disbursed within their validity lapse."""

from __future__ import annotations

import datetime as dt

from bank.actor import system
from bank.applications import service as applications
from bank.db import Database
from bank.runs.batches import Batches, Progress
from bank.runs.models import Run, RunJob
from bank.runs.record import JobOutcome, single_job


def expire_offers_job(batches: Batches, run: Run, run_date: dt.date, progress: Progress | None) -> None:
    """Approved offers whose validity ended before ``run_date`` lapse (one batch: a handful a day)."""
    session = batches.session
    expired = applications.expire_offers(session, run_date, actor=system("expire-offers"))
    session.add(run)
    # Offers expired: an expired application is final, so a resumed run never counts one twice.
    run.progress_total += len(expired)
    run.progress_done += len(expired)
    batches.end_batch()
    if progress:
        progress(run.progress_done, run.progress_total)


def run_expire_offers(
    database: Database, run_date: dt.date, *, started_by: str = "cli", progress: Progress | None = None
) -> JobOutcome:
    """Approved offers not disbursed within their validity lapse (those that ended before ``run_date``)."""
    return single_job(
        database,
        RunJob.EXPIRE_OFFERS,
        run_date,
        started_by,
        lambda batches, run: expire_offers_job(batches, run, run_date, progress),
    )
