"""A statement's debit with our end-to-end id and a return reason books the return, once.

The world is test_statement_collections': Bram's and the bakery's loans by mandate, the first
collection date after the notice prepared and exported, then settled by hand and applied by the
repayment run. The statement then shows Bram's direct debit going back (AM04).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from bank.actor import SYSTEM, Actor
from bank.calendar import next_business_day
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger import service as ledger
from bank.loans import servicing
from bank.loans.models import Instalment, InstalmentStatus, Loan
from bank.members.models import Member
from bank.payments import collections, mandates, matching, returns
from bank.payments.batch_models import BatchState, ItemState
from bank.payments.statement_models import BankStatementLine, LineStatus
from bench.payments import Transaction

from . import statement_world as sw
from .conftest import CREDITOR_ID, TELLER, register

OFFICER = Actor(user_id=None, label="krediet@wijkbank.example", role="credit_officer")
TODAY = dt.date(2026, 12, 1)
CREDITOR = collections.creditor_from_settings(
    {"SETTLEMENT_IBANS": ("NL91ABNA0417164300",), "SEPA_CREDITOR_ID": CREDITOR_ID}
)


@pytest.fixture
def applied(world, app, session):
    """Bram's direct debit settled and applied to his instalment by the repayment run."""
    bram = session.get(Member, world.bram.id)
    loan = session.get(Loan, world.bram_loan.id)
    mandate = register(
        session, bram, app.config["UPLOAD_DIR"], reference="WB-BRAM-1", iban="NL20INGB0001234567"
    )
    mandates.set_collection_method(session, loan, "mandate", actor=TELLER, mandate=mandate)
    instalment = session.scalars(
        select(Instalment)
        .where(Instalment.loan_id == loan.id, Instalment.due_on >= TODAY + dt.timedelta(days=14))
        .order_by(Instalment.due_on)
    ).first()
    on = instalment.due_on
    [batch] = collections.prepare_collections(session, OFFICER, on, creditor=CREDITOR, today=TODAY).prepared
    collections.mark_exported(session, batch, actor=OFFICER)
    collections.settle_collection_batch(session, batch, actor=OFFICER, on=on)
    servicing.service_batch(session, [loan.id], next_business_day(on), actor=SYSTEM)
    session.commit()
    assert instalment.status is InstalmentStatus.PAID
    [item] = batch.items
    return {"loan": loan, "item": item, "instalment": instalment, "on": on}


def _return_line(item, reason: str = "AM04") -> Transaction:
    return Transaction(
        -item.amount, item.end_to_end_id, "WB-BRAM-1", "Bram", "NL20INGB0001234567", return_reason=reason
    )


def test_the_return_matcher_comes_before_the_others_and_suspense_stays_last() -> None:
    assert (
        matching.MATCHERS.index(matching.our_return) == matching.MATCHERS.index(matching.our_collection) + 1
    )
    assert matching.MATCHERS[-1] is matching.to_suspense


def test_a_statement_return_takes_the_payment_back_and_gives_the_money_back(
    session, app, applied, tmp_path
) -> None:
    loan, item, instalment = applied["loan"], applied["item"], applied["instalment"]
    settlement = ledger.account_by_code(session, chart.SETTLEMENT).id
    suspense = ledger.account_by_code(session, chart.SUSPENSE).id
    repayment = loan.repayment_account.ledger_account_id
    before = ledger_queries.balances(session, [settlement, suspense, repayment, loan.principal_account_id])
    booked_on = applied["on"] + dt.timedelta(days=3)
    path = sw.write(tmp_path, [_return_line(item)], opening=before[settlement], booked_on=booked_on)
    result = sw.run_import(session, app, path)
    session.commit()
    assert dict(result.by_matcher) == {"return": 1}
    after = ledger_queries.balances(session, [settlement, suspense, repayment, loan.principal_account_id])
    assert after[settlement] == before[settlement] - item.amount
    assert after[suspense] == before[suspense]
    assert after[repayment] == before[repayment]  # the money went back out of what the run had taken
    assert after[loan.principal_account_id] == before[loan.principal_account_id] + instalment.principal_due
    assert (item.state, item.return_reason, item.returned_on) == (ItemState.RETURNED, "AM04", booked_on)
    assert item.batch.state is BatchState.PARTLY_RETURNED
    session.refresh(instalment)
    assert instalment.status is InstalmentStatus.OPEN
    line = session.scalars(select(BankStatementLine)).one()
    assert (line.status, line.matched_type, line.matched_id) == (
        LineStatus.MATCHED,
        matching.RETURN_TYPE,
        item.id,
    )
    # The same return on a later statement is not booked again: it waits in suspense.
    again = sw.write(
        tmp_path,
        [_return_line(item)],
        sequence=2,
        opening=after[settlement],
        booked_on=booked_on + dt.timedelta(days=1),
    )
    assert dict(sw.run_import(session, app, again).by_matcher) == {"suspense": 1}
    assert ledger_queries.balance(session, repayment) == after[repayment]
    assert ledger_queries.verify(session) == []


