"""The demo's collection step: the first due date by mandate that leaves 14 days of notice, one
batch prepared (not downloaded), nothing booked; with no loan by mandate it prepares nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from payments.conftest import TELLER, register
from payments.conftest import world as world
from sqlalchemy import func, select

from bank import clock
from bank.demo import collections as demo_collections
from bank.demo.context import DemoContext
from bank.ledger.models import JournalEntry
from bank.loans.models import Loan
from bank.members.models import Member
from bank.payments import mandates
from bank.payments.batch_models import BatchState, PaymentBatch


@pytest.fixture
def context(session, make_user) -> DemoContext:
    user = make_user("credit_officer", email=demo_collections.OFFICER)
    return DemoContext(users={demo_collections.OFFICER: session.merge(user)})


def test_nothing_is_prepared_without_a_loan_collected_by_mandate(session, world, context) -> None:
    demo_collections.prepare_next_batch(session, context)
    assert session.scalar(select(func.count()).select_from(PaymentBatch)) == 0


def test_the_next_date_with_14_days_of_notice_gets_its_batch_and_nothing_is_booked(
    app, session, world, context
) -> None:
    bram_loan = session.get(Loan, world.bram_loan.id)
    mandate = register(session, session.get(Member, world.bram.id), app.config["UPLOAD_DIR"])
    mandates.set_collection_method(session, bram_loan, "mandate", actor=TELLER, mandate=mandate)
    entries = session.scalar(select(func.count()).select_from(JournalEntry))
    today = clock.today()
    on = demo_collections.next_collection_on(session, today)
    assert on is not None and on >= today + dt.timedelta(days=14)
    demo_collections.prepare_next_batch(session, context)
    batch = session.scalars(select(PaymentBatch)).one()
    assert (batch.collection_on, batch.state, batch.created_by_label) == (
        on,
        BatchState.PREPARED,
        demo_collections.OFFICER,
    )
    assert [item.loan_id for item in batch.items] == [bram_loan.id]
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == entries
