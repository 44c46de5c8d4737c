"""The pools' jobs: withdrawals whose notice has passed, and the quarterly distribution.

Both run in every close day (:mod:`bank.day`); each is also a command of its own, and a quarter
can be distributed on request (:func:`distribute_pool_quarter`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from bank import clock
from bank.actor import system
from bank.db import Database
from bank.errors import N_, ValidationError
from bank.money import ZERO
from bank.pools import distribution
from bank.pools import service as pools
from bank.runs.batches import Batches, Progress
from bank.runs.lock import run_lock
from bank.runs.models import Run, RunJob, RunStatus
from bank.runs.record import JobOutcome, record_interrupted, single_job


def pool_withdrawals_job(batches: Batches, run: Run, run_date: dt.date, progress: Progress | None) -> None:
    """Pay the pools' withdrawal requests whose notice has passed, first come first served."""
    session = batches.session
    payout = pools.pay_due_withdrawals(session, run_date, actor=system("pool-withdrawals"))
    session.add(run)
    # Paid requests are paid for good (a resumed run pays them no second time); the waiting ones
    # are the queue as it stands after this run, so they are set, not added.
    run.items_done += payout.paid_count
    run.items_waiting = payout.waiting_count
    run.items_count = run.items_done + run.items_waiting
    run.amount_out += payout.paid_amount
    run.entries_posted += payout.paid_count
    run.progress_total = run.items_count
    run.progress_done = run.items_done
    batches.end_batch()
    if progress:
        progress(run.progress_done, run.progress_total)


def _count_distributions(run: Run, distributions: list[Any]) -> None:
    """Pools distributed, participants paid, the pools' interest, the bank's margin, what went out."""
    run.progress_total += len(distributions)
    run.progress_done += len(distributions)
    run.items_count += sum(item.participant_count for item in distributions)
    run.amount_in += sum((item.interest_collected for item in distributions), ZERO)
    run.amount_kept += sum((item.margin_amount for item in distributions), ZERO)
    run.amount_out += sum((item.amount_distributed for item in distributions), ZERO)
    run.entries_posted += sum(1 for item in distributions if item.entry_id is not None)


def pool_distribution_job(batches: Batches, run: Run, run_date: dt.date, progress: Progress | None) -> None:
    """Distribute the last quarter ended before ``run_date`` for every pool not yet done."""
    session = batches.session
    distributions = distribution.distribute_due(session, run_date, actor=system("pool-distribution"))
    session.add(run)
    _count_distributions(run, distributions)
    batches.end_batch()
    if progress:
        progress(run.progress_done, run.progress_total)


def run_pool_withdrawals(
    database: Database, run_date: dt.date, *, started_by: str = "cli", progress: Progress | None = None
) -> JobOutcome:
    """Pay every pool withdrawal request due on ``run_date`` while the pool's uncommitted money lasts."""
    return single_job(
        database,
        RunJob.POOL_WITHDRAWALS,
        run_date,
        started_by,
        lambda batches, run: pool_withdrawals_job(batches, run, run_date, progress),
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
                        items_count=0,
                        amount_in=ZERO,
                        amount_kept=ZERO,
                        amount_out=ZERO,
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
