"""The suspense queue (bank/payments/suspense.py) and the daily reconciliation (reconciliation.py).

A statement of 2 December leaves three lines in suspense: 50.25 from Bram (two accounts), 1 500.00
from a stranger and a payout of 20.10 nobody ordered. Staff assign, send back, or ask a second
person above the limit of 1 000.00; the reconciliation of 1000 against the statement names the
difference and the items that explain it, to the cent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from savings import factories
from sqlalchemy import select

from bank import clock
from bank.actor import Actor
from bank.approvals import service as approvals
from bank.approvals.models import ApprovalStatus
from bank.audit.models import AuditEvent
from bank.errors import InvalidTransition, ValidationError
from bank.ledger import queries as ledger_queries
from bank.payments import reconciliation, suspense
from bank.payments.statement_models import BankStatementLine, LineStatus
from bench.payments import Transaction

from . import statement_world as sw
from .statement_world import ANNA_IBAN, BRAM_IBAN, STRANGER_IBAN

D = Decimal
LIMIT = D("1000.00")
CHECKER = Actor(user_id=None, label="tweede@wijkbank.example", role="teller")


@pytest.fixture
def day(session, app, tmp_path):
    bank = sw.build(session)
    session.commit()
    path = sw.write(
        tmp_path,
        [
            Transaction(D("100.00"), None, None, "A. Jansen", ANNA_IBAN, "inleg"),
            Transaction(D("50.25"), None, None, "B. Bakker", BRAM_IBAN, "sparen"),
            Transaction(D("1500.00"), None, None, "Stichting X", STRANGER_IBAN, "gift?"),
            Transaction(D("-20.10"), "PAY-1", None, "Drukkerij", STRANGER_IBAN, "factuur 7"),
        ],
        opening=D("0.00"),
    )
    result = sw.run_import(session, app, path)
    session.commit()
    lines = {
        line.amount: line
        for line in session.scalars(
            select(BankStatementLine).where(BankStatementLine.status == LineStatus.SUSPENSE)
        )
    }
    return bank, lines, result


def test_assigning_moves_the_money_from_1095_to_the_member_once(session, day) -> None:
    bank, lines, _ = day
    line = lines[D("50.25")]
    account = bank.bram_accounts[1]
    done = suspense.assign_line(
        session, line, account, actor=sw.TELLER, four_eyes_limit=LIMIT, note="bevestigd per mail"
    )
    session.commit()
    assert done.entry is not None and done.approval is None
    assert factories.balance(session, account) == D("50.25")
    assert sw.balance(session, sw.SUSPENSE) == D("-1530.15") + D("50.25")
    assert (line.status, line.resolved_account_id, line.resolved_by_label, line.resolution_note) == (
        LineStatus.ASSIGNED,
        account.id,
        sw.TELLER.label,
        "bevestigd per mail",
    )
    assert done.entry.idempotency_key == f"suspense-assign:{line.id}"
    # A second submit finds the booking; another action on it is refused.
    again = suspense.assign_line(session, line, account, actor=sw.TELLER, four_eyes_limit=LIMIT)
    assert again.entry.id == done.entry.id
    with pytest.raises(InvalidTransition, match="only a line in suspense"):
        suspense.send_back_line(session, line, actor=sw.TELLER, four_eyes_limit=LIMIT)
    assert factories.balance(session, account) == D("50.25")
    assert (
        session.scalar(select(AuditEvent).where(AuditEvent.action == "statements.suspense.assign"))
        is not None
    )


def test_sending_back_pays_it_out_of_1000_and_money_out_cannot_be_sent_back(session, day) -> None:
    _, lines, _ = day
    before = sw.balance(session, sw.SETTLEMENT)
    with pytest.raises(ValidationError, match="only money that came in"):
        suspense.send_back_line(session, lines[D("-20.10")], actor=sw.TELLER, four_eyes_limit=LIMIT)
    done = suspense.send_back_line(session, lines[D("50.25")], actor=sw.TELLER, four_eyes_limit=LIMIT)
    session.commit()
    assert done.entry is not None
    assert sw.balance(session, sw.SETTLEMENT) == before - D("50.25")
    assert sw.balance(session, sw.SUSPENSE) == D("-1479.90")
    assert lines[D("50.25")].status is LineStatus.RETURNED_TO_SENDER
    assert ledger_queries.verify(session) == []


def test_above_the_limit_a_second_person_approves_and_only_then_it_is_booked(session, day) -> None:
    bank, lines, _ = day
    line = lines[D("1500.00")]
    asked = suspense.assign_line(session, line, bank.anna_account, actor=sw.TELLER, four_eyes_limit=LIMIT)
    session.commit()
    assert asked.entry is None and asked.approval.status is ApprovalStatus.PENDING
    assert line.status is LineStatus.SUSPENSE
    assert factories.balance(session, bank.anna_account) == D("100.00")
    approvals.approve(session, approvals.get_for_decision(session, asked.approval.id), actor=CHECKER)
    session.commit()
    assert line.status is LineStatus.ASSIGNED and line.resolved_by_label == CHECKER.label
    assert factories.balance(session, bank.anna_account) == D("1600.00")
    assert sw.balance(session, sw.SUSPENSE) == D("-30.15")


def test_the_day_reconciles_and_a_difference_is_explained_to_the_cent(session, day) -> None:
    bank, lines, _ = day
    on = sw.FIRST_DAY
    today = reconciliation.reconcile(session, on)
    assert (today.ledger_balance, today.statement_balance, today.difference) == (
        D("1630.15"),
        D("1630.15"),
        0,
    )
    assert today.reconciled and today.unexplained == 0
    # A teller's cash deposit on the day and money sent back are in the ledger, not yet at the bank.
    factories.deposit(session, bank.anna_account, "30.00", on, "contant")
    suspense.send_back_line(session, lines[D("50.25")], actor=sw.TELLER, four_eyes_limit=LIMIT)
    session.commit()
    later = reconciliation.reconcile(session, max(clock.today(), on))
    assert later.statement_balance == D("1630.15")
    assert later.difference == D("30.00") - D("50.25")
    assert later.not_from_statements_total == later.difference
    assert sorted(item.amount for item in later.not_from_statements) == [D("-50.25"), D("30.00")]
    assert later.start_difference == 0 and later.timing_total == 0 and later.unexplained == 0
    assert reconciliation.statement_days(session) == [on]


def test_the_table_of_days_says_what_each_day_s_reconciliation_says(session, day) -> None:
    """``summaries`` (the page's table, a few reads for any number of days) gives each day the
    same two balances as ``reconcile`` gives it alone: before the first statement, on its day, and
    after a deposit and a sending back that the bank has not shown yet."""
    bank, lines, _ = day
    on = sw.FIRST_DAY
    factories.deposit(session, bank.anna_account, "30.00", on + dt.timedelta(days=2), "contant")
    suspense.send_back_line(session, lines[D("50.25")], actor=sw.TELLER, four_eyes_limit=LIMIT)
    session.commit()
    days = [on - dt.timedelta(days=1), on, on + dt.timedelta(days=1), on + dt.timedelta(days=2)]
    table = reconciliation.summaries(session, days)
    assert [row.on for row in table] == days
    for row in table:
        alone = reconciliation.reconcile(session, row.on)
        assert (row.ledger_balance, row.statement_balance) == (alone.ledger_balance, alone.statement_balance)
        assert row.reconciled is alone.reconciled
    assert table[1].reconciled and table[0].statement_balance == 0
    # The cash deposit two days after the statement is in the ledger only, from that day on.
    assert not table[3].reconciled
