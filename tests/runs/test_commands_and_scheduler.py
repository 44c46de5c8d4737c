"""The operator's side: ``bank runs …`` summaries and exit codes, and the scheduler's set-up."""

from __future__ import annotations

import datetime as dt

from flask.cli import ScriptInfo

from bank import scheduler
from bank.cli import cli
from bank.extensions import db
from bank.runs.lock import run_lock

D = dt.date


def test_runs_commands_print_a_summary_and_exit_non_zero_when_refused(app, bank):
    member, account = bank.borrower()
    bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    cli_runner = app.test_cli_runner()

    class Runner:
        @staticmethod
        def invoke(args):
            return cli_runner.invoke(cli, args, obj=ScriptInfo(create_app=lambda: app))

    runner = Runner()
    result = runner.invoke(args=["runs", "repayments", "--date", "2026-02-16"])
    assert result.exit_code == 0, result.output
    assert "repayments 2026-02-16: completed" in result.output
    assert "paid in full 1" in result.output and "collected 1066.19" in result.output
    again = runner.invoke(args=["runs", "repayments", "--date", "2026-02-16"])
    assert again.exit_code == 0 and "already completed" in again.output
    future = runner.invoke(args=["runs", "close-day", "--date", "2031-01-01"])
    assert future.exit_code == 2 and "future" in future.output
    with run_lock(db.engine):
        busy = runner.invoke(args=["runs", "close-day", "--date", "2026-02-17"])
    assert busy.exit_code == 3 and "in progress" in busy.output
    closed = runner.invoke(args=["runs", "close-day", "--date", "2026-02-17"])
    assert closed.exit_code == 0
    assert (
        "close day 2026-02-17: completed" in closed.output and "savings interest 2026-02-17" in closed.output
    )
    interest = runner.invoke(args=["runs", "savings-interest", "--date", "2026-02-18"])
    assert interest.exit_code == 0 and "savings interest 2026-02-18: completed" in interest.output


def test_the_scheduler_closes_weekdays_at_half_past_five_in_amsterdam_one_at_a_time(app):
    built = scheduler.build_scheduler(db, echo=lambda _text: None)
    (job,) = built.get_jobs()
    assert str(built.timezone) == "Europe/Amsterdam"
    assert job.coalesce is True and job.max_instances == 1
    fields = {field.name: str(field) for field in job.trigger.fields}
    assert fields["hour"] == "5" and fields["minute"] == "30" and fields["day_of_week"] == "mon-fri"


def test_the_scheduler_catches_up_missed_days_and_survives_a_busy_lock(app, bank):
    member, account = bank.borrower()
    bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    said: list[str] = []
    with run_lock(db.engine):
        assert scheduler.close_missed_days(db, said.append, today=D(2026, 1, 21)) == []
    assert "in progress" in said[-1]
    closed = scheduler.close_missed_days(db, said.append, today=D(2026, 1, 21))
    assert closed == [D(2026, 1, 15), D(2026, 1, 16), D(2026, 1, 19), D(2026, 1, 20)]
    assert "closed 4 business day(s)" in said[-1]
