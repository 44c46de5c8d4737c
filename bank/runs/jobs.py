"""The jobs of a business day and their ``runs`` records.

Close day runs, in order: repayments, savings interest, expiry of approved offers not taken up,
pool withdrawals whose notice has passed, the pools' quarterly distribution, and the month-end
statements. Each job is also a command of its own (``bank runs …``).

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
import gc
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import system
from bank.applications import service as applications
from bank.calendar import business_days
from bank.db import Database, engine_of, is_postgresql, reading, writers_waiting
from bank.errors import N_, ValidationError
from bank.ledger.models import JournalEntry
from bank.loans import servicing
from bank.money import ZERO, from_cents
from bank.pools import distribution
from bank.pools import service as pools
from bank.runs.lock import run_lock
from bank.runs.models import Run, RunJob, RunStatus
from bank.savings import interest as savings_interest
from bank.statements import service as statements
from bank.statements.service import discard_uncommitted_files

log = logging.getLogger("bank.runs")
#: How long a failed run keeps trying to write its failure while the database comes back.
FAILURE_RECORD_SECONDS = 30.0
#: SQLite: after a committed batch, wait at most this long for writers that wait (see
#: _yield_the_write_lock); twice the longest sleep of SQLite's busy handler between two tries.
SQLITE_YIELD_SECONDS = 0.2
#: ... checking this often whether they are through.
SQLITE_YIELD_POLL_SECONDS = 0.002
#: Loans per batch (one commit each): big enough for set-based work, small enough that a kill
#: loses little and memory stays flat.
BATCH_SIZE = 500
#: Connections the repayment run services batches on at once (PostgreSQL; SQLite has one writer).
REPAYMENT_WORKERS = 2
#: Python's young-generation collection threshold while a job works (the default is 700).
GC_YOUNG_THRESHOLD = 20_000
#: Progress callback: (done, total).
Progress = Callable[[int, int], None]
#: Where stored statements go (the app's ``STATEMENT_DIR``).
StatementDir = str | os.PathLike[str]


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
            _free_batch_cycles()
            if not is_postgresql(self.session):
                _yield_the_write_lock(self.session)
            return
        self.session.flush()
        _free_batch_cycles()


def _yield_the_write_lock(session: Session) -> None:
    """SQLite: after a committed batch, let writers that wait (a teller's booking) in first.

    SQLite has one write lock and no queue: a waiting writer polls for it (its busy handler
    sleeps up to 100 ms between tries), so a job that begins its next batch at once would take
    the lock again before anyone else could, batch after batch. Every writer announces itself
    before it asks for the lock (:func:`bank.db.writers_waiting`), so the job waits only while
    one is announced, until it is through or ``SQLITE_YIELD_SECONDS`` have passed; with no one
    waiting (a night's run) it goes on at once (it used to sleep 50 ms after every batch that
    held the lock 0.1 s, whether anyone waited or not). Readers never wait (WAL and deferred
    read transactions, :func:`bank.db.reading`).
    """
    engine = engine_of(session)
    if not writers_waiting(engine):
        return
    deadline = time.monotonic() + SQLITE_YIELD_SECONDS
    while time.monotonic() < deadline:
        time.sleep(SQLITE_YIELD_POLL_SECONDS)
        if not writers_waiting(engine):
            return


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
    (:func:`record_interrupted`). Statement files written by the batch that did not commit are
    removed. Sets ``error.run_recorded`` for the operator's message.
    """
    try:
        session.rollback()
    except Exception:  # the connection is gone; the database rolled the batch back itself
        log.warning("run %s: rolling back the failed batch failed", run_id, exc_info=True)
    discard_uncommitted_files(session)
    cause = describe_failure(error)
    details = "".join(traceback.format_exception(error, limit=5))
    text_ = f"{cause}\n{details}"[:4000]
    engine = engine_of(session)
    recorded = _record_failure(engine, run_id, text_, wait_seconds=FAILURE_RECORD_SECONDS)
    if not recorded:
        _remember_interrupted(engine, run_id, text_)
    with suppress(Exception):  # some exceptions take no attributes
        error.run_recorded = recorded  # type: ignore[attr-defined]


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


@contextmanager
def collecting_less() -> Iterator[None]:
    """Let Python's cycle collector run less often while a job works; restore it afterwards.

    A batch keeps tens of thousands of small objects (rows, requests, cents tuples) alive until
    it commits. At the default threshold of 700 new objects the collector runs hundreds of
    times per batch, promotes those objects and then walks them again, with the process's
    long-lived objects, in its older generations: about 15 % of a repayment run's time (see
    DEVELOPERS.md, "Runs"). The collector still runs, every ``GC_YOUNG_THRESHOLD`` objects, and
    after each batch (:func:`_free_batch_cycles`), so memory stays flat however many loans.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_YOUNG_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _free_batch_cycles() -> None:
    """Collect the young generations after a batch (see :func:`collecting_less`).

    A batch leaves about a hundred objects in reference cycles (a session transaction and its
    companions). The raised threshold would let them pile up over hundreds of batches, so a
    job's memory would grow with the number of loans or accounts; collected here, where little
    is alive, they cost a fraction of a millisecond per batch. Every job ends its batches with
    :meth:`Batches.end_batch`, which calls this; the repayment run's parallel workers commit on
    their own sessions and call it themselves.
    """
    gc.collect(1)


def _guarded(
    batches: Batches, job: RunJob, run_date: dt.date, started_by: str, work: Callable[[Run], None]
) -> JobOutcome:
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


# ---------------------------------------------------------------------------------------------
# Repayments


def _repayments(
    batches: Batches, run: Run, run_date: dt.date, progress: Progress | None, batch_size: int
) -> None:
    session = batches.session
    if batches.commit_batches and is_postgresql(session) and REPAYMENT_WORKERS > 1:
        _repayments_in_parallel(session, run, run_date, progress, batch_size, REPAYMENT_WORKERS)
    else:
        remaining = servicing.count_loans_to_service(session, run_date)
        session.add(run)
        run.progress_total = run.progress_done + remaining
        batches.end_batch()
        if progress:
            progress(run.progress_done, run.progress_total)
        actor = system("repayment-run")
        done = run.progress_done
        loan_ids = servicing.loans_to_service(session, run_date, limit=batch_size)
        while loan_ids:
            outcome = servicing.service_batch(session, loan_ids, run_date, actor=actor, run_id=run.id)
            _count_batch(session, run.id, outcome)
            batches.end_batch()
            done += outcome.loans
            if progress:
                progress(done, run.progress_total)
            loan_ids = servicing.loans_to_service(
                session, run_date, after_loan_id=loan_ids[-1], limit=batch_size
            )
    # The counters were added up in the database, batch by batch.
    session.add(run)
    session.refresh(run)


def _count_batch(session: Session, run_id: int, outcome: servicing.BatchOutcome) -> None:
    """Add a batch's counts to its run row in the batch's own transaction (``x = x + n``)."""
    session.execute(
        update(Run)
        .where(Run.id == run_id)
        .values(
            progress_done=Run.progress_done + outcome.loans,
            due_count=Run.due_count + outcome.due_count,
            collected_full_count=Run.collected_full_count + outcome.full,
            collected_partial_count=Run.collected_partial_count + outcome.partial,
            collected_nothing_count=Run.collected_nothing_count + outcome.nothing,
            amount_due=Run.amount_due + from_cents(outcome.amount_due),
            amount_collected=Run.amount_collected + from_cents(outcome.amount_collected),
            amount_accrued=Run.amount_accrued + from_cents(outcome.amount_accrued),
            amount_charged=Run.amount_charged + from_cents(outcome.amount_charged),
            entries_posted=Run.entries_posted + outcome.entries,
        )
        .execution_options(synchronize_session=False)
    )


def _repayments_in_parallel(
    session: Session,
    run: Run,
    run_date: dt.date,
    progress: Progress | None,
    batch_size: int,
    workers: int,
) -> None:
    """Service batches on ``workers`` connections at once (PostgreSQL).

    A batch is Python work around a few long statements; with two connections one batch's
    Python runs while the other's statements run in the database, on the machine's other core.
    Batches hold disjoint loans and each commits on its own with its counts, so a kill leaves
    every batch wholly in or wholly out, as in the serial loop. They cannot deadlock: a batch
    first locks its borrowers' accounts (in id order, in one statement), its other rows are its
    own loans', and the run row it shares is updated last, just before its commit.
    """
    engine = engine_of(session)
    run_id = run.id
    actor = system("repayment-run")
    local = threading.local()
    opened: list[Session] = []
    opened_lock = threading.Lock()

    def service(loan_ids: list[int]) -> int:
        worker = getattr(local, "session", None)
        if worker is None:
            worker = local.session = Session(bind=engine, expire_on_commit=False)
            with opened_lock:
                opened.append(worker)
        try:
            outcome = servicing.service_batch(worker, loan_ids, run_date, actor=actor, run_id=run_id)
            _count_batch(worker, run_id, outcome)
            worker.commit()
        except BaseException:
            worker.rollback()
            raise
        finally:
            worker.expunge_all()
            _free_batch_cycles()
        return outcome.loans

    done = run.progress_done
    total: int | None = None

    def count_total() -> int:
        # The count reads every loan and instalment, so it runs while the first batches work
        # instead of before them (a resumed run paid it again up front). Loans done and loans
        # to do are read in one statement, one snapshot: a batch committing meanwhile is in
        # exactly one of them.
        remaining = servicing.loans_to_service_count(run_date).scalar_subquery()
        counted = int(session.scalar(select(Run.progress_done + remaining).where(Run.id == run_id)) or 0)
        session.execute(
            update(Run)
            .where(Run.id == run_id)
            .values(progress_total=counted)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if progress:
            progress(done, counted)
        return counted

    try:
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="repayments") as pool:
            pending: set[Future[int]] = set()

            def next_batch(after_loan_id: int) -> list[int]:
                loan_ids = servicing.loans_to_service(
                    session, run_date, after_loan_id=after_loan_id, limit=batch_size
                )
                session.rollback()  # no transaction left open beside the workers'
                return loan_ids

            # The next batch is read while the workers are busy, so a worker that finishes
            # starts on it at once.
            loan_ids = next_batch(0)
            while loan_ids or pending:
                if loan_ids and len(pending) < workers:
                    pending.add(pool.submit(service, loan_ids))
                    loan_ids = next_batch(loan_ids[-1])
                    continue
                if total is None:
                    total = count_total()
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    done += future.result()
                    if progress:
                        progress(done, total)
            if total is None:  # nothing to do
                total = count_total()
    finally:
        for worker in opened:
            worker.close()


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


# ---------------------------------------------------------------------------------------------
# Offers, pools, statements
#
# This module is the top floor of the domain (DEVELOPERS.md, "Floors"): it composes the features'
# jobs, so it imports them at the top; they import only the run framework below them.


def _expire_offers(batches: Batches, run: Run, run_date: dt.date, progress: Progress | None) -> None:
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


def _pool_withdrawals(batches: Batches, run: Run, run_date: dt.date, progress: Progress | None) -> None:
    """Pay the pools' withdrawal requests whose notice has passed, first come first served."""
    session = batches.session
    payout = pools.pay_due_withdrawals(session, run_date, actor=system("pool-withdrawals"))
    session.add(run)
    # Paid requests are paid for good (a resumed run pays them no second time); the waiting ones
    # are the queue as it stands after this run, so they are set, not added.
    run.collected_full_count += payout.paid_count
    run.collected_nothing_count = payout.waiting_count
    run.due_count = run.collected_full_count + run.collected_nothing_count
    run.amount_collected += payout.paid_amount
    run.entries_posted += payout.paid_count
    run.progress_total = run.due_count
    run.progress_done = run.collected_full_count
    batches.end_batch()
    if progress:
        progress(run.progress_done, run.progress_total)


def _count_distributions(run: Run, distributions: list[Any]) -> None:
    """Pools distributed, participants paid, the pools' interest, the bank's margin, what went out."""
    run.progress_total += len(distributions)
    run.progress_done += len(distributions)
    run.due_count += sum(item.participant_count for item in distributions)
    run.amount_due += sum((item.interest_collected for item in distributions), ZERO)
    run.amount_charged += sum((item.margin_amount for item in distributions), ZERO)
    run.amount_accrued += sum((item.amount_distributed for item in distributions), ZERO)
    run.entries_posted += sum(1 for item in distributions if item.entry_id is not None)


def _pool_distribution(batches: Batches, run: Run, run_date: dt.date, progress: Progress | None) -> None:
    """Distribute the last quarter ended before ``run_date`` for every pool not yet done."""
    session = batches.session
    distributions = distribution.distribute_due(session, run_date, actor=system("pool-distribution"))
    session.add(run)
    _count_distributions(run, distributions)
    batches.end_batch()
    if progress:
        progress(run.progress_done, run.progress_total)


def statement_month_end(run_date: dt.date) -> dt.date:
    """The month whose statements a run on ``run_date`` stores: the last one ended on or before it."""
    following = run_date + dt.timedelta(days=1)
    if following.month != run_date.month:
        return run_date
    return run_date.replace(day=1) - dt.timedelta(days=1)


def _month_end_statements(
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
    run.due_count = len(account_ids)
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
        run.collected_full_count += made
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


def run_repayments(
    database: Database,
    run_date: dt.date,
    *,
    started_by: str = "cli",
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> JobOutcome:
    """The repayment run for ``run_date`` (see :mod:`bank.loans.servicing`), under the run lock."""
    return _single_job(
        database,
        RunJob.REPAYMENTS,
        run_date,
        started_by,
        lambda batches, run: _repayments(batches, run, run_date, progress, batch_size),
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
    return _single_job(
        database,
        RunJob.SAVINGS_INTEREST,
        run_date,
        started_by,
        lambda batches, run: _savings(batches, run, run_date, progress, batch_size),
    )


def _single_job(
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
            return _guarded(batches, job, run_date, started_by, lambda run: work(batches, run))
    finally:
        session.close()


def run_expire_offers(
    database: Database, run_date: dt.date, *, started_by: str = "cli", progress: Progress | None = None
) -> JobOutcome:
    """Approved offers not disbursed within their validity lapse (those that ended before ``run_date``)."""
    return _single_job(
        database,
        RunJob.EXPIRE_OFFERS,
        run_date,
        started_by,
        lambda batches, run: _expire_offers(batches, run, run_date, progress),
    )


def run_pool_withdrawals(
    database: Database, run_date: dt.date, *, started_by: str = "cli", progress: Progress | None = None
) -> JobOutcome:
    """Pay every pool withdrawal request due on ``run_date`` while the pool's uncommitted money lasts."""
    return _single_job(
        database,
        RunJob.POOL_WITHDRAWALS,
        run_date,
        started_by,
        lambda batches, run: _pool_withdrawals(batches, run, run_date, progress),
    )


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
    return _single_job(
        database,
        RunJob.MONTH_END_STATEMENTS,
        run_date,
        started_by,
        lambda batches, run: _month_end_statements(
            batches, run, run_date, statement_dir, progress, batch_size
        ),
    )


def distribute_pool_quarter(
    database: Database, quarter_end: dt.date, *, started_by: str = "cli", today: dt.date | None = None
) -> JobOutcome:
    """``bank runs pool-distribution --date D``: distribute quarter D of every pool not yet done.

    All pools in one transaction: a refusal (``distribution.pools_to_distribute``'s, or one of
    ``distribute_quarter``'s own) writes nothing, not even a run row. The work is recorded on the
    pool-distribution run of business date D: created, or, when the close day of D already ran
    that job (it distributes the quarter *before* D), counted in as a further attempt.
    """
    assert database.engine is not None
    today = today or clock.today()
    session = database.new_session()
    try:
        with run_lock(database.engine):
            record_interrupted(session)
            try:
                pending = distribution.pools_to_distribute(session, quarter_end, today)
                run = session.scalar(
                    select(Run).where(Run.job == RunJob.POOL_DISTRIBUTION, Run.business_date == quarter_end)
                )
                if run is not None and run.status is not RunStatus.COMPLETED:
                    # That day's close day has its own distribution (of the quarter before) to
                    # finish; marking the row completed here would skip it for good.
                    raise ValidationError(
                        "date",
                        N_(
                            "the close day of %(quarter_end)s has not finished its pool distribution "
                            "(%(status)s); resume it first: bank runs close-day --date %(quarter_end)s"
                        ),
                        quarter_end=quarter_end,
                        status=run.status,
                    )
                actor = system("pool-distribution")
                made = [
                    distribution.distribute_quarter(session, pool, quarter_end, actor=actor, today=today)
                    for pool in pending
                ]
                now = clock.now_utc()
                if run is None:
                    run = Run(
                        job=RunJob.POOL_DISTRIBUTION,
                        business_date=quarter_end,
                        attempts=1,
                        error="",
                        progress_total=0,
                        progress_done=0,
                        due_count=0,
                        amount_due=ZERO,
                        amount_charged=ZERO,
                        amount_accrued=ZERO,
                        entries_posted=0,
                    )
                    session.add(run)
                else:
                    run.attempts += 1
                run.started_at = now
                run.started_by = started_by[:200]
                _count_distributions(run, made)
                run.status = RunStatus.COMPLETED
                run.finished_at = clock.now_utc()
                session.commit()
            except BaseException:
                session.rollback()
                raise
            return JobOutcome(run, worked=True)
    finally:
        session.close()


def close_day(
    database: Database,
    run_date: dt.date,
    *,
    started_by: str = "cli",
    statement_dir: StatementDir | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> list[JobOutcome]:
    """All jobs of business date ``run_date`` in order (see :func:`close_day_in`), one lock.

    Every earlier business day not yet closed since the last closed one is closed first, in
    order (:func:`unclosed_days_before`), so no business day is ever skipped. Returns the outcome
    of each job and, last, of the close-day record itself, which completes only when every job
    of the day has (for each day closed, in order).
    """
    assert database.engine is not None
    session = database.new_session()
    try:
        validate_run_date(session, run_date)
        session.rollback()
        with run_lock(database.engine):
            record_interrupted(session)
            earlier = unclosed_days_before(session, run_date)
            session.rollback()
            outcomes: list[JobOutcome] = []
            for day in [*earlier, run_date]:
                outcomes += close_day_in(
                    Batches(session),
                    day,
                    started_by=started_by,
                    statement_dir=statement_dir,
                    progress=progress,
                    batch_size=batch_size,
                )
            return outcomes
    finally:
        session.close()


def unclosed_days_before(session: Session, run_date: dt.date) -> list[dt.date]:
    """Business days after the last completed close day before ``run_date`` and before it, in order.

    A close day for a date closes these first: otherwise closing tomorrow today would leave
    today for good (the catch-up looks only after the latest closed day). A bank with no
    completed close day before ``run_date`` starts with that date.
    """
    last = session.scalar(
        select(func.max(Run.business_date)).where(
            Run.job == RunJob.CLOSE_DAY,
            Run.status == RunStatus.COMPLETED,
            Run.business_date < run_date,
        )
    )
    if last is None:
        return []
    return list(business_days(last + dt.timedelta(days=1), run_date - dt.timedelta(days=1)))


def close_day_in(
    batches: Batches,
    run_date: dt.date,
    *,
    started_by: str,
    statement_dir: StatementDir | None = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> list[JobOutcome]:
    """The jobs of ``run_date`` in the given session; the caller holds the run lock (or, like the
    demo loader, is the only writer of a database being built).

    In order: repayments, savings interest, expire offers, pool withdrawals, pool distribution,
    month-end statements. The statements need the directory they are stored in; without one
    (``statement_dir=None``: the demo's older history, stories that test other jobs) that job
    is left out of the day, which still closes. The scheduler and the commands always pass it.
    """
    outcomes: list[JobOutcome] = []
    jobs: list[tuple[RunJob, Callable[[Run], None]]] = [
        (RunJob.REPAYMENTS, lambda run: _repayments(batches, run, run_date, progress, batch_size)),
        (RunJob.SAVINGS_INTEREST, lambda run: _savings(batches, run, run_date, progress, batch_size)),
        (RunJob.EXPIRE_OFFERS, lambda run: _expire_offers(batches, run, run_date, progress)),
        (RunJob.POOL_WITHDRAWALS, lambda run: _pool_withdrawals(batches, run, run_date, progress)),
        (RunJob.POOL_DISTRIBUTION, lambda run: _pool_distribution(batches, run, run_date, progress)),
    ]
    if statement_dir is not None:
        directory = statement_dir
        jobs.append(
            (
                RunJob.MONTH_END_STATEMENTS,
                lambda run: _month_end_statements(batches, run, run_date, directory, progress, batch_size),
            )
        )

    def work(_close: Run) -> None:
        for job, job_work in jobs:
            outcomes.append(_guarded(batches, job, run_date, started_by, job_work))

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
    database: Database,
    today: dt.date | None = None,
    *,
    started_by: str = "system:scheduler",
    statement_dir: StatementDir | None = None,
) -> list[dt.date]:
    """Close every business date missed since the last completed close day, oldest first."""
    assert database.engine is not None
    today = today or clock.today()
    session = database.new_session()
    try:
        with run_lock(database.engine):
            # Runs an earlier attempt left "running" are recorded even when no day is missed.
            record_interrupted(session)
        days = missed_days(session, today)
    finally:
        session.close()
    for day in days:
        close_day(database, day, started_by=started_by, statement_dir=statement_dir)
    return days
