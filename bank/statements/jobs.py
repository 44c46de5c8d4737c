"""The month-end statements job: stores the statements of the month that ended last."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import select

from bank import audit
from bank.actor import system
from bank.db import Database, reading
from bank.runs.batches import BATCH_SIZE, Batches, Progress
from bank.runs.models import Run, RunJob, RunStatus
from bank.runs.record import JobOutcome, single_job
from bank.statements import service as statements
from bank.statements.service import discard_uncommitted_files

#: Where stored statements go (the app's ``STATEMENT_DIR``).
StatementDir = str | os.PathLike[str]


def statement_month_end(run_date: dt.date) -> dt.date:
    """The month whose statements a run on ``run_date`` stores: the last one ended on or before it."""
    following = run_date + dt.timedelta(days=1)
    if following.month != run_date.month:
        return run_date
    return run_date.replace(day=1) - dt.timedelta(days=1)


def month_end_statements_job(
    batches: Batches,
    run: Run,
    run_date: dt.date,
    statement_dir: StatementDir,
    progress: Progress | None,
    batch_size: int,
) -> None:
    """Store the statements of the month ended most recently as ``run``'s work (:func:`_store`).

    A batch that fails leaves no files behind: its rollback may not reach a database that went
    away (and then removes nothing), so the files its transaction wrote are removed here too.
    The session listeners that keep or remove the files are installed by the app factory; a job
    run on a database without the app (a test, a benchmark) installs them here.
    """
    statements.install_session_listeners()
    try:
        _store(batches, run, run_date, statement_dir, progress, batch_size)
    except BaseException:
        discard_uncommitted_files(batches.session)
        raise


def _store(
    batches: Batches,
    run: Run,
    run_date: dt.date,
    statement_dir: StatementDir,
    progress: Progress | None,
    batch_size: int,
) -> None:
    """Store the statements of the month ended most recently, in batches (one commit each).

    A run on any business date catches up the month that ended last (a month end on a Saturday
    is done on Monday, after Monday's savings interest has been posted for it). Once a run on or
    after that month end has completed, later days have nothing to do and do not even look.
    """
    session = batches.session
    month_end = statement_month_end(run_date)
    already = session.scalar(
        select(Run.id)
        .where(
            Run.job == RunJob.MONTH_END_STATEMENTS,
            Run.status == RunStatus.COMPLETED,
            Run.business_date >= month_end,
            Run.business_date < run_date,
        )
        .limit(1)
    )
    if already is not None:
        return
    today = max(run_date, month_end)
    month_start = statements.check_month_end(month_end, today)
    account_ids = statements.accounts_with_movements(session, month_start, month_end)
    actor = system("month-end-statements")
    session.add(run)
    # Accounts with movements in the month; a resumed run walks them all again, and those whose
    # statement an earlier attempt stored are skipped (and not counted as stored twice).
    run.items_count = len(account_ids)
    run.progress_total = len(account_ids)
    run.progress_done = 0
    batches.end_batch()
    if progress:
        progress(0, run.progress_total)
    created = 0
    for start in range(0, len(account_ids), batch_size):
        chunk = account_ids[start : start + batch_size]
        # SQLite: the batch reads and renders in a deferred transaction and takes the write
        # lock only to store its rows at the commit (PDFs take most of the time; tellers book
        # meanwhile). Statements of a month that has ended do not change under it.
        with reading():
            made = statements.produce_for_accounts(
                session, chunk, month_end, actor=actor, statement_dir=statement_dir, today=today
            )
        created += made
        session.add(run)
        run.items_done += made
        run.progress_done += len(chunk)
        batches.end_batch()
        if progress:
            progress(run.progress_done, run.progress_total)
    if created:
        audit.record(
            session,
            actor,
            "statements.monthly",
            "statement_month",
            f"{month_start:%Y-%m}",
            after={"accounts": len(account_ids), "created": created, "run_date": run_date},
        )
        batches.end_batch()


def run_month_end_statements(
    database: Database,
    run_date: dt.date,
    *,
    statement_dir: StatementDir,
    started_by: str = "cli",
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> JobOutcome:
    """Store the statements of the month that ended last on or before ``run_date``."""
    return single_job(
        database,
        RunJob.MONTH_END_STATEMENTS,
        run_date,
        started_by,
        lambda batches, run: month_end_statements_job(
            batches, run, run_date, statement_dir, progress, batch_size
        ),
    )
