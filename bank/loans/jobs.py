"""The repayment run: accrual, collection, penalties and late fees for a business date, in batches.

:mod:`bank.loans.servicing` does a batch's work (``service_batch``); this job walks the loans due
in batches of the run framework (:mod:`bank.runs.batches`, one commit each, the run row's
counters added in the same transaction), so a run killed at any point resumes from the first
loan not yet serviced (``Loan.serviced_through``) with nothing posted twice. On PostgreSQL it
services ``REPAYMENT_WORKERS`` batches at once on their own connections.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bank.actor import system
from bank.db import Database, is_postgresql
from bank.loans import accrual, servicing
from bank.money import from_cents
from bank.runs.batches import BATCH_SIZE, Batches, Progress
from bank.runs.batches import free_batch_cycles as _free_batch_cycles
from bank.runs.models import Run, RunJob
from bank.runs.record import JobOutcome, single_job

#: Connections the repayment run services batches on at once (PostgreSQL; SQLite has one writer).
REPAYMENT_WORKERS = 2
#: Loans per batch of the serial run (SQLite). Twice the framework's batch: a batch's fixed
#: cost (its reads, the commit's sync to disk, the progress row) was a sixth of the run at 500,
#: and a 1 000-loan batch still holds the write lock only about a tenth of a second, so a
#: teller's booking waits a moment at most. The parallel run (PostgreSQL) keeps BATCH_SIZE: a
#: killed run loses the batches in flight, two at a time.
SERIAL_BATCH_SIZE = 1000


def repayments_job(
    batches: Batches, run: Run, run_date: dt.date, progress: Progress | None, batch_size: int | None
) -> None:
    """Service every loan due by ``run_date`` as ``run``'s work (alone or in a close day).

    ``batch_size=None``: the path's own (BATCH_SIZE in parallel, SERIAL_BATCH_SIZE serially).
    """
    session = batches.session
    if batches.commit_batches and is_postgresql(session) and REPAYMENT_WORKERS > 1:
        _repayments_in_parallel(session, run, run_date, progress, batch_size or BATCH_SIZE, REPAYMENT_WORKERS)
    else:
        batch_size = batch_size or SERIAL_BATCH_SIZE
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
    engine = session.get_bind()
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


def run_repayments(
    database: Database,
    run_date: dt.date,
    *,
    started_by: str = "cli",
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> JobOutcome:
    """The repayment run for ``run_date`` (see :mod:`bank.loans.servicing`), under the run lock."""
    return single_job(
        database,
        RunJob.REPAYMENTS,
        run_date,
        started_by,
        lambda batches, run: repayments_job(batches, run, run_date, progress, batch_size),
    )


# ---------------------------------------------------------------------------------------------
# Daily interest accrual (issue 16)

#: Loans per batch of the accrual job: a batch is two short reads, one post_many and one bulk
#: update, so it can be as big as the serial repayment run's.
ACCRUAL_BATCH_SIZE = 1000


def loan_accrual_job(
    batches: Batches, run: Run, run_date: dt.date, progress: Progress | None, batch_size: int | None = None
) -> None:
    """Accrue every active loan's interest through ``run_date`` as ``run``'s work (:mod:`bank.loans.accrual`).

    Batches of loans in id order, each committed with its counters; a loan already accrued
    through the date is not read again, so a killed run resumes where it stopped.
    """
    session = batches.session
    batch_size = batch_size or ACCRUAL_BATCH_SIZE
    through = accrual.accrual_through(run_date)
    remaining = accrual.count_loans_to_accrue(session, through)
    session.add(run)
    run.progress_total = run.progress_done + remaining
    batches.end_batch()
    if progress:
        progress(run.progress_done, run.progress_total)
    actor = system("loan-accrual")
    done = run.progress_done
    loan_ids = accrual.loans_to_accrue(session, through, limit=batch_size)
    while loan_ids:
        outcome = accrual.accrue_batch(session, loan_ids, run_date, actor=actor)
        session.execute(
            update(Run)
            .where(Run.id == run.id)
            .values(
                progress_done=Run.progress_done + outcome.loans,
                items_count=Run.items_count + outcome.loans,
                items_done=Run.items_done + outcome.entries,
                amount_in=Run.amount_in + from_cents(outcome.cents),
                entries_posted=Run.entries_posted + outcome.entries,
            )
            .execution_options(synchronize_session=False)
        )
        batches.end_batch()
        done += outcome.loans
        if progress:
            progress(done, run.progress_total)
        loan_ids = accrual.loans_to_accrue(session, through, after_loan_id=loan_ids[-1], limit=batch_size)
    session.add(run)
    session.refresh(run)


def run_loan_accrual(
    database: Database,
    run_date: dt.date,
    *,
    started_by: str = "cli",
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> JobOutcome:
    """The daily interest accrual for ``run_date`` alone (``bank runs accrual``), under the run lock."""
    return single_job(
        database,
        RunJob.LOAN_ACCRUAL,
        run_date,
        started_by,
        lambda batches, run: loan_accrual_job(batches, run, run_date, progress, batch_size),
    )
