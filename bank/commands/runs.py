"""``bank runs …`` (one job for a business date) and ``bank scheduler`` (the unattended closer).

Each command takes the run lock, draws click's progress bar when stdout is a terminal, prints
a summary and exits non-zero on failure: 2 for refused input (a date in the future, before the
bank's first business day; for ``pool-distribution`` a day that is not a quarter's last, a quarter
not yet ended or already distributed), 3 when another run is in progress, 1 when the run failed.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from bank import clock
from bank import day as business_day
from bank import scheduler as scheduler_module
from bank.applications.jobs import run_expire_offers
from bank.arrears.jobs import run_arrears_follow_up
from bank.errors import BankError
from bank.extensions import db
from bank.loans.jobs import run_loan_accrual, run_repayments
from bank.monitoring.jobs import run_monitoring
from bank.payments.jobs import run_expire_mandates
from bank.pools.jobs import distribute_pool_quarter, run_pool_withdrawals
from bank.privacy.jobs import run_retention
from bank.privacy.service import Files
from bank.provisioning.jobs import run_provisioning
from bank.runs.lock import RunInProgress
from bank.runs.models import Run, RunJob
from bank.runs.record import JobOutcome, describe_failure
from bank.savings.jobs import run_savings_interest
from bank.statements.jobs import run_month_end_statements

_DATE = click.DateTime(formats=["%Y-%m-%d"])


@contextmanager
def _progress_bar(label: str) -> Iterator[Callable[[int, int], None] | None]:
    """click's progress bar on a terminal; nothing when piped or under the scheduler."""
    if not sys.stdout.isatty():
        yield None
        return
    state: dict[str, Any] = {"bar": None, "shown": 0}

    def update(done: int, total: int) -> None:
        bar = state["bar"]
        if bar is None or getattr(bar, "length", None) != total:
            if bar is not None:
                bar.render_finish()
            bar = click.progressbar(length=max(total, 1), label=label, show_pos=True)
            bar.__enter__()
            state["bar"], state["shown"] = bar, 0
        bar.update(done - int(state["shown"]))
        state["shown"] = done

    try:
        yield update
    finally:
        bar = state["bar"]
        if bar is not None:
            bar.__exit__(None, None, None)


def summary(run: Run, worked: bool) -> str:
    """One line per run for people: counts, amounts, duration."""
    if not worked:
        return f"{run.job.value} {run.business_date}: already completed earlier; nothing to do"
    duration = run.duration_seconds
    took = f" in {duration:.1f}s" if duration is not None else ""
    if run.job is RunJob.REPAYMENTS:
        return (
            f"repayments {run.business_date}: {run.status.value}{took} · loans due {run.due_count}"
            f" (paid in full {run.collected_full_count}, partly {run.collected_partial_count},"
            f" nothing {run.collected_nothing_count}) · due {run.amount_due:.2f}"
            f" collected {run.amount_collected:.2f} · interest accrued {run.amount_accrued:.2f}"
            f" · fees and penalties {run.amount_charged:.2f} · entries {run.entries_posted}"
            f"{' · attempt ' + str(run.attempts) if run.attempts > 1 else ''}"
        )
    if run.job is RunJob.LOAN_ACCRUAL:
        return (
            f"loan accrual {run.business_date}: {run.status.value}{took} · loans {run.items_count}"
            f" · interest accrued {run.amount_in:.2f} in {run.entries_posted} entries"
        )
    if run.job is RunJob.SAVINGS_INTEREST:
        return (
            f"savings interest {run.business_date}: {run.status.value}{took} · accounts {run.progress_done}"
            f" · interest posted {run.amount_out:.2f} in {run.entries_posted} entries"
        )
    if run.job is RunJob.EXPIRE_OFFERS:
        return (
            f"expire offers {run.business_date}: {run.status.value}{took}"
            f" · offers expired {run.progress_done}"
        )
    if run.job is RunJob.EXPIRE_MANDATES:
        return (
            f"expire mandates {run.business_date}: {run.status.value}{took}"
            f" · mandates expired {run.items_done}"
        )
    if run.job is RunJob.POOL_WITHDRAWALS:
        return (
            f"pool withdrawals {run.business_date}: {run.status.value}{took}"
            f" · paid {run.items_done}"
            f" ({run.amount_out:.2f}) · waiting {run.items_waiting}"
        )
    if run.job is RunJob.POOL_DISTRIBUTION:
        return (
            f"pool distribution {run.business_date}: {run.status.value}{took} · pools {run.progress_done}"
            f" · interest collected {run.amount_in:.2f} · margin {run.amount_kept:.2f}"
            f" · distributed {run.amount_out:.2f} to {run.items_count} participants"
            f" in {run.entries_posted} entries"
        )
    if run.job is RunJob.MONTH_END_STATEMENTS:
        return (
            f"month-end statements {run.business_date}: {run.status.value}{took}"
            f" · accounts with movements {run.items_count} · statements stored {run.items_done}"
        )
    if run.job is RunJob.ARREARS_FOLLOW_UP:
        return (
            f"arrears follow-up {run.business_date}: {run.status.value}{took}"
            f" · reminder letters sent {run.items_done}"
            f" · promises checked {run.progress_done - run.items_done}"
        )
    if run.job is RunJob.PROVISIONING:
        return (
            f"provisioning {run.business_date}: {run.status.value}{took} · loans staged {run.items_count}"
            f" · allowance {run.amount_kept:.2f} (added {run.amount_in:.2f}, released {run.amount_out:.2f})"
        )
    if run.job is RunJob.MONITORING:
        return (
            f"monitoring {run.business_date}: {run.status.value}{took}"
            f" · findings {run.items_count} · new alerts {run.items_done}"
        )
    if run.job is RunJob.RETENTION:
        return (
            f"retention {run.business_date}: {run.status.value}{took}"
            f" · former members due {run.items_count} · anonymised {run.items_done}"
            f" · kept (something still open) {run.items_waiting}"
        )
    return f"close day {run.business_date}: {run.status.value}{took}"


