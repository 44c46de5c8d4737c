"""Close day runs every job of the day: offers lapse, pool withdrawals are paid, quarters are
distributed, month-end statements are stored; each job records its counts, fails on its own
row and resumes without doing anything twice. And the operator's commands for each job."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from applications.helpers import TODAY as APPLIED_ON
from applications.helpers import build_world, meeting, reviewed, submitted_coop, vote
from flask.cli import ScriptInfo
from pools.factories import (
    TELLER,
    borrower,
    deposit,
    disburse_pool_loan,
    investor,
    make_pool,
    put_in,
)
from sqlalchemy import func, select

from bank import clock
from bank import day as business_day
from bank.applications.models import ApplicationStatus, LoanApplication
from bank.cli import cli
from bank.committee import service as committee
from bank.extensions import db
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry
from bank.pools import service as pools
from bank.pools.models import Distribution, WithdrawalRequest, WithdrawalStatus
from bank.runs import record as run_record
from bank.runs.models import Run, RunJob, RunStatus
from bank.savings import service as savings
from bank.statements.models import StatementKind, StoredStatement

D = dt.date
DAY_JOBS = [
    RunJob.LOAN_ACCRUAL,
    RunJob.REPAYMENTS,
    RunJob.SAVINGS_INTEREST,
    RunJob.ARREARS_FOLLOW_UP,
    RunJob.EXPIRE_OFFERS,
    RunJob.EXPIRE_MANDATES,
    RunJob.POOL_WITHDRAWALS,
    RunJob.POOL_DISTRIBUTION,
    RunJob.PROVISIONING,
    RunJob.MONITORING,
    RunJob.MONTH_END_STATEMENTS,
]


def _run(session, job: RunJob, day: dt.date) -> Run | None:
    session.expire_all()
    row = session.scalar(select(Run).where(Run.job == job, Run.business_date == day))
    session.commit()
    return row


def _count(session, model) -> int:
    session.expire_all()
    value = session.scalar(select(func.count()).select_from(model))
    session.commit()
    return int(value or 0)


def _balance(session, account) -> Decimal:
    session.expire_all()
    value = ledger_queries.balance(session, account.ledger_account_id)
    session.commit()
    return value


def _cli(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))


# ---------------------------------------------------------------------------------------------
# Offers and statements


@pytest.fixture
def offer_world(session, make_user):
    """An approved offer (valid 90 days from 2 March 2026, until 31 May) and money moving in May."""
    with clock.frozen(APPLIED_ON):
        world = build_world(session, make_user)
        application = submitted_coop(session, world)
        reviewed(session, application, world)
        # Decided at a meeting on the day itself: the offer runs 90 days from 2 March.
        committee.place_on_agenda(
            session, application, meeting(session, world, held_on=APPLIED_ON), actor=world.officer_actor
        )
        for index, choice in enumerate(("approve", "approve", "abstain")):
            vote(session, application, world, index, choice)
        committee.decide(session, application, actor=world.c(0), quorum=3)
    assert application.status is ApplicationStatus.APPROVED
    assert application.offer_expires_on == D(2026, 5, 31)
    savings.deposit(
        session, world.anna_account, "250.00", key="may-1", actor=TELLER, value_date=D(2026, 5, 12)
    )
    savings.deposit(
        session, world.bakery_account, "1200.00", key="may-2", actor=TELLER, value_date=D(2026, 5, 20)
    )
    session.commit()
    return world, application


def test_close_day_lets_an_offer_lapse_and_stores_the_month_end_statements(session, offer_world, tmp_path):
    world, application = offer_world
    directory = tmp_path / "statements"

    # Friday 29 May: the offer is still valid; the month that ended last (April) had no movements.
    outcomes = business_day.close_day(db, D(2026, 5, 29), started_by="test", statement_dir=directory)
    assert [o.run.job for o in outcomes] == [*DAY_JOBS, RunJob.CLOSE_DAY]
    assert all(o.run.status is RunStatus.COMPLETED for o in outcomes)
    assert _run(session, RunJob.EXPIRE_OFFERS, D(2026, 5, 29)).progress_done == 0
    assert _run(session, RunJob.MONTH_END_STATEMENTS, D(2026, 5, 29)).items_count == 0
    session.expire_all()
    assert session.get(LoanApplication, application.id).status is ApplicationStatus.APPROVED
    session.commit()  # SQLite: no open transaction may hold the write lock the run needs

    # Monday 1 June: the offer (valid until 31 May) lapses; May's statements are stored.
    business_day.close_day(db, D(2026, 6, 1), started_by="test", statement_dir=directory)
    session.expire_all()
    assert session.get(LoanApplication, application.id).status is ApplicationStatus.EXPIRED
    session.commit()
    expire = _run(session, RunJob.EXPIRE_OFFERS, D(2026, 6, 1))
    assert (expire.status, expire.progress_done, expire.entries_posted) == (RunStatus.COMPLETED, 1, 0)
    statements_run = _run(session, RunJob.MONTH_END_STATEMENTS, D(2026, 6, 1))
    assert statements_run.status is RunStatus.COMPLETED
    assert (statements_run.items_count, statements_run.items_done) == (2, 2)
    stored = list(
        session.scalars(
            select(StoredStatement)
            .where(StoredStatement.kind == StatementKind.ACCOUNT_MONTHLY)
            .order_by(StoredStatement.deposit_account_id)
        )
    )
    assert {s.deposit_account_id for s in stored} == {world.bakery_account.id, world.anna_account.id}
    assert all(s.period_start == D(2026, 5, 1) and s.period_end == D(2026, 5, 31) for s in stored)
    by_account = {s.deposit_account_id: s for s in stored}
    # With May's savings interest (1 %, posted by the same close day before the statements):
    # 250.00 × 20 days / 365 = 0.14 and 1 200.00 × 12 days / 365 = 0.39.
    assert by_account[world.anna_account.id].closing_balance == Decimal("250.14")
    assert by_account[world.bakery_account.id].closing_balance == Decimal("1200.39")
    files = sorted(p for p in directory.rglob("*.pdf"))
    assert len(files) == 2 and all(p.read_bytes().startswith(b"%PDF") for p in files)
    session.commit()

    # The next days find the month done: nothing is stored twice, and the offer stays expired.
    business_day.close_day(db, D(2026, 6, 2), started_by="test", statement_dir=directory)
    assert _run(session, RunJob.MONTH_END_STATEMENTS, D(2026, 6, 2)).items_done == 0
    assert _run(session, RunJob.EXPIRE_OFFERS, D(2026, 6, 2)).progress_done == 0
    assert _count(session, StoredStatement) == 2
    assert len(list(directory.rglob("*.pdf"))) == 2


def test_without_a_statement_directory_close_day_leaves_the_statements_out(session, offer_world):
    outcomes = business_day.close_day(db, D(2026, 6, 1), started_by="test")
    assert [o.run.job for o in outcomes] == [*DAY_JOBS[:-1], RunJob.CLOSE_DAY]
    assert outcomes[-1].run.status is RunStatus.COMPLETED
    assert _count(session, StoredStatement) == 0


def test_a_failed_statements_job_fails_the_day_and_a_second_start_resumes_it(session, offer_world, tmp_path):
    not_a_directory = tmp_path / "full-disk"
    not_a_directory.write_text("")
    with pytest.raises(OSError):
        business_day.close_day(db, D(2026, 6, 1), started_by="test", statement_dir=not_a_directory)
    before = _count(session, JournalEntry)
    failed = _run(session, RunJob.MONTH_END_STATEMENTS, D(2026, 6, 1))
    assert failed.status is RunStatus.FAILED and "Error" in failed.error.splitlines()[0]
    close = _run(session, RunJob.CLOSE_DAY, D(2026, 6, 1))
    assert close.status is RunStatus.FAILED
    assert business_day.last_closed_day(session) is None
    # The jobs before it completed and keep their work (the offer lapsed once).
    assert _run(session, RunJob.EXPIRE_OFFERS, D(2026, 6, 1)).status is RunStatus.COMPLETED
    session.commit()

    directory = tmp_path / "statements"
    outcomes = business_day.close_day(db, D(2026, 6, 1), started_by="test", statement_dir=directory)
    worked = {o.run.job: o.worked for o in outcomes}
    assert worked[RunJob.EXPIRE_OFFERS] is False and worked[RunJob.REPAYMENTS] is False
    assert worked[RunJob.MONTH_END_STATEMENTS] is True
    resumed = _run(session, RunJob.MONTH_END_STATEMENTS, D(2026, 6, 1))
    assert (resumed.status, resumed.attempts, resumed.items_done) == (RunStatus.COMPLETED, 2, 2)
    assert "Error" in resumed.error  # the failure stays on the record
    close = _run(session, RunJob.CLOSE_DAY, D(2026, 6, 1))
    assert (close.status, close.attempts) == (RunStatus.COMPLETED, 2)
    assert _count(session, StoredStatement) == 2
    assert _count(session, JournalEntry) == before  # savings interest was not posted twice


def test_a_batch_lost_with_the_database_leaves_no_files_and_its_cause_is_recorded_by_the_next_run(
    app, session, offer_world, tmp_path, monkeypatch
):
    """Issue 18: the database goes away in the statements batch and is still down when the run
    tries to record it. The command names the first cause, the batch's PDFs are removed, and
    the next run records the rows it left ``running`` as failed with that cause, then resumes."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from bank.runs.lock import run_lock
    from bank.statements import service as statements

    directory = Path(app.config["STATEMENT_DIR"])  # where the command stores them
    real = statements.produce_for_accounts

    def lost(*args, **kwargs):
        made = real(*args, **kwargs)  # the PDFs are written, then the database goes away
        assert made == 2 and len(list(directory.rglob("*.pdf"))) == 2
        raise OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))

    monkeypatch.setattr(statements, "produce_for_accounts", lost)
    monkeypatch.setattr(run_record, "_record_failure", lambda *args, **kwargs: False)  # still down
    result = _cli(app)("runs", "close-day", "--date", "2026-06-01")
    assert result.exit_code == 1
    assert "run failed: OperationalError (OperationalError): disk I/O error" in result.output
    assert "next run or the scheduler records it" in result.output
    assert list(directory.rglob("*.pdf")) == []  # the batch that did not commit left no file
    for job in (RunJob.MONTH_END_STATEMENTS, RunJob.CLOSE_DAY):
        assert _run(session, job, D(2026, 6, 1)).status is RunStatus.RUNNING

    # The database answers again: the next holder of the run lock (a run, the scheduler)
    # records what the dead attempt left running, with its cause.
    monkeypatch.undo()
    with run_lock(db.engine):
        recorded = run_record.record_interrupted(db.new_session())
    assert len(recorded) == 2
    for job in (RunJob.MONTH_END_STATEMENTS, RunJob.CLOSE_DAY):
        failed = _run(session, job, D(2026, 6, 1))
        assert failed.status is RunStatus.FAILED and failed.finished_at is not None
        assert failed.error.splitlines()[0] == "OperationalError (OperationalError): disk I/O error"

    outcomes = business_day.close_day(db, D(2026, 6, 1), started_by="test", statement_dir=directory)
    assert outcomes[-1].run.status is RunStatus.COMPLETED
    resumed = _run(session, RunJob.MONTH_END_STATEMENTS, D(2026, 6, 1))
    assert (resumed.status, resumed.attempts, resumed.items_done) == (RunStatus.COMPLETED, 2, 2)
    assert "disk I/O error" in resumed.error  # the failure stays on the record
    assert _count(session, StoredStatement) == 2 and len(list(directory.rglob("*.pdf"))) == 2


