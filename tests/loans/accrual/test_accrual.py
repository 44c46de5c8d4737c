"""Worked examples of the daily interest accrual (issue 16), checked to the cent against hand sums.

Every story ends on the two accounts the accrual writes: the loan's interest child account
(1110-…) and interest income (4000). "Nothing accrued twice, nothing left behind": when a loan
closes its interest account is 0 and 4000 holds exactly the interest of the instalments paid.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select, update

from bank.actor import Actor
from bank.approvals import service as approvals
from bank.extensions import db
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry
from bank.ledger.service import account_by_code
from bank.loans import accrual, servicing
from bank.loans import jobs as loan_jobs
from bank.loans.models import Instalment, InstalmentStatus, Loan, LoanStatus
from bank.loans.schedule import DayCount, ScheduleTerms, build_schedule
from bank.loans.service import store_schedule
from bank.runs.models import RunStatus
from loans.servicing.conftest import Bank, make_loan_product

D = dt.date
TELLER = Actor(user_id=None, label="teller@test", role="teller")
CENT = Decimal("0.01")


def _income(bank: Bank, as_of: dt.date | None = None) -> Decimal:
    bank.session.expire_all()
    return ledger_queries.balance(
        bank.session, account_by_code(bank.session, chart.INTEREST_INCOME).id, as_of
    )


def _paid_interest(bank: Bank, loan: Loan) -> Decimal:
    return sum(
        (i.interest_due for i in bank.instalments(loan) if i.status is InstalmentStatus.PAID), Decimal(0)
    )


def _daily_entries(bank: Bank, loan: Loan) -> list[JournalEntry]:
    return list(
        bank.session.scalars(
            select(JournalEntry)
            .where(JournalEntry.idempotency_key.like(f"accrue-day:{loan.id}:%"))
            .order_by(JournalEntry.value_date)
        )
    )


def _signed(entry: JournalEntry, account_id: int) -> Decimal:
    """What an entry did to the loan's interest account (+ accrued, − given back)."""
    return sum(
        (
            p.amount if p.side.value == "debit" else -p.amount
            for p in entry.postings
            if p.account_id == account_id
        ),
        Decimal(0),
    )


