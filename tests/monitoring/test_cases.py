"""Alerts into cases, notes, the four-eyes decision, the FIU-NL report; and the close-day job's counts."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from sqlalchemy import select

from bank import day as business_day
from bank.actor import Actor
from bank.audit.models import AuditEvent
from bank.errors import InvalidTransition, PermissionDenied, ValidationError
from bank.extensions import db
from bank.monitoring import goaml, queries, service
from bank.monitoring.models import AlertStatus, CaseStatus, MonitoringCase, MonitoringNote, RuleCode
from bank.runs.models import Run, RunJob, RunStatus

from .conftest import MC_IBAN, MONDAY, World

ENTITY = goaml.ReportingEntity("4711", "Wijkbank", "Noor Naleving", "naleving2@wijkbank.example")


def _officers(make_user) -> tuple[Actor, Actor]:
    first = make_user("compliance", email="n1@test.example")
    second = make_user("compliance", email="naleving2@wijkbank.example")
    return (
        Actor(user_id=first.id, label=first.email, role="compliance"),
        Actor(user_id=second.id, label=second.email, role="compliance"),
    )


def _teller(make_user) -> Actor:
    teller = make_user("teller")
    return Actor(user_id=teller.id, label=teller.email, role="teller")


def _alerts(world: World) -> tuple:
    member, account = world.member("Rossi", iban=MC_IBAN)
    world.deposit(account, "12000.00", MONDAY, cash=True)
    world.withdraw(account, "11000.00", MONDAY + dt.timedelta(days=1))
    world.run(MONDAY)
    world.run(MONDAY + dt.timedelta(days=1))
    return member, account, world.alerts()


def test_a_case_from_two_alerts_noted_reported_and_exported(world: World, make_user):
    opener, decider = _officers(make_user)
    teller = _teller(make_user)
    member, account, alerts = _alerts(world)
    assert sorted(a.rule for a in alerts) == sorted(
        [RuleCode.CASH_DEPOSIT, RuleCode.IN_AND_OUT, RuleCode.HIGH_RISK_COUNTRY]
    )
    cash, in_out = alerts[0], next(a for a in alerts if a.rule is RuleCode.IN_AND_OUT)

    case = service.open_case(
        world.session, [cash, in_out], reason="Contant binnen, direct naar Monaco", key="k1", actor=opener
    )
    # The same form sent again opens no second case.
    assert service.open_case(world.session, [cash], reason="x", key="k1", actor=opener) is case
    assert (cash.status, in_out.status, cash.case_id) == (AlertStatus.IN_CASE, AlertStatus.IN_CASE, case.id)
    service.add_note(world.session, case, text="Lid gebeld? Nee: tipping-off.", key="n1", actor=opener)
    service.add_note(world.session, case, text="Lid gebeld? Nee: tipping-off.", key="n1", actor=opener)
    world.session.commit()
    assert [n.written_by_label for n in world.session.scalars(select(MonitoringNote))] == [opener.label]

    # Four eyes: the opener cannot decide, a teller may not at all.
    with pytest.raises(PermissionDenied):
        service.decide_case(world.session, case, unusual=True, reason="x", actor=opener)
    with pytest.raises(PermissionDenied):
        service.decide_case(world.session, case, unusual=True, reason="x", actor=teller)
    with pytest.raises(ValidationError) as no_reason:
        service.decide_case(world.session, case, unusual=True, reason="  ", actor=decider)
    assert no_reason.value.fields == {"reason": "is required"}
    with pytest.raises(ValidationError):
        service.mark_exported(world.session, case, actor=decider)  # not reported yet

    indicator = "Contante storting van € 12.000 binnen een dag grotendeels naar een IBAN in Monaco"
    service.decide_case(world.session, case, unusual=True, reason=indicator, actor=decider)
    service.mark_exported(world.session, case, actor=decider)
    world.session.commit()
    assert case.status is CaseStatus.REPORTED and case.exported_at is not None
    assert case.exported_by_label == decider.label

    report = queries.report_of(
        world.session, case, submitted_at=dt.datetime(2026, 6, 3, 9, 30, tzinfo=dt.UTC)
    )
    root = ET.fromstring(goaml.report_xml(report, ENTITY))
    assert root.tag == "report"
    assert root.findtext("rentity_id") == "4711"
    assert root.findtext("report_code") == "UTR"
    assert root.findtext("entity_reference") == f"WB-MON-{case.id}"
    assert root.findtext("currency_code_local") == "EUR"
    assert root.findtext("reason") == indicator
    assert root.findtext("reporting_person/email") == "naleving2@wijkbank.example"
    assert [i.text for i in root.iter("indicator")] == ["cash_deposit", "in_and_out"]
    transactions = root.findall("transaction")
    assert [
        (t.findtext("date_transaction"), t.findtext("amount_local"), t.findtext("transmode_code"))
        for t in transactions
    ] == [
        ("2026-06-01T00:00:00", "12000.00", "K"),
        ("2026-06-02T00:00:00", "11000.00", "A"),
    ]
    cash_in, paid_out = transactions
    person = cash_in.find("t_to_my_client/to_account/signatory/t_person")
    assert person is not None
    assert (person.findtext("first_name"), person.findtext("last_name"), person.findtext("birthdate")) == (
        "Sanne",
        member.last_name,
        "1980-04-12T00:00:00",
    )
    assert person.findtext("addresses/address/city") == "Amsterdam"
    assert cash_in.findtext("t_to_my_client/to_account/account") == account.number
    assert cash_in.findtext("t_from/from_funds_code") == "K"
    assert paid_out.findtext("t_from_my_client/from_account/account") == account.number
    assert paid_out.findtext("t_to/to_account/iban") == MC_IBAN
    assert paid_out.findtext("t_to/to_country") == "MC"

    actions = [e.action for e in world.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert [a for a in actions if a.startswith("monitoring.")] == [
        "monitoring.case_opened",
        "monitoring.case_note",
        "monitoring.case_reported",
        "monitoring.case_exported",
    ]
    # Nothing is recorded under the member (the member's data export lists those events).
    assert (
        world.session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action.like("monitoring.%"), AuditEvent.object_type == "member"
            )
        )
        is None
    )


def test_dismiss_and_close_as_not_unusual(world: World, make_user):
    opener, decider = _officers(make_user)
    _, _, alerts = _alerts(world)
    high_risk = next(a for a in alerts if a.rule is RuleCode.HIGH_RISK_COUNTRY)
    with pytest.raises(ValidationError) as empty:
        service.dismiss_alert(world.session, high_risk, reason="", actor=opener)
    assert empty.value.fields == {"reason": "is required"}
    service.dismiss_alert(
        world.session, high_risk, reason="Eigen rekening bij een bank in Monaco", actor=opener
    )
    assert high_risk.status is AlertStatus.DISMISSED and high_risk.decided_by_label == opener.label
    with pytest.raises(InvalidTransition):
        service.open_case(world.session, [high_risk], reason="x", key="k2", actor=opener)
    world.session.rollback()
    others = [a for a in world.alerts() if a.status is AlertStatus.OPEN]
    case = service.open_case(world.session, others, reason="Nagaan", key="k3", actor=opener)
    service.decide_case(
        world.session, case, unusual=False, reason="Verkoop van een auto, koopakte gezien", actor=decider
    )
    assert case.status is CaseStatus.NOT_UNUSUAL
    with pytest.raises(InvalidTransition):
        service.decide_case(world.session, case, unusual=True, reason="toch", actor=decider)


def test_the_close_day_runs_the_rules_and_records_its_counts(world: World):
    _, account = world.member()
    world.deposit(account, "15000.00", MONDAY, cash=True)
    world.session.commit()
    business_day.close_day(db, MONDAY, started_by="test")
    world.session.expire_all()
    run = world.session.scalar(select(Run).where(Run.job == RunJob.MONITORING, Run.business_date == MONDAY))
    assert run is not None and run.status is RunStatus.COMPLETED
    assert (run.items_count, run.items_done) == (1, 1)
    [alert] = world.alerts()
    assert (alert.rule, alert.amount) == (RuleCode.CASH_DEPOSIT, Decimal("15000.00"))
    assert world.session.scalar(select(MonitoringCase.id)) is None