def test_a_run_killed_without_a_word_is_recorded_interrupted_by_the_next_run(session, offer_world, tmp_path):
    directory = tmp_path / "statements"
    business_day.close_day(db, D(2026, 5, 29), started_by="test", statement_dir=directory)
    # As a kill -9 leaves it: the row says running, nobody holds the lock, no cause was kept.
    session.query(Run).filter(Run.job == RunJob.CLOSE_DAY).update({"status": RunStatus.RUNNING})
    session.commit()
    business_day.close_day(db, D(2026, 6, 1), started_by="test", statement_dir=directory)
    killed = _run(session, RunJob.CLOSE_DAY, D(2026, 5, 29))
    assert killed.status is RunStatus.FAILED and killed.error == run_record.INTERRUPTED


# ---------------------------------------------------------------------------------------------
# Pools


@pytest.fixture
def pool_bank(session):
    """Coöp Startfonds: Anna 6 000.00 and Bram 4 000.00 from 1 January 2027; an 8 000.00 co-op
    loan of 15 January (12 %, 24 months, annuity 376.59) funded by the pool in full; Bram asks
    for 1 500.00 back on 20 January, Anna for 5 000.00 on 21 January (three months' notice)."""
    pool = make_pool(session)
    anna, anna_account = investor(session, "Anna", "Jansen", money="6000.00")
    bram, bram_account = investor(session, "Bram", "de Vries", money="4000.00")
    anna_part = put_in(session, pool, anna, anna_account, "6000.00")
    bram_part = put_in(session, pool, bram, bram_account, "4000.00")
    member, account = borrower(session)
    loan = disburse_pool_loan(
        session, on=D(2027, 1, 15), principal="8000.00", borrower_and_account=(member, account)
    )
    deposit(session, account, "2000.00", D(2027, 1, 15))
    pools.request_withdrawal(
        session, participation=bram_part, amount="1500.00", key="bram-out", actor=TELLER, on=D(2027, 1, 20)
    )
    pools.request_withdrawal(
        session, participation=anna_part, amount="5000.00", key="anna-out", actor=TELLER, on=D(2027, 1, 21)
    )
    session.commit()
    return {"pool": pool, "anna": anna_account, "bram": bram_account, "loan": loan}


