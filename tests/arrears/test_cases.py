"""Collection cases: promises to pay kept or broken by the close day, and the rules of a case."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from bank import clock
from bank.actor import Actor, system
from bank.arrears import service as cases
from bank.arrears.models import CaseStatus, ContactChannel, PaymentPromise, PromiseStatus
from bank.errors import InvalidTransition, PermissionDenied, ValidationError

from .conftest import Story

OFFICER = system("test-officer")


def open_case_on(story: Story, day: dt.date):
    with clock.frozen(day):
        case = cases.open_case(story.session, story.loan, on=day, actor=OFFICER)
        story.session.commit()
    return case


def promise(story: Story, case, amount: str, made: dt.date, by: dt.date) -> PaymentPromise:
    with clock.frozen(made):
        made_promise = cases.add_promise(
            story.session, case, amount=Decimal(amount), promised_on=by, actor=OFFICER
        )
        story.session.commit()
    return made_promise


def test_a_promise_paid_by_its_date_is_kept(story: Story) -> None:
    made = story.day_past_due(20)
    case = open_case_on(story, made)
    kept = promise(story, case, "500.00", made, story.day_past_due(25))
    paid_on = story.day_past_due(23)
    story.bank.deposit(story.account, "1200.00", paid_on)
    story.bank.run(paid_on)  # collects the instalment, its late fee and penalty interest
    assert story.follow_up(story.day_past_due(24))[1:] == (0, 0)  # not its date yet
    assert story.follow_up(story.day_past_due(25))[1:] == (1, 0)
    story.session.refresh(kept)
    assert kept.status is PromiseStatus.KEPT
    assert kept.checked_on == story.day_past_due(25)
    assert kept.paid_amount >= Decimal("1035.29")  # the whole first instalment at least
    assert story.follow_up(story.day_past_due(26)) == (0, 0, 0)  # checked once


def test_a_promise_not_paid_by_its_date_is_broken(story: Story) -> None:
    made = story.day_past_due(20)
    case = open_case_on(story, made)
    broken = promise(story, case, "500.00", made, story.day_past_due(25))
    story.bank.deposit(story.account, "200.00", story.day_past_due(22))  # too little to collect an instalment
    story.bank.run(story.day_past_due(22))
    story.follow_up(story.day_past_due(25))
    story.session.refresh(broken)
    assert broken.status is PromiseStatus.BROKEN
    assert broken.paid_amount < Decimal("500.00")


def test_a_payment_before_the_promise_does_not_count(story: Story) -> None:
    story.bank.deposit(story.account, "1200.00", story.day_past_due(10))
    story.bank.run(story.day_past_due(10))  # paid up before any promise
    made = story.day_past_due(12)
    case = open_case_on(story, made)
    late = promise(story, case, "100.00", made, story.day_past_due(14))
    story.follow_up(story.day_past_due(14))
    story.session.refresh(late)
    assert late.status is PromiseStatus.BROKEN
    assert late.paid_amount == Decimal("0.00")


def test_promise_refused_in_the_past_too_far_ahead_or_without_amount(story: Story) -> None:
    today = story.day_past_due(20)
    case = open_case_on(story, today)
    with clock.frozen(today):
        with pytest.raises(ValidationError) as past:
            cases.add_promise(
                story.session,
                case,
                amount=Decimal("10"),
                promised_on=today - dt.timedelta(days=1),
                actor=OFFICER,
            )
        assert set(past.value.fields) == {"promised_on"}
        with pytest.raises(ValidationError) as far:
            cases.add_promise(
                story.session,
                case,
                amount=Decimal("10"),
                promised_on=today + dt.timedelta(days=120),
                actor=OFFICER,
            )
        assert set(far.value.fields) == {"promised_on"}
        with pytest.raises(ValidationError) as zero:
            cases.add_promise(story.session, case, amount=Decimal("0"), promised_on=None, actor=OFFICER)
        assert set(zero.value.fields) == {"amount", "promised_on"}
    story.session.rollback()
    assert story.session.scalars(select(PaymentPromise)).all() == []


def test_one_open_case_per_loan_and_a_closed_case_takes_no_contacts(story: Story) -> None:
    day = story.day_past_due(20)
    first = open_case_on(story, day)
    assert open_case_on(story, day).id == first.id
    with clock.frozen(day):
        cases.add_contact(
            story.session, first, contacted_on=day, channel="phone", note="Belt terug", actor=OFFICER
        )
        with pytest.raises(ValidationError) as bad:
            cases.add_contact(
                story.session,
                first,
                contacted_on=day + dt.timedelta(days=1),
                channel="fax",
                note="",
                actor=OFFICER,
            )
        assert set(bad.value.fields) == {"contacted_on", "channel", "note"}
        cases.close_case(story.session, first, reason="Achterstand betaald", actor=OFFICER)
        assert first.status is CaseStatus.CLOSED
        with pytest.raises(InvalidTransition):
            cases.add_contact(
                story.session,
                first,
                contacted_on=day,
                channel=ContactChannel.PHONE.value,
                note="x",
                actor=OFFICER,
            )
        second = cases.open_case(story.session, story.loan, on=day, actor=OFFICER)
    assert second.id != first.id


def test_a_teller_may_not_work_on_cases(story: Story) -> None:
    teller = Actor(user_id=1, label="teller@example.org", role="teller")
    with pytest.raises(PermissionDenied):
        cases.open_case(story.session, story.loan, on=story.day_past_due(20), actor=teller)