def test_a_return_recorded_by_hand_first_is_not_booked_again(session, app, applied, tmp_path) -> None:
    item = applied["item"]
    booked_on = applied["on"] + dt.timedelta(days=2)
    returns.record_return(
        session, end_to_end_id=item.end_to_end_id, reason_code="AM04", returned_on=booked_on, actor=OFFICER
    )
    session.commit()
    settlement = ledger.account_by_code(session, chart.SETTLEMENT).id
    hand = returns.return_entry(session, item.end_to_end_id)
    balance = ledger_queries.balance(session, settlement)
    path = sw.write(tmp_path, [_return_line(item)], opening=balance + item.amount, booked_on=booked_on)
    result = sw.run_import(session, app, path)
    session.commit()
    assert dict(result.by_matcher) == {"return": 1}
    assert ledger_queries.balance(session, settlement) == balance
    line = session.scalars(select(BankStatementLine)).one()
    assert line.journal_entry_id == hand.id


def test_a_refund_claim_outside_its_window_waits_in_suspense(session, app, applied, tmp_path) -> None:
    item = applied["item"]
    settlement = ledger.account_by_code(session, chart.SETTLEMENT).id
    balance = ledger_queries.balance(session, settlement)
    late = applied["on"] + dt.timedelta(weeks=8, days=1)
    path = sw.write(tmp_path, [_return_line(item, "MD06")], opening=balance, booked_on=late)
    assert dict(sw.run_import(session, app, path).by_matcher) == {"suspense": 1}
    assert item.state is ItemState.SETTLED
    assert ledger_queries.balance(session, settlement) == balance - item.amount
    assert Decimal(item.amount) > 0


def test_a_settlement_whose_return_was_recorded_first_is_not_booked_again(
    session, app, applied, tmp_path
) -> None:
    """The statement of the collection day is imported after the return was recorded (a late
    statement, or the demo's year of them): its money in is the settlement already booked."""
    item = applied["item"]
    returns.record_return(
        session,
        end_to_end_id=item.end_to_end_id,
        reason_code="AM04",
        returned_on=applied["on"],
        actor=OFFICER,
    )
    session.commit()
    assert item.state is ItemState.RETURNED
    settlement = ledger.account_by_code(session, chart.SETTLEMENT).id
    balance = ledger_queries.balance(session, settlement)
    path = sw.write(
        tmp_path,
        [
            Transaction(item.amount, item.end_to_end_id, "WB-BRAM-1", "Bram", "NL20INGB0001234567"),
            _return_line(item),
        ],
        opening=balance,
        booked_on=applied["on"],
    )
    result = sw.run_import(session, app, path)
    session.commit()
    assert dict(result.by_matcher) == {"collection": 1, "return": 1}
    assert ledger_queries.balance(session, settlement) == balance
    settle_line, return_line = session.scalars(select(BankStatementLine).order_by(BankStatementLine.line_no))
    assert settle_line.journal_entry_id == session.scalar(
        select(ledger.JournalEntry.id).where(
            ledger.JournalEntry.idempotency_key == f"collection-settle:{item.end_to_end_id}"
        )
    )
    assert return_line.journal_entry_id == returns.return_entry(session, item.end_to_end_id).id