def test_close_day_distributes_the_ended_quarter_and_pays_due_withdrawals(session, pool_bank):
    anna, bram = pool_bank["anna"], pool_bank["bram"]
    business_day.close_day(db, D(2027, 2, 15), started_by="test")
    business_day.close_day(db, D(2027, 3, 15), started_by="test")
    # 31 March is a Wednesday: its close day distributes the quarter before (none: no pool then).
    business_day.close_day(db, D(2027, 3, 31), started_by="test")
    assert _run(session, RunJob.POOL_DISTRIBUTION, D(2027, 3, 31)).progress_done == 0
    assert _count(session, Distribution) == 0

    business_day.close_day(db, D(2027, 4, 1), started_by="test")
    # Interest collected in Q1: 80.00 (15 Feb) + 77.03 (15 Mar) = 157.03, all the pool's;
    # margin 25 % = 39.26; 117.77 to Anna and Bram, 60:40 of the same days: 70.66 and 47.11.
    run = _run(session, RunJob.POOL_DISTRIBUTION, D(2027, 4, 1))
    assert run.status is RunStatus.COMPLETED
    assert (run.progress_done, run.items_count, run.entries_posted) == (1, 2, 1)
    assert (run.amount_in, run.amount_kept, run.amount_out) == (
        Decimal("157.03"),
        Decimal("39.26"),
        Decimal("117.77"),
    )
    assert _balance(session, anna) == Decimal("70.66")
    assert _balance(session, bram) == Decimal("47.11")
    # Withdrawals: none due before 20 April.
    assert _run(session, RunJob.POOL_WITHDRAWALS, D(2027, 4, 1)).items_count == 0

    # The next day: the quarter is done; nothing is distributed twice.
    business_day.close_day(db, D(2027, 4, 2), started_by="test")
    assert _run(session, RunJob.POOL_DISTRIBUTION, D(2027, 4, 2)).progress_done == 0
    assert _count(session, Distribution) == 1

    # 20 April: Bram's notice is over and the pool has 2 000.00 not lent out: paid.
    business_day.close_day(db, D(2027, 4, 20), started_by="test")
    paid = _run(session, RunJob.POOL_WITHDRAWALS, D(2027, 4, 20))
    assert (paid.items_done, paid.items_waiting, paid.amount_out) == (
        1,
        0,
        Decimal("1500.00"),
    )
    assert paid.entries_posted == 1
    assert _balance(session, bram) == Decimal("1547.11")
    # 21 April: Anna's 5 000.00 is due but the pool's money is lent out: she keeps her place.
    business_day.close_day(db, D(2027, 4, 21), started_by="test")
    waiting = _run(session, RunJob.POOL_WITHDRAWALS, D(2027, 4, 21))
    assert (waiting.items_count, waiting.items_done, waiting.items_waiting) == (1, 0, 1)
    assert waiting.amount_out == Decimal("0.00")
    statuses = {
        amount: status
        for amount, status in session.execute(select(WithdrawalRequest.amount, WithdrawalRequest.status))
    }
    assert statuses == {
        Decimal("1500.00"): WithdrawalStatus.PAID,
        Decimal("5000.00"): WithdrawalStatus.WAITING,
    }
    assert _balance(session, anna) == Decimal("70.66")
    session.expire_all()
    assert ledger_queries.verify(session) == []


