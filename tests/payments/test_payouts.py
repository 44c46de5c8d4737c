"""Payouts: a withdrawal becomes a payment order (Dr member / Cr 1090), a pain.001 batch carries it,
the statement settles it (Dr 1090 / Cr 1000) or it comes back (to the member's account, who is told
why); four eyes above the limit; bad input refused with nothing written.

Anna has 5 000,00 on her savings account, paid in at the settlement account 1000.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask.cli import ScriptInfo
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from savings import factories
from sqlalchemy import func, select
from translations.conftest import compiled_catalogue  # noqa: F401  (the mail is read from the .mo)

from bank import clock
from bank.actor import Actor
from bank.cli import cli
from bank.errors import InvalidTransition, PermissionDenied, ValidationError
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry
from bank.notifications import service as notifications
from bank.notifications.models import OutboxMessage
from bank.payment_orders import service as orders
from bank.payment_orders.models import OrderSource, OrderState, PaymentOrder
from bank.payments import matching, payouts, sepa_schemas
from bank.payments.payout_models import PayoutBatch, PayoutBatchState
from bank.payments.statement_models import BankStatementLine
from bank.savings import service as savings
from bank.savings.models import DepositAccount
from bench.payments import Transaction

from . import statement_world as sw

PAYER = payouts.payer_from_settings({"SETTLEMENT_IBANS": ("NL91ABNA0417164300",)})
NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"}
ANNA_IBAN = "NL02ABNA0123456789"


@pytest.fixture
def anna(session) -> DepositAccount:
    member = factories.member(session, first_name="Anna", last_name="de Vries", iban=ANNA_IBAN)
    account = factories.account(session, member, factories.product(session))
    factories.deposit(session, account, "5000.00", clock.today())
    session.commit()
    return account


@pytest.fixture
def tellers(make_user: Callable[..., Any]) -> tuple[Actor, Actor]:
    return factories.staff(make_user), factories.staff(make_user)


def balances(session, account: DepositAccount) -> tuple[Decimal, Decimal, Decimal]:
    """(Anna's account, 1090 payments in transit, 1000 settlement)."""
    return (
        factories.balance(session, account),
        factories.main_balance(session, chart.PAYMENTS_IN_TRANSIT),
        factories.main_balance(session, chart.SETTLEMENT),
    )


def withdraw(session, account: DepositAccount, amount: str, key: str, teller: Actor) -> PaymentOrder:
    savings.withdraw(session, account, amount, key=key, actor=teller, approval_threshold=None)
    order = orders.order_by_key(session, f"withdrawal:{key}")
    assert order is not None
    return order


def test_a_withdrawal_is_ordered_batched_exported_and_settled_to_the_cent(session, anna, tellers):
    first, second = tellers
    today = clock.today()
    assert balances(session, anna) == (Decimal("5000.00"), Decimal("0.00"), Decimal("5000.00"))

    order = withdraw(session, anna, "1234.56", "w1", first)
    session.commit()
    assert order.state is OrderState.ORDERED
    assert (order.creditor_iban, order.creditor_name, order.source) == (
        ANNA_IBAN,
        "Anna de Vries",
        OrderSource.WITHDRAWAL,
    )
    assert balances(session, anna) == (Decimal("3765.44"), Decimal("-1234.56"), Decimal("5000.00"))

    # Twice = once: the same form key finds the same order and books nothing more.
    again = withdraw(session, anna, "1234.56", "w1", first)
    assert again.id == order.id
    assert session.scalar(select(func.count()).select_from(PaymentOrder)) == 1

    prepared = payouts.prepare_payouts(session, today, first, payer=PAYER)
    session.commit()
    batch = prepared.batch
    assert batch is not None and order.state is OrderState.IN_BATCH
    # Below the limit the preparer's batch is released at once.
    assert batch.state is PayoutBatchState.RELEASED and not batch.needs_second_person
    assert payouts.prepare_payouts(session, today, first, payer=PAYER).nothing_new
    assert balances(session, anna) == (Decimal("3765.44"), Decimal("-1234.56"), Decimal("5000.00"))

    xml = payouts.export_payout_batch(session, batch, actor=second)
    session.commit()
    assert xml == batch.xml_bytes and batch.state is PayoutBatchState.EXPORTED
    assert order.state is OrderState.EXPORTED

    entry = payouts.settle_payment_order(session, order, today, second)
    session.commit()
    assert entry.idempotency_key == f"payout-settle:{order.end_to_end_id}"
    assert order.state is OrderState.SETTLED and order.settled_on == today
    assert balances(session, anna) == (Decimal("3765.44"), Decimal("0.00"), Decimal("3765.44"))
    # A statement read twice settles once.
    assert payouts.settle_payment_order(session, order, today, second).id == entry.id
    session.commit()
    assert balances(session, anna) == (Decimal("3765.44"), Decimal("0.00"), Decimal("3765.44"))
    assert ledger_queries.verify(session) == []


def test_the_file_is_xsd_valid_with_exact_control_sums_and_its_checksum(session, anna, tellers):
    first, _ = tellers
    today = clock.today()
    a = withdraw(session, anna, "0.01", "x1", first)
    b = withdraw(session, anna, "1999.99", "x2", first)
    c = withdraw(session, anna, "333.33", "x3", first)
    batch = payouts.prepare_payouts(session, today, first, payer=PAYER).batch
    session.commit()
    assert batch is not None
    sepa_schemas.check_bytes(batch.xml_bytes, "pain.001.001.03")
    assert hashlib.sha256(batch.xml_bytes).hexdigest() == batch.sha256
    assert (batch.number_of_transactions, batch.control_sum) == (3, Decimal("2333.33"))
    doc = etree.fromstring(batch.xml_bytes)
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "3"
    assert doc.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "2333.33"
    assert doc.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:CtrlSum", namespaces=NS) == "2333.33"
    assert doc.findtext("p:CstmrCdtTrfInitn/p:PmtInf/p:ReqdExctnDt", namespaces=NS) == today.isoformat()
    transfers = doc.findall("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", namespaces=NS)
    assert [
        (
            t.findtext("p:PmtId/p:EndToEndId", namespaces=NS),
            t.findtext("p:Amt/p:InstdAmt", namespaces=NS),
            t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS),
        )
        for t in transfers
    ] == [
        (a.end_to_end_id, "0.01", ANNA_IBAN),
        (b.end_to_end_id, "1999.99", ANNA_IBAN),
        (c.end_to_end_id, "333.33", ANNA_IBAN),
    ]


