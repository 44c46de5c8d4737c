"""The compliance pages in Dutch as the officers use them; nobody else sees them, and the member never
learns of an alert or a case (tipping-off): not in the portal, not in the member's data export."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bank.audit.models import AuditEvent
from bank.extensions import db
from bank.monitoring.models import Alert, AlertStatus, CaseStatus, MonitoringCase, MonitoringRule, RuleCode

from .conftest import MC_IBAN, MONDAY, World


@pytest.fixture(autouse=True)
def _release_request_sessions(app):
    """The app fixture keeps one app context per test: end each request's transaction (SQLite lock)."""
    app.teardown_request(lambda _exc: db.remove())


def _key(page: str) -> str:
    return re.search(r'name="form_key" type="hidden" value="([^"]+)"', page).group(1)


def _read(query):
    """One read in a session of its own, closed at once (SQLite: no read lock left behind)."""
    with db.new_session() as session:
        return query(session)


def _alerted(world: World):
    member, account = world.member("Rossi", iban=MC_IBAN)
    world.deposit(account, "12000.00", MONDAY, cash=True)
    world.withdraw(account, "11000.00", MONDAY + dt.timedelta(days=1))
    world.run(MONDAY)
    world.run(MONDAY + dt.timedelta(days=1))
    member_id = member.id
    alert_ids = [a.id for a in world.alerts()]
    world.session.commit()
    return member_id, alert_ids


def test_the_officers_work_an_alert_into_a_reported_and_exported_case(
    app, world, client, login_as, make_user
):
    app.config["WTF_CSRF_ENABLED"] = False
    _member_id, (cash_id, *others) = _alerted(world)
    opener = make_user("compliance", email="naleving@test.example")
    decider = make_user("compliance", email="naleving2@test.example", name="Noor Naleving")

    login_as(user=opener)
    queue = client.get("/staff/compliance/alerts")
    assert queue.status_code == 200
    text = queue.get_data(as_text=True)
    assert "Transactiemonitoring: signalen" in text
    assert "Contante storting op of boven de drempel" in text
    assert "€\xa012.000,00" in text
    page = client.get(f"/staff/compliance/alerts/{cash_id}").get_data(as_text=True)
    assert "Contant gestort: €\xa012.000,00 (drempel €\xa010.000,00)." in page
    assert "Dossier openen" in page and "Signaal afwijzen" in page
    # Nothing written without a reason.
    refused = client.post(
        f"/staff/compliance/alerts/{cash_id}/case", data={"form_key": _key(page), "reason": ""}
    )
    assert refused.status_code == 422
    assert "is verplicht" in refused.get_data(as_text=True)
    assert _read(lambda s: s.scalar(select(func.count(MonitoringCase.id)))) == 0

    opened = client.post(
        f"/staff/compliance/alerts/{cash_id}/case",
        data={"form_key": _key(page), "reason": "Contant binnen, direct weg", "alerts": [str(others[0])]},
    )
    assert opened.status_code == 302
    case_url = opened.headers["Location"]
    case_page = client.get(case_url).get_data(as_text=True)
    assert "vier-ogenprincipe: wie een dossier opende, kan er niet over beslissen" in case_page
    noted = client.post(f"{case_url}/notes", data={"form_key": _key(case_page), "text": "Niet bellen."})
    assert noted.status_code == 302
    client.post("/logout")

    login_as(user=decider)
    decided = client.post(
        f"{case_url}/decide", data={"decision": "report", "reason": "Geld uit contant naar Monaco"}
    )
    assert decided.status_code == 302
    case_page = client.get(case_url).get_data(as_text=True)
    assert "als ongebruikelijk gemeld" in case_page and "Melding downloaden" in case_page
    assert "Niet bellen." in case_page
    download = client.post(f"{case_url}/export")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith('attachment; filename="fiu-melding-WB-MON-')
    root = ET.fromstring(download.data)
    assert root.findtext("report_code") == "UTR"
    assert root.findtext("reporting_person/last_name") == "Noor Naleving"
    assert sorted(t.findtext("amount_local") for t in root.findall("transaction")) == ["11000.00", "12000.00"]
    case = _read(lambda s: s.scalar(select(MonitoringCase)))
    assert case.status is CaseStatus.REPORTED and case.exported_by_label == "naleving2@test.example"
    exports = select(func.count(AuditEvent.id)).where(AuditEvent.action == "monitoring.case_exported")
    assert _read(lambda s: s.scalar(exports)) == 1
    assert client.get("/staff/compliance/cases").status_code == 200


