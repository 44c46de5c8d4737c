"""Returned direct debits and refund claims: the money goes back to the debtor to the cent, the
instalment is unpaid again with the same interest/principal split, the loan's outstanding is
restored, a fee only where the product says so, twice is once, the refund windows, the flag.

The world is the portal's small bank; Bram (English) has a 2 000 loan collected by his Core
mandate, the co-op bakery (Dutch) a 12 000 loan by its B2B mandate. Each story first lets the
repayment run pay what Bram owes from his account, then empties the account, so the only money on
it is the direct debit's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from translations.conftest import compiled_catalogue  # noqa: F401  (the mail is read from the .mo)

from bank.actor import SYSTEM, Actor
from bank.calendar import add_months, next_business_day
from bank.errors import NotFound, PermissionDenied, ValidationError
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger import service as ledger
from bank.loans import servicing
from bank.loans.models import Instalment, InstalmentStatus, Loan, LoanStatus
from bank.members.models import Member
from bank.notifications.models import OutboxMessage
from bank.payments import collections, mandates, returns
from bank.payments.batch_models import BatchState, ItemState
from bank.payments.models import MandateSequence, MandateStatus

from .conftest import CREDITOR_ID, TELLER, register

OFFICER = Actor(user_id=None, label="krediet@wijkbank.example", role="credit_officer")
#: A teller logged in (a user id: not the system): may not record returns.
COUNTER = Actor(user_id=1, label="balie@wijkbank.example", role="teller")
TODAY = dt.date(2026, 12, 1)
CREDITOR = collections.creditor_from_settings(
    {"SETTLEMENT_IBANS": ("NL91ABNA0417164300",), "SEPA_CREDITOR_ID": CREDITOR_ID}
)


@pytest.fixture
def bank(world, app, session):
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
    return {"coop_loan": coop_loan, "bram_loan": bram_loan, "bram_mandate": bram_mandate}


def _next_due(session, loan: Loan, after: dt.date) -> Instalment:
    return session.scalars(
        select(Instalment)
        .where(Instalment.loan_id == loan.id, Instalment.due_on >= after)
        .order_by(Instalment.due_on)
    ).first()


def _balances(session, loan: Loan) -> dict[str, Decimal]:
    ids = {
        "repayment": loan.repayment_account.ledger_account_id,
        "settlement": ledger.account_by_code(session, chart.SETTLEMENT).id,
        "principal": loan.principal_account_id,
        "interest": loan.interest_account_id,
        "fees": loan.fees_account_id,
        "fee_income": ledger.account_by_code(session, chart.FEE_INCOME).id,
    }
    return {name: ledger_queries.balance(session, account) for name, account in ids.items()}


def _run(session, loan: Loan, on: dt.date) -> None:
    servicing.service_batch(session, [loan.id], on, actor=SYSTEM)


def _empty_account(session, loan: Loan, on: dt.date, key: str) -> None:
    """Bram takes everything out of his account (a withdrawal to his bank)."""
    account = loan.repayment_account.ledger_account_id
    left = ledger_queries.balance(session, account)
    if left > 0:
        settlement = ledger.account_by_code(session, chart.SETTLEMENT).id
        ledger.post(
            session,
            key,
            "withdrawal",
            [ledger.debit(account, left), ledger.credit(settlement, left)],
            on,
            SYSTEM,
        )


def _collected_by_debit(session, loan: Loan, *, applied: bool = True, last: bool = False):
    """Bram's next instalment after the notice period (``last``: his last one) collected by direct
    debit, settled on its date and (``applied``) applied by the repayment run; returns
    (item, instalment, before, after)."""
    instalment = _next_due(session, loan, TODAY + dt.timedelta(days=14))
    if last:
        instalment = max(loan.instalments, key=lambda i: i.due_on)
    on = instalment.due_on
    today = min(TODAY, on - dt.timedelta(days=14))
    _run(session, loan, on - dt.timedelta(days=1))
    _empty_account(session, loan, on - dt.timedelta(days=1), f"empty:{loan.id}:{on}")
    session.flush()
    before = _balances(session, loan)
    batch = next(
        b
        for b in collections.prepare_collections(
            session, OFFICER, on, creditor=CREDITOR, today=today
        ).prepared
        if any(i.loan_id == loan.id for i in b.items)
    )
    collections.mark_exported(session, batch, actor=OFFICER)
    collections.settle_collection_batch(session, batch, actor=OFFICER, on=on)
    item = next(i for i in batch.items if i.loan_id == loan.id)
    if applied:
        _run(session, loan, next_business_day(on))
        session.refresh(instalment)
        assert instalment.status is InstalmentStatus.PAID
    return item, instalment, before, _balances(session, loan)


def test_a_return_after_the_run_unpays_the_instalment_and_gives_the_money_back(session, bank) -> None:
    loan = bank["bram_loan"]
    item, instalment, before, applied = _collected_by_debit(session, loan)
    principal, interest = instalment.principal_due, instalment.interest_due
    assert item.amount == principal + interest
    # Settled and applied: 1000 got the money, the loan's principal and interest went down.
    assert applied["repayment"] == before["repayment"] == Decimal("0.00")
    assert applied["settlement"] - before["settlement"] == item.amount
    assert before["principal"] - applied["principal"] == principal
    outcome = returns.record_return(
        session,
        end_to_end_id=item.end_to_end_id,
        reason_code="AM04",
        returned_on=instalment.due_on + dt.timedelta(days=3),
        actor=OFFICER,
    )
    after = _balances(session, loan)
    assert outcome.recorded and outcome.fee == Decimal("0.00") and not outcome.mandate_revoked
    assert [(u.instalment_id, u.principal, u.interest) for u in outcome.unapplied] == [
        (instalment.id, principal, interest)
    ]
    # Every balance is back where it was before the debit, to the cent; nothing negative.
    assert after["repayment"] == Decimal("0.00")
    assert after["settlement"] == before["settlement"]
    assert after["principal"] == before["principal"]
    assert after["interest"] == applied["interest"] + interest
    assert after["fee_income"] == before["fee_income"]
    session.refresh(instalment)
    assert (instalment.status, instalment.paid_on) == (InstalmentStatus.OPEN, None)
    assert (instalment.principal_paid, instalment.interest_paid) == (Decimal("0.00"), Decimal("0.00"))
    assert (instalment.principal_due, instalment.interest_due) == (principal, interest)
    assert (item.state, item.return_reason, item.returned_on) == (
        ItemState.RETURNED,
        "AM04",
        instalment.due_on + dt.timedelta(days=3),
    )
    assert item.batch.state is BatchState.PARTLY_RETURNED
    assert bank["bram_mandate"].status is MandateStatus.ACTIVE  # AM04: collect again
    assert ledger_queries.verify(session) == []


def test_recording_the_same_return_twice_books_it_once(session, bank) -> None:
    loan = bank["bram_loan"]
    item, instalment, _before, _applied = _collected_by_debit(session, loan)
    on = instalment.due_on + dt.timedelta(days=2)
    returns.record_return(
        session, end_to_end_id=item.end_to_end_id, reason_code="AM04", returned_on=on, actor=OFFICER
    )
    once = _balances(session, loan)
    messages = session.query(OutboxMessage).count()
    again = returns.record_return(
        session, end_to_end_id=item.end_to_end_id, reason_code="AM04", returned_on=on, actor=OFFICER
    )
    assert not again.recorded
    assert _balances(session, loan) == once
    assert session.query(OutboxMessage).count() == messages


def test_a_return_before_the_run_takes_the_money_straight_back(session, bank) -> None:
    loan = bank["bram_loan"]
    item, instalment, before, settled = _collected_by_debit(session, loan, applied=False)
    assert settled["repayment"] == item.amount
    outcome = returns.record_return(
        session,
        end_to_end_id=item.end_to_end_id,
        reason_code="MS02",
        returned_on=instalment.due_on,
        actor=OFFICER,
    )
    assert outcome.unapplied == ()
    assert _balances(session, loan) == before
    assert instalment.status is InstalmentStatus.OPEN


def test_the_return_fee_is_charged_only_when_the_product_says_so(session, bank) -> None:
    loan = bank["bram_loan"]
    loan.product.return_fee = Decimal("7.50")
    item, instalment, before, _applied = _collected_by_debit(session, loan)
    outcome = returns.record_return(
        session,
        end_to_end_id=item.end_to_end_id,
        reason_code="AM04",
        returned_on=instalment.due_on + dt.timedelta(days=3),
        actor=OFFICER,
    )
    after = _balances(session, loan)
    assert outcome.fee == Decimal("7.50")
    assert after["fees"] - before["fees"] == Decimal("7.50")
    assert after["fee_income"] - before["fee_income"] == Decimal("7.50")
    assert instalment.fees_due == Decimal("7.50")
    assert instalment.outstanding == instalment.principal_due + instalment.interest_due + Decimal("7.50")
    assert after["repayment"] == Decimal("0.00")


def test_the_unpaid_instalment_falls_into_arrears_with_late_fee_and_penalty(session, bank) -> None:
    loan = bank["bram_loan"]
    loan.late_fee = Decimal("12.00")
    loan.penalty_rate_annual = Decimal("0.10")
    loan.tolerance_days = 5
    item, instalment, _before, _applied = _collected_by_debit(session, loan)
    returns.record_return(
        session,
        end_to_end_id=item.end_to_end_id,
        reason_code="AM04",
        returned_on=instalment.due_on + dt.timedelta(days=3),
        actor=OFFICER,
    )
    _run(session, loan, instalment.due_on + dt.timedelta(days=10))
    session.refresh(instalment)
    assert instalment.status is InstalmentStatus.OPEN
    assert instalment.fees_due == Decimal("12.00")
    assert instalment.penalties_due > Decimal("0.00")


def test_md06_is_honoured_within_8_weeks_and_refused_a_day_later(session, bank) -> None:
    loan = bank["bram_loan"]
    item, _instalment, _before, _applied = _collected_by_debit(session, loan)
    debited = item.batch.collection_on
    with pytest.raises(ValidationError) as refused:
        returns.record_return(
            session,
            end_to_end_id=item.end_to_end_id,
            reason_code="MD06",
            returned_on=debited + dt.timedelta(weeks=8, days=1),
            actor=OFFICER,
        )
    assert "returned_on" in refused.value.fields
    assert "within 8 weeks" in str(refused.value.message)
    assert item.state is ItemState.SETTLED
    outcome = returns.record_return(
        session,
        end_to_end_id=item.end_to_end_id,
        reason_code="MD06",
        returned_on=debited + dt.timedelta(weeks=8),
        actor=OFFICER,
    )
    assert outcome.recorded and item.return_reason == "MD06" and not item.unauthorised_claim
    assert bank["bram_mandate"].status is MandateStatus.ACTIVE


def test_md01_within_13_months_is_honoured_flagged_and_ends_the_mandate(session, bank) -> None:
    loan = bank["bram_loan"]
    item, _instalment, before, _applied = _collected_by_debit(session, loan)
    debited = item.batch.collection_on
    with pytest.raises(ValidationError, match="13 months"):
        returns.record_return(
            session,
            end_to_end_id=item.end_to_end_id,
            reason_code="MD01",
            returned_on=add_months(debited, 13) + dt.timedelta(days=1),
            actor=OFFICER,
        )
    on = add_months(debited, 13)
    outcome = returns.record_return(
        session, end_to_end_id=item.end_to_end_id, reason_code="MD01", returned_on=on, actor=OFFICER
    )
    mandate = bank["bram_mandate"]
    assert outcome.recorded and outcome.mandate_revoked
    assert item.unauthorised_claim is True
    assert mandate.unauthorised_claim_on == on
    assert mandate.status is MandateStatus.REVOKED
    assert loan.collection_method.value == "repayment_account"
    assert _balances(session, loan)["settlement"] == before["settlement"]
    staff = session.scalars(
        select(OutboxMessage).where(OutboxMessage.member_id.is_(None), OutboxMessage.object_id == item.id)
    ).one()
    assert "MD01" in staff.subject and "WB-BRAM-1" in staff.body and "gemarkeerd" in staff.body
    # The pre-notification, then the return, in Bram's English.
    announced, mail = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.member_id == loan.borrower_id, OutboxMessage.object_id == item.id)
        .order_by(OutboxMessage.id)
    ).all()
    assert announced.subject.startswith("Announcement")
    assert mail.subject == f"Direct debit for loan {loan.number} returned"
    assert "MD01" in mail.body


def test_bad_input_is_refused_and_books_nothing(session, bank) -> None:
    loan = bank["bram_loan"]
    item, instalment, _before, applied = _collected_by_debit(session, loan)
    with pytest.raises(ValidationError, match="must be one of"):
        returns.record_return(
            session,
            end_to_end_id=item.end_to_end_id,
            reason_code="XX99",
            returned_on=instalment.due_on,
            actor=OFFICER,
        )
    with pytest.raises(NotFound):
        returns.record_return(
            session, end_to_end_id="nope", reason_code="AM04", returned_on=instalment.due_on, actor=OFFICER
        )
    with pytest.raises(ValidationError, match="before the debit date"):
        returns.record_return(
            session,
            end_to_end_id=item.end_to_end_id,
            reason_code="AM04",
            returned_on=instalment.due_on - dt.timedelta(days=1),
            actor=OFFICER,
        )
    with pytest.raises(PermissionDenied):
        returns.record_return(
            session,
            end_to_end_id=item.end_to_end_id,
            reason_code="AM04",
            returned_on=instalment.due_on,
            actor=COUNTER,
        )
    assert _balances(session, loan) == applied
    assert item.state is ItemState.SETTLED


def test_a_returned_instalment_is_collected_again_as_recurring(session, bank) -> None:
    loan = bank["bram_loan"]
    loan.product.return_fee = Decimal("5.00")
    item, instalment, _before, _applied = _collected_by_debit(session, loan)
    returns.record_return(
        session,
        end_to_end_id=item.end_to_end_id,
        reason_code="AM04",
        returned_on=instalment.due_on + dt.timedelta(days=2),
        actor=OFFICER,
    )
    later = instalment.due_on + dt.timedelta(days=20)
    again = collections.prepare_collections(
        session, OFFICER, later, creditor=CREDITOR, today=later - dt.timedelta(days=14)
    )
    items = [i for b in again.prepared for i in b.items if i.instalment_id == instalment.id]
    [retry] = items
    assert retry.sequence is MandateSequence.RECURRING
    assert retry.amount == instalment.outstanding == item.amount + Decimal("5.00")
    assert retry.end_to_end_id != item.end_to_end_id
    # Preparing the same date again does not collect it twice.
    assert not collections.prepare_collections(
        session, OFFICER, later, creditor=CREDITOR, today=later - dt.timedelta(days=14)
    ).prepared


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.integers(min_value=0, max_value=50_000), fee=st.integers(min_value=0, max_value=2_500))
def test_property_a_return_after_settle_and_apply_restores_every_balance(session, bank, extra, fee) -> None:
    # Each example starts from the committed world: a savepoint, rolled back at the end.
    nested = session.begin_nested()
    loan = session.get(Loan, bank["bram_loan"].id)
    loan.product.return_fee = Decimal(fee) / 100
    try:
        item, instalment, before, _applied = _collected_by_debit(session, loan, applied=False)
        # Bram also had some money of his own on the account when the run applied the debit.
        if extra:
            settlement = ledger.account_by_code(session, chart.SETTLEMENT).id
            ledger.post(
                session,
                f"own:{extra}",
                "deposit",
                [
                    ledger.debit(settlement, Decimal(extra) / 100),
                    ledger.credit(loan.repayment_account.ledger_account_id, Decimal(extra) / 100),
                ],
                instalment.due_on,
                SYSTEM,
            )
        own = _balances(session, loan)
        _run(session, loan, next_business_day(instalment.due_on))
        returns.record_return(
            session,
            end_to_end_id=item.end_to_end_id,
            reason_code="MS03",
            returned_on=instalment.due_on + dt.timedelta(days=1),
            actor=OFFICER,
        )
        after = _balances(session, loan)
        fee_amount = Decimal(fee) / 100
        # The debtor has exactly their own money; 1000 is back; the loan owes what it owed.
        assert after["repayment"] == own["repayment"] - item.amount == Decimal(extra) / 100
        assert after["settlement"] == own["settlement"] - item.amount
        assert after["principal"] == before["principal"]
        assert after["fees"] - before["fees"] == fee_amount
        session.refresh(instalment)
        assert instalment.status is InstalmentStatus.OPEN
        assert instalment.outstanding == item.amount + fee_amount
        assert ledger_queries.verify(session) == []
    finally:
        nested.rollback()
        session.expunge_all()


def test_a_statement_debit_with_a_return_reason_and_our_id_is_recorded_once(session, bank) -> None:
    loan = bank["bram_loan"]
    item, instalment, before, _applied = _collected_by_debit(session, loan)
    assert returns.returned_item(session, end_to_end_id="WL-0000-T1", return_reason="AC04") is None
    assert returns.returned_item(session, end_to_end_id=item.end_to_end_id, return_reason=None) is None
    assert returns.returned_item(session, end_to_end_id=item.end_to_end_id, return_reason="AC04") is item
    on = instalment.due_on + dt.timedelta(days=2)
    outcome = returns.record_return_from_statement(
        session, end_to_end_id=item.end_to_end_id, return_reason="AC04", booked_on=on, actor=SYSTEM
    )
    assert outcome.recorded and outcome.mandate_revoked  # AC04: the account is closed
    assert (item.return_reason, item.returned_on) == ("AC04", on)
    again = returns.record_return_from_statement(
        session, end_to_end_id=item.end_to_end_id, return_reason="AC04", booked_on=on, actor=SYSTEM
    )
    assert not again.recorded
    assert _balances(session, loan)["settlement"] == before["settlement"]
    # A reason the bank does not list is booked as "not specified".
    assert returns.REASONS["MS03"].stops_mandate is False


def test_a_batch_with_a_return_still_settles_its_other_items_and_stays_partly_returned(
    world, app, session
) -> None:
    coop = session.get(Member, world.coop.id)
    bram = session.get(Member, world.bram.id)
    coop_loan = session.get(Loan, world.coop_loan.id)
    bram_loan = session.get(Loan, world.bram_loan.id)
    upload = app.config["UPLOAD_DIR"]
    coop_mandate = register(session, coop, upload, reference="WB-COOP-C", iban="NL02ABNA0123456789")
    bram_mandate = register(session, bram, upload, reference="WB-BRAM-C", iban="NL20INGB0001234567")
    mandates.set_collection_method(session, coop_loan, "mandate", actor=TELLER, mandate=coop_mandate)
    mandates.set_collection_method(session, bram_loan, "mandate", actor=TELLER, mandate=bram_mandate)
    on = _next_due(session, bram_loan, TODAY + dt.timedelta(days=14)).due_on
    [batch] = collections.prepare_collections(session, OFFICER, on, creditor=CREDITOR, today=TODAY).prepared
    collections.mark_exported(session, batch, actor=OFFICER)
    bram_item = next(i for i in batch.items if i.loan_id == bram_loan.id)
    coop_item = next(i for i in batch.items if i.loan_id == coop_loan.id)
    # The statement showed Bram's debit first; it came back before the bakery's arrived.
    collections.settle_collection_item(session, bram_item, actor=OFFICER, on=on)
    returns.record_return(
        session, end_to_end_id=bram_item.end_to_end_id, reason_code="MS02", returned_on=on, actor=OFFICER
    )
    assert (batch.state, coop_item.state) == (BatchState.PARTLY_RETURNED, ItemState.PENDING)
    [entry] = collections.settle_collection_batch(session, batch, actor=OFFICER, on=on)
    assert entry.idempotency_key == f"collection-settle:{coop_item.end_to_end_id}"
    assert (batch.state, coop_item.state, bram_item.state) == (
        BatchState.PARTLY_RETURNED,
        ItemState.SETTLED,
        ItemState.RETURNED,
    )
    assert ledger_queries.verify(session) == []


def test_a_return_of_the_debit_that_paid_the_loan_off_makes_it_active_again(session, bank) -> None:
    loan = bank["bram_loan"]
    item, instalment, before, _applied = _collected_by_debit(session, loan, last=True)
    session.refresh(loan)
    assert loan.status is LoanStatus.PAID_OFF
    returns.record_return(
        session,
        end_to_end_id=item.end_to_end_id,
        reason_code="AM04",
        returned_on=instalment.due_on + dt.timedelta(days=2),
        actor=OFFICER,
    )
    assert (loan.status, loan.closed_on) == (LoanStatus.ACTIVE, None)
    assert instalment.status is InstalmentStatus.OPEN
    after = _balances(session, loan)
    assert after["principal"] == before["principal"] == instalment.principal_due
    assert after["repayment"] == Decimal("0.00")
    assert ledger_queries.verify(session) == []


def test_the_statement_check_leaves_a_return_on_a_written_off_loan_to_staff(session, bank) -> None:
    loan = bank["bram_loan"]
    item, instalment, _before, _applied = _collected_by_debit(session, loan)
    returns.check_return(item, "AM04", instalment.due_on)  # fine while the loan is active
    loan.status = LoanStatus.WRITTEN_OFF
    with pytest.raises(ValidationError, match="written off"):
        returns.check_return(item, "AM04", instalment.due_on)
    with pytest.raises(ValidationError, match="must be one of"):
        returns.check_return(item, "ZZ01", instalment.due_on)


def test_money_the_run_put_on_older_arrears_is_taken_back_from_them(session, bank) -> None:
    """Bram is in arrears: the run pays the oldest instalments first with the debit's money, so
    the return takes it back from those (latest first) and his account never goes negative."""
    loan = bank["bram_loan"]
    instalment = _next_due(session, loan, TODAY + dt.timedelta(days=14))
    on = instalment.due_on
    _empty_account(session, loan, TODAY, "empty-arrears")
    before = _balances(session, loan)
    open_before = {
        i.id: (i.status, i.principal_paid, i.interest_paid) for i in loan.instalments if i.due_on <= on
    }
    assert sum(1 for status, _p, _i in open_before.values() if status is InstalmentStatus.OPEN) > 1
    prepared = collections.prepare_collections(session, OFFICER, on, creditor=CREDITOR, today=TODAY)
    batch = next(b for b in prepared.prepared if any(i.loan_id == loan.id for i in b.items))
    collections.mark_exported(session, batch, actor=OFFICER)
    collections.settle_collection_batch(session, batch, actor=OFFICER, on=on)
    [item] = batch.items
    _run(session, loan, next_business_day(on))
    session.refresh(instalment)
    assert instalment.total_paid == Decimal("0.00")  # the money went to older arrears
    outcome = returns.record_return(
        session, end_to_end_id=item.end_to_end_id, reason_code="AM04", returned_on=on, actor=OFFICER
    )
    assert sum((u.total for u in outcome.unapplied), Decimal("0.00")) == item.amount
    after = _balances(session, loan)
    assert after["repayment"] == Decimal("0.00")
    assert after["settlement"] == before["settlement"]
    assert after["principal"] == before["principal"]
    for i in loan.instalments:
        if i.id in open_before:
            session.refresh(i)
            assert (i.status, i.principal_paid, i.interest_paid) == open_before[i.id]
    assert ledger_queries.verify(session) == []
