"""Collection batches: the instalments due on a date, by mandate, one pain.008 per scheme, FRST then
RCUR, amounts to the cent, the 14-day notice, idempotency, the stored checksum, the pre-notification.

The world is the portal's small bank: the co-op bakery's loan (12 000, 24 months from 31 March
2026, four instalments collected) and Bram's (2 000, 12 months from 31 May 2026); Bram reads
English, the bakery Dutch.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import select
from translations.conftest import compiled_catalogue  # noqa: F401  (the mail is read from the .mo)

from bank.actor import Actor
from bank.errors import InvalidTransition, PermissionDenied, ValidationError
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger import service as ledger
from bank.loans.models import Instalment, Loan
from bank.members.models import Member
from bank.notifications.models import OutboxMessage
from bank.payments import collections, mandates
from bank.payments.batch_models import (
    BATCH_STATE,
    ITEM_STATE,
    BatchState,
    ItemState,
    PaymentBatch,
    PaymentBatchItem,
)
from bank.payments.models import MandateScheme, MandateSequence

from .conftest import CREDITOR_ID, TELLER, register

OFFICER = Actor(user_id=None, label="krediet@wijkbank.example", role="credit_officer")
TODAY = dt.date(2026, 12, 1)
CREDITOR = collections.creditor_from_settings(
    {"SETTLEMENT_IBANS": ("NL91ABNA0417164300",), "SEPA_CREDITOR_ID": CREDITOR_ID}
)
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}


@pytest.fixture
def bank(world, app, session):
    """The bakery's loan collected by its B2B mandate, Bram's by his Core mandate."""
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
    session.commit()
    return {
        "coop_loan": coop_loan,
        "bram_loan": bram_loan,
        "coop_mandate": coop_mandate,
        "bram_mandate": bram_mandate,
    }


def _due(session, loan: Loan, on: dt.date) -> Instalment:
    return session.scalars(
        select(Instalment).where(
            Instalment.loan_id == loan.id,
            Instalment.due_on == on,
            Instalment.schedule_version == loan.schedule_version,
        )
    ).one()


def _first_due_after(session, loan: Loan, after: dt.date) -> dt.date:
    return session.scalars(
        select(Instalment.due_on)
        .where(Instalment.loan_id == loan.id, Instalment.due_on >= after)
        .order_by(Instalment.due_on)
    ).first()


def prepare(session, on: dt.date, **kwargs):
    return collections.prepare_collections(session, OFFICER, on, creditor=CREDITOR, today=TODAY, **kwargs)


def test_one_batch_per_scheme_with_what_is_due_to_the_cent(session, bank) -> None:
    on = _first_due_after(session, bank["coop_loan"], TODAY + dt.timedelta(days=14))
    assert on == _first_due_after(session, bank["bram_loan"], TODAY + dt.timedelta(days=14))
    done = prepare(session, on)
    assert [b.scheme for b in done.prepared] == [MandateScheme.CORE, MandateScheme.B2B]
    core, b2b = done.prepared
    coop_due = _due(session, bank["coop_loan"], on)
    bram_due = _due(session, bank["bram_loan"], on)
    [coop_item] = b2b.items
    [bram_item] = core.items
    assert coop_item.amount == coop_due.principal_due + coop_due.interest_due == coop_due.outstanding
    assert bram_item.amount == bram_due.principal_due + bram_due.interest_due == bram_due.outstanding
    assert (b2b.control_sum, b2b.number_of_transactions) == (coop_item.amount, 1)
    assert (core.control_sum, core.number_of_transactions) == (bram_item.amount, 1)
    assert (coop_item.state, coop_item.mandate_reference) == (ItemState.PENDING, "WB-COOP-1")
    assert coop_item.end_to_end_id == f"{bank['coop_loan'].number}-T{coop_due.id}"
    # The stored file says the same, and its checksum is of its bytes.
    document = etree.fromstring(b2b.xml_bytes)
    amounts = document.xpath("//p:DrctDbtTxInf/p:InstdAmt/text()", namespaces=NS)
    assert amounts == [f"{coop_item.amount:.2f}"]
    assert document.xpath("//p:LclInstrm/p:Cd/text()", namespaces=NS) == ["B2B"]
    assert document.xpath("//p:ReqdColltnDt/text()", namespaces=NS) == [on.isoformat()]
    assert b2b.sha256 == hashlib.sha256(b2b.xml_bytes).hexdigest()
    assert b2b.state is BatchState.PREPARED and b2b.created_by_label == OFFICER.label


def test_first_then_recurring(session, bank) -> None:
    first_on = _first_due_after(session, bank["bram_loan"], TODAY + dt.timedelta(days=14))
    first = prepare(session, first_on)
    assert {item.sequence for b in first.prepared for item in b.items} == {MandateSequence.FIRST}
    core = first.prepared[0]
    assert etree.fromstring(core.xml_bytes).xpath("//p:SeqTp/text()", namespaces=NS) == ["FRST"]
    next_on = _first_due_after(session, bank["bram_loan"], first_on + dt.timedelta(days=1))
    second = prepare(session, next_on)
    assert {item.sequence for b in second.prepared for item in b.items} == {MandateSequence.RECURRING}
    assert etree.fromstring(second.prepared[0].xml_bytes).xpath("//p:SeqTp/text()", namespaces=NS) == ["RCUR"]


def test_a_mandate_collected_before_is_recurring_and_a_returned_first_is_first_again(session, bank) -> None:
    mandate = bank["bram_mandate"]
    assert collections.sequence_of(mandate, set()) is MandateSequence.FIRST
    assert collections.sequence_of(mandate, {mandate.id}) is MandateSequence.RECURRING
    mandates.record_collection(session, mandate, dt.date(2026, 11, 30))
    assert collections.sequence_of(mandate, set()) is MandateSequence.RECURRING


def test_loans_on_their_repayment_account_and_revoked_mandates_are_not_collected(session, bank) -> None:
    on = _first_due_after(session, bank["coop_loan"], TODAY + dt.timedelta(days=14))
    mandates.set_collection_method(session, bank["coop_loan"], "repayment_account", actor=TELLER)
    mandates.revoke_mandate(
        session, bank["bram_mandate"], actor=TELLER, on=TODAY, reason="rekening opgeheven"
    )
    done = prepare(session, on)
    assert done.prepared == () and done.notified == 0
    assert session.scalar(select(PaymentBatch)) is None


def test_the_collection_date_must_leave_14_days_of_notice(session, bank) -> None:
    with pytest.raises(collections.CollectionDateTooSoon) as refused:
        prepare(session, TODAY + dt.timedelta(days=13))
    assert {name: str(rule) for name, rule in refused.value.fields.items()} == {
        "collection_on": "must be at least 14 days ahead, on or after 2026-12-15: the borrowers are told "
        "of a direct debit 14 days before it is collected"
    }
    assert refused.value.code == "collection_date_too_soon"
    # On the 14th day it is accepted (nothing happens to be due that day).
    assert prepare(session, TODAY + dt.timedelta(days=14)).prepared == ()


def test_a_second_call_for_the_same_date_prepares_nothing_more_and_says_so(session, bank) -> None:
    on = _first_due_after(session, bank["coop_loan"], TODAY + dt.timedelta(days=14))
    first = prepare(session, on)
    messages = session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))
    again = prepare(session, on)
    assert again.nothing_new and again.notified == 0
    assert [b.id for b in again.earlier] == [b.id for b in first.prepared]
    assert len(session.scalars(select(PaymentBatchItem)).all()) == 2
    assert session.scalar(select(OutboxMessage.id).order_by(OutboxMessage.id.desc())) == messages


def test_the_download_checks_the_stored_checksum_and_marks_the_batch_exported(session, bank) -> None:
    on = _first_due_after(session, bank["coop_loan"], TODAY + dt.timedelta(days=14))
    core, b2b = prepare(session, on).prepared
    a_teller = Actor(user_id=999, label="balie@wijkbank.example", role="teller")
    with pytest.raises(PermissionDenied):
        collections.mark_exported(session, core, actor=a_teller)
    with pytest.raises(PermissionDenied):
        collections.prepare_collections(session, a_teller, on, creditor=CREDITOR, today=TODAY)
    xml = collections.mark_exported(session, core, actor=OFFICER)
    assert xml == core.xml_bytes
    assert (core.state, core.exported_by_label) == (BatchState.EXPORTED, OFFICER.label)
    exported_at = core.exported_at
    assert collections.mark_exported(session, core, actor=OFFICER) == xml
    assert core.exported_at == exported_at  # the first download counts
    b2b.xml_bytes = b2b.xml_bytes.replace(b'<InstdAmt Ccy="EUR">', b'<InstdAmt Ccy="EUR">1')
    with pytest.raises(collections.StoredFileTampered, match="no longer matches its checksum"):
        collections.mark_exported(session, b2b, actor=OFFICER)
    assert b2b.state is BatchState.PREPARED


def test_each_borrower_is_told_in_their_language(session, bank) -> None:
    on = _first_due_after(session, bank["coop_loan"], TODAY + dt.timedelta(days=14))
    prepare(session, on)
    coop_item = session.scalars(
        select(PaymentBatchItem).where(PaymentBatchItem.loan_id == bank["coop_loan"].id)
    ).one()
    coop_message = session.scalars(
        select(OutboxMessage).where(OutboxMessage.member_id == bank["coop_loan"].borrower_id)
    ).one()
    number = bank["coop_loan"].number
    assert coop_item.amount == Decimal("531.85")
    assert coop_message.subject == f"Vooraankondiging: incasso voor lening {number} op 31 december 2026"
    assert (
        "Op 31 december 2026 schrijven wij €\xa0531,85 af van rekening NL02ABNA0123456789"
        in coop_message.body
    )
    assert "31 december 2026" in coop_message.body
    assert "NL02ABNA0123456789" in coop_message.body
    assert "Machtigingskenmerk: WB-COOP-1" in coop_message.body
    assert f"Incassant-ID: {CREDITOR_ID}" in coop_message.body
    bram_message = session.scalars(
        select(OutboxMessage).where(OutboxMessage.member_id == bank["bram_loan"].borrower_id)
    ).one()
    assert bram_message.subject.startswith("Announcement: direct debit for loan")
    assert "December 31, 2026" in bram_message.body


def test_an_amendment_is_carried_by_the_next_collection_once(session, bank) -> None:
    mandate = bank["bram_mandate"]
    mandates.amend_mandate(
        session, mandate, actor=TELLER, on=TODAY, new_reference="WB-BRAM-2", reason="nieuw kenmerk"
    )
    on = _first_due_after(session, bank["bram_loan"], TODAY + dt.timedelta(days=14))
    core = prepare(session, on).prepared[0]
    document = etree.fromstring(core.xml_bytes)
    assert document.xpath("//p:AmdmntInfDtls/p:OrgnlMndtId/text()", namespaces=NS) == ["WB-BRAM-1"]
    assert mandate.amendments[-1].carried_on == on
    assert Decimal(document.xpath("//p:GrpHdr/p:CtrlSum/text()", namespaces=NS)[0]) == core.control_sum


def test_the_state_tables_allow_only_the_moves_of_a_batch_and_an_item() -> None:
    allowed = {(a, b) for a in BatchState for b in BatchState if BATCH_STATE.allows(a, b)}
    assert allowed == {
        (BatchState.PREPARED, BatchState.EXPORTED),
        (BatchState.EXPORTED, BatchState.SETTLED),
        (BatchState.EXPORTED, BatchState.PARTLY_RETURNED),
        (BatchState.SETTLED, BatchState.PARTLY_RETURNED),
    }
    assert all(BATCH_STATE.allows_action("download", state) for state in BatchState)
    items = {(a, b) for a in ItemState for b in ItemState if ITEM_STATE.allows(a, b)}
    assert items == {
        (ItemState.PENDING, ItemState.SETTLED),
        (ItemState.PENDING, ItemState.RETURNED),
        (ItemState.SETTLED, ItemState.RETURNED),
    }


def test_settling_credits_each_repayment_account_from_1000_once(session, bank) -> None:
    on = _first_due_after(session, bank["coop_loan"], TODAY + dt.timedelta(days=14))
    core, _b2b = prepare(session, on).prepared
    with pytest.raises(InvalidTransition, match="only an exported batch can be settled"):
        collections.settle_collection_batch(session, core, actor=OFFICER, on=on)
    collections.mark_exported(session, core, actor=OFFICER)
    with pytest.raises(ValidationError):
        collections.settle_collection_batch(session, core, actor=OFFICER, on=on - dt.timedelta(days=1))
    bram_loan = bank["bram_loan"]
    repayment = bram_loan.repayment_account.ledger_account_id
    settlement = ledger.account_by_code(session, chart.SETTLEMENT).id
    before = ledger_queries.balances(session, [repayment, settlement])
    [item] = core.items
    [entry] = collections.settle_collection_batch(session, core, actor=OFFICER, on=on)
    after = ledger_queries.balances(session, [repayment, settlement])
    assert after[repayment] - before[repayment] == item.amount
    assert after[settlement] - before[settlement] == item.amount
    assert (entry.kind, entry.idempotency_key, entry.value_date) == (
        "direct_debit",
        f"collection-settle:{item.end_to_end_id}",
        on,
    )
    assert (core.state, item.state) == (BatchState.SETTLED, ItemState.SETTLED)
    assert bank["bram_mandate"].first_collected_on == on
    assert bank["bram_mandate"].sequence is MandateSequence.RECURRING
    # Settled is final for this step: a second settlement is refused and books nothing.
    with pytest.raises(InvalidTransition):
        collections.settle_collection_batch(session, core, actor=OFFICER, on=on)
    assert ledger_queries.balances(session, [repayment])[repayment] == after[repayment]
    assert ledger_queries.verify(session) == []


def test_an_unknown_message_version_is_refused_even_with_nothing_due(session, bank) -> None:
    nothing_due = TODAY + dt.timedelta(days=15)
    with pytest.raises(ValidationError) as refused:
        prepare(session, nothing_due, version="pain.008.001.01")
    assert {name: str(rule) for name, rule in refused.value.fields.items()} == {
        "version": "must be one of pain.008.001.02, pain.008.001.08"
    }
    assert session.scalar(select(PaymentBatch)) is None
