"""Issue 18: the database drops the run's connections in the middle of a close day (PostgreSQL).

``pg_terminate_backend`` on every connection of the running ``bank runs close-day`` (it is
recognised by its ``application_name``), as a server restart does. The run must be recorded
failed with that first cause (not the failing release of the advisory lock), the operator's
message must name it, and starting the day again must finish it as a clean run would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry
from bank.loans.models import Loan
from bank.runs.models import Run, RunJob, RunStatus

ROOT = Path(__file__).resolve().parents[2]
LOANS = 3000
APP_NAME = "wijkbank-run-under-test"

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]


def _close_day(database_url: str, instance: Path) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        BANK_INSTANCE_PATH=str(instance),
        BANK_ENV="development",
        PGAPPNAME=APP_NAME,
    )
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "bank"), "runs", "close-day", "--date", "2026-03-02"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(ROOT),
    )


def test_a_run_whose_connections_are_terminated_is_recorded_failed_with_its_cause_and_resumes(
    database_url, session, tmp_path
):
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import repayment_run

    repayment_run.build(database_url, LOANS, chunk=1000)
    watcher = create_engine(database_url)
    process = _close_day(database_url, tmp_path)
    deadline = time.monotonic() + 120
    terminated = 0
    while time.monotonic() < deadline and process.poll() is None:
        with watcher.connect() as connection:
            done = connection.execute(
                text("SELECT progress_done FROM runs WHERE job = 'repayments' AND status = 'running'")
            ).scalar()
            if done:  # at least one batch committed: the run is in the middle of its work
                terminated = connection.execute(
                    text(
                        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                        " WHERE application_name = :name AND pid <> pg_backend_pid()) AS killed"
                    ),
                    {"name": APP_NAME},
                ).scalar()
                break
        time.sleep(0.01)
    _out, err = process.communicate(timeout=180)
    message = err.decode()
    assert terminated >= 1, "the run finished before its connections were terminated; use more loans"
    assert process.returncode == 1, message

    # The operator reads the first cause, not the release of the lock that failed after it.
    assert "pg_advisory_unlock" not in message
    (failed_line,) = [line for line in message.splitlines() if line.startswith("run failed: ")]
    cause = failed_line.removeprefix("run failed: ")
    assert cause.startswith("OperationalError (")
    assert "terminating connection due to administrator command" in cause or "closed" in cause

    # Recorded at once on a fresh connection: both rows failed, with that cause first.
    session.expire_all()
    rows = {run.job: run for run in session.scalars(select(Run))}
    for job in (RunJob.REPAYMENTS, RunJob.CLOSE_DAY):
        assert rows[job].status is RunStatus.FAILED, rows[job].error
        assert rows[job].error.splitlines()[0] == cause
        assert rows[job].finished_at is not None and rows[job].attempts == 1
    interrupted_at = rows[RunJob.REPAYMENTS].progress_done
    assert 0 < interrupted_at < LOANS
    session.commit()

    resumed = _close_day(database_url, tmp_path)
    out, err = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, err.decode()
    assert "close day 2026-03-02: completed" in out.decode()
    session.expire_all()
    rows = {run.job: run for run in session.scalars(select(Run))}
    assert all(run.status is RunStatus.COMPLETED for run in rows.values())
    repayments = rows[RunJob.REPAYMENTS]
    assert (repayments.attempts, repayments.due_count, repayments.progress_done) == (2, LOANS, LOANS)
    assert repayments.error.splitlines()[0] == cause  # the failure stays on the record
    # As a clean run: every loan accrued once and, where the borrower could pay, collected once.
    assert ledger_queries.verify(session) == []
    accruals = session.scalar(select(func.count()).where(JournalEntry.kind == "loan_interest_accrual"))
    collections = session.scalar(select(func.count()).where(JournalEntry.kind == "loan_collection"))
    assert accruals == LOANS and collections == LOANS - LOANS // 20
    # The close day's accrual job accrues each loan through its due date first (issue 16), so the
    # repayment run posts the collections and no accrual of its own.
    assert rows[RunJob.LOAN_ACCRUAL].entries_posted == accruals
    assert repayments.entries_posted == collections
    assert session.scalar(select(func.count()).where(Loan.serviced_through.is_not(None))) == LOANS
    watcher.dispose()
