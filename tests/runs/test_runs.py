"""Runs: catching up missed days in order, repeats, the lock, bad input, month ends, savings interest."""

from __future__ import annotations

import datetime as dt
import gc
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select

from bank import clock
from bank import day as business_day
from bank.db import is_postgresql
from bank.errors import ValidationError
from bank.extensions import db
from bank.ledger.models import JournalEntry
from bank.loans import jobs as loan_jobs
from bank.loans.models import InstalmentStatus
from bank.runs import batches
from bank.runs.lock import RunInProgress, run_lock
from bank.runs.models import Run, RunJob, RunStatus
from bank.savings import jobs as savings_jobs
from bank.savings import service as savings

from .conftest import entry_count

D = dt.date


def _runs(session, job=RunJob.CLOSE_DAY) -> list[Run]:
    session.expire_all()
    rows = list(session.scalars(select(Run).where(Run.job == job).order_by(Run.id)))
    session.commit()
    return rows


def test_three_missed_days_are_caught_up_in_order(bank):
    member, account = bank.borrower()
    bank.deposit(account, "5000.00", D(2026, 1, 5))
    loan = bank.book(member, account, "12000.00", 12, D(2026, 1, 13))
    bank.close_days(D(2026, 1, 14), D(2026, 2, 9))
    # The machine was down Tuesday 10 to Thursday 12 February; the scheduler starts on Friday 13.
    assert business_day.missed_days(bank.session, D(2026, 2, 13)) == [
        D(2026, 2, 10),
        D(2026, 2, 11),
        D(2026, 2, 12),
    ]
    bank.session.commit()
    closed = business_day.catch_up(db, D(2026, 2, 13))
    assert closed == [D(2026, 2, 10), D(2026, 2, 11), D(2026, 2, 12)]
    runs = _runs(bank.session)
    assert [r.business_date for r in runs[-3:]] == closed
    assert [r.id for r in runs[-3:]] == sorted(r.id for r in runs[-3:])
    assert all(r.status is RunStatus.COMPLETED for r in runs)
    # The instalment due on the 13th of January + 1 month was collected on its own date.
    first = bank.instalments(loan)[0]
    assert first.due_on == D(2026, 2, 13)
    assert first.status is InstalmentStatus.OPEN  # due on the 13th: not yet closed
    assert business_day.catch_up(db, D(2026, 2, 13)) == []
    closed = business_day.catch_up(db, D(2026, 2, 17))
    assert closed == [D(2026, 2, 13), D(2026, 2, 16)]
    assert bank.instalments(loan)[0].paid_on == D(2026, 2, 13)
    bank.verify()


def test_the_same_date_run_twice_posts_nothing_the_second_time(bank):
    member, account = bank.borrower()
    loan = bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    first = bank.run(D(2026, 2, 16))
    assert first.status is RunStatus.COMPLETED and first.collected_full_count == 1
    before = entry_count(bank.session)
    outcome = loan_jobs.run_repayments(db, D(2026, 2, 16))
    assert outcome.worked is False
    assert outcome.run.id == first.id
    assert entry_count(bank.session) == before
    # Even when the run row is gone (or failed), the loans serviced through the date are skipped.
    bank.session.query(Run).filter(Run.id == first.id).update({"status": RunStatus.FAILED})
    bank.session.commit()
    again = loan_jobs.run_repayments(db, D(2026, 2, 16)).run
    assert again.attempts == 2 and again.status is RunStatus.COMPLETED
    assert entry_count(bank.session) == before
    assert bank.instalments(loan)[0].principal_paid == Decimal("946.19")
    bank.verify()


def test_a_second_run_while_one_works_is_refused_and_writes_nothing(bank):
    member, account = bank.borrower()
    bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    before = entry_count(bank.session)
    with run_lock(db.engine):
        with pytest.raises(RunInProgress) as refused:
            loan_jobs.run_repayments(db, D(2026, 2, 16))
        assert "in progress" in refused.value.message
        with pytest.raises(RunInProgress):
            business_day.close_day(db, D(2026, 2, 16))
    assert entry_count(bank.session) == before
    assert _runs(bank.session, RunJob.REPAYMENTS) == []


def test_two_runs_started_at_once_exactly_one_works(bank):
    for index in range(30):
        member, account = bank.borrower(f"Co-op {index}")
        bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    results: list[object] = []
    started = threading.Barrier(2)

    def start() -> None:
        started.wait()
        try:
            results.append(loan_jobs.run_repayments(db, D(2026, 2, 16), batch_size=5).run.status)
        except RunInProgress as error:
            results.append(error)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = [r for r in results if isinstance(r, RunStatus)]
    refusals = [r for r in results if isinstance(r, RunInProgress)]
    # Either the second one met the lock, or it came after the first had finished and found
    # the date completed; in no case did both work.
    run = _runs(bank.session, RunJob.REPAYMENTS)
    assert len(run) == 1 and run[0].attempts == 1 and run[0].due_count == 30
    assert len(statuses) + len(refusals) == 2
    bank.verify()


def test_bad_run_dates_are_refused_and_nothing_is_written(bank):
    member, account = bank.borrower()
    bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    before = entry_count(bank.session)
    with pytest.raises(ValidationError) as future:
        loan_jobs.run_repayments(db, clock.today() + dt.timedelta(days=2))
    assert "future" in future.value.fields["date"]
    with pytest.raises(ValidationError) as early:
        business_day.close_day(db, D(2025, 12, 31))
    assert "first business day" in early.value.fields["date"]
    assert entry_count(bank.session) == before
    assert _runs(bank.session, RunJob.REPAYMENTS) == [] and _runs(bank.session) == []


