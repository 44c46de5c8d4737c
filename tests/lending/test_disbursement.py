"""Worked stories: apply → review → vote → conditions → disburse, balances and trial balance checked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from applications.helpers import (
    NOTARY_IBAN,
    TODAY,
    World,
    actor_of,
    build_world,
    land_data,
    meeting,
    reviewed,
    submitted_coop,
    vote,
)
from sqlalchemy import func, select

from bank import clock
from bank.applications import service as applications
from bank.applications.models import ApplicationStatus as S
from bank.approvals import service as approvals
from bank.approvals.models import ApprovalStatus
from bank.committee import service as committee
from bank.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError
from bank.ledger import chart
from bank.ledger import queries as ledger
from bank.ledger.models import JournalEntry
from bank.ledger.service import account_by_code
from bank.lending import disbursement
from bank.loans.models import Instalment, Loan
from bank.notifications.models import OutboxMessage
from bank.payment_orders import service as payment_orders
from bank.payment_orders.models import OrderSource, OrderState

QUORUM = 3


@pytest.fixture
def world(session, make_user):
    with clock.frozen(TODAY):
        yield build_world(session, make_user)


def _trial_balance_is_zero(session) -> None:
    rows = ledger.trial_balance(session)
    assert sum((r.debit_total for r in rows), Decimal(0)) == sum((r.credit_total for r in rows), Decimal(0))
    assert ledger.verify(session) == []


def _approve(session, world: World, application, **decide) -> None:
    # The committee meets today, so the decision (dated on the meeting day) and the offer start today.
    committee.place_on_agenda(
        session, application, meeting(session, world, held_on=TODAY), actor=world.officer_actor
    )
    vote(session, application, world, 0, "approve")
    vote(session, application, world, 1, "approve")
    vote(session, application, world, 2, "abstain")
    committee.decide(session, application, actor=world.c(0), quorum=QUORUM, **decide)


def test_coop_startup_from_application_to_disbursed_loan(session, world):
    application = submitted_coop(session, world)
    assert application.status is S.SUBMITTED
    figures = applications.figures(application)
    # 30 000 over 60 months at 6 %: annuity 579.98; DSCR = (9 500 − 7 400) / 579.98.
    assert figures.monthly_instalment == Decimal("579.98")
    assert figures.dscr == Decimal("3.62")
    reviewed(session, application, world)
    assert application.reviewer_id == world.officer.id
    _approve(session, world, application, conditions="Statutes registered\nSecond oven quote signed")
    assert application.status is S.APPROVED
    assert application.offer_expires_on == TODAY + dt.timedelta(days=90)
    decision = committee.decision_of(session, application)
    assert (decision.votes_approve, decision.votes_reject, decision.votes_abstain) == (2, 0, 1)
    assert decision.approved_amount == Decimal("30000.00") and decision.approved_rate_annual == Decimal(
        "0.06"
    )

    # Open conditions block the payout.
    with pytest.raises(InvalidTransition, match="conditions not yet met: Statutes registered; Second oven"):
        disbursement.prepare_disbursement(session, application, actor=world.officer_actor, key="k1")
    for condition in decision.conditions:
        committee.tick_condition(
            session, condition, actor=world.officer_actor, evidence_note="copy in the file"
        )

    approval = disbursement.prepare_disbursement(session, application, actor=world.officer_actor, key="k1")
    # The credit officer cannot approve their own preparation (four eyes) …
    with pytest.raises(PermissionDenied):
        approvals.approve(session, approval, actor=world.officer_actor)
    assert application.status is S.APPROVED and application.loan_id is None
    # … a teller does.
    approvals.approve(session, approval, actor=actor_of(world.teller))
    assert approval.status is ApprovalStatus.APPROVED
    assert application.status is S.DISBURSED
    loan = session.get(Loan, application.loan_id)
    assert loan.principal == Decimal("30000.00") and loan.term_periods == 60
    assert loan.borrower_id == world.bakery.id and loan.disbursed_on == TODAY
    instalments = session.scalars(select(Instalment).where(Instalment.loan_id == loan.id)).all()
    assert len(instalments) == 60
    assert sum((i.principal_due for i in instalments), Decimal(0)) == Decimal("30000.00")
    # Principal to the co-op's account, less the 150.00 arrangement fee.
    assert ledger.balance(session, world.bakery_account.ledger_account_id) == Decimal("29850.00")
    assert ledger.balance(session, loan.principal_account_id) == Decimal("30000.00")
    assert ledger.balance(session, account_by_code(session, chart.FEE_INCOME).id) == Decimal("150.00")
    _trial_balance_is_zero(session)

    # Approving again, or preparing again, books nothing twice.
    with pytest.raises(InvalidTransition):
        approvals.approve(session, approval, actor=actor_of(world.admin))
    with pytest.raises(InvalidTransition, match="already disbursed"):
        disbursement.prepare_disbursement(session, application, actor=world.officer_actor, key="k2")
    assert session.scalar(select(func.count()).select_from(Loan)) == 1
    # The applicant heard of every step, in English (Anna applied; the co-op's e-mail is used).
    subjects = session.scalars(
        select(OutboxMessage.subject)
        .where(OutboxMessage.object_id == application.id)
        .order_by(OutboxMessage.id)
    ).all()
    assert [s.split(application.number)[0] for s in subjects][:2] == [
        "Uw kredietaanvraag ",
        "Uw kredietaanvraag ",
    ]
    assert any("is uitbetaald" in s for s in subjects)
    history = [t.to_status for t in application.transitions]
    assert history == ["draft", "submitted", "in_review", "on_agenda", "approved", "disbursed"]


def test_land_trust_purchase_is_paid_to_the_notary(session, world):
    application = applications.create_draft(
        session,
        applicant=world.clt,
        product=world.land_product,
        actor=actor_of(world.teller),
        data=land_data(world),
    )
    figures = applications.figures(application)
    assert figures.ltv_percent == Decimal("75.0")  # 240 000 / 320 000
    assert figures.funding_gap == Decimal("-5000.00")  # 295 000 − 240 000 − 60 000
    applications.submit(session, application, actor=actor_of(world.teller))
    reviewed(
        session,
        application,
        world,
        recommended_amount="235000.00",
        recommended_rate_annual="4",
        proposed_conditions="Deed of mortgage signed",
    )
    # The committee votes on the credit officer's recommended 235 000; the decision carries those terms.
    _approve(session, world, application, conditions=["Deed of mortgage signed"])
    decision = committee.decision_of(session, application)
    assert decision.approved_amount == Decimal("235000.00")
    committee.tick_condition(
        session,
        decision.conditions[0],
        actor=world.officer_actor,
        evidence_note="signed at Notariskantoor Oost",
    )
    settlement_before = ledger.balance(session, account_by_code(session, chart.SETTLEMENT).id)
    # The fee (0.5 % = 1 175.00) is taken from the trust's account: it needs the money there.
    from bank.savings import service as savings

    savings.deposit(session, world.clt_account, "2000.00", key="clt-fee", actor=actor_of(world.teller))
    loan = disbursement.disburse_directly(
        session, application, maker=world.officer_actor, checker=actor_of(world.admin), key="land"
    )
    assert loan.paid_to_iban == NOTARY_IBAN and loan.paid_to_name == "Notariskantoor Oost"
    assert loan.frequency.value == "quarterly" and loan.term_periods == 80
    assert ledger.balance(session, loan.principal_account_id) == Decimal("235000.00")
    # Paid to the notary by a payment order (Dr principal / Cr 1090 payments in transit), not into
    # the trust's deposit account; 1000 moves only by the trust's deposit until the statement
    # shows the transfer left.
    settlement_after = ledger.balance(session, account_by_code(session, chart.SETTLEMENT).id)
    assert settlement_after - settlement_before == Decimal("2000.00")
    assert ledger.balance(session, account_by_code(session, chart.PAYMENTS_IN_TRANSIT).id) == Decimal(
        "-235000.00"
    )
    order = payment_orders.order_by_key(session, f"disburse:application-{application.id}")
    assert order is not None and order.state is OrderState.ORDERED
    assert (order.amount, order.creditor_name, order.creditor_iban, order.source) == (
        Decimal("235000.00"),
        "Notariskantoor Oost",
        NOTARY_IBAN,
        OrderSource.DISBURSEMENT,
    )
    assert order.paying_account_id == loan.principal_account_id
    assert ledger.balance(session, world.clt_account.ledger_account_id) == Decimal("825.00")
    entry = session.scalar(
        select(JournalEntry).where(JournalEntry.idempotency_key == f"disburse:application-{application.id}")
    )
    assert "Notariskantoor Oost" in entry.memo and NOTARY_IBAN in entry.memo
    # The fee the decision letter promises is the fee the disbursement charged, to the cent.
    from bank.committee.letters import letter_view

    fee_entry = session.scalar(
        select(JournalEntry).where(
            JournalEntry.idempotency_key == "arrangement-fee:application-" + str(application.id)
        )
    )
    charged = sum(p.amount for p in fee_entry.postings if p.side.value == "debit")
    assert (
        letter_view(session, application).arrangement_fee
        == charged
        == loan.arrangement_fee
        == Decimal("1175.00")
    )
    _trial_balance_is_zero(session)


def test_a_second_pending_disbursement_is_refused(session, world):
    application = submitted_coop(session, world)
    reviewed(session, application, world)
    _approve(session, world, application)
    first = disbursement.prepare_disbursement(session, application, actor=world.officer_actor, key="a")
    again = disbursement.prepare_disbursement(session, application, actor=world.officer_actor, key="a")
    assert again.id == first.id  # the same form submitted twice
    with pytest.raises(Conflict, match="already waits for approval"):
        disbursement.prepare_disbursement(session, application, actor=actor_of(world.officer2), key="b")


def test_an_offer_expires_after_90_days(session, world):
    application = submitted_coop(session, world)
    reviewed(session, application, world)
    _approve(session, world, application)
    last_day = TODAY + dt.timedelta(days=90)
    assert applications.expire_offers(session, last_day, actor=actor_of(world.admin)) == []
    assert application.status is S.APPROVED
    expired = applications.expire_offers(
        session, last_day + dt.timedelta(days=1), actor=actor_of(world.admin)
    )
    assert expired == [application.number]
    assert application.status is S.EXPIRED
    assert (
        applications.expire_offers(session, last_day + dt.timedelta(days=2), actor=actor_of(world.admin))
        == []
    )
    with pytest.raises(InvalidTransition):
        disbursement.prepare_disbursement(session, application, actor=world.officer_actor, key="late")


def test_the_expire_command(app, session, world):
    application = submitted_coop(session, world)
    reviewed(session, application, world)
    _approve(session, world, application)
    session.commit()
    from click.testing import CliRunner
    from flask.cli import ScriptInfo

    from bank.cli import cli

    def run(*args: str):
        return CliRunner().invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))

    later = (TODAY + dt.timedelta(days=91)).isoformat()
    result = run("applications", "expire-offers", "--date", later)
    assert result.exit_code == 0, result.output
    assert application.number in result.output
    session.expire_all()
    assert session.get(type(application), application.id).status is S.EXPIRED
    bad = run("applications", "expire-offers", "--date", "31-02-2026")
    assert bad.exit_code == 2 and "is not a date as YYYY-MM-DD" in bad.output


def test_a_first_due_date_the_payout_would_refuse_is_refused_when_prepared(session, world):
    """Found by the Dutch journey: the preparer could ask for a first instalment on the payout day;
    the approval then failed for the second staff member, with the schedule's error."""
    application = submitted_coop(session, world)
    reviewed(session, application, world)
    _approve(session, world, application)
    with pytest.raises(ValidationError) as refused:
        disbursement.prepare_disbursement(
            session, application, actor=world.officer_actor, key="k", first_due_on=clock.today()
        )
    assert set(refused.value.fields or {}) == {"first_due_on"}
    assert disbursement.pending_disbursement(session, application) is None
    approval = disbursement.prepare_disbursement(
        session,
        application,
        actor=world.officer_actor,
        key="k",
        first_due_on=clock.today() + dt.timedelta(days=1),
    )
    approvals.approve(session, approval, actor=actor_of(world.teller))
    loan = session.get(Loan, application.loan_id)
    first = session.scalar(select(Instalment).where(Instalment.loan_id == loan.id, Instalment.number == 1))
    assert first.due_on == clock.today() + dt.timedelta(days=1)
