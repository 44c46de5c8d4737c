"""The monitoring job of the close day: every active rule over the day's postings (``bank runs``)."""

from __future__ import annotations

import datetime as dt

from bank.db import Database
from bank.monitoring import service
from bank.runs.batches import Batches, Progress
from bank.runs.models import Run, RunJob
from bank.runs.record import JobOutcome, single_job


def monitoring_job(batches: Batches, run: Run, run_date: dt.date, progress: Progress | None) -> None:
    """Run the rules over ``run_date`` in one batch: the rules are a handful of grouped queries.

    The run row counts what the rules found (``items_count``) and the alerts newly raised
    (``items_done``); a resumed or repeated run finds the same and raises nothing twice.
    """
    session = batches.session
    counts = service.run_rules(session, run_date)
    session.add(run)
    found = sum(total for total, _ in counts.values())
    raised = sum(new for _, new in counts.values())
    run.progress_total = len(counts)
    run.progress_done = len(counts)
    run.items_count = found
    run.items_done = raised
    batches.end_batch()
    if progress:
        progress(run.progress_done, run.progress_total)


def run_monitoring(
    database: Database, run_date: dt.date, *, started_by: str = "cli", progress: Progress | None = None
) -> JobOutcome:
    """The monitoring rules over ``run_date`` on their own (the close day runs them too)."""
    return single_job(
        database,
        RunJob.MONITORING,
        run_date,
        started_by,
        lambda batches, run: monitoring_job(batches, run, run_date, progress),
    )
