"""The repayment run's batches side by side (PostgreSQL): the same outcome as one at a time.

On PostgreSQL the run services its batches on ``bank.loans.jobs.REPAYMENT_WORKERS`` connections at once.
Each batch commits its postings, instalments, loans and its share of the run's counters
together, so whatever the interleaving the run row must tell the truth about the ledger, and
a batch that fails stops the run without losing what other batches committed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bank.extensions import db
from bank.loans import jobs as loan_jobs
from bank.loans import servicing
from bank.loans.models import Loan
from bank.runs.models import Run, RunJob, RunStatus

from .conftest import entry_count

D = dt.date
DUE = D(2026, 2, 16)  # the first instalment of a loan disbursed on 15 January (the 15th is a Sunday)


def _book_twelve(bank) -> tuple[list[Loan], dict[int, Decimal]]:
    """Twelve loans: a third fully funded, a third with € 500,00, a third with nothing."""
    loans, funded = [], {}
    for index in range(12):
        member, account = bank.borrower(f"Co-op {index}")
        loan = bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
        # The borrower spends the loan; what stays behind is what the run can collect.
        bank.withdraw(account, str(bank.balance(account.ledger_account_id)), D(2026, 1, 16))
        deposit = ("2000.00", "500.00", None)[index % 3]
        if deposit:
            bank.deposit(account, deposit, D(2026, 1, 20))
        loans.append(loan)
        funded[loan.id] = Decimal(deposit or "0")
    return loans, funded


def _expected(bank, loans: list[Loan], funded: dict[int, Decimal]) -> dict[str, object]:
    due_each = [bank.instalments(loan)[0] for loan in loans]
    amount_due = sum((i.principal_due + i.interest_due for i in due_each), Decimal("0"))
    collected = sum(
        (
            min(funded[loan.id], i.principal_due + i.interest_due)
            for loan, i in zip(loans, due_each, strict=True)
        ),
        Decimal("0"),
    )
    return {"amount_due": amount_due, "amount_collected": collected}


@pytest.mark.parametrize("workers", [1, 3])
def test_batches_side_by_side_give_the_outcome_of_one_at_a_time(bank, monkeypatch, workers):
    monkeypatch.setattr(loan_jobs, "REPAYMENT_WORKERS", workers)
    loans, funded = _book_twelve(bank)
    expected = _expected(bank, loans, funded)
    before = entry_count(bank.session)

    bank.session.commit()
    run = loan_jobs.run_repayments(db, DUE, started_by="test", batch_size=2).run

    assert run.status is RunStatus.COMPLETED
    assert (run.due_count, run.progress_done, run.progress_total) == (12, 12, 12)
    assert (run.collected_full_count, run.collected_partial_count, run.collected_nothing_count) == (4, 4, 4)
    assert run.amount_due == expected["amount_due"]
    assert (
        run.amount_collected
        == expected["amount_collected"]
        == Decimal("4")
        * (bank.instalments(loans[0])[0].principal_due + bank.instalments(loans[0])[0].interest_due)
        + Decimal("2000.00")
    )
    # One accrual per loan, one collection per loan that had money: 12 + 8.
    assert run.entries_posted == 20 == entry_count(bank.session) - before
    for loan in loans:
        first = bank.instalments(loan)[0]
        paid = first.principal_paid + first.interest_paid
        assert paid == min(funded[loan.id], first.principal_due + first.interest_due)
        bank.session.refresh(loan)
        assert loan.serviced_through == DUE
    bank.verify()


@pytest.mark.postgresql
def test_a_failing_batch_stops_the_run_and_a_restart_finishes_it_once(bank, monkeypatch):
    monkeypatch.setattr(loan_jobs, "REPAYMENT_WORKERS", 2)
    loans, funded = _book_twelve(bank)
    expected = _expected(bank, loans, funded)
    doomed = loans[6].id
    real_service_batch = servicing.service_batch

    def failing(session, loan_ids, run_date, **kwargs):
        if doomed in loan_ids:
            raise RuntimeError("disk full while servicing")
        return real_service_batch(session, loan_ids, run_date, **kwargs)

    monkeypatch.setattr(servicing, "service_batch", failing)
    bank.session.commit()
    with pytest.raises(RuntimeError, match="disk full"):
        loan_jobs.run_repayments(db, DUE, started_by="test", batch_size=2)

    bank.session.expire_all()
    failed = bank.session.scalar(select(Run).where(Run.job == RunJob.REPAYMENTS))
    assert failed.status is RunStatus.FAILED
    assert "disk full while servicing" in failed.error
    serviced = bank.session.scalar(select(func.count()).select_from(Loan).where(Loan.serviced_through == DUE))
    # What the committed batches did is in the run row: no more, no less.
    assert failed.progress_done == failed.due_count == serviced
    assert 0 < serviced < 12
    assert bank.session.get(Loan, doomed).serviced_through is None
    bank.session.commit()
    bank.verify()

    monkeypatch.setattr(servicing, "service_batch", real_service_batch)
    again = loan_jobs.run_repayments(db, DUE, started_by="test", batch_size=2).run
    assert again.id == failed.id and again.attempts == 2
    assert again.status is RunStatus.COMPLETED
    assert (again.due_count, again.progress_done) == (12, 12)
    assert (again.collected_full_count, again.collected_partial_count, again.collected_nothing_count) == (
        4,
        4,
        4,
    )
    assert again.amount_due == expected["amount_due"]
    assert again.amount_collected == expected["amount_collected"]
    assert again.entries_posted == 20
    for loan in loans:
        first = bank.instalments(loan)[0]
        assert first.principal_paid + first.interest_paid == min(
            funded[loan.id], first.principal_due + first.interest_due
        )
    bank.verify()