def test_above_the_limit_a_second_staff_member_releases_and_the_preparer_cannot(session, anna, tellers):
    first, second = tellers
    today = clock.today()
    withdraw(session, anna, "600.00", "f1", first)
    withdraw(session, anna, "500.00", "f2", first)
    batch = payouts.prepare_payouts(
        session, today, first, payer=PAYER, four_eyes_limit=Decimal("1000.00")
    ).batch
    session.commit()
    assert batch is not None and batch.state is PayoutBatchState.PREPARED and batch.needs_second_person
    with pytest.raises(InvalidTransition, match="must be released by a second staff member"):
        payouts.export_payout_batch(session, batch, actor=second)
    with pytest.raises(PermissionDenied, match="another staff member than the one who prepared it"):
        payouts.release_payout_batch(session, batch, actor=first)
    session.rollback()
    assert session.get(PayoutBatch, batch.id).state is PayoutBatchState.PREPARED
    payouts.release_payout_batch(session, batch, actor=second)
    session.commit()
    assert batch.state is PayoutBatchState.RELEASED and batch.released_by_id == second.user_id
    assert payouts.export_payout_batch(session, batch, actor=first) == batch.xml_bytes


def test_a_rejection_restores_the_account_and_tells_the_member_in_dutch(session, anna, tellers):
    first, second = tellers
    today = clock.today()
    order = withdraw(session, anna, "250.00", "r1", first)
    batch = payouts.prepare_payouts(session, today, first, payer=PAYER).batch
    assert batch is not None
    payouts.export_payout_batch(session, batch, actor=first)
    session.commit()
    assert balances(session, anna) == (Decimal("4750.00"), Decimal("-250.00"), Decimal("5000.00"))

    payouts.reject_payment_order(session, order, on=today, reason_code="ac04", actor=second)
    session.commit()
    assert (order.state, order.reason_code) == (OrderState.REJECTED, "AC04")
    assert balances(session, anna) == (Decimal("5000.00"), Decimal("0.00"), Decimal("5000.00"))
    mail = session.scalars(select(OutboxMessage).where(OutboxMessage.object_type == "payment_order")).all()
    assert len(mail) == 1
    assert mail[0].member_id == anna.member_id
    assert mail[0].subject == "Uw betaling van €\xa0250,00 is teruggekomen"
    assert "de rekening is opgeheven (AC04)" in mail[0].body
    # Twice = once: no second entry, no second mail.
    payouts.reject_payment_order(session, order, on=today, reason_code="AC04", actor=second)
    session.commit()
    assert balances(session, anna) == (Decimal("5000.00"), Decimal("0.00"), Decimal("5000.00"))
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert ledger_queries.verify(session) == []