def test_a_month_closed_mid_instalment_holds_its_accrued_interest_to_the_cent(bank):
    """Two loans paid out on Wednesday 16 September 2026, first due Friday 16 October.

    Loan A: 10 000.00 at 12 %, 30E/360. Instalment 1's interest: 10 000 × 12 % × 30/360 = 100.00.
    On 30 September 14 of its 30 days (30E/360, 16 → 30 September) have run: 100 × 14/30 = 46.666…
    → 46.67. Loan B: 7 500.00 at 4.5 %, actual/365. Instalment 1's interest: 7 500 × 4.5 % ×
    30/365 = 27.739… → 27.74; 14 of its 30 actual days: 27.74 × 14/30 = 12.945… → 12.95.
    The September trial balance: 1110 and 4000 both 46.67 + 12.95 = 59.62.
    """
    actual = make_loan_product(
        bank.session, code="ACT-365", day_count=DayCount.ACTUAL_365, rate_annual=Decimal("0.045")
    )
    bank.session.commit()
    member_a, account_a = bank.borrower("Bakkerij De Korenschoof")
    member_b, account_b = bank.borrower("Fietsenmakerij De Spaak")
    bank.deposit(account_a, "2000.00", D(2026, 9, 1))
    bank.deposit(account_b, "2000.00", D(2026, 9, 1))
    loan_a = bank.book(member_a, account_a, "10000.00", 12, D(2026, 9, 16))
    loan_b = bank.book(member_b, account_b, "7500.00", 12, D(2026, 9, 16), product=actual)
    first_a, first_b = bank.instalments(loan_a)[0], bank.instalments(loan_b)[0]
    assert (first_a.due_on, first_a.interest_due) == (D(2026, 10, 16), Decimal("100.00"))
    assert (first_b.due_on, first_b.interest_due) == (D(2026, 10, 16), Decimal("27.74"))

    bank.close_days(D(2026, 9, 17), D(2026, 9, 30))
    # Day by day: 100 × 1/30 = 3.33, then 100 × 2/30 = 6.67 less 3.33 = 3.34.
    daily = _daily_entries(bank, loan_a)
    assert [_signed(e, loan_a.interest_account_id) for e in daily[:2]] == [Decimal("3.33"), Decimal("3.34")]
    assert bank.balance(loan_a.interest_account_id) == Decimal("46.67")
    assert bank.balance(loan_b.interest_account_id) == Decimal("12.95")
    trial = {row.code: row.balance for row in ledger_queries.trial_balance(bank.session, D(2026, 9, 30))}
    assert trial[chart.INTEREST_RECEIVABLE] == Decimal("59.62")
    assert trial[chart.INTEREST_INCOME] == Decimal("59.62")
    assert sum(row.debit_total - row.credit_total for row in ledger_queries.trial_balance(bank.session)) == 0
    bank.session.refresh(loan_a)
    assert loan_a.interest_accrued_through == D(2026, 9, 30)
    assert loan_a.interest_accrued == Decimal("46.67") and loan_a.accrual_instalment_id == first_a.id
    assert loan_a.accrual_period_start == D(2026, 9, 16)

    # On the due date the accrued sum is the instalment's interest exactly; the due date has
    # nothing left to post, and the collection clears the interest account.
    bank.close_days(D(2026, 10, 1), D(2026, 10, 16))
    for loan, first in ((loan_a, first_a), (loan_b, first_b)):
        accrued_for_first = sum(
            (
                _signed(e, loan.interest_account_id)
                for e in _daily_entries(bank, loan)
                if e.value_date <= first.due_on
            ),
            Decimal(0),
        )
        assert accrued_for_first == first.interest_due
        assert (
            bank.session.scalar(
                select(JournalEntry).where(JournalEntry.idempotency_key == f"accrue:{first.id}")
            )
            is None
        )
        assert bank.instalments(loan)[0].status is InstalmentStatus.PAID
        assert bank.balance(loan.interest_account_id) == Decimal("0.00")
    assert _income(bank, D(2026, 10, 16)) == Decimal("127.74")
    bank.verify()


def test_a_rerun_posts_nothing_twice(bank):
    member, account = bank.borrower()
    loan = bank.book(member, account, "10000.00", 12, D(2026, 9, 16))
    bank.close_days(D(2026, 9, 17), D(2026, 9, 18))
    entries = bank.session.scalar(select(func.count()).select_from(JournalEntry))
    bank.session.commit()  # SQLite: no open transaction may hold the write lock
    # The same date again: the run is complete, the loans are accrued through it.
    again = loan_jobs.run_loan_accrual(db, D(2026, 9, 18), started_by="test")
    assert again.run.status is RunStatus.COMPLETED and not again.worked
    assert accrual.accrue_batch(bank.session, [loan.id], D(2026, 9, 18), actor=TELLER).loans == 0
    # A state set back (as if the run had not recorded it) posts the same entry, found by its key.
    bank.session.execute(
        update(Loan)
        .where(Loan.id == loan.id)
        .values(interest_accrued_through=D(2026, 9, 17), interest_accrued=Decimal("3.33"))
    )
    outcome = accrual.accrue_batch(bank.session, [loan.id], D(2026, 9, 18), actor=TELLER)
    bank.session.commit()
    assert outcome.loans == 1 and outcome.cents == 334
    assert bank.session.scalar(select(func.count()).select_from(JournalEntry)) == entries
    assert bank.balance(loan.interest_account_id) == Decimal("6.67")
    bank.verify()


