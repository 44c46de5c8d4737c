"""A run of a few thousand loans killed with SIGKILL at random points, then run again to the end."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import BigInteger, create_engine, func, select, text, type_coerce

from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry, Posting, Side
from bank.loans.models import Instalment, Loan, LoanStatus
from bank.runs.models import Run, RunJob, RunStatus

ROOT = Path(__file__).resolve().parents[2]
LOANS = 3000

pytestmark = pytest.mark.slow


def _bench():
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench import repayment_run

    return repayment_run


def _start(database_url: str, instance: Path) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ, DATABASE_URL=database_url, BANK_INSTANCE_PATH=str(instance), BANK_ENV="development"
    )
    bank = Path(sys.executable).parent / "bank"
    return subprocess.Popen(
        [str(bank), "runs", "repayments", "--date", "2026-03-02"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=str(ROOT),
    )


def test_killed_runs_resume_with_every_instalment_collected_exactly_once(database_url, session, tmp_path):
    bench = _bench()
    bench.build(database_url, LOANS, chunk=1000)
    rng = random.Random(20260302)
    # A plain engine for watching: its reads take no write lock on SQLite (WAL readers).
    watcher = create_engine(database_url)
    kills = 0
    for attempt in range(1, 4):
        process = _start(database_url, tmp_path)
        # Wait until this attempt is at work (its run row running), then kill it at a random point.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            with watcher.connect() as connection:
                row = connection.execute(
                    text("SELECT attempts, status FROM runs WHERE job = 'repayments'")
                ).first()
            if row is not None and row.attempts == attempt and row.status == "running":
                break
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 1.5))
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.communicate()
    watcher.dispose()
    final = _start(database_url, tmp_path)
    _out, err = final.communicate(timeout=600)
    assert final.returncode == 0, err.decode()
    assert kills >= 1, "the run finished before any kill; make the data bigger"

    session.expire_all()
    run = session.scalar(select(Run).where(Run.job == RunJob.REPAYMENTS))
    assert run.status is RunStatus.COMPLETED
    assert run.due_count == LOANS
    assert run.collected_full_count + run.collected_partial_count + run.collected_nothing_count == LOANS
    assert run.attempts >= 2
    assert ledger_queries.verify(session) == []
    # Each due instalment accrued once and collected once: one entry of each per loan at most,
    # and what the entries moved equals what the instalments record as paid.
    accruals = session.scalar(select(func.count()).where(JournalEntry.kind == "loan_interest_accrual"))
    assert accruals == LOANS
    collections = session.scalar(select(func.count()).where(JournalEntry.kind == "loan_collection"))
    funded = LOANS - LOANS // 20  # one in twenty borrowers has nothing to pay with
    assert collections == funded
    collected_cents = session.scalar(
        select(func.sum(type_coerce(Posting.amount, BigInteger)))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(JournalEntry.kind == "loan_collection", Posting.side == Side.DEBIT)
    )
    paid_cents = session.scalar(
        select(
            func.sum(
                type_coerce(Instalment.principal_paid, BigInteger)
                + type_coerce(Instalment.interest_paid, BigInteger)
                + type_coerce(Instalment.fees_paid, BigInteger)
                + type_coerce(Instalment.penalties_paid, BigInteger)
            )
        )
    )
    assert collected_cents == paid_cents
    assert Decimal(collected_cents) / 100 == run.amount_collected
    serviced = session.scalar(select(func.count()).where(Loan.serviced_through.is_not(None)))
    assert serviced == LOANS
    assert session.scalar(select(func.count()).where(Loan.status != LoanStatus.ACTIVE)) == 0