def test_a_return_after_settlement_comes_back_through_1000(session, anna, tellers):
    first, _ = tellers
    today = clock.today()
    order = withdraw(session, anna, "100.00", "t1", first)
    batch = payouts.prepare_payouts(session, today, first, payer=PAYER).batch
    assert batch is not None
    payouts.export_payout_batch(session, batch, actor=first)
    payouts.settle_payment_order(session, order, today, first)
    assert balances(session, anna) == (Decimal("4900.00"), Decimal("0.00"), Decimal("4900.00"))
    payouts.reject_payment_order(session, order, on=today, reason_code="MD07", actor=first)
    session.commit()
    assert order.state is OrderState.RETURNED
    assert balances(session, anna) == (Decimal("5000.00"), Decimal("0.00"), Decimal("5000.00"))


def test_an_order_cannot_be_settled_before_its_file_went_out(session, anna, tellers):
    first, _ = tellers
    order = withdraw(session, anna, "10.00", "s1", first)
    with pytest.raises(InvalidTransition, match="only an exported payment can be settled"):
        payouts.settle_payment_order(session, order, clock.today(), first)


def _order(session, anna, **overrides: Any) -> orders.Ordered:
    values: dict[str, Any] = {
        "key": "manual:1",
        "kind": "payout",
        "source": OrderSource.OTHER,
        "paying_account_id": anna.ledger_account_id,
        "amount": "10.00",
        "creditor_name": "Notariskantoor Oost",
        "iban": "NL20INGB0001234567",
        "remittance": "Akte 2026-118",
        "execution_on": clock.today(),
        "actor": factories.TELLER,
    }
    values.update(overrides)
    return orders.order_payment(session, **values)


def _dutch(error: ValidationError) -> dict[str, str]:
    catalogue = notifications.translations("nl")
    return {
        field: catalogue.gettext(rule.template) % dict(rule.params)
        if rule.params
        else catalogue.gettext(rule)
        for field, rule in error.fields.items()
    }


def test_bad_input_names_each_field_in_dutch_and_writes_nothing(session, anna):
    entries = session.scalar(select(func.count()).select_from(JournalEntry))
    yesterday = clock.today() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        _order(
            session, anna, iban="NL91ABNA0417164301", amount="0", execution_on=yesterday, creditor_name=" "
        )
    dutch = _dutch(caught.value)
    assert set(dutch) == {"iban", "amount", "execution_on", "creditor_name"}
    assert dutch["iban"] == "is geen geldige IBAN (de controlecijfers kloppen niet)"
    assert dutch["amount"] == "moet groter zijn dan 0"
    assert dutch["execution_on"].startswith("mag niet in het verleden liggen")
    assert dutch["creditor_name"] == "is verplicht"
    with pytest.raises(ValidationError) as caught:
        _order(session, anna, amount="-5.00", remittance="Huur € maart")
    assert set(caught.value.fields) == {"amount", "remittance"}
    assert _dutch(caught.value)["remittance"] == "bevat '€', dat niet in een SEPA-bestand kan"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == entries
    assert session.scalar(select(func.count()).select_from(PaymentOrder)) == 0
    assert factories.balance(session, anna) == Decimal("5000.00")