def _execute(action: Callable[[], list[JobOutcome]]) -> list[JobOutcome]:
    """Run the job; a refusal or failure ends the command with its exit code."""
    try:
        return action()
    except RunInProgress as error:
        click.echo(f"refused: {error.message}", err=True)
        sys.exit(3)
    except BankError as error:
        click.echo(f"refused: {error.message}", err=True)
        sys.exit(2)
    except Exception as error:  # the run row records it; the operator sees it here
        # The first cause, as the run row has it (never a later error of the clean-up).
        click.echo(f"run failed: {describe_failure(error)}", err=True)
        if getattr(error, "run_recorded", True) is False:
            click.echo(
                "the database did not answer to record the failure; the next run or the scheduler"
                " records it on the run",
                err=True,
            )
        sys.exit(1)


def _report(outcomes: list[JobOutcome]) -> None:
    for outcome in outcomes:
        click.echo(summary(outcome.run, outcome.worked))


def _date(value: dt.datetime | None) -> dt.date:
    return value.date() if value is not None else clock.today()


@click.group("runs")
def runs_group() -> None:
    """Run a job of a business day (repayments, savings interest, offers, pools, provisioning, statements,
    close day)."""


@runs_group.command("repayments")
@click.option("--date", "run_date", type=_DATE, help="Business date (YYYY-MM-DD); default today.")
@with_appcontext
def repayments(run_date: dt.datetime | None) -> None:
    """Accrue, charge and collect everything due on or before DATE."""
    day = _date(run_date)
    with _progress_bar(f"repayments {day}") as progress:
        outcomes = _execute(lambda: [run_repayments(db, day, started_by="cli", progress=progress)])
    _report(outcomes)


@runs_group.command("loan-accrual")
@click.option("--date", "run_date", type=_DATE, help="Business date (YYYY-MM-DD); default today.")
@with_appcontext
def loan_accrual(run_date: dt.datetime | None) -> None:
    """Accrue every active loan's interest through DATE (catching up every day since the last run)."""
    day = _date(run_date)
    with _progress_bar(f"loan accrual {day}") as progress:
        outcomes = _execute(lambda: [run_loan_accrual(db, day, started_by="cli", progress=progress)])
    _report(outcomes)


@runs_group.command("savings-interest")
@click.option("--date", "run_date", type=_DATE, help="Business date (YYYY-MM-DD); default today.")
@with_appcontext
def savings_interest(run_date: dt.datetime | None) -> None:
    """Post savings interest for every month that ended since the last run, up to DATE."""
    day = _date(run_date)
    with _progress_bar(f"savings interest {day}") as progress:
        outcomes = _execute(lambda: [run_savings_interest(db, day, started_by="cli", progress=progress)])
    _report(outcomes)


@runs_group.command("close-day")
@click.option("--date", "run_date", type=_DATE, help="Business date (YYYY-MM-DD); default today.")
@with_appcontext
def close_day(run_date: dt.datetime | None) -> None:
    """Every job of business date DATE, in order."""
    day = _date(run_date)
    directory = current_app.config["STATEMENT_DIR"]
    with _progress_bar(f"close day {day}") as progress:
        outcomes = _execute(
            lambda: business_day.close_day(
                db, day, started_by="cli", statement_dir=directory, progress=progress
            )
        )
    _report(outcomes)


@runs_group.command("expire-offers")
@click.option("--date", "run_date", type=_DATE, help="Business date (YYYY-MM-DD); default today.")
@with_appcontext
def expire_offers(run_date: dt.datetime | None) -> None:
    """Let approved offers lapse whose validity ended before DATE."""
    day = _date(run_date)
    with _progress_bar(f"expire offers {day}") as progress:
        outcomes = _execute(lambda: [run_expire_offers(db, day, started_by="cli", progress=progress)])
    _report(outcomes)


