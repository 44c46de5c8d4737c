"""The jobs of a business day and their ``runs`` records: repayments, savings interest, close day.

A job is an edge like a web request: it commits, but per *batch*, not once. Each batch's
ledger postings, instalment and loan updates and the run's counters commit together, so the
run row always tells the truth about what is in the ledger, and a run killed at any point and
started again resumes from the first loan not yet serviced (``Loan.serviced_through``) with
nothing posted twice (the ledger keys) and nothing missed.

Every entry point takes the run lock first (:mod:`bank.runs.lock`): a second start while a
run works raises :class:`~bank.runs.lock.RunInProgress` and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import system
from bank.db import Database
from bank.errors import ValidationError
from bank.ledger.models import JournalEntry
from bank.loans import servicing
from bank.money import from_cents
from bank.runs import savings_interest
from bank.runs.calendar import business_days
from bank.runs.lock import run_lock
from bank.runs.models import Run, RunJob, RunStatus

#: Loans per batch (one commit each): big enough for set-based work, small enough that a kill
#: loses little and memory stays flat.
BATCH_SIZE = 500
#: Progress callback: (done, total).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Batches:
    """How a job ends a batch: commit it (runs), or only flush it into a caller's transaction.

    The demo loader services a year of history inside its own single transaction, so it passes
    ``commit=False``; everything else commits each batch.
    """

    session: Session
    commit_batches: bool = True

    def end_batch(self) -> None:
        if self.commit_batches:
            self.session.commit()
            # Keep memory flat over long runs: nothing from earlier batches stays in the session.
            self.session.expunge_all()
        else:
            self.session.flush()


@dataclass(frozen=True)
class JobOutcome:
    """What a call did: the run row (as committed) and whether this call did the work."""

    run: Run
    #: False when the run for that job and date had already completed: nothing was done.
    worked: bool


def first_business_day(session: Session) -> dt.date | None:
    """The bank's first business day: the value date of its first journal entry (None when empty)."""
    return session.scalar(select(func.min(JournalEntry.value_date)))


def validate_run_date(session: Session, run_date: dt.date) -> None:
    """Refuse dates after tomorrow and before the bank's first business day (nothing is written)."""
    tomorrow = clock.today() + dt.timedelta(days=1)
    if run_date > tomorrow:
        raise ValidationError(
            "date",
            f"must not be in the future beyond tomorrow ({tomorrow.isoformat()}); got {run_date.isoformat()}",
        )
    first = first_business_day(session)
    if first is not None and run_date < first:
        raise ValidationError(
            "date",
            f"must not be before the bank's first business day ({first.isoformat()});"
            f" got {run_date.isoformat()}",
        )


def _start(batches: Batches, job: RunJob, run_date: dt.date, started_by: str) -> tuple[Run, bool]:
    """The run row for (job, date), set running; (row, False) when it had already completed."""
    session = batches.session
    run = session.scalar(select(Run).where(Run.job == job, Run.business_date == run_date))
    if run is not None and run.status is RunStatus.COMPLETED:
        return run, False
    if run is None:
        run = Run(
            job=job,
            business_date=run_date,
            status=RunStatus.RUNNING,
            started_at=clock.now_utc(),
            attempts=1,
            started_by=started_by[:200],
            error="",
        )
        session.add(run)
    else:
        # A failed or killed attempt: resume it; the counters keep what earlier batches did.
        run.status = RunStatus.RUNNING
        run.attempts += 1
        run.started_at = clock.now_utc()
        run.finished_at = None
        run.started_by = started_by[:200]
    batches.end_batch()
    batches.session.add(run)
    return run, True


def _finish(batches: Batches, run: Run) -> None:
    batches.session.add(run)
    run.status = RunStatus.COMPLETED
    run.finished_at = clock.now_utc()
    run.progress_done = max(run.progress_done, run.progress_total)
    batches.end_batch()


def _fail(session: Session, run_id: int, error: BaseException) -> None:
    session.rollback()
    run = session.get(Run, run_id)
    if run is None:  # pragma: no cover - the row was committed before any work
        return
    session.refresh(run)
    run.status = RunStatus.FAILED
    run.finished_at = clock.now_utc()
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    run.error = f"{type(error).__name__}: {message}\n{traceback.format_exc(limit=5)}"[:4000]
    session.commit()


def _guarded(
    batches: Batches, job: RunJob, run_date: dt.date, started_by: str, work: Callable[[Run], None]
) -> JobOutcome:
    run, fresh = _start(batches, job, run_date, started_by)
    if not fresh:
        return JobOutcome(run, worked=False)
    if not batches.commit_batches:
        # In a caller's transaction a failure rolls everything back; there is no row to mark.
        work(run)
        _finish(batches, run)
        return JobOutcome(run, worked=True)
    run_id = run.id
    try:
        work(run)
        _finish(batches, run)
    except BaseException as error:
        _fail(batches.session, run_id, error)
        raise
    return JobOutcome(run, worked=True)


# ---------------------------------------------------------------------------------------------
# Repayments