def test_a_batch_for_a_past_date_is_refused(session, anna, tellers):
    first, _ = tellers
    withdraw(session, anna, "10.00", "p1", first)
    with pytest.raises(ValidationError) as caught:
        payouts.prepare_payouts(session, clock.today() - dt.timedelta(days=1), first, payer=PAYER)
    assert set(caught.value.fields) == {"execution_on"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cents=st.lists(st.integers(min_value=1, max_value=99_999), min_size=1, max_size=6))
def test_any_orders_sum_to_the_file_and_clear_1090_to_the_cent(session, anna, tellers, cents):
    first, _ = tellers
    session.rollback()
    start = balances(session, anna)
    today = clock.today()
    amounts = [Decimal(c) / 100 for c in cents]
    made = [
        orders.order_payment(
            session,
            key=f"prop:{id(cents)}:{i}",
            kind="payout",
            source=OrderSource.OTHER,
            paying_account_id=anna.ledger_account_id,
            amount=f"{amount:.2f}",
            creditor_name="Anna de Vries",
            iban=ANNA_IBAN,
            remittance="test",
            execution_on=today,
            actor=first,
        ).order
        for i, amount in enumerate(amounts)
    ]
    batch = payouts.prepare_payouts(session, today, first, payer=PAYER).batch
    assert batch is not None and batch.control_sum == sum(amounts)
    payouts.export_payout_batch(session, batch, actor=first)
    for order in made:
        payouts.settle_payment_order(session, order, today, first)
    total = sum(amounts, Decimal("0.00"))
    assert balances(session, anna) == (start[0] - total, start[1], start[2] - total)
    session.rollback()


def test_the_command_prepares_the_date_once_and_says_where_the_file_is(app, session, anna, tellers):
    first, _ = tellers
    order = withdraw(session, anna, "42.50", "c1", first)
    session.commit()
    runner = app.test_cli_runner()

    def run(*args: str):
        session.commit()  # SQLite: the test's session must not hold a read lock while the command writes
        result = runner.invoke(cli, ["payments", "payouts", *args], obj=ScriptInfo(create_app=lambda: app))
        session.expire_all()
        return result

    today = clock.today().isoformat()
    result = run("--date", today)
    assert result.exit_code == 0, result.output
    batch = session.scalars(select(PayoutBatch)).one()
    assert result.output.splitlines()[0] == (
        f"prepared batch {batch.batch_id} (id {batch.id}, pain.001.001.03): 1 transfers, 42.50 EUR, "
        f"released, sha256 {batch.sha256}; stored in the database, "
        f"download at /staff/payouts/batches/{batch.id}"
    )
    assert session.get(PaymentOrder, order.id).state is OrderState.IN_BATCH
    again = run("--date", today)
    assert again.exit_code == 0
    assert again.output.splitlines()[0] == f"nothing more to prepare for {today}: no payment order is waiting"
    past = run("--date", "2020-01-01")
    assert past.exit_code == 2
    assert "--date must not be in the past" in past.output


