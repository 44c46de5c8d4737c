"""My collections ("Mijn incasso's") in the portal, in Dutch and English: each member sees the direct
debits on their own loans and those of the organisations they represent, in words (announced,
sent to the bank, collected, returned with its reason), and never another member's.

The world is the portal's small bank: Bram's loan by his Core mandate, the co-op bakery's (which
Anna represents) by its B2B mandate; three collection dates: the first collected, the second
collected and then Bram's item returned (AM04, not enough money), the third announced only.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from bank.actor import Actor
from bank.extensions import db
from bank.loans.models import Instalment, Loan
from bank.members.models import Member
from bank.payments import collections, mandates, returns
from bank.payments.batch_models import ItemState, PaymentBatch, PaymentBatchItem
from bank.payments.models import MandateScheme

from ..conftest import CREDITOR_ID, TELLER, register
from .conftest import text_of

OFFICER = Actor(user_id=None, label="krediet@wijkbank.example", role="credit_officer")
TODAY = dt.date(2026, 12, 1)
CREDITOR = collections.creditor_from_settings(
    {"SETTLEMENT_IBANS": ("NL91ABNA0417164300",), "SEPA_CREDITOR_ID": CREDITOR_ID}
)


@pytest.fixture
def collected(world, app) -> list[dt.date]:
    """Three collection dates of Bram's loan (the bakery's falls due on the same days)."""
    with db.unit_of_work(db.new_session()) as s:
        upload = app.config["UPLOAD_DIR"]
        coop_loan = s.get(Loan, world.coop_loan.id)
        bram_loan = s.get(Loan, world.bram_loan.id)
        coop = s.get(Member, world.coop.id)
        coop_mandate = register(s, coop, upload, scheme="b2b", reference="WB-COOP-INC")
        bram_mandate = register(s, s.get(Member, world.bram.id), upload, reference="WB-BRAM-INC")
        mandates.set_collection_method(s, coop_loan, "mandate", actor=TELLER, mandate=coop_mandate)
        mandates.set_collection_method(s, bram_loan, "mandate", actor=TELLER, mandate=bram_mandate)
        dates = list(
            s.scalars(
                select(Instalment.due_on)
                .where(Instalment.loan_id == bram_loan.id, Instalment.due_on >= TODAY + dt.timedelta(days=14))
                .order_by(Instalment.due_on)
                .limit(3)
            )
        )
        batches = {}
        for on in dates:
            prepared = collections.prepare_collections(s, OFFICER, on, creditor=CREDITOR, today=TODAY)
            batches[on] = prepared.prepared
        for on in dates[:2]:
            for batch in batches[on]:
                collections.mark_exported(s, batch, actor=OFFICER)
                collections.settle_collection_batch(s, batch, actor=OFFICER, on=on)
        returned = s.scalars(
            select(PaymentBatchItem).where(
                PaymentBatchItem.loan_id == bram_loan.id, PaymentBatchItem.due_on == dates[1]
            )
        ).one()
        returns.record_return(
            s, end_to_end_id=returned.end_to_end_id, reason_code="AM04", returned_on=dates[1], actor=OFFICER
        )
        assert returned.state is ItemState.RETURNED
    assert len(dates) == 3
    return dates


def _login(make_user, login_as, member: Member, email: str, name: str) -> None:
    login_as(user=make_user("member", email=email, member_id=member.id, name=name))


def test_a_member_sees_their_collections_in_words_and_only_theirs(
    world, collected, make_user, login_as, page
) -> None:
    _login(make_user, login_as, world.bram, "bram.portal@example.org", "Bram Geheim")
    status, html = page("/portal/")
    assert status == 200 and 'href="/portal/collections"' in html and "Mijn incasso's" in text_of(html)
    status, html = page("/portal/collections")
    text = text_of(html)
    assert status == 200
    rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]
    assert len(rows) == 3
    # Latest collection date first: announced, returned with its reason, collected.
    first, second, third = (text_of(row) for row in rows)
    with db.new_session() as s:
        items = {
            item.due_on: item
            for item in s.scalars(
                select(PaymentBatchItem).where(PaymentBatchItem.loan_id == world.bram_loan.id)
            )
        }
    latest, middle, earliest = sorted(collected, reverse=True)
    assert first.strip().startswith(latest.strftime("%d-%m-%Y")) and "aangekondigd" in first, first
    assert middle.strftime("%d-%m-%Y") in second and "teruggeboekt naar uw rekening" in second
    assert "AM04 onvoldoende saldo" in second
    assert earliest.strftime("%d-%m-%Y") in third and "afgeschreven" in third
    amount = f"{items[earliest].amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert f"€ {amount}" in third and "WB-BRAM-INC" in third and world.bram_loan.number in third
    # Nothing of the bakery's (another member's) collections.
    assert "WB-COOP-INC" not in text and world.coop_loan.number not in text


def test_a_representative_sees_the_organisations_collections_and_not_another_members(
    world, collected, make_user, login_as, page
) -> None:
    _login(make_user, login_as, world.anna, "anna.portal@example.org", "Anna Jansen")
    status, html = page("/portal/collections")
    text = text_of(html)
    assert status == 200
    assert "WB-COOP-INC" in text and "Bakkerij De Korenschoof" in text and world.coop_loan.number in text
    assert "WB-BRAM-INC" not in text and "Geheim" not in text and world.bram_loan.number not in text
    # Sent to the bank but not yet seen on the statement: an exported batch's pending item.
    with db.unit_of_work(db.new_session()) as s:
        batch = s.scalars(
            select(PaymentBatch).where(
                PaymentBatch.collection_on == collected[2], PaymentBatch.scheme == MandateScheme.B2B
            )
        ).one()
        collections.mark_exported(s, batch, actor=OFFICER)
    _status, html = page("/portal/collections")
    assert "aangeboden aan uw bank" in text_of(html) and "aangekondigd" not in text_of(html)


def test_in_english_and_empty(world, collected, make_user, login_as, page, client) -> None:
    _login(make_user, login_as, world.bram, "bram.portal@example.org", "Bram Geheim")
    client.post("/lang/en")
    _status, html = page("/portal/collections")
    text = text_of(html)
    assert "My collections" in text and "announced" in text and "collected" in text
    assert "returned to your account" in text and "Collection date" in text
    assert "AM04 insufficient funds" in text


def test_a_member_without_collections_is_told_so(world, make_user, login_as, page) -> None:
    _login(make_user, login_as, world.bram, "bram.portal@example.org", "Bram Geheim")
    status, html = page("/portal/collections")
    assert status == 200
    assert "Er is nog niets per incasso bij u afgeschreven." in text_of(html)


def test_the_staff_member_page_lists_the_members_direct_debits_with_the_return(
    world, collected, login_as, page
) -> None:
    login_as("teller")
    status, html = page(f"/staff/members/{world.bram.id}")
    assert status == 200
    panel = text_of(html.split('<section id="collections">', 1)[1].split("</section>", 1)[0])
    assert panel.startswith(" Incasso's ")
    assert panel.count("WB-BRAM-INC") == 3 and "WB-COOP-INC" not in panel
    assert "gestorneerd" in panel and "AM04 onvoldoende saldo" in panel and "verwerkt" in panel
    with db.new_session() as s:
        batch_ids = set(
            s.scalars(select(PaymentBatchItem.batch_id).where(PaymentBatchItem.loan_id == world.bram_loan.id))
        )
    assert {int(found) for found in re.findall(r'href="/staff/collections/(\d+)"', html)} == batch_ids
    _status, html = page(f"/staff/members/{world.anna.id}")
    assert "Nog geen incasso." in html
