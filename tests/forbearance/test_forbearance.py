"""Forbearance (issue 16): a payment holiday, a term extension and a lower rate, decided with four eyes.

The story's loan: 10 000.00 at 12 % (1 % a month, 30E/360) over 12 months, paid out on Wednesday
16 September 2026, first due 16 October. The regular instalment is 888.49 (10 000 × 0.01 /
(1 − 1.01^−12) = 888.487…). The close days through 20 November collect the first two
instalments and accrue the third's interest for 4 of its 30 days.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

import pytest
from loans.servicing.conftest import Bank, make_loan_product
from provisioning.conftest import World
from sqlalchemy import func, select

from bank.actor import Actor
from bank.audit.models import AuditEvent
from bank.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError
from bank.forbearance import queries as forbearance_queries
from bank.forbearance import service as forbearance
from bank.forbearance.models import ForbearanceMeasure, MeasureStatus
from bank.loans import servicing
from bank.loans.models import InstalmentStatus, Loan, ScheduleVersion
from bank.notifications.models import OutboxMessage
from bank.provisioning.models import LoanProvision, StageReason

D = dt.date
CENT = Decimal("0.01")
ON = D(2026, 11, 20)
TELLER = Actor(user_id=None, label="teller@test", role="teller")


def _actor(user) -> Actor:
    return Actor(user_id=user.id, label=user.email, role=user.role)


@pytest.fixture
def officers(make_user) -> tuple[Actor, Actor]:
    return _actor(make_user("credit_officer")), _actor(make_user("credit_officer"))


def _loan(bank: Bank, **product) -> Loan:
    if product:
        bank.loan_product = make_loan_product(bank.session, code="FORBEAR", **product)
        bank.session.commit()
    member, account = bank.borrower("Fietsenmakerij De Spaak")
    bank.deposit(account, "2000.00", D(2026, 9, 1))
    loan = bank.book(member, account, "10000.00", 12, D(2026, 9, 16))
    bank.close_days(D(2026, 9, 17), ON)
    return loan


def _ask(bank: Bank, loan: Loan, actor: Actor, *, key: str = "k1", **proposal) -> ForbearanceMeasure:
    measure = forbearance.request(
        bank.session,
        loan,
        forbearance.Proposal(**proposal),
        reason="Turnover fell by half after the road works; the borrower asks for three months' rest.",
        on=ON,
        key=key,
        actor=actor,
    )
    bank.session.commit()
    return measure


def test_a_payment_holiday_keeps_the_instalment_and_adds_three_interest_only_months(bank, officers):
    asker, decider = officers
    loan = _loan(bank)
    old = bank.instalments(loan)
    assert [i.status for i in old[:2]] == [InstalmentStatus.PAID, InstalmentStatus.PAID]
    assert old[2].principal_due + old[2].interest_due == Decimal("888.49")
    balance = old[1].balance_after

    measure = _ask(bank, loan, asker, holiday_periods=3)
    assert measure.status is MeasureStatus.REQUESTED and not measure.needs_committee
    assert measure.outstanding_principal == balance
    assert (measure.instalment_before, measure.instalment_after) == (Decimal("888.49"), Decimal("888.49"))
    assert (measure.periods_before, measure.periods_after) == (10, 13)

    # Four eyes: the officer who asked cannot grant it.
    with pytest.raises(PermissionDenied, match="second person"):
        forbearance.decide(bank.session, measure, grant=True, note="", on=ON, actor=asker)
    bank.session.rollback()
    forbearance.decide(
        bank.session, measure, grant=True, note="Agreed after the visit.", on=ON, actor=decider
    )
    bank.session.commit()

    bank.session.refresh(loan)
    assert loan.schedule_version == 2 and loan.term_periods == 15
    versions = bank.session.scalars(select(ScheduleVersion).where(ScheduleVersion.loan_id == loan.id)).all()
    assert [(v.version, v.reason) for v in versions] == [(1, "disbursement"), (2, "forbearance")]
    superseded = [i for i in bank.instalments(loan, version=1) if i.status is InstalmentStatus.SUPERSEDED]
    assert [i.number for i in superseded] == list(range(3, 13))
    new = bank.instalments(loan, version=2)
    assert [i.number for i in new] == list(range(3, 16))
    assert [i.due_on for i in new[:4]] == [D(2026, 12, 16), D(2027, 1, 16), D(2027, 2, 16), D(2027, 3, 16)]
    assert new[-1].due_on == D(2027, 12, 16)
    # Three months of interest only: 1 % of the balance, the principal untouched.
    monthly_interest = (balance * Decimal("0.01")).quantize(CENT, ROUND_HALF_UP)
    assert [(i.principal_due, i.interest_due) for i in new[:3]] == [(Decimal("0.00"), monthly_interest)] * 3
    assert [i.balance_after for i in new[:3]] == [balance] * 3
    # Then the old instalment again, over the ten months that were left.
    assert new[3].principal_due + new[3].interest_due == Decimal("888.49")
    assert sum(i.principal_due for i in new) == balance and new[-1].balance_after == 0

    measure = bank.session.get(ForbearanceMeasure, measure.id)
    assert measure.status is MeasureStatus.GRANTED and measure.schedule_version == 2
    assert measure.effective_from == D(2026, 12, 16) and measure.probation_until == D(2028, 11, 20)
    assert forbearance_queries.forborne_loan_ids(bank.session, D(2026, 11, 19)) == set()
    assert forbearance_queries.forborne_loan_ids(bank.session, D(2026, 11, 30)) == {loan.id}
    assert forbearance_queries.forborne_loan_ids(bank.session, D(2028, 11, 21)) == set()
    mail = bank.session.scalars(
        select(OutboxMessage).where(OutboxMessage.object_type == "forbearance_measure")
    ).one()
    assert mail.member_id == loan.borrower_id and loan.number in mail.subject
    actions = bank.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "forbearance_measure")
    )
    assert list(actions) == ["forbearance.requested", "forbearance.granted"]
    bank.verify()

    # The same decision again is the one already taken; another one is refused.
    assert forbearance.decide(bank.session, measure, grant=True, note="", on=ON, actor=decider) is measure
    with pytest.raises(InvalidTransition):
        forbearance.decide(bank.session, measure, grant=False, note="No", on=ON, actor=decider)


def test_a_lower_rate_sets_the_running_accrual_right_at_once(bank, officers):
    asker, decider = officers
    loan = _loan(bank)
    running = bank.instalments(loan)[2]
    balance = bank.instalments(loan)[1].balance_after
    # 4 of the third period's 30 days (16 → 20 November) are accrued at 12 %.
    assert bank.balance(loan.interest_account_id) == (running.interest_due * 4 / 30).quantize(
        CENT, ROUND_HALF_UP
    )

    measure = _ask(bank, loan, asker, rate_annual=Decimal("0.06"))
    forbearance.decide(bank.session, measure, grant=True, note="", on=ON, actor=decider)
    bank.session.commit()

    bank.session.refresh(loan)
    assert loan.rate_annual == Decimal("0.06") and loan.term_periods == 12
    new = bank.instalments(loan, version=2)
    # Half a per cent a month on the same balance, over the same ten months.
    assert new[0].interest_due == (balance * Decimal("0.005")).quantize(CENT, ROUND_HALF_UP)
    assert len(new) == 10 and new[-1].due_on == D(2027, 9, 16)
    accrued = (new[0].interest_due * 4 / 30).quantize(CENT, ROUND_HALF_UP)
    assert bank.balance(loan.interest_account_id) == accrued
    assert loan.interest_accrued == accrued and loan.accrual_instalment_id == new[0].id
    measure = bank.session.get(ForbearanceMeasure, measure.id)
    assert measure.rate_annual_before == Decimal("0.12") and measure.rate_annual_new == Decimal("0.06")
    assert measure.instalment_after < measure.instalment_before
    bank.verify()


def test_an_extension_past_the_products_maximum_is_refused_and_nothing_is_written(bank, officers):
    asker, _ = officers
    loan = _loan(bank, term_max_months=24)
    with pytest.raises(ValidationError) as refused:
        _ask(bank, loan, asker, extension_periods=13)
    bank.session.rollback()
    # 2 paid + 10 to come + 13 = 25 months, one past the product's 24.
    assert refused.value.fields["extension_periods"] == (
        "lengthens the loan to 25 months, past the product's maximum of 24 months"
    )
    assert bank.session.scalar(select(func.count()).select_from(ForbearanceMeasure)) == 0
    assert _ask(bank, loan, asker, extension_periods=12).periods_after == 22


@pytest.mark.parametrize(
    ("proposal", "field", "rule"),
    [
        ({}, "holiday_periods", "give a payment holiday, a term extension or a lower rate (at least one)"),
        ({"holiday_periods": "13"}, "holiday_periods", "may be at most 12 instalments (12 months)"),
        ({"extension_periods": "-1"}, "extension_periods", "must not be negative"),
        ({"extension_periods": "two"}, "extension_periods", "must be a whole number"),
        (
            {"rate_annual": Decimal("0.12")},
            "rate_annual",
            "must be lower than the loan's rate of 12.00 per cent",
        ),
    ],
)
def test_bad_proposals_name_the_field(bank, officers, proposal, field, rule):
    asker, _ = officers
    loan = _loan(bank)
    with pytest.raises(ValidationError) as refused:
        parsed = forbearance.proposal_of(
            proposal.get("holiday_periods"), proposal.get("extension_periods"), proposal.get("rate_annual")
        )
        forbearance.request(bank.session, loan, parsed, reason="Illness", on=ON, key="bad", actor=asker)
    assert refused.value.fields[field] == rule
    bank.session.rollback()
    assert bank.session.scalar(select(func.count()).select_from(ForbearanceMeasure)) == 0


def test_above_the_products_limit_the_committee_decides(bank, officers, make_user):
    asker, officer = officers
    loan = _loan(bank, forbearance_committee_above=Decimal("5000.00"))
    measure = _ask(bank, loan, asker, extension_periods=6)
    assert measure.needs_committee
    with pytest.raises(PermissionDenied, match="loan committee decides"):
        forbearance.decide(bank.session, measure, grant=True, note="", on=ON, actor=officer)
    bank.session.rollback()
    committee = _actor(make_user("committee"))
    forbearance.decide(
        bank.session, measure, grant=True, note="Decided in the meeting.", on=ON, actor=committee
    )
    bank.session.commit()
    assert bank.session.get(Loan, loan.id).schedule_version == 2


def test_reject_needs_a_reason_withdraw_and_one_request_at_a_time(bank, officers):
    asker, decider = officers
    loan = _loan(bank)
    measure = _ask(bank, loan, asker, extension_periods=6)
    assert _ask(bank, loan, asker, key="k1", extension_periods=6).id == measure.id  # a double submit
    with pytest.raises(Conflict, match="already has a forbearance request waiting"):
        _ask(bank, loan, asker, key="k2", holiday_periods=1)
    bank.session.rollback()
    with pytest.raises(ValidationError) as refused:
        forbearance.decide(bank.session, measure, grant=False, note=" ", on=ON, actor=decider)
    assert refused.value.fields["note"] == "is required: say why the request is rejected"
    bank.session.rollback()
    forbearance.decide(bank.session, measure, grant=False, note="Income too uncertain.", on=ON, actor=decider)
    bank.session.commit()
    assert bank.session.get(Loan, loan.id).schedule_version == 1
    assert forbearance_queries.forborne_loan_ids(bank.session, D(2026, 11, 30)) == set()

    second = _ask(bank, loan, asker, key="k3", holiday_periods=2)
    with pytest.raises(PermissionDenied):
        forbearance.withdraw(bank.session, second, on=ON, actor=decider)
    bank.session.rollback()
    forbearance.withdraw(bank.session, second, on=ON, actor=asker)
    bank.session.commit()
    assert bank.session.get(ForbearanceMeasure, second.id).status is MeasureStatus.WITHDRAWN


def test_a_forborne_loan_is_provisioned_in_stage_two(bank, officers):
    asker, decider = officers
    loan = _loan(bank)
    world = World(bank)
    world.set_table(D(2026, 1, 1))
    measure = _ask(bank, loan, asker, holiday_periods=2)
    forbearance.decide(bank.session, measure, grant=True, note="", on=ON, actor=decider)
    bank.session.commit()
    world.provision(D(2026, 11, 30))
    provision = bank.session.scalars(
        select(LoanProvision).where(
            LoanProvision.loan_id == loan.id, LoanProvision.month_end == D(2026, 11, 30)
        )
    ).one()
    # Nothing is overdue, yet the forborne loan is in stage 2 with the lifetime probability.
    assert (provision.stage, provision.reason, provision.days_past_due) == (2, StageReason.FORBORNE, 0)
    assert provision.probability == Decimal("0.12")


def test_a_prepayment_during_the_holiday_keeps_the_interest_only_months(bank, officers):
    asker, decider = officers
    loan = _loan(bank)
    measure = _ask(bank, loan, asker, holiday_periods=3)
    forbearance.decide(bank.session, measure, grant=True, note="", on=ON, actor=decider)
    bank.session.commit()
    bank.deposit(loan.repayment_account, "1000.00", ON)
    servicing.prepay(
        bank.session, loan, "1000.00", mode="lower_instalment", on=ON, key="holiday-prepay", actor=TELLER
    )
    bank.session.commit()
    after = bank.instalments(loan, version=3)
    balance = bank.instalments(loan, version=2)[0].balance_after - Decimal("1000.00")
    assert len(after) == 13 and sum(i.principal_due for i in after) == balance
    # Still three months of interest only (now on the lower balance), then the lower instalment.
    assert [i.principal_due for i in after[:3]] == [Decimal("0.00")] * 3
    assert after[0].interest_due == (balance * Decimal("0.01")).quantize(CENT, ROUND_HALF_UP)
    assert after[3].principal_due > 0
    bank.verify()