def test_the_command_writes_pain_001_001_09_when_the_clearing_bank_asks_for_it(app, session, anna, tellers):
    first, _ = tellers
    withdraw(session, anna, "17.25", "c9", first)
    session.commit()
    runner = app.test_cli_runner()
    today = clock.today().isoformat()
    result = runner.invoke(
        cli,
        ["payments", "payouts", "--date", today, "--format", "pain.001.001.09"],
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert result.exit_code == 0, result.output
    session.expire_all()
    batch = session.scalars(select(PayoutBatch)).one()
    assert batch.pain_version == "pain.001.001.09"
    assert f"(id {batch.id}, pain.001.001.09): 1 transfers, 17.25 EUR" in result.output
    assert b"urn:iso:std:iso:20022:tech:xsd:pain.001.001.09" in batch.xml_bytes
    unknown = runner.invoke(
        cli,
        ["payments", "payouts", "--date", today, "--format", "pain.001.001.02"],
        obj=ScriptInfo(create_app=lambda: app),
    )
    assert unknown.exit_code == 2 and "pain.001.001.02" in unknown.output


# --- the statement matchers ----------------------------------------------------------------------


def _sent(session, anna, teller: Actor, amount: str = "1234.56") -> PaymentOrder:
    order = withdraw(session, anna, amount, f"stmt-{amount}", teller)
    batch = payouts.prepare_payouts(session, clock.today(), teller, payer=PAYER).batch
    assert batch is not None
    payouts.export_payout_batch(session, batch, actor=teller)
    session.commit()
    return order


def _statement(session, app, tmp_path, transactions, sequence: int = 1, opening: Decimal | None = None):
    if opening is None:
        opening = factories.main_balance(session, chart.SETTLEMENT)
    path = sw.write(tmp_path, transactions, sequence=sequence, opening=opening, booked_on=clock.today())
    result = sw.run_import(session, app, path)
    session.commit()
    return result


def test_the_statement_settles_a_payout_by_its_end_to_end_id_and_books_its_return(
    session, app, anna, tellers, tmp_path
):
    first, _ = tellers
    order = _sent(session, anna, first)
    left = Transaction(Decimal("-1234.56"), order.end_to_end_id, None, "Anna de Vries", ANNA_IBAN)
    result = _statement(session, app, tmp_path, [left])
    assert dict(result.by_matcher) == {"payout": 1}
    assert order.state is OrderState.SETTLED and order.settled_on == clock.today()
    assert balances(session, anna) == (Decimal("3765.44"), Decimal("0.00"), Decimal("3765.44"))
    line = session.scalars(select(BankStatementLine)).one()
    assert (line.matched_type, line.matched_id) == (matching.PAYOUT_TYPE, order.id)

    back = Transaction(
        Decimal("1234.56"), order.end_to_end_id, None, "Anna de Vries", ANNA_IBAN, return_reason="AC04"
    )
    result = _statement(session, app, tmp_path, [back], sequence=2)
    assert dict(result.by_matcher) == {"payout_return": 1}
    assert (order.state, order.reason_code) == (OrderState.RETURNED, "AC04")
    assert balances(session, anna) == (Decimal("5000.00"), Decimal("0.00"), Decimal("5000.00"))
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 1
    assert ledger_queries.verify(session) == []


def test_a_payout_settled_by_hand_first_is_not_booked_again_by_the_statement(
    session, app, anna, tellers, tmp_path
):
    first, _ = tellers
    order = _sent(session, anna, first, "99.99")
    payouts.settle_payment_order(session, order, clock.today(), first)
    session.commit()
    assert balances(session, anna) == (Decimal("4900.01"), Decimal("0.00"), Decimal("4900.01"))
    left = Transaction(Decimal("-99.99"), order.end_to_end_id, None, "Anna de Vries", ANNA_IBAN)
    # The clearing bank's balance before the transfer left: 5 000,00.
    result = _statement(session, app, tmp_path, [left], opening=Decimal("5000.00"))
    assert dict(result.by_matcher) == {"payout": 1}
    assert balances(session, anna) == (Decimal("4900.01"), Decimal("0.00"), Decimal("4900.01"))
    # A wrong amount with our id is not ours: it waits in suspense.
    other = withdraw(session, anna, "10.00", "stmt-other", first)
    batch = payouts.prepare_payouts(session, clock.today(), first, payer=PAYER).batch
    assert batch is not None
    payouts.export_payout_batch(session, batch, actor=first)
    session.commit()
    wrong = Transaction(Decimal("-10.01"), other.end_to_end_id, None, "Anna de Vries", ANNA_IBAN)
    assert dict(_statement(session, app, tmp_path, [wrong], sequence=2).by_matcher) == {"suspense": 1}
    assert other.state is OrderState.EXPORTED
    assert ledger_queries.verify(session) == []
