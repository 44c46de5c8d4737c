"""The business day: close day and catch-up, composed from the features' jobs.

Close day runs, in order: the daily interest accrual on loans and then the repayments
(:mod:`bank.loans.jobs`; the accrual first, so that on a due date the period's interest is
accrued in full and the repayment run's due-date step has nothing left to post), savings interest
(:mod:`bank.savings.jobs`), the arrears follow-up (reminder letters, hand-over, promises to pay:
:mod:`bank.arrears.jobs`), expiry of approved offers not taken up (:mod:`bank.applications.jobs`),
expiry of SEPA mandates unused for 36 months (:mod:`bank.payments.jobs`),
pool withdrawals whose notice has passed and the pools' quarterly distribution
(:mod:`bank.pools.jobs`), the month-end provisioning of expected credit losses
(:mod:`bank.provisioning.jobs`), transaction monitoring over the day's postings
(:mod:`bank.monitoring.jobs`), and the month-end statements (:mod:`bank.statements.jobs`). Each job is
also a command of its own (``bank runs …``) and records itself through the run framework
(:mod:`bank.runs`); the close day has a run row of its own that completes only when every job of
the day has. This module sits on its own floor above every feature it calls and below the
adapters (the scheduler, the commands, the staff runs page, the demo) that start it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.applications.jobs import expire_offers_job
from bank.arrears.jobs import arrears_follow_up_job
from bank.calendar import business_days, next_business_day
from bank.db import Database
from bank.errors import N_, ValidationError
from bank.ledger import periods
from bank.ledger.models import ClosedMonth, ClosedYear
from bank.loans.jobs import loan_accrual_job, repayments_job
from bank.monitoring.jobs import monitoring_job
from bank.payments.jobs import expire_mandates_job
from bank.pools.jobs import pool_distribution_job, pool_withdrawals_job
from bank.provisioning.jobs import provisioning_job
from bank.runs.batches import BATCH_SIZE, Batches, Progress
from bank.runs.lock import run_lock
from bank.runs.models import Run, RunJob, RunStatus
from bank.runs.record import JobOutcome, first_business_day, guarded, record_interrupted, validate_run_date
from bank.savings.jobs import savings_interest_job
from bank.statements.jobs import StatementDir, month_end_statements_job


def close_day(
    database: Database,
    run_date: dt.date,
    *,
    started_by: str = "cli",
    statement_dir: StatementDir | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
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
    batch_size: int | None = None,
) -> list[JobOutcome]:
    """The jobs of ``run_date`` in the given session; the caller holds the run lock (or, like the
    demo loader, is the only writer of a database being built).

    In order: loan interest accrual, repayments, savings interest, arrears follow-up, expire
    offers, expire mandates, pool withdrawals, pool distribution, provisioning (the month-end on
    or before the day, once), monitoring, month-end statements. The statements need the directory they are
    stored in; without one (``statement_dir=None``: the demo's older history, stories that test
    other jobs) that job is left out of the day, which still closes. The scheduler and the
    commands always pass it.
    """
    outcomes: list[JobOutcome] = []
    jobs: list[tuple[RunJob, Callable[[Run], None]]] = [
        (RunJob.LOAN_ACCRUAL, lambda run: loan_accrual_job(batches, run, run_date, progress, batch_size)),
        (RunJob.REPAYMENTS, lambda run: repayments_job(batches, run, run_date, progress, batch_size)),
        (
            RunJob.SAVINGS_INTEREST,
            lambda run: savings_interest_job(batches, run, run_date, progress, batch_size or BATCH_SIZE),
        ),
        # After the repayments: a loan paid today gets no reminder, and its episode ends.
        (RunJob.ARREARS_FOLLOW_UP, lambda run: arrears_follow_up_job(batches, run, run_date, progress)),
        (RunJob.EXPIRE_OFFERS, lambda run: expire_offers_job(batches, run, run_date, progress)),
        (RunJob.EXPIRE_MANDATES, lambda run: expire_mandates_job(batches, run, run_date, progress)),
        (RunJob.POOL_WITHDRAWALS, lambda run: pool_withdrawals_job(batches, run, run_date, progress)),
        (RunJob.POOL_DISTRIBUTION, lambda run: pool_distribution_job(batches, run, run_date, progress)),
        (RunJob.PROVISIONING, lambda run: provisioning_job(batches, run, run_date, progress)),
        # Last of the jobs that post: the rules see every movement of the day.
        (RunJob.MONITORING, lambda run: monitoring_job(batches, run, run_date, progress)),
    ]
    if statement_dir is not None:
        directory = statement_dir
        jobs.append(
            (
                RunJob.MONTH_END_STATEMENTS,
                lambda run: month_end_statements_job(
                    batches, run, run_date, directory, progress, batch_size or BATCH_SIZE
                ),
            )
        )

    def work(_close: Run) -> None:
        for job, job_work in jobs:
            outcomes.append(guarded(batches, job, run_date, started_by, job_work))

    outcomes.append(guarded(batches, RunJob.CLOSE_DAY, run_date, started_by, work))
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


def close_month(session: Session, month: dt.date, *, actor: Actor, today: dt.date) -> ClosedMonth:
    """Close a month of the books (:func:`bank.ledger.periods.close_month`) once its days are closed.

    The close-day runs post what a month owes itself (interest due, penalties, late fees, the
    savings interest of its last day); a month closed before they ran would refuse them. So the
    close day of the month's last business day must have completed (days before the bank's first
    business day need none) and, for a month ending on a closed day, the close day of the next
    business day, which posts the savings interest dated on the month's last day. The ledger's
    own rules (ended, in order, once) are checked first; this refusal comes after the row is
    written, and the caller's unit of work rolls it back.
    """
    closed = periods.close_month(session, month, actor=actor, today=today)
    opened = first_business_day(session)
    days = [
        day
        for day in business_days(closed.first_day, closed.last_day)
        if opened is not None and day >= opened
    ]
    last = last_closed_day(session)
    if days and (last is None or last < days[-1]):
        raise ValidationError(
            "month",
            N_("the close day of %(day)s has not completed: close every business day of %(month)s first"),
            day=days[-1],
            month=periods.month_label(closed.first_day),
        )
    # A month ending on a weekend or a TARGET2 holiday gets its month-end savings interest, dated
    # on its last day, from the close day of the next business day: that one must have run too.
    month_end_run = next_business_day(closed.last_day)
    if days and month_end_run > closed.last_day and (last is None or last < month_end_run):
        raise ValidationError(
            "month",
            N_(
                "the close day of %(day)s, which posts the savings interest of %(month)s, has not "
                "completed: close that day first"
            ),
            day=month_end_run,
            month=periods.month_label(closed.first_day),
        )
    audit.record(
        session,
        actor,
        "period.close_month",
        "period",
        periods.month_label(closed.first_day),
        after={"first_day": closed.first_day, "last_day": closed.last_day},
    )
    return closed


def close_year(session: Session, year: int, *, actor: Actor) -> ClosedYear:
    """Close a financial year (:func:`bank.ledger.periods.close_year`: the result to reserves), audited.

    The ledger sits below the audit log, so the record of who closed the books is written here,
    where the web, the command and the demo close them.
    """
    closed = periods.close_year(session, year, actor=actor)
    audit.record(
        session,
        actor,
        "period.close_year",
        "period",
        str(year),
        after={"result": closed.result, "closing_entry": closed.closing_entry_id},
    )
    return closed