def test_a_failed_distribution_fails_the_day_and_resumes_with_nothing_paid_twice(
    session, pool_bank, monkeypatch
):
    from bank.pools import distribution

    business_day.close_day(db, D(2027, 2, 15), started_by="test")
    business_day.close_day(db, D(2027, 3, 31), started_by="test")
    real = distribution.distribute_due

    def broken(*args, **kwargs):
        real(*args, **kwargs)  # the work is done, then the job dies before it commits
        raise RuntimeError("connection lost")

    monkeypatch.setattr(distribution, "distribute_due", broken)
    with pytest.raises(RuntimeError):
        business_day.close_day(db, D(2027, 4, 1), started_by="test")
    failed = _run(session, RunJob.POOL_DISTRIBUTION, D(2027, 4, 1))
    assert failed.status is RunStatus.FAILED and "connection lost" in failed.error
    assert _run(session, RunJob.CLOSE_DAY, D(2027, 4, 1)).status is RunStatus.FAILED
    assert _count(session, Distribution) == 0  # rolled back with the failed batch
    assert _balance(session, pool_bank["anna"]) == Decimal("0.00")

    monkeypatch.setattr(distribution, "distribute_due", real)
    business_day.close_day(db, D(2027, 4, 1), started_by="test")
    resumed = _run(session, RunJob.POOL_DISTRIBUTION, D(2027, 4, 1))
    assert (resumed.status, resumed.attempts, resumed.amount_out) == (
        RunStatus.COMPLETED,
        2,
        Decimal("117.77"),
    )
    assert _count(session, Distribution) == 1
    assert _balance(session, pool_bank["anna"]) == Decimal("70.66")
    # Run again: completed, nothing more.
    assert all(o.worked is False for o in business_day.close_day(db, D(2027, 4, 1), started_by="test"))
    assert _balance(session, pool_bank["anna"]) == Decimal("70.66")


