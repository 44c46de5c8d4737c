"""``bank scheduler``: the one process that closes the bank's days, unattended (L4).

An APScheduler 3 ``BlockingScheduler`` in Europe/Amsterdam. At 05:30 on every weekday it
closes every business date not yet closed before today, oldest first (normally just
yesterday, or Friday on a Monday); on start it does the same first, so days missed while the
machine was down are caught up in order. Jobs coalesce and never overlap (``max_instances=1``),
and the run lock stops a manual run and the scheduler from working at the same time. It never
runs inside a web worker: ``bank.serve`` starts it as its own process beside gunicorn.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable
from pathlib import Path

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from bank import clock
from bank.day import catch_up
from bank.db import Database
from bank.privacy.jobs import run_retention
from bank.privacy.service import Files
from bank.runs.lock import RunInProgress
from bank.runs.record import describe_failure

log = logging.getLogger("bank.scheduler")
CLOSE_AT = dt.time(5, 30)


def close_missed_days(
    database: Database,
    echo: Callable[[str], None] = print,
    today: dt.date | None = None,
    statement_dir: str | os.PathLike[str] | None = None,
    upload_dir: str | os.PathLike[str] | None = None,
) -> list[dt.date]:
    """Close every business date before today that was not yet closed, in order; never raises.

    ``statement_dir`` is where the month-end statements are stored (the app's STATEMENT_DIR);
    ``bank scheduler`` always passes it, and ``upload_dir`` (UPLOAD_DIR): with both, the
    retention job follows the last day closed, anonymising the former members then due.
    """
    try:
        days = catch_up(
            database, today or clock.today(), started_by="system:scheduler", statement_dir=statement_dir
        )
    except RunInProgress:
        echo("scheduler: a run is in progress; trying again at the next trigger")
        return []
    except Exception as error:  # recorded on the run row; the next trigger resumes it
        log.exception("close day failed")
        echo(f"scheduler: close day failed: {describe_failure(error)}")
        return []
    if days:
        echo(f"scheduler: closed {len(days)} business day(s): {', '.join(d.isoformat() for d in days)}")
    if days and statement_dir is not None and upload_dir is not None:
        files = Files(upload_dir=Path(upload_dir), statement_dir=Path(statement_dir))
        try:
            outcome = run_retention(database, days[-1], files=files, started_by="system:scheduler")
        except Exception as error:  # recorded on the run row; the next trigger tries again
            log.exception("retention failed")
            echo(f"scheduler: retention failed: {describe_failure(error)}")
        else:
            echo(f"scheduler: retention anonymised {outcome.run.items_done} former member(s)")
    return days


def build_scheduler(
    database: Database,
    echo: Callable[[str], None] = print,
    statement_dir: str | os.PathLike[str] | None = None,
    upload_dir: str | os.PathLike[str] | None = None,
) -> BlockingScheduler:
    """The configured scheduler (not started): one cron job, coalesced, one instance at a time.

    Close day runs every job of the day (offers, pools and month-end statements included), so
    one trigger is all it needs.
    """
    scheduler = BlockingScheduler(
        timezone=str(clock.BANK_TZ),
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 6 * 3600},
    )
    scheduler.add_job(
        close_missed_days,
        CronTrigger(
            day_of_week="mon-fri", hour=CLOSE_AT.hour, minute=CLOSE_AT.minute, timezone=str(clock.BANK_TZ)
        ),
        kwargs={"database": database, "echo": echo, "statement_dir": statement_dir, "upload_dir": upload_dir},
        id="close_day",
        coalesce=True,
        max_instances=1,
        name="Close the business day",
        replace_existing=True,
    )
    return scheduler


def run_forever(
    database: Database,
    echo: Callable[[str], None] = print,
    statement_dir: str | os.PathLike[str] | None = None,
    upload_dir: str | os.PathLike[str] | None = None,
) -> None:
    """Catch up first, then block and close each business day at 05:30."""
    echo("scheduler: catching up missed business days …")
    close_missed_days(database, echo, statement_dir=statement_dir, upload_dir=upload_dir)
    scheduler = build_scheduler(database, echo, statement_dir=statement_dir, upload_dir=upload_dir)
    echo(f"scheduler: closing each business day at {CLOSE_AT:%H:%M} Europe/Amsterdam")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        scheduler.shutdown(wait=False)
