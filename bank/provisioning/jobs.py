"""The month-end provisioning job: the month that ended last, staged and provisioned once.

Like the month-end statements, a run on any business date provisions the month-end on or before
it unless that month-end is already provisioned (a month ending on a Saturday is provisioned on
Monday, with Monday's postings taken back out of the balances). In the close day a bank with no
probability-of-default table in force yet provisions nothing; on its own (``bank runs
provisioning``) the run refuses that, naming the date.
"""

from __future__ import annotations

import datetime as dt

from bank.actor import system
from bank.db import Database
from bank.money import ZERO
from bank.provisioning import queries, service
from bank.runs.batches import Batches, Progress
from bank.runs.models import Run, RunJob
from bank.runs.record import JobOutcome, single_job


def provisioning_job(
    batches: Batches, run: Run, run_date: dt.date, progress: Progress | None, *, required: bool = False
) -> None:
    """Provision the month-end on or before ``run_date`` as ``run``'s work (alone or in a close day)."""
    session = batches.session
    month_end = queries.month_end_on_or_before(run_date)
    if queries.month(session, month_end) is not None:
        return
    if not required and queries.table_in_force(session, month_end) is None:
        return
    session.add(run)
    provision = service.provision_month_end(session, month_end, actor=system("provisioning"), run_id=run.id)
    change = provision.change
    run.items_count = provision.loans_count
    run.items_done = provision.loans_count
    run.progress_total = provision.loans_count
    run.progress_done = provision.loans_count
    run.amount_kept = provision.total_ecl
    run.amount_in = change if change > 0 else ZERO
    run.amount_out = -change if change < 0 else ZERO
    run.entries_posted = 1 if provision.entry_id is not None else 0
    batches.end_batch()
    if progress:
        progress(run.progress_done, run.progress_total)


def run_provisioning(
    database: Database, run_date: dt.date, *, started_by: str = "cli", progress: Progress | None = None
) -> JobOutcome:
    """Provision the month-end on or before ``run_date`` (``bank runs provisioning --date D``)."""
    return single_job(
        database,
        RunJob.PROVISIONING,
        run_date,
        started_by,
        lambda batches, run: provisioning_job(batches, run, run_date, progress, required=True),
    )