# ---------------------------------------------------------------------------------------------
# Commands


def test_pool_distribution_command_refuses_bad_quarters_and_writes_nothing(app, session, pool_bank):
    run = _cli(app)
    business_day.close_day(db, D(2027, 2, 15), started_by="test")
    business_day.close_day(db, D(2027, 3, 15), started_by="test")
    entries = _count(session, JournalEntry)
    runs = _count(session, Run)

    not_quarter_end = run("runs", "pool-distribution", "--date", "2027-03-15")
    assert not_quarter_end.exit_code == 2
    assert "must be the last day of a quarter" in not_quarter_end.output
    # "Today" is pinned to 15 June 2028: the quarter ending 30 June 2028 is still running.
    running = run("runs", "pool-distribution", "--date", "2028-06-30")
    assert running.exit_code == 2
    assert "the quarter ending 2028-06-30 has not ended yet" in running.output
    nobody = run("runs", "pool-distribution", "--date", "2026-12-31")
    assert nobody.exit_code == 2 and "no pool had participants" in nobody.output
    missing = run("runs", "pool-distribution")
    assert missing.exit_code == 2 and "--date" in missing.output
    assert _count(session, JournalEntry) == entries and _count(session, Run) == runs

    done = run("runs", "pool-distribution", "--date", "2027-03-31")
    assert done.exit_code == 0, done.output
    assert "pool distribution 2027-03-31: completed" in done.output
    assert "interest collected 157.03 · margin 39.26 · distributed 117.77 to 2 participants" in done.output
    # The CLI pays on the day it runs (value date today), for the quarter's weights.
    assert _balance(session, pool_bank["anna"]) == Decimal("70.66")
    entries = _count(session, JournalEntry)

    twice = run("runs", "pool-distribution", "--date", "2027-03-31")
    assert twice.exit_code == 2
    assert "the quarter ending 2027-03-31 was already distributed (on 2028-06-15)" in twice.output
    assert _count(session, JournalEntry) == entries
    # And the close day that would have distributed it finds it done.
    business_day.close_day(db, D(2027, 4, 1), started_by="test")
    assert _run(session, RunJob.POOL_DISTRIBUTION, D(2027, 4, 1)).progress_done == 0
    assert _balance(session, pool_bank["anna"]) == Decimal("70.66")


