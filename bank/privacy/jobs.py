"""The retention job: anonymise every former member whose retention periods have passed.

``bank runs retention --date D`` runs it alone; the close day runs it too, so nobody has to
remember. It is cheap on a day with nothing due (one query over the former members).
"""

from __future__ import annotations

import datetime as dt

from bank.actor import system
from bank.db import Database
from bank.privacy import service
from bank.runs.batches import Batches, Progress
from bank.runs.models import Run, RunJob
from bank.runs.record import JobOutcome, single_job


def retention_job(
    batches: Batches,
    run: Run,
    run_date: dt.date,
    progress: Progress | None,
    files: service.Files | None = None,
) -> None:
    """Anonymise the former members due on ``run_date``, one batch each, as ``run``'s work."""
    session = batches.session
    session.add(run)
    due = service.due_for_erasure(session, run_date)
    run.items_count += len(due)
    run.progress_total += len(due)
    actor = system("retention")
    for member in due:
        if service.still_open(session, member):
            session.add(run)
            run.items_waiting += 1
        else:
            service.anonymise(session, member, actor=actor, on=run_date, run_id=run.id, files=files)
            session.add(run)
            run.items_done += 1
        run.progress_done += 1
        batches.end_batch()
        if progress:
            progress(run.progress_done, run.progress_total)


def run_retention(
    database: Database,
    run_date: dt.date,
    *,
    files: service.Files | None = None,
    started_by: str = "cli",
    progress: Progress | None = None,
) -> JobOutcome:
    """``bank runs retention --date D``."""
    return single_job(
        database,
        RunJob.RETENTION,
        run_date,
        started_by,
        lambda batches, run: retention_job(batches, run, run_date, progress, files),
    )