def _loan_after_three_instalments(bank: Bank) -> tuple[Loan, object]:
    """12 000.00 at 12 % (1 % a month), 12 months from 15 January 2026; three paid by 20 April."""
    member, account = bank.borrower()
    bank.deposit(account, "20000.00", D(2026, 1, 5))
    loan = bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    bank.close_days(D(2026, 1, 16), D(2026, 4, 20))
    assert [i.status for i in bank.instalments(loan)[:4]] == [InstalmentStatus.PAID] * 3 + [
        InstalmentStatus.OPEN
    ]
    # Instalment 4 (15 April → 15 May): 9 132.95 × 1 % = 91.33; 5 of 30 days: 15.22.
    fourth = bank.instalments(loan)[3]
    assert fourth.interest_due == Decimal("91.33")
    assert bank.balance(loan.interest_account_id) == Decimal("15.22")
    return loan, account


def _closed_cleanly(bank: Bank, loan: Loan) -> None:
    """A closed loan: nothing left on its interest account, 4000 = the interest of what was paid."""
    assert bank.balance(loan.interest_account_id) == Decimal("0.00")
    assert _income(bank) == _paid_interest(bank, loan)
    bank.verify()


def test_prepayment_settles_the_running_period_to_the_new_instalment(bank):
    loan, _account = _loan_after_three_instalments(bank)
    servicing.prepay(
        bank.session, loan, "3000.00", mode="shorten_term", on=D(2026, 4, 20), key="p1", actor=TELLER
    )
    bank.session.commit()
    new_first = bank.instalments(loan, version=2)[0]
    # 6 132.95 × 1 % = 61.33 for the period; 5 of 30 days: 10.22 (was 15.22: 5.00 given back).
    assert new_first.interest_due == Decimal("61.33")
    assert bank.balance(loan.interest_account_id) == Decimal("10.22")
    settle = bank.session.scalar(
        select(JournalEntry).where(JournalEntry.idempotency_key == f"accrue-settle:prepay:{loan.id}:p1")
    )
    assert _signed(settle, loan.interest_account_id) == Decimal("-5.00")
    bank.session.refresh(loan)
    assert loan.accrual_instalment_id == new_first.id and loan.interest_accrued == Decimal("10.22")
    bank.close_days(D(2026, 4, 21), D(2027, 1, 20))
    bank.session.refresh(loan)
    assert loan.status is LoanStatus.PAID_OFF
    _closed_cleanly(bank, loan)


def test_payoff_settles_the_running_period_to_the_interest_it_charges(bank):
    loan, _account = _loan_after_three_instalments(bank)
    bank.close_days(D(2026, 4, 21), D(2026, 5, 5))
    # Accrued 15 April → 5 May, 20 of 30 days (30E/360): 91.33 × 20/30 = 60.89. The payoff charges
    # 20 actual days on 9 132.95 at 12 %/365: 60.05, so 0.84 is given back.
    assert bank.balance(loan.interest_account_id) == Decimal("60.89")
    quote = servicing.pay_off(bank.session, loan, on=D(2026, 5, 5), key="po1", actor=TELLER)
    bank.session.commit()
    assert quote.interest_running == Decimal("60.05")
    settle = bank.session.scalar(
        select(JournalEntry).where(JournalEntry.idempotency_key == f"payoff-interest:{loan.id}")
    )
    assert _signed(settle, loan.interest_account_id) == Decimal("-0.84")
    bank.session.refresh(loan)
    assert loan.status is LoanStatus.PAID_OFF and loan.interest_accrued == Decimal("0.00")
    assert loan.accrual_instalment_id is None
    _closed_cleanly(bank, loan)
    income = _income(bank)
    bank.close_days(D(2026, 5, 6), D(2026, 6, 30))
    assert _income(bank) == income  # a closed loan accrues nothing more