def test_pool_distribution_command_after_that_day_was_closed_counts_in_as_an_attempt(app, session, pool_bank):
    """Close day of 31 March distributes the quarter *before*; the command for 31 March still works."""
    business_day.close_day(db, D(2027, 3, 31), started_by="test")
    result = _cli(app)("runs", "pool-distribution", "--date", "2027-03-31")
    assert result.exit_code == 0, result.output
    row = _run(session, RunJob.POOL_DISTRIBUTION, D(2027, 3, 31))
    assert (row.status, row.attempts, row.progress_done, row.started_by) == (RunStatus.COMPLETED, 2, 1, "cli")


def test_the_job_commands_print_their_counts(app, session, offer_world, pool_bank, tmp_path):
    run = _cli(app)
    offers = run("runs", "expire-offers", "--date", "2026-06-01")
    assert offers.exit_code == 0, offers.output
    assert "expire offers 2026-06-01: completed" in offers.output and "offers expired 1" in offers.output
    again = run("runs", "expire-offers", "--date", "2026-06-01")
    assert again.exit_code == 0 and "already completed" in again.output

    statements = run("runs", "month-end-statements", "--date", "2026-06-01")
    assert statements.exit_code == 0, statements.output
    assert "accounts with movements 2 · statements stored 2" in statements.output
    assert len(list(Path(app.config["STATEMENT_DIR"]).rglob("*.pdf"))) == 2

    withdrawals = run("runs", "pool-withdrawals", "--date", "2027-04-21")
    assert withdrawals.exit_code == 0, withdrawals.output
    # Nothing repaid yet (no repayment run): 2 000.00 not lent out pays Bram, Anna waits.
    assert "pool withdrawals 2027-04-21: completed" in withdrawals.output
    assert "paid 1 (1500.00) · waiting 1" in withdrawals.output

    future = run("runs", "pool-withdrawals", "--date", "2031-01-01")
    assert future.exit_code == 2 and "future" in future.output


# ---------------------------------------------------------------------------------------------
# The runs page


@pytest.fixture
def _release_request_sessions(app):
    """The app fixture keeps one app context per test: end each request's transaction (SQLite lock)."""
    app.teardown_request(lambda _exc: db.remove())


