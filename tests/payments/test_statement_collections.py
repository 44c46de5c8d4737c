"""A statement settles our own direct debits by their end-to-end id, once, whichever path sees them first.

The world is the portal's small bank with Bram's loan collected by his Core mandate and the
bakery's by its B2B mandate (as in test_collections): each collection date gives two batches of
one item. A statement line with an item's end-to-end id and amount settles that item (Dr 1000 /
Cr the borrower's repayment account, key ``collection-settle:{e2e}``); the batch is settled when
all its items are; a batch settled by hand first is not booked again by the statement.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from bank.actor import Actor
from bank.errors import InvalidTransition
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger import service as ledger
from bank.loans.models import Instalment, Loan
from bank.members.models import Member
from bank.payments import collections, mandates
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
def exported(world, app, session):
    """Both loans by mandate, the first collection date after the notice prepared and exported."""
    coop = session.get(Member, world.coop.id)
    bram = session.get(Member, world.bram.id)
    coop_loan = session.get(Loan, world.coop_loan.id)
    bram_loan = session.get(Loan, world.bram_loan.id)
    upload = app.config["UPLOAD_DIR"]
    coop_mandate = register(
        session, coop, upload, scheme="b2b", reference="WB-COOP-1", iban="NL02ABNA0123456789"
    )
    bram_mandate = register(session, bram, upload, reference="WB-BRAM-1", iban="NL20INGB0001234567")
    mandates.set_collection_method(session, coop_loan, "mandate", actor=TELLER, mandate=coop_mandate)
    mandates.set_collection_method(session, bram_loan, "mandate", actor=TELLER, mandate=bram_mandate)
    on = session.scalars(
        select(Instalment.due_on)
        .where(Instalment.loan_id == bram_loan.id, Instalment.due_on >= TODAY + dt.timedelta(days=14))
        .order_by(Instalment.due_on)
    ).first()
    done = collections.prepare_collections(session, OFFICER, on, creditor=CREDITOR, today=TODAY)
    for batch in done.prepared:
        collections.mark_exported(session, batch, actor=OFFICER)
    session.commit()
    core, b2b = done.prepared
    return {"on": on, "core": core, "b2b": b2b, "bram_loan": bram_loan, "coop_loan": coop_loan}


def _balances(session, *ids):
    found = ledger_queries.balances(session, list(ids))
    return [found[i] for i in ids]


def test_a_statement_settles_each_collection_it_shows_and_then_the_batch(
    session, app, exported, tmp_path
) -> None:
    on, core, b2b = exported["on"], exported["core"], exported["b2b"]
    [bram_item], [coop_item] = core.items, b2b.items
    settlement = ledger.account_by_code(session, chart.SETTLEMENT).id
    bram_repayment = exported["bram_loan"].repayment_account.ledger_account_id
    coop_repayment = exported["coop_loan"].repayment_account.ledger_account_id
    before = _balances(session, settlement, bram_repayment, coop_repayment)
    opening = ledger_queries.balance(session, settlement)
    path = sw.write(
        tmp_path,
        [
            Transaction(bram_item.amount, bram_item.end_to_end_id, "WB-BRAM-1", "Bram", "NL20INGB0001234567"),
            # The bakery's id with the wrong amount is not its collection: it waits in suspense.
            Transaction(coop_item.amount - Decimal("0.01"), coop_item.end_to_end_id, "WB-COOP-1", "Bakkerij"),
        ],
        opening=opening,
        booked_on=on,
    )
    result = sw.run_import(session, app, path)
    session.commit()
    assert dict(result.by_matcher) == {"collection": 1, "suspense": 1}
    after = _balances(session, settlement, bram_repayment, coop_repayment)
    assert after[0] - before[0] == bram_item.amount + coop_item.amount - Decimal("0.01")
    assert after[1] - before[1] == bram_item.amount
    assert after[2] == before[2]
    assert (bram_item.state, core.state) == (ItemState.SETTLED, BatchState.SETTLED)
    assert (coop_item.state, b2b.state) == (ItemState.PENDING, BatchState.EXPORTED)
    line = session.scalars(select(BankStatementLine).where(BankStatementLine.line_no == 1)).one()
    entry = session.get(ledger.JournalEntry, line.journal_entry_id)
    assert (entry.idempotency_key, entry.kind, entry.value_date) == (
        f"collection-settle:{bram_item.end_to_end_id}",
        "direct_debit",
        on,
    )
    assert (line.status, line.matched_type, line.matched_id) == (
        LineStatus.MATCHED,
        "payment_batch_item",
        bram_item.id,
    )
    # The batch path cannot settle it again.
    with pytest.raises(InvalidTransition):
        collections.settle_collection_batch(session, core, actor=OFFICER, on=on)
    assert ledger_queries.balance(session, bram_repayment) == after[1]
    assert ledger_queries.verify(session) == []


def test_a_batch_settled_by_hand_first_is_not_booked_again_by_the_statement(
    session, app, exported, tmp_path
) -> None:
    on, core = exported["on"], exported["core"]
    [item] = core.items
    [entry] = collections.settle_collection_batch(session, core, actor=OFFICER, on=on)
    session.commit()
    settlement = ledger.account_by_code(session, chart.SETTLEMENT).id
    bram_repayment = exported["bram_loan"].repayment_account.ledger_account_id
    before = _balances(session, settlement, bram_repayment)
    path = sw.write(
        tmp_path,
        [Transaction(item.amount, item.end_to_end_id, "WB-BRAM-1", "Bram", "NL20INGB0001234567")],
        opening=before[0] - item.amount,
        booked_on=on,
    )
    result = sw.run_import(session, app, path)
    session.commit()
    assert dict(result.by_matcher) == {"collection": 1}
    assert _balances(session, settlement, bram_repayment) == before
    line = session.scalars(select(BankStatementLine)).one()
    assert line.journal_entry_id == entry.id and line.status is LineStatus.MATCHED
    # A second statement line with the same id is not the same collection again: suspense.
    again = sw.write(
        tmp_path,
        [Transaction(item.amount, item.end_to_end_id, "WB-BRAM-1", "Bram", "NL20INGB0001234567")],
        sequence=2,
        opening=before[0] - item.amount + item.amount,
        booked_on=on + dt.timedelta(days=1),
    )
    second = sw.run_import(session, app, again)
    session.commit()
    assert dict(second.by_matcher) == {"suspense": 1}
    assert ledger_queries.balance(session, bram_repayment) == before[1]