def test_a_new_schedule_version_carries_the_accrual_to_the_new_instalment(bank):
    """A restructuring (as a forbearance builds it): the future at 6 % from 20 April, no settle call."""
    loan, _account = _loan_after_three_instalments(bank)
    future = [i for i in bank.instalments(loan) if i.status is InstalmentStatus.OPEN]
    for item in future:
        bank.session.get(Instalment, item.id).status = InstalmentStatus.SUPERSEDED
    schedule = build_schedule(
        ScheduleTerms(
            principal=sum((i.principal_due for i in future), Decimal(0)),
            rate_annual=Decimal("0.06"),
            term=len(future),
            method=loan.method,
            frequency=loan.frequency,
            disbursed_on=D(2026, 4, 15),
            first_due_on=D(2026, 5, 15),
            day_count=loan.day_count,
        )
    )
    loan = bank.session.get(Loan, loan.id)
    store_schedule(
        bank.session, loan, schedule, version=2, reason="restructuring", actor=TELLER, number_offset=3
    )
    loan.schedule_version = 2
    bank.session.commit()
    new_first = bank.instalments(loan, version=2)[0]
    # 9 132.95 × 0.5 % = 45.66 for the period; the next close day (21 April, 6 of 30 days) sets
    # the 15.22 accrued at 1 % right: 45.66 × 6/30 = 9.132 → 9.13.
    assert new_first.interest_due == Decimal("45.66")
    bank.close_days(D(2026, 4, 21), D(2026, 4, 21))
    assert bank.balance(loan.interest_account_id) == Decimal("9.13")
    bank.close_days(D(2026, 4, 22), D(2027, 1, 20))
    bank.session.refresh(loan)
    assert loan.status is LoanStatus.PAID_OFF
    _closed_cleanly(bank, loan)


def test_write_off_takes_the_accrued_interest_off_with_the_loan(bank, make_user):
    member, account = bank.borrower()
    bank.deposit(account, "3300.00", D(2026, 1, 5))
    loan = bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    bank.close_days(D(2026, 1, 16), D(2026, 4, 20))
    bank.withdraw(account, str(bank.balance(account.ledger_account_id)), D(2026, 4, 20))
    bank.close_days(D(2026, 4, 21), D(2026, 6, 30))
    # Instalments 4 and 5 unpaid (their interest due), instalment 6 running since 15 June: 15 of
    # its 30 days accrued.
    sixth = bank.instalments(loan)[5]
    running = (sixth.interest_due * 15 / 30).quantize(CENT, ROUND_HALF_UP)
    bank.session.refresh(loan)
    assert loan.interest_accrued == running and loan.accrual_instalment_id == sixth.id
    due_interest = sum(
        (i.interest_due - i.interest_paid for i in bank.instalments(loan) if i.interest_accrued_on),
        Decimal(0),
    )
    assert bank.balance(loan.interest_account_id) == due_interest + running
    income = _income(bank)
    exposure = servicing.loan_exposure(bank.session, loan)
    bank.session.commit()
    maker = make_user("admin")
    checker = make_user("credit_officer")
    approval = servicing.request_write_off(
        bank.session,
        loan,
        reason="Bankruptcy",
        key="w1",
        actor=Actor(user_id=maker.id, label=maker.email, role="admin"),
    )
    bank.session.commit()
    approvals.approve(
        bank.session, approval, actor=Actor(user_id=checker.id, label=checker.email, role="credit_officer")
    )
    bank.session.commit()
    bank.session.refresh(loan)
    assert loan.status is LoanStatus.WRITTEN_OFF
    assert loan.interest_accrued == Decimal("0.00") and loan.accrual_instalment_id is None
    assert bank.balance(loan.interest_account_id) == Decimal("0.00")
    impairment = account_by_code(bank.session, chart.IMPAIRMENT_EXPENSE)
    assert ledger_queries.balance(bank.session, impairment.id) == exposure
    assert _income(bank) == income  # recognised income stays; the loss is in 5100
    bank.close_days(D(2026, 7, 1), D(2026, 7, 31))
    assert _income(bank) == income and bank.balance(loan.interest_account_id) == Decimal("0.00")
    bank.verify()