def test_month_ends_and_a_leap_day_due_date(bank):
    member, account = bank.borrower(opened_on=D(2028, 1, 2))
    bank.deposit(account, "9000.00", D(2028, 1, 3))
    loan = bank.book(member, account, "6000.00", 6, D(2028, 1, 31))
    due = [i.due_on for i in bank.instalments(loan)]
    # Clipped to the month's end from 31 January; 2028 is a leap year.
    assert due[:4] == [D(2028, 2, 29), D(2028, 3, 31), D(2028, 4, 30), D(2028, 5, 31)]
    bank.close_days(D(2028, 2, 1), D(2028, 5, 5))
    items = bank.instalments(loan)
    assert items[0].paid_on == D(2028, 2, 29)
    assert items[1].paid_on == D(2028, 3, 31)
    # Sunday 30 April, then Labour Day (a TARGET2 holiday): collected on Tuesday 2 May.
    assert items[2].paid_on == D(2028, 5, 2)
    # The interest is that of the due date, unchanged: the close day of Friday 28 April accrued
    # the period through the month's end, Sunday 30 April, its due date, so the whole interest is
    # in April's books and the collection on 2 May moved it into what is due with nothing left.
    assert (
        bank.session.scalar(
            select(JournalEntry).where(JournalEntry.idempotency_key == f"accrue:{items[2].id}")
        )
        is None
    )
    april = bank.session.scalars(
        select(JournalEntry).where(
            JournalEntry.idempotency_key.like(f"accrue-day:{loan.id}:%"),
            JournalEntry.value_date > D(2028, 3, 31),
            JournalEntry.value_date <= D(2028, 4, 30),
        )
    ).all()
    assert max(entry.value_date for entry in april) == D(2028, 4, 30)
    assert sum(entry.postings[0].amount for entry in april) == items[2].interest_due
    bank.verify()


def test_savings_interest_to_the_cent_with_a_rate_change_posted_once_a_month(bank):
    savings.set_product_rate(
        bank.session,
        bank.savings_product,
        rate_annual=Decimal("0.0125"),
        effective_from=D(2026, 1, 2),
        actor=bank.actor,
    )
    savings.set_product_rate(
        bank.session,
        bank.savings_product,
        rate_annual=Decimal("0.02"),
        effective_from=D(2026, 3, 15),
        actor=bank.actor,
    )
    bank.session.commit()
    _member, account = bank.borrower()
    bank.deposit(account, "10000.00", D(2026, 2, 1))
    # Feb: 10 000.00 × 1.25 % × 28 / 365 = 9.589… → 9.59, posted on Saturday 28 February by
    # the run of Monday 2 March (value date the month's last day).
    savings_jobs.run_savings_interest(db, D(2026, 3, 2))
    assert bank.balance(account.ledger_account_id) == Decimal("10009.59")
    entry = bank.session.scalar(
        select(JournalEntry).where(JournalEntry.idempotency_key == f"savings-interest:{account.id}:2026-02")
    )
    assert entry.value_date == D(2026, 2, 28)
    # March: 14 days at 1.25 %, from the 15th 2 %, 5 000.00 withdrawn on the 20th: 10.84.
    bank.withdraw(account, "5000.00", D(2026, 3, 20))
    savings_jobs.run_savings_interest(db, D(2026, 3, 31))
    assert bank.balance(account.ledger_account_id) == Decimal("5009.59") + Decimal("10.84")
    # Again for the same month: nothing more.
    savings_jobs.run_savings_interest(db, D(2026, 4, 1))
    assert bank.balance(account.ledger_account_id) == Decimal("5020.43")
    bank.verify()


def test_savings_interest_in_a_leap_february(bank):
    savings.set_product_rate(
        bank.session,
        bank.savings_product,
        rate_annual=Decimal("0.02"),
        effective_from=D(2028, 1, 1),
        actor=bank.actor,
    )
    bank.session.commit()
    _member, account = bank.borrower(opened_on=D(2028, 2, 1))
    bank.deposit(account, "10000.00", D(2028, 2, 1))
    savings_jobs.run_savings_interest(db, D(2028, 3, 1))
    # 29 days (actual/365 even in a leap year): 10 000.00 × 2 % × 29 / 365 = 15.890… → 15.89.
    assert bank.balance(account.ledger_account_id) == Decimal("10015.89")
    bank.verify()


def test_a_run_collects_garbage_less_often_while_it_works_and_restores_the_collector(bank, monkeypatch):
    member, account = bank.borrower()
    bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    bank.session.commit()
    thresholds_seen = []
    service_batch = loan_jobs.servicing.service_batch

    def watched(*args, **kwargs):
        thresholds_seen.append(gc.get_threshold()[0])
        return service_batch(*args, **kwargs)

    monkeypatch.setattr(loan_jobs.servicing, "service_batch", watched)
    collections = []
    collect = gc.collect
    monkeypatch.setattr(
        batches.gc, "collect", lambda generation=2: collections.append(generation) or collect(generation)
    )
    before = gc.get_threshold()
    assert before[0] < batches.GC_YOUNG_THRESHOLD
    assert loan_jobs.run_repayments(db, D(2026, 2, 16)).run.status is RunStatus.COMPLETED
    assert thresholds_seen == [batches.GC_YOUNG_THRESHOLD]
    # The young generations are collected after each ended batch, so nothing piles up over a
    # long run: the run row's start, its total to do, the one batch of loans, its finish. On
    # PostgreSQL the workers count the total while they work, so it ends no batch of its own.
    parallel = is_postgresql(bank.session) and loan_jobs.REPAYMENT_WORKERS > 1
    assert collections == ([1, 1, 1] if parallel else [1, 1, 1, 1])
    assert gc.get_threshold() == before

    def failing(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loan_jobs.servicing, "service_batch", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        loan_jobs.run_repayments(db, D(2026, 3, 16))
    assert gc.get_threshold() == before
