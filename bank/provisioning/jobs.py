"""The month-end provisioning job: the month that ended last, staged and provisioned once.

A run provisions the month-end on or before its date unless that month-end is already
provisioned (a missed month-end is caught up, with later postings taken back out of the
balances), and on a month's last business day that month's end too, dated its last day: a month
ending on a Saturday is provisioned in Friday's close day, before the month can be closed. In the
close day a bank with no probability-of-default table in force yet provisions nothing; on its
own (``bank runs provisioning``) the run refuses that, naming the date.
"""

from __future__ import annotations

import datetime as dt

from bank.actor import system
from bank.calendar import next_business_day
from bank.db import Database
from bank.money import ZERO
from bank.provisioning import queries, service
from bank.runs.batches import Batches, Progress
from bank.runs.models import Run, RunJob
from bank.runs.record import JobOutcome, single_job


def month_ends_due(run_date: dt.date) -> list[dt.date]:
    """The month-ends a run on ``run_date`` provisions (unless done): the last one on or before
    it, and its own month's end when ``run_date`` is the month's last business day.

    A month ending on a weekend or a TARGET2 holiday is provisioned in the close day of its last
    business day, dated its last day, so that once that close day has completed (what closing the
    month waits for, ``bank.day.close_month``) nothing is left to post into the month.
    """
    days = [queries.month_end_on_or_before(run_date)]
    following = next_business_day(run_date + dt.timedelta(days=1))
    if following.month != run_date.month or following.year != run_date.year:
        own = queries.month_end_on_or_before(following.replace(day=1) - dt.timedelta(days=1))
        if own not in days:
            days.append(own)
    return days


def provisioning_job(
    batches: Batches, run: Run, run_date: dt.date, progress: Progress | None, *, required: bool = False
) -> None:
    """Provision the month-ends due on ``run_date`` as ``run``'s work (alone or in a close day)."""
    session = batches.session
    session.add(run)
    for month_end in month_ends_due(run_date):
        if queries.month(session, month_end) is not None:
            continue
        if not required and queries.table_in_force(session, month_end) is None:
            continue
        provision = service.provision_month_end(
            session, month_end, actor=system("provisioning"), run_id=run.id
        )
        session.add(run)
        change = provision.change
        run.items_count += provision.loans_count
        run.items_done += provision.loans_count
        run.progress_total += provision.loans_count
        run.progress_done += provision.loans_count
        run.amount_kept = provision.total_ecl
        run.amount_in += change if change > 0 else ZERO
        run.amount_out += -change if change < 0 else ZERO
        run.entries_posted += 1 if provision.entry_id is not None else 0
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
