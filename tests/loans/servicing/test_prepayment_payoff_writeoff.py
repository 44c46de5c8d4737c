"""Worked examples: prepayment both ways, payoff quote and full repayment, write-off and recovery."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from bank.actor import Actor
from bank.approvals import service as approvals
from bank.errors import InsufficientFunds, PermissionDenied, ValidationError
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry
from bank.ledger.service import account_by_code
from bank.loans import servicing
from bank.loans.models import InstalmentStatus, LoanStatus, ScheduleVersion

D = dt.date
TELLER = Actor(user_id=None, label="teller@test", role="teller")


def _loan_after_three_instalments(bank, deposit="20000.00"):
    member, account = bank.borrower()
    bank.deposit(account, deposit, D(2026, 1, 5))
    loan = bank.book(member, account, "12000.00", 12, D(2026, 1, 15))
    bank.close_days(D(2026, 1, 16), D(2026, 4, 20))
    assert [i.status for i in bank.instalments(loan)[:4]] == [InstalmentStatus.PAID] * 3 + [
        InstalmentStatus.OPEN
    ]
    return member, account, loan


def test_prepayment_that_shortens_the_term(bank):
    _member, account, loan = _loan_after_three_instalments(bank)
    before = bank.balance(account.ledger_account_id)
    outstanding = bank.balance(loan.principal_account_id)
    version = servicing.prepay(
        bank.session, loan, "3000.00", mode="shorten_term", on=D(2026, 4, 20), key="p1", actor=TELLER
    )
    bank.session.commit()
    assert version.version == 2 and version.reason == "prepayment_shorten_term"
    old = bank.instalments(loan, version=1)
    new = bank.instalments(loan, version=2)
    # Paid history unchanged; the nine unpaid ones superseded, fewer new ones with the same instalment.
    assert [i.status for i in old[:3]] == [InstalmentStatus.PAID] * 3
    assert all(i.status is InstalmentStatus.SUPERSEDED for i in old[3:])
    # 6 132.95 left at 1 % a month: 6 periods of 1 058.23 (5 would need 1 263.60 > 1 066.19).
    assert len(new) == 6
    assert new[0].number == 4 and new[0].due_on == old[3].due_on
    assert sum(i.principal_due for i in new) == outstanding - Decimal("3000.00")
    assert max(i.principal_due + i.interest_due for i in new) <= Decimal("1066.19")
    assert new[0].principal_due + new[0].interest_due == Decimal("1058.23")
    assert bank.balance(account.ledger_account_id) == before - Decimal("3000.00")
    # The same form submitted again books nothing more.
    again = servicing.prepay(
        bank.session, loan, "3000.00", mode="shorten_term", on=D(2026, 4, 20), key="p1", actor=TELLER
    )
    assert again.id == version.id
    bank.session.commit()
    bank.close_days(D(2026, 4, 21), D(2027, 1, 20))
    bank.session.refresh(loan)
    assert loan.status is LoanStatus.PAID_OFF
    assert loan.closed_on < D(2027, 1, 15)
    assert bank.balance(loan.principal_account_id) == Decimal("0.00")
    bank.verify()


def test_prepayment_that_lowers_the_instalment(bank):
    _member, _account, loan = _loan_after_three_instalments(bank)
    outstanding = bank.balance(loan.principal_account_id)
    servicing.prepay(
        bank.session, loan, "3000.00", mode="lower_instalment", on=D(2026, 4, 20), key="p2", actor=TELLER
    )
    bank.session.commit()
    old = bank.instalments(loan, version=1)
    new = bank.instalments(loan, version=2)
    assert len(new) == 9
    assert [i.due_on for i in new] == [i.due_on for i in old[3:]]
    assert sum(i.principal_due for i in new) == outstanding - Decimal("3000.00")
    assert new[0].principal_due + new[0].interest_due < Decimal("1066.19")
    # Interest of the first new period on the reduced balance (1 % a month, 30/360).
    assert new[0].interest_due == ((outstanding - Decimal("3000.00")) / 100).quantize(Decimal("0.01"))
    bank.close_days(D(2026, 4, 21), D(2027, 1, 20))
    bank.session.refresh(loan)
    assert loan.status is LoanStatus.PAID_OFF and loan.closed_on == D(2027, 1, 15)
    bank.verify()


def test_prepayment_refusals_write_nothing(bank):
    _member, account, loan = _loan_after_three_instalments(bank, deposit="3500.00")
    bank.withdraw(account, "10000.00", D(2026, 4, 20))  # 2 301.43 left
    entries = bank.session.query(JournalEntry).count()
    outstanding = bank.balance(loan.principal_account_id)
    with pytest.raises(ValidationError) as refused:
        servicing.prepay(
            bank.session,
            loan,
            str(outstanding + 1),
            mode="lower_instalment",
            on=D(2026, 4, 20),
            key="x",
            actor=TELLER,
        )
    assert "amount" in refused.value.fields and "outstanding principal" in refused.value.fields["amount"]
    with pytest.raises(InsufficientFunds) as short:
        servicing.prepay(
            bank.session, loan, "9000.00", mode="lower_instalment", on=D(2026, 4, 20), key="y", actor=TELLER
        )
    assert "available" in short.value.fields["amount"]
    with pytest.raises(ValidationError) as mode:
        servicing.prepay(
            bank.session, loan, "10.00", mode="sideways", on=D(2026, 4, 20), key="z", actor=TELLER
        )
    assert "mode" in mode.value.fields
    bank.session.rollback()
    assert bank.session.query(JournalEntry).count() == entries
    assert bank.session.scalar(select(ScheduleVersion).where(ScheduleVersion.version == 2)) is None


def test_payoff_quote_and_full_early_repayment(bank):
    _member, account, loan = _loan_after_three_instalments(bank)
    outstanding = bank.balance(loan.principal_account_id)
    # Last due date 15 April; 20 days of interest on the outstanding principal, actual/365.
    quote = servicing.payoff_quote(bank.session, loan, D(2026, 5, 5))
    assert quote.principal == outstanding
    assert quote.interest_from == D(2026, 4, 15) and quote.interest_days == 20
    expected_interest = (outstanding * Decimal("0.12") * 20 / 365).quantize(Decimal("0.01"))
    assert quote.interest_running == expected_interest
    assert quote.fees == quote.penalties == Decimal("0.00")
    assert quote.total == outstanding + expected_interest
    with pytest.raises(ValidationError) as early:
        servicing.payoff_quote(bank.session, loan, D(2026, 4, 1))
    assert "last payment" in early.value.fields["on"]

    before = bank.balance(account.ledger_account_id)
    servicing.pay_off(bank.session, loan, on=D(2026, 5, 5), key="po1", actor=TELLER)
    bank.session.commit()
    bank.session.refresh(loan)
    assert loan.status is LoanStatus.PAID_OFF and loan.closed_on == D(2026, 5, 5)
    assert bank.balance(account.ledger_account_id) == before - quote.total
    for account_id in (loan.principal_account_id, loan.interest_account_id, loan.fees_account_id):
        assert bank.balance(account_id) == Decimal("0.00")
    payoff_version = bank.instalments(loan, version=2)
    assert len(payoff_version) == 1 and payoff_version[0].status is InstalmentStatus.PAID
    assert all(i.status is InstalmentStatus.SUPERSEDED for i in bank.instalments(loan, version=1)[3:])
    # Later runs leave a paid-off loan alone.
    bank.close_days(D(2026, 5, 6), D(2026, 6, 30))
    assert bank.balance(account.ledger_account_id) == before - quote.total
    bank.verify()


def test_write_off_needs_a_second_person_and_recoveries_reduce_the_loss(bank, make_user):
    _member, account, loan = _loan_after_three_instalments(bank, deposit="3300.00")
    # The money is gone and nothing more is paid: two months of arrears build up.
    bank.withdraw(account, str(bank.balance(account.ledger_account_id)), D(2026, 4, 20))
    bank.close_days(D(2026, 4, 21), D(2026, 6, 30))
    exposure = servicing.loan_exposure(bank.session, loan)
    principal = bank.balance(loan.principal_account_id)
    assert exposure > principal > 0
    bank.session.commit()
    admin = make_user("admin")
    teller_user = make_user("teller")
    maker = Actor(user_id=admin.id, label=admin.email, role="admin")
    checker = Actor(user_id=teller_user.id, label=teller_user.email, role="teller")
    with pytest.raises(PermissionDenied):
        servicing.request_write_off(bank.session, loan, reason="bankrupt", key="w0", actor=checker)
    approval = servicing.request_write_off(
        bank.session, loan, reason="Bankruptcy of the co-op", key="w1", actor=maker
    )
    bank.session.commit()
    with pytest.raises(PermissionDenied) as own:
        approvals.approve(bank.session, approval, actor=maker)
    assert "four eyes" in own.value.message
    bank.session.rollback()
    bank.session.refresh(loan)
    assert loan.status is LoanStatus.ACTIVE
    # A teller may not decide a write-off (issue 13); a credit officer may.
    with pytest.raises(PermissionDenied):
        approvals.approve(bank.session, approval, actor=checker)
    bank.session.rollback()
    officer = make_user("credit_officer")
    approvals.approve(
        bank.session, approval, actor=Actor(user_id=officer.id, label=officer.email, role="credit_officer")
    )
    bank.session.commit()
    bank.session.refresh(loan)
    assert loan.status is LoanStatus.WRITTEN_OFF
    for account_id in (loan.principal_account_id, loan.interest_account_id, loan.fees_account_id):
        assert bank.balance(account_id) == Decimal("0.00")
    impairment = account_by_code(bank.session, chart.IMPAIRMENT_EXPENSE)
    assert ledger_queries.balance(bank.session, impairment.id) == exposure
    assert all(i.status is not InstalmentStatus.OPEN for i in bank.instalments(loan))

    # The curator pays 500.00 from the estate, then the member 200.00 from the account.
    servicing.record_recovery(
        bank.session, loan, "500.00", key="r1", actor=TELLER, from_repayment_account=False
    )
    bank.deposit(account, "200.00", D(2026, 7, 1))
    servicing.record_recovery(bank.session, loan, "200.00", key="r2", actor=TELLER)
    bank.session.commit()
    assert ledger_queries.balance(bank.session, impairment.id) == exposure - Decimal("700.00")
    assert servicing.recoveries_total(bank.session, loan) == Decimal("700.00")
    with pytest.raises(ValidationError):
        servicing.record_recovery(
            bank.session, loan, str(exposure), key="r3", actor=TELLER, from_repayment_account=False
        )
    bank.session.rollback()
    bank.verify()