@runs_group.command("expire-mandates")
@click.option("--date", "run_date", type=_DATE, help="Business date (YYYY-MM-DD); default today.")
@with_appcontext
def expire_mandates(run_date: dt.datetime | None) -> None:
    """Let SEPA mandates expire that have not been used for 36 months on DATE."""
    day = _date(run_date)
    with _progress_bar(f"expire mandates {day}") as progress:
        outcomes = _execute(lambda: [run_expire_mandates(db, day, started_by="cli", progress=progress)])
    _report(outcomes)


@runs_group.command("pool-withdrawals")
@click.option("--date", "run_date", type=_DATE, help="Business date (YYYY-MM-DD); default today.")
@with_appcontext
def pool_withdrawals(run_date: dt.datetime | None) -> None:
    """Pay the pool withdrawal requests due on DATE, first come first served."""
    day = _date(run_date)
    with _progress_bar(f"pool withdrawals {day}") as progress:
        outcomes = _execute(lambda: [run_pool_withdrawals(db, day, started_by="cli", progress=progress)])
    _report(outcomes)


@runs_group.command("pool-distribution")
@click.option(
    "--date",
    "quarter_end",
    type=_DATE,
    required=True,
    help="Last day of the quarter to distribute (YYYY-MM-DD).",
)
@with_appcontext
def pool_distribution(quarter_end: dt.datetime) -> None:
    """Distribute the returns of the quarter ending DATE to every pool's participants (once)."""
    day = quarter_end.date()
    outcomes = _execute(lambda: [distribute_pool_quarter(db, day, started_by="cli")])
    _report(outcomes)


@runs_group.command("month-end-statements")
@click.option("--date", "run_date", type=_DATE, help="Business date (YYYY-MM-DD); default today.")
@with_appcontext
def month_end_statements(run_date: dt.datetime | None) -> None:
    """Store the statements of the month that ended last on or before DATE (once per account)."""
    day = _date(run_date)
    directory = current_app.config["STATEMENT_DIR"]
    with _progress_bar(f"month-end statements {day}") as progress:
        outcomes = _execute(
            lambda: [
                run_month_end_statements(
                    db, day, statement_dir=directory, started_by="cli", progress=progress
                )
            ]
        )
    _report(outcomes)


@runs_group.command("arrears-follow-up")
@click.option("--date", "run_date", type=_DATE, help="Business date (YYYY-MM-DD); default today.")
@with_appcontext
def arrears_follow_up(run_date: dt.datetime | None) -> None:
    """Send the reminder letters loans in arrears reached on DATE and check the promises to pay due."""
    day = _date(run_date)
    with _progress_bar(f"arrears follow-up {day}") as progress:
        outcomes = _execute(lambda: [run_arrears_follow_up(db, day, started_by="cli", progress=progress)])
    _report(outcomes)


@runs_group.command("retention")
@click.option("--date", "run_date", type=_DATE, help="Business date (YYYY-MM-DD); default today.")
@with_appcontext
def retention(run_date: dt.datetime | None) -> None:
    """Anonymise every former member whose retention periods (Wwft 5, tax 7 years) have passed on DATE."""
    day = _date(run_date)
    files = Files(Path(current_app.config["UPLOAD_DIR"]), Path(current_app.config["STATEMENT_DIR"]))
    with _progress_bar(f"retention {day}") as progress:
        outcomes = _execute(
            lambda: [run_retention(db, day, files=files, started_by="cli", progress=progress)]
        )
    _report(outcomes)


@runs_group.command("provisioning")
@click.option("--date", "run_date", type=_DATE, help="Business date (YYYY-MM-DD); default today.")
@with_appcontext
def provisioning(run_date: dt.datetime | None) -> None:
    """Stage every loan and provision its expected credit loss at the month-end on or before DATE."""
    day = _date(run_date)
    with _progress_bar(f"provisioning {day}") as progress:
        outcomes = _execute(lambda: [run_provisioning(db, day, started_by="cli", progress=progress)])
    _report(outcomes)


@runs_group.command("monitoring")
@click.option("--date", "run_date", type=_DATE, help="Business date (YYYY-MM-DD); default today.")
@with_appcontext
def monitoring(run_date: dt.datetime | None) -> None:
    """Run the transaction-monitoring rules over the postings of DATE (alerts to the compliance queue)."""
    day = _date(run_date)
    with _progress_bar(f"monitoring {day}") as progress:
        outcomes = _execute(lambda: [run_monitoring(db, day, started_by="cli", progress=progress)])
    _report(outcomes)


@click.command("scheduler")
@with_appcontext
def scheduler() -> None:
    """Close each business day at 05:30 Europe/Amsterdam; first catch up every missed day."""
    scheduler_module.run_forever(
        db,
        echo=click.echo,
        statement_dir=current_app.config["STATEMENT_DIR"],
        upload_dir=current_app.config["UPLOAD_DIR"],
    )


def register(cli: click.Group) -> None:
    cli.add_command(runs_group)
    cli.add_command(scheduler)
