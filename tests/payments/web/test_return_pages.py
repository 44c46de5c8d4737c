"""Returns on the collection batch page: each item's return (reason in words, date, the MD01
flag) and the form a credit officer records one with, in Dutch and English; a teller sees the
batch but not the form."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bank import clock
from bank.actor import SYSTEM, Actor
from bank.calendar import next_business_day
from bank.extensions import db
from bank.loans import servicing
from bank.loans.models import Instalment, InstalmentStatus, Loan
from bank.members.models import Member
from bank.payments import collections, mandates
from bank.payments.batch_models import ItemState, PaymentBatchItem

from ..conftest import CREDITOR_ID, TELLER, register
from .conftest import read, text_of

OFFICER = Actor(user_id=None, label="krediet@wijkbank.example", role="credit_officer")
CREDITOR = collections.creditor_from_settings(
    {"SETTLEMENT_IBANS": ("NL91ABNA0417164300",), "SEPA_CREDITOR_ID": CREDITOR_ID}
)


@pytest.fixture
def settled(world, app) -> dict[str, object]:
    """Bram's next instalment collected by his mandate, settled and applied by the run."""
    with db.unit_of_work(db.new_session()) as s:
        loan = s.get(Loan, world.bram_loan.id)
        mandate = register(s, s.get(Member, world.bram.id), app.config["UPLOAD_DIR"], reference="WB-BRAM-R")
        mandates.set_collection_method(s, loan, "mandate", actor=TELLER, mandate=mandate)
        today = clock.today()
        instalment = s.scalars(
            select(Instalment)
            .where(Instalment.loan_id == loan.id, Instalment.due_on >= today + dt.timedelta(days=14))
            .order_by(Instalment.due_on)
        ).first()
        on = instalment.due_on
        [batch] = collections.prepare_collections(s, OFFICER, on, creditor=CREDITOR, today=today).prepared
        collections.mark_exported(s, batch, actor=OFFICER)
        collections.settle_collection_batch(s, batch, actor=OFFICER, on=on)
        servicing.service_batch(s, [loan.id], next_business_day(on), actor=SYSTEM)
        [item] = batch.items
        found = {"batch_id": batch.id, "item_id": item.id, "e2e": item.end_to_end_id, "on": on}
        found["instalment_id"] = instalment.id
    return found


def test_a_credit_officer_records_a_return_and_sees_it_in_dutch(settled, login_as, page) -> None:
    login_as("credit_officer")
    url = f"/staff/collections/{settled['batch_id']}"
    status, html = page(url)
    assert status == 200
    assert "Storno vastleggen" in text_of(html) and 'value="AM04"' in html
    assert "AM04 – onvoldoende saldo" in html
    returned_on = settled["on"] + dt.timedelta(days=3)
    status, html = page(
        f"{url}/returns",
        {"end_to_end_id": settled["e2e"], "reason_code": "AM04", "returned_on": returned_on.isoformat()},
    )
    assert status == 302, text_of(html)
    status, html = page(url)
    text = text_of(html)
    assert "gestorneerd" in text and "AM04 · onvoldoende saldo · " + returned_on.strftime("%d-%m-%Y") in text
    assert "deels gestorneerd" in text or "gedeeltelijk" in text
    item = read(PaymentBatchItem, settled["item_id"])
    assert (item.state, item.return_reason, item.returned_on) == (ItemState.RETURNED, "AM04", returned_on)
    assert read(Instalment, settled["instalment_id"]).status is InstalmentStatus.OPEN
    # Again: nothing more is booked, and the page says so.
    status, _html = page(
        f"{url}/returns",
        {"end_to_end_id": settled["e2e"], "reason_code": "AM04", "returned_on": returned_on.isoformat()},
    )
    assert status == 302
    assert "al vastgelegd" in text_of(page(url)[1])


def test_bad_input_is_refused_next_to_the_field_in_dutch(settled, login_as, page) -> None:
    login_as("credit_officer")
    url = f"/staff/collections/{settled['batch_id']}/returns"
    status, html = page(
        url, {"end_to_end_id": "WL-0000-T1", "reason_code": "AM04", "returned_on": "2027-01-05"}
    )
    assert status == 422 and "is geen incasso van batch" in text_of(html)
    late = settled["on"] + dt.timedelta(weeks=8, days=1)
    status, html = page(
        url, {"end_to_end_id": settled["e2e"], "reason_code": "MD06", "returned_on": late.isoformat()}
    )
    assert status == 422
    assert "binnen 8 weken na de afschrijfdatum" in text_of(html)
    assert read(PaymentBatchItem, settled["item_id"]).state is ItemState.SETTLED


def test_md01_shows_the_flag_and_english_reads_english(settled, client, login_as, page) -> None:
    login_as("admin")
    url = f"/staff/collections/{settled['batch_id']}"
    on = settled["on"] + dt.timedelta(days=200)
    status, _html = page(
        f"{url}/returns",
        {"end_to_end_id": settled["e2e"], "reason_code": "MD01", "returned_on": on.isoformat()},
    )
    assert status == 302
    assert "niet-gemachtigde incasso geclaimd" in text_of(page(url)[1])
    client.post("/lang/en")
    text = text_of(page(url)[1])
    assert "Record a return" in text and "no mandate (unauthorised debit)" in text
    assert "unauthorised debit claimed" in text


def test_a_teller_sees_the_batch_but_not_the_form(settled, login_as, page) -> None:
    login_as("teller")
    url = f"/staff/collections/{settled['batch_id']}"
    status, html = page(url)
    assert status == 200 and "Storno vastleggen" not in text_of(html)
    status, _html = page(
        f"{url}/returns",
        {"end_to_end_id": settled["e2e"], "reason_code": "AM04", "returned_on": "2027-01-05"},
    )
    assert status == 403