def _repayments(
    batches: Batches, run: Run, run_date: dt.date, progress: Progress | None, batch_size: int
) -> None:
    actor = system("repayment-run")
    session = batches.session
    remaining = servicing.count_loans_to_service(session, run_date)
    session.add(run)
    run.progress_total = run.progress_done + remaining
    batches.end_batch()
    if progress:
        progress(run.progress_done, run.progress_total)
    last_id = 0
    while True:
        loan_ids = servicing.loans_to_service(session, run_date, after_loan_id=last_id, limit=batch_size)
        if not loan_ids:
            break
        last_id = loan_ids[-1]
        outcome = servicing.service_batch(session, loan_ids, run_date, actor=actor, run_id=run.id)
        session.add(run)
        run.progress_done += outcome.loans
        run.due_count += outcome.due_count
        run.collected_full_count += outcome.full
        run.collected_partial_count += outcome.partial
        run.collected_nothing_count += outcome.nothing
        run.amount_due += from_cents(outcome.amount_due)
        run.amount_collected += from_cents(outcome.amount_collected)
        run.amount_accrued += from_cents(outcome.amount_accrued)
        run.amount_charged += from_cents(outcome.amount_charged)
        run.entries_posted += outcome.entries
        batches.end_batch()
        if progress:
            progress(run.progress_done, run.progress_total)


def _savings(
    batches: Batches, run: Run, run_date: dt.date, progress: Progress | None, batch_size: int
) -> None:
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


def run_repayments(
    database: Database,
    run_date: dt.date,
    *,
    started_by: str = "cli",
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> JobOutcome:
    """The repayment run for ``run_date`` (see :mod:`bank.loans.servicing`), under the run lock."""
    assert database.engine is not None
    session = database.new_session()
    try:
        validate_run_date(session, run_date)
        session.rollback()
        with run_lock(database.engine):
            batches = Batches(session)
            return _guarded(
                batches,
                RunJob.REPAYMENTS,
                run_date,
                started_by,
                lambda run: _repayments(batches, run, run_date, progress, batch_size),
            )
    finally:
        session.close()


def run_savings_interest(
    database: Database,
    run_date: dt.date,
    *,
    started_by: str = "cli",
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> JobOutcome:
    """Post savings interest for every month ending since the last completed run, up to ``run_date``."""
    assert database.engine is not None
    session = database.new_session()
    try:
        validate_run_date(session, run_date)
        session.rollback()
        with run_lock(database.engine):
            batches = Batches(session)
            return _guarded(
                batches,
                RunJob.SAVINGS_INTEREST,
                run_date,
                started_by,
                lambda run: _savings(batches, run, run_date, progress, batch_size),
            )
    finally:
        session.close()


def close_day(
    database: Database,
    run_date: dt.date,
    *,
    started_by: str = "cli",
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> list[JobOutcome]:
    """All jobs of business date ``run_date`` in order (repayments, savings interest), one lock.

    Returns the outcome of each job and, last, of the close-day record itself, which completes
    only when every job of the day has.
    """
    assert database.engine is not None
    session = database.new_session()
    try:
        validate_run_date(session, run_date)
        session.rollback()
        with run_lock(database.engine):
            return close_day_in(
                Batches(session), run_date, started_by=started_by, progress=progress, batch_size=batch_size
            )
    finally:
        session.close()


def close_day_in(
    batches: Batches,
    run_date: dt.date,
    *,
    started_by: str,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> list[JobOutcome]:
    """The jobs of ``run_date`` in the given session; the caller holds the run lock (or, like the
    demo loader, is the only writer of a database being built)."""
    outcomes: list[JobOutcome] = []

    def work(_close: Run) -> None:
        outcomes.append(
            _guarded(
                batches,
                RunJob.REPAYMENTS,
                run_date,
                started_by,
                lambda run: _repayments(batches, run, run_date, progress, batch_size),
            )
        )
        outcomes.append(
            _guarded(
                batches,
                RunJob.SAVINGS_INTEREST,
                run_date,
                started_by,
                lambda run: _savings(batches, run, run_date, progress, batch_size),
            )
        )

    outcomes.append(_guarded(batches, RunJob.CLOSE_DAY, run_date, started_by, work))
    return outcomes


def last_closed_day(session: Session) -> dt.date | None:
    """The latest business date whose close-day run completed."""
    return session.scalar(
        select(func.max(Run.business_date)).where(
            Run.job == RunJob.CLOSE_DAY, Run.status == RunStatus.COMPLETED
        )
    )


def missed_days(session: Session, today: dt.date) -> list[dt.date]:
    """Business dates before ``today`` not yet closed since the last completed close day, in order."""
    last = last_closed_day(session)
    start = last + dt.timedelta(days=1) if last is not None else first_business_day(session)
    if start is None:
        return []
    return list(business_days(start, today - dt.timedelta(days=1)))


def catch_up(
    database: Database, today: dt.date | None = None, *, started_by: str = "system:scheduler"
) -> list[dt.date]:
    """Close every business date missed since the last completed close day, oldest first."""
    today = today or clock.today()
    session = database.new_session()
    try:
        days = missed_days(session, today)
    finally:
        session.close()
    for day in days:
        close_day(database, day, started_by=started_by)
    return days