def test_the_thresholds_form_refuses_bad_input_naming_the_field(app, world, client, login_as):
    app.config["WTF_CSRF_ENABLED"] = False
    login_as("compliance")
    page = client.get("/staff/compliance/rules")
    assert page.status_code == 200
    assert "Monitoringregels" in page.get_data(as_text=True)
    bad = client.post(
        "/staff/compliance/rules/structuring",
        data={
            "structuring-active": "y",
            "structuring-amount": "10.000",
            "structuring-share": "120",
            "structuring-min_count": "2",
            "structuring-window_days": "7",
        },
    )
    assert bad.status_code == 422
    assert "moet een percentage boven 0 en onder 100 zijn" in bad.get_data(as_text=True)
    rule = _read(lambda s: s.get(MonitoringRule, RuleCode.STRUCTURING))
    assert (rule.share, rule.min_count) == (Decimal("0.8"), 3)
    good = client.post(
        "/staff/compliance/rules/structuring",
        data={
            "structuring-active": "y",
            "structuring-amount": "9.000",
            "structuring-share": "75",
            "structuring-min_count": "4",
            "structuring-window_days": "10",
        },
    )
    assert good.status_code == 302
    rule = _read(lambda s: s.get(MonitoringRule, RuleCode.STRUCTURING))
    assert (rule.amount, rule.share, rule.min_count, rule.window_days) == (
        Decimal("9000.00"),
        Decimal("0.75"),
        4,
        10,
    )
    changes = select(func.count(AuditEvent.id)).where(AuditEvent.action == "monitoring.rule_changed")
    assert _read(lambda s: s.scalar(changes)) == 1


@pytest.mark.parametrize("role", ["teller", "credit_officer", "committee"])
def test_other_staff_are_refused(world, client, login_as, role):
    _, (alert_id, *_) = _alerted(world)
    login_as(role)
    for url in (
        "/staff/compliance/alerts",
        f"/staff/compliance/alerts/{alert_id}",
        "/staff/compliance/cases",
        "/staff/compliance/rules",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/staff/compliance/alerts/{alert_id}/dismiss", data={"reason": "x"}).status_code in (
        400,
        403,
    )
    assert _read(lambda s: s.get(Alert, alert_id).status) is AlertStatus.OPEN


def test_an_admin_sees_the_queue(world, client, login_as):
    _alerted(world)
    login_as("admin")
    assert client.get("/staff/compliance/alerts").status_code == 200


def test_the_member_is_never_told(app, world, client, login_as, make_user):
    app.config["WTF_CSRF_ENABLED"] = False
    member_id, alert_ids = _alerted(world)
    officer = make_user("compliance")
    login_as(user=officer)
    page = client.get(f"/staff/compliance/alerts/{alert_ids[0]}").get_data(as_text=True)
    client.post(
        f"/staff/compliance/alerts/{alert_ids[0]}/case", data={"form_key": _key(page), "reason": "Onderzoek"}
    )
    client.post("/logout")
    member_user = make_user("member", email="rossi@example.org", member_id=member_id)
    login_as(user=member_user)
    seen = []
    for url in (
        "/portal/",
        "/portal/statements",
        "/portal/my-data",
        "/portal/my-data.json",
        "/portal/profile",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        seen.append(response.get_data(as_text=True))
    everything = "\n".join(seen).lower()
    for trace in (
        "monitoring",
        "signaal",
        "signalen",
        "dossier",
        "ongebruikelijk",
        "fiu",
        "alert",
        "melding",
        "naleving",
    ):
        assert trace not in everything, trace
    # The cash deposit itself is the member's own transaction and is shown as such.
    assert "12.000,00" in everything or "12000.00" in everything