def test_staff_start_the_new_jobs_and_see_their_counts(
    session, pool_bank, client, login_as, monkeypatch, _release_request_sessions
):
    from bank.web.staff import runs as runs_views

    launched: list[tuple[str, dt.date]] = []
    monkeypatch.setattr(runs_views, "launch", lambda job, day: launched.append((job, day)))
    business_day.close_day(db, D(2027, 2, 15), started_by="test")
    business_day.close_day(db, D(2027, 3, 15), started_by="test")
    business_day.close_day(db, D(2027, 4, 1), started_by="test")
    login_as("admin")
    # The newest runs come first: the distribution of 1 April is on the first page now, and
    # further back once the days up to 21 April are closed (each business day in between too).
    page = client.get("/staff/runs").get_data(as_text=True)
    assert "1 pools, 2 participants" in page  # the distribution of 1 April
    business_day.close_day(db, D(2027, 4, 21), started_by="test")

    page = client.get("/staff/runs").get_data(as_text=True)
    for label in ("Expire offers", "Pool withdrawals", "Pool distribution", "Month-end statements"):
        assert f">{label}</option>" in page
    assert "1 paid, 0 waiting" in page  # the withdrawals of 20 April: Bram's notice is over
    assert "0 paid, 1 waiting" in page  # 21 April: Anna's is due, the pool's money is lent out
    assert "nothing to do" in page  # e.g. no offer to expire
    distribution_run = _run(session, RunJob.POOL_DISTRIBUTION, D(2027, 4, 1))
    detail = client.get(f"/staff/runs/{distribution_run.id}").get_data(as_text=True)
    text = detail.replace("\xa0", " ")
    assert "margin</dt><dd>€ 39,26" in text and "participants</dt><dd>€ 117,77" in text

    not_a_quarter = client.post("/staff/runs/start", data={"job": "pool_distribution", "date": "2027-05-14"})
    assert not_a_quarter.status_code == 422
    assert "must be the last day of a quarter" in not_a_quarter.get_data(as_text=True)
    done = client.post("/staff/runs/start", data={"job": "pool_distribution", "date": "2027-03-31"})
    assert done.status_code == 422 and "already distributed" in done.get_data(as_text=True)
    assert launched == []
    started = client.post("/staff/runs/start", data={"job": "pool_distribution", "date": "2027-06-30"})
    assert started.status_code == 302
    started = client.post("/staff/runs/start", data={"job": "month_end_statements", "date": "2027-05-03"})
    assert started.status_code == 302
    assert launched == [("pool_distribution", D(2027, 6, 30)), ("month_end_statements", D(2027, 5, 3))]
    assert runs_views.JOB_COMMANDS["pool_distribution"] == "pool-distribution"


def test_the_scheduler_closes_days_with_the_statement_directory(session, offer_world, tmp_path):
    from bank import scheduler

    built = scheduler.build_scheduler(db, echo=lambda _text: None, statement_dir=tmp_path / "statements")
    (job,) = built.get_jobs()
    assert job.kwargs["statement_dir"] == tmp_path / "statements"
    said: list[str] = []
    closed = scheduler.close_missed_days(
        db, said.append, today=D(2026, 6, 2), statement_dir=tmp_path / "statements"
    )
    assert closed[-1] == D(2026, 6, 1) and "closed" in said[-1]
    assert _count(session, StoredStatement) == 2


def test_pool_distribution_command_waits_for_an_unfinished_close_day_of_that_date(
    app, session, pool_bank, monkeypatch
):
    from bank.pools import distribution

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(distribution, "distribute_due", broken)
    with pytest.raises(RuntimeError):
        business_day.close_day(db, D(2027, 3, 31), started_by="test")
    monkeypatch.undo()
    entries = _count(session, JournalEntry)
    refused = _cli(app)("runs", "pool-distribution", "--date", "2027-03-31")
    assert refused.exit_code == 2
    assert "the close day of 2027-03-31 has not finished its pool distribution (failed)" in refused.output
    assert _count(session, JournalEntry) == entries and _count(session, Distribution) == 0
    assert _run(session, RunJob.POOL_DISTRIBUTION, D(2027, 3, 31)).status is RunStatus.FAILED
    business_day.close_day(db, D(2027, 3, 31), started_by="test")
    done = _cli(app)("runs", "pool-distribution", "--date", "2027-03-31")
    assert done.exit_code == 0, done.output
    assert _count(session, Distribution) == 1
