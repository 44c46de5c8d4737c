"""The run record's life: one row per job and business date, started, finished or failed.

Every job of every feature reports here (:func:`guarded`): a run that completed is not done
again, a failed or killed one resumes on its own row (its counters keep what earlier batches
committed), and a failure is recorded with its first cause even when the database went away
under it (:func:`record_interrupted`). :func:`single_job` runs one job on its own under the run
lock (:mod:`bank.runs.lock`): a second start while a run works raises
:class:`~bank.runs.lock.RunInProgress` and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
import time
import traceback
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bank import clock
from bank.db import Database, engine_of
from bank.errors import N_, ValidationError
from bank.ledger.models import JournalEntry
from bank.ledger.queries import closed_through
from bank.runs.batches import Batches, collecting_less
from bank.runs.lock import run_lock
from bank.runs.models import Run, RunJob, RunStatus

log = logging.getLogger("bank.runs")
#: How long a failed run keeps trying to write its failure while the database comes back.
FAILURE_RECORD_SECONDS = 30.0


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
    """Refuse dates after tomorrow, before the bank's first business day and in a closed period
    (a run posts on its date: the ledger would refuse it anyway, halfway); nothing is written."""
    tomorrow = clock.today() + dt.timedelta(days=1)
    if run_date > tomorrow:
        raise ValidationError(
            "date",
            N_("must not be in the future beyond tomorrow (%(tomorrow)s); got %(run_date)s"),
            tomorrow=tomorrow,
            run_date=run_date,
        )
    first = first_business_day(session)
    if first is not None and run_date < first:
        raise ValidationError(
            "date",
            N_("must not be before the bank's first business day (%(first)s); got %(run_date)s"),
            first=first,
            run_date=run_date,
        )
    through = closed_through(session)
    if through is not None and run_date <= through:
        raise ValidationError(
            "date",
            N_(
                "must not be in a closed period (the books are closed through %(closed_through)s);"
                " got %(run_date)s"
            ),
            closed_through=through,
            run_date=run_date,
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


def describe_failure(error: BaseException) -> str:
    """The cause of a failure in one line, for the run row and the operator.

    A database error names the driver's own error too (``OperationalError (AdminShutdown):
    terminating connection due to administrator command``) and leaves out the SQL statement.
    """
    original = getattr(error, "orig", None)
    if isinstance(original, BaseException):
        text_ = str(original).strip()
        first = text_.splitlines()[0] if text_ else type(original).__name__
        return f"{type(error).__name__} ({type(original).__name__}): {first}"
    message = getattr(error, "message", None) or str(error) or type(error).__name__
    return f"{type(error).__name__}: {message}"


def _fail(session: Session, run_id: int, error: BaseException) -> None:
    """Record the run as failed with ``error``, its first cause; never raises.

    The batch's session may be unusable (the database went away under it), so the row is
    written on a fresh connection, retried while the database comes back (up to
    ``FAILURE_RECORD_SECONDS``). When that is not possible the cause is kept beside the
    database (:func:`_remember_interrupted`) and the next run or the scheduler records it
    (:func:`record_interrupted`). Sets ``error.run_recorded`` for the operator's message. (What
    a job keeps outside the database it cleans up itself: the month-end statements job removes
    the files of its batch that did not commit.)
    """
    try:
        session.rollback()
    except Exception:  # the connection is gone; the database rolled the batch back itself
        log.warning("run %s: rolling back the failed batch failed", run_id, exc_info=True)
    cause = describe_failure(error)
    details = "".join(traceback.format_exception(error, limit=5))
    text_ = f"{cause}\n{details}"[:4000]
    engine = engine_of(session)
    recorded = _record_failure(engine, run_id, text_, wait_seconds=FAILURE_RECORD_SECONDS)
    if not recorded:
        _remember_interrupted(engine, run_id, text_)
    with suppress(Exception):  # some exceptions take no attributes
        error.run_recorded = recorded  # type: ignore[attr-defined]  # a mark on any exception


def _record_failure(engine: Engine, run_id: int, error_text: str, *, wait_seconds: float) -> bool:
    """Mark the run failed on a connection of its own; retries until ``wait_seconds`` passed."""
    deadline = time.monotonic() + wait_seconds
    delay = 0.2
    while True:
        try:
            with Session(bind=engine) as fresh:
                fresh.execute(
                    update(Run)
                    .where(Run.id == run_id, Run.status == RunStatus.RUNNING)
                    .values(status=RunStatus.FAILED, finished_at=clock.now_utc(), error=error_text)
                    .execution_options(synchronize_session=False)
                )
                fresh.commit()
            return True
        except Exception:
            if time.monotonic() >= deadline:
                log.warning(
                    "run %s: recording the failure failed; left for the next run", run_id, exc_info=True
                )
                return False
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


def _interrupted_path(engine: Engine) -> Path:
    """Where causes wait that could not be written to the database (beside a SQLite file)."""
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and database != ":memory:":
        return Path(os.path.abspath(database) + ".interrupted.json")
    key = hashlib.sha256(engine.url.render_as_string(hide_password=True).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"wijkbank-runs-{key}.interrupted.json"


def _read_interrupted(engine: Engine) -> dict[int, str]:
    try:
        return {
            int(key): str(value) for key, value in json.loads(_interrupted_path(engine).read_text()).items()
        }
    except (OSError, ValueError, AttributeError):
        return {}


def _remember_interrupted(engine: Engine, run_id: int, error_text: str) -> None:
    """Keep the cause of a failure the database could not take, for :func:`record_interrupted`."""
    causes = _read_interrupted(engine)
    causes.setdefault(run_id, error_text)  # the first cause stays
    try:
        path = _interrupted_path(engine)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(json.dumps(causes))
        os.replace(temporary, path)
    except OSError:  # pragma: no cover - nowhere to write: the row says "interrupted" only
        log.warning("run %s: could not keep the failure's cause", run_id, exc_info=True)


#: The error a run row gets when it was left ``running`` and no cause was kept (kill -9).
INTERRUPTED = "interrupted: the run ended without recording why (process killed or database unavailable)"


def record_interrupted(session: Session) -> list[int]:
    """Mark runs left ``running`` by an attempt that ended as failed, with their kept cause.

    Only called by a holder of the run lock: no run works, so a ``running`` row belongs to an
    attempt that died (killed, or the database went away before its failure was written).
    Commits; returns the ids recorded.
    """
    engine = engine_of(session)
    causes = _read_interrupted(engine)
    stale = list(session.scalars(select(Run).where(Run.status == RunStatus.RUNNING).order_by(Run.id)))
    now = clock.now_utc()
    for run in stale:
        run.status = RunStatus.FAILED
        run.finished_at = now
        run.error = causes.get(run.id, INTERRUPTED)[:4000]
    session.commit()
    if causes:
        _interrupted_path(engine).unlink(missing_ok=True)
    return [run.id for run in stale]


def guarded(
    batches: Batches, job: RunJob, run_date: dt.date, started_by: str, work: Callable[[Run], None]
) -> JobOutcome:
    """Do ``work`` as the run of ``job`` for ``run_date``, unless that run already completed.

    Every job of every feature goes through here, alone (:func:`single_job`) or in a close day
    (:mod:`bank.day`), so each records, resumes and fails alike.
    """
    run, fresh = _start(batches, job, run_date, started_by)
    if not fresh:
        return JobOutcome(run, worked=False)
    if not batches.commit_batches:
        # In a caller's transaction a failure rolls everything back; there is no row to mark.
        with collecting_less():
            work(run)
        _finish(batches, run)
        return JobOutcome(run, worked=True)
    run_id = run.id
    try:
        with collecting_less():
            work(run)
        _finish(batches, run)
    except BaseException as error:
        _fail(batches.session, run_id, error)
        raise
    return JobOutcome(run, worked=True)


def single_job(
    database: Database,
    job: RunJob,
    run_date: dt.date,
    started_by: str,
    work: Callable[[Batches, Run], None],
) -> JobOutcome:
    """One job for ``run_date`` on its own, under the run lock (the ``bank runs <job>`` commands)."""
    assert database.engine is not None
    session = database.new_session()
    try:
        validate_run_date(session, run_date)
        session.rollback()
        with run_lock(database.engine):
            record_interrupted(session)
            batches = Batches(session)
            return guarded(batches, job, run_date, started_by, lambda run: work(batches, run))
    finally:
        session.close()
