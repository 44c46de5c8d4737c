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


def test_closing_tomorrow_closes_today_first_so_no_business_day_is_left_unclosed(app, bank):
    """Issue 18: ``close-day --date 2026-12-03`` on 2 December used to skip 2 December for good."""
    from sqlalchemy import select

    from bank import clock
    from bank import day as business_day
    from bank.calendar import business_days
    from bank.runs.models import Run, RunJob, RunStatus

    member, account = bank.borrower(opened_on=D(2026, 10, 1))
    bank.deposit(account, "5000.00", D(2026, 10, 1))
    bank.book(member, account, "12000.00", 12, D(2026, 11, 2))
    bank.session.commit()
    cli_runner = app.test_cli_runner()
    with clock.frozen(D(2026, 12, 2)):
        first = cli_runner.invoke(
            cli, ["runs", "close-day", "--date", "2026-11-27"], obj=ScriptInfo(create_app=lambda: app)
        )
        assert first.exit_code == 0, first.output
        # Wednesday 2 December: the operator closes Thursday 3 December ahead of time.
        ahead = cli_runner.invoke(
            cli, ["runs", "close-day", "--date", "2026-12-03"], obj=ScriptInfo(create_app=lambda: app)
        )
    assert ahead.exit_code == 0, ahead.output
    # Monday 30 November, Tuesday 1 and Wednesday 2 December were closed first, in order.
    closed_lines = [line for line in ahead.output.splitlines() if line.startswith("close day")]
    assert [line.split(":")[0] for line in closed_lines] == [
        "close day 2026-11-30",
        "close day 2026-12-01",
        "close day 2026-12-02",
        "close day 2026-12-03",
    ]
    bank.session.expire_all()
    closed = bank.session.execute(
        select(Run.business_date, Run.id).where(
            Run.job == RunJob.CLOSE_DAY, Run.status == RunStatus.COMPLETED
        )
    ).all()
    repayments = set(
        bank.session.scalars(
            select(Run.business_date).where(Run.job == RunJob.REPAYMENTS, Run.status == RunStatus.COMPLETED)
        )
    )
    bank.session.commit()
    dates = [day for day, _id in sorted(closed, key=lambda row: row[1])]
    assert dates == sorted(dates)  # closed oldest first
    every_day = list(business_days(D(2026, 11, 27), D(2026, 12, 3)))
    assert sorted(dates) == every_day and repayments == set(every_day)
    # The scheduler on Friday finds nothing missed: no business day was left unclosed.
    assert business_day.missed_days(bank.session, D(2026, 12, 4)) == []
