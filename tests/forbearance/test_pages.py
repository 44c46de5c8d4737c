"""The forbearance pages as their users use them, in Dutch: the credit officer asks on the loan page,
a second credit officer (or the committee, above the product's limit) decides on the request's page,
and the borrower sees the new schedule with the old one beneath it; nobody else sees it."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from loans.servicing.conftest import make_loan_product
from sqlalchemy import func, select

from bank.extensions import db
from bank.forbearance.models import ForbearanceMeasure, MeasureStatus

D = dt.date


@pytest.fixture(autouse=True)
def _release_request_sessions(app):
    """The app fixture keeps one app context per test: end each request's transaction (SQLite lock)."""
    app.teardown_request(lambda _exc: db.remove())


def _key(page: str) -> str:
    return re.search(r'name="form_key" type="hidden" value="([^"]+)"', page).group(1)


def _csrf_free(app):
    app.config["WTF_CSRF_ENABLED"] = False


def test_ask_decide_and_the_borrower_sees_the_new_schedule(app, bank, client, login_as, make_user):
    _csrf_free(app)
    member, account = bank.borrower("Bakkerij De Korenschoof")
    other, _ = bank.borrower("Fietsenmakerij De Spaak")
    loan = bank.book(member, account, "10000.00", 12, D(2028, 6, 1))
    loan_id, member_id, other_id = loan.id, member.id, other.id
    bank.session.commit()

    asker = login_as("credit_officer")
    page = client.get(f"/staff/loans/{loan_id}").get_data(as_text=True)
    assert "Betalingsregeling aanvragen" in page
    assert "Boven een uitstaande hoofdsom van €\xa025.000,00 beslist de kredietcommissie" in page
    # Too long: 12 + 73 instalments is 85 months, past the product's 84; nothing is written.
    refused = client.post(
        f"/staff/loans/{loan_id}/forbearance",
        data={"form_key": _key(page), "extension_periods": "73", "reason": "Omzet gehalveerd"},
    )
    assert refused.status_code == 422
    refusal = "verlengt de lening tot 85 maanden, langer dan de maximale looptijd van het leenproduct van 84"
    assert refusal + " maanden" in refused.get_data(as_text=True)
    same_rate = client.post(
        f"/staff/loans/{loan_id}/forbearance",
        data={"form_key": _key(page), "rate_annual": "12", "reason": "Omzet gehalveerd"},
    )
    assert same_rate.status_code == 422
    assert "moet lager zijn dan de rente van de lening van 12 procent" in same_rate.get_data(as_text=True)
    assert bank.session.scalar(select(func.count()).select_from(ForbearanceMeasure)) == 0
    bank.session.commit()

    asked = client.post(
        f"/staff/loans/{loan_id}/forbearance",
        data={
            "form_key": _key(page),
            "holiday_periods": "3",
            "rate_annual": "6,5",
            "reason": "De verbouwing van de winkel loopt uit; drie maanden geen omzet.",
        },
        follow_redirects=True,
    )
    text = asked.get_data(as_text=True)
    assert asked.status_code == 200, text
    assert "Betalingsregeling aangevraagd; een tweede kredietadviseur beslist erover." in text
    assert "aflossingspauze: 3 termijnen met alleen rente · rente van 12,00 % naar 6,50 %" in text
    assert "u hebt deze regeling aangevraagd; een tweede persoon beslist erover (vier ogen)" in text
    assert "Het schema dat eruit volgt (vandaag berekend)" in text
    measure_id = bank.session.scalar(select(ForbearanceMeasure.id))
    bank.session.commit()
    client.post("/logout")

    login_as("credit_officer")
    review = client.get(f"/staff/forbearance/{measure_id}").get_data(as_text=True)
    assert "Toekennen: het nieuwe schema gaat vandaag in" in review
    assert "De verbouwing van de winkel loopt uit" in review
    granted = client.post(
        f"/staff/forbearance/{measure_id}/decide",
        data={"decision": "grant", "note": ""},
        follow_redirects=True,
    )
    assert "Betalingsregeling toegekend" in granted.get_data(as_text=True)
    measure = bank.session.get(ForbearanceMeasure, measure_id)
    assert measure.status is MeasureStatus.GRANTED and measure.decided_by_id != asker.id
    bank.session.commit()
    loan_page = client.get(f"/staff/loans/{loan_id}").get_data(as_text=True)
    assert "Versie 2 · betalingsregeling" in loan_page
    assert "In de proefperiode tot en met 15-06-2030: ten minste in fase 2 voorzien." in loan_page
    listing = client.get("/staff/forbearance").get_data(as_text=True)
    assert (
        "Leningen onder betalingsregeling (proefperiode)" in listing and "Bakkerij De Korenschoof" in listing
    )
    client.post("/logout")

    login_as(user=make_user("member", member_id=member_id))
    portal = client.get(f"/portal/loans/{loan_id}").get_data(as_text=True)
    assert "Uw aflossingsschema is aangepast" in portal
    assert (
        "Op 15-06-2028 heeft de bank met u afgesproken: aflossingspauze: 3 termijnen met alleen rente"
        in portal
    )
    assert "Vorig aflossingsschema (vervangen)" in portal
    assert "6,50 %" in portal
    client.post("/logout")
    login_as(user=make_user("member", member_id=other_id))
    assert client.get(f"/portal/loans/{loan_id}").status_code == 404


def test_above_the_limit_the_committee_decides_and_finds_it_on_its_page(app, bank, client, login_as):
    _csrf_free(app)
    bank.loan_product = make_loan_product(
        bank.session, code="KLEIN", forbearance_committee_above=Decimal("5000")
    )
    bank.session.commit()
    member, account = bank.borrower("Buurtkeuken Oost")
    loan = bank.book(member, account, "10000.00", 12, D(2028, 6, 1))
    loan_id = loan.id
    bank.session.commit()

    login_as("credit_officer")
    page = client.get(f"/staff/loans/{loan_id}").get_data(as_text=True)
    client.post(
        f"/staff/loans/{loan_id}/forbearance",
        data={"form_key": _key(page), "extension_periods": "6", "reason": "Subsidie vertraagd"},
    )
    measure_id = bank.session.scalar(select(ForbearanceMeasure.id))
    bank.session.commit()
    client.post("/logout")

    login_as("credit_officer")
    review = client.get(f"/staff/forbearance/{measure_id}").get_data(as_text=True)
    assert "de uitstaande hoofdsom van €\xa010.000,00 ligt boven de grens van het leenproduct" in review
    assert "Toekennen" not in review
    assert (
        client.post(f"/staff/forbearance/{measure_id}/decide", data={"decision": "grant"}).status_code == 422
    )
    client.post("/logout")

    login_as("committee")
    queue = client.get("/committee/").get_data(as_text=True)
    assert "Aanvragen betalingsregeling" in queue and f"/staff/forbearance/{measure_id}" in queue
    rejected = client.post(f"/staff/forbearance/{measure_id}/decide", data={"decision": "reject", "note": ""})
    assert rejected.status_code == 422
    assert "is verplicht: zeg waarom de aanvraag wordt afgewezen" in rejected.get_data(as_text=True)
    client.post(
        f"/staff/forbearance/{measure_id}/decide",
        data={"decision": "reject", "note": "Eerst de subsidie afwachten."},
    )
    assert bank.session.get(ForbearanceMeasure, measure_id).status is MeasureStatus.REJECTED
