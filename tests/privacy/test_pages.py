"""The privacy pages as their users use them, in Dutch: a member asks in the portal and reads the
answer; the teller records a former member's request at the bank; the compliance officer sees who
is kept until when; nobody else sees another member's answer."""

from __future__ import annotations

import datetime as dt

import pytest
from savings import factories
from sqlalchemy import select
from translations.conftest import app, compiled_catalogue  # noqa: F401  (Dutch pages)

from bank.extensions import db
from bank.members.models import Member
from bank.privacy.models import ErasureRequest


@pytest.fixture(autouse=True)
def _release_request_sessions(app):  # noqa: F811
    app.teardown_request(lambda _exc: db.remove())


def test_a_member_asks_in_the_portal_and_reads_what_is_kept_while_a_member(app, client, make_user, login_as):  # noqa: F811
    with db.unit_of_work(db.new_session()) as s:
        sanne = factories.member(s, first_name="Sanne", last_name="Kok")
        bram = factories.member(s, first_name="Bram", last_name="Dekker")
        sanne_id, bram_id = sanne.id, bram.id
    bram_user = make_user("member", email="bram.login@example.org", member_id=bram_id)
    login_as(user=make_user("member", email="sanne.login@example.org", member_id=sanne_id))
    page = client.get("/portal/my-data").get_data(as_text=True)
    assert "Mijn gegevens laten verwijderen" in page
    answered = client.post("/portal/my-data/erasure", follow_redirects=True)
    text = answered.get_data(as_text=True)
    assert answered.status_code == 200, text
    assert "We hebben uw verzoek ontvangen." in text
    assert "Zolang u lid bent, hebben we uw gegevens nodig" in text
    assert "tot vijf jaar na het einde van het lidmaatschap" in text
    assert "tot 31 december, zeven jaar na het jaar waarin het lidmaatschap eindigt" in text
    assert "Wwft art. 33: vijf jaar na het einde van de relatie" in text
    with db.new_session() as s:
        request_id = s.scalar(select(ErasureRequest.id).where(ErasureRequest.member_id == sanne_id))
        assert s.get(Member, sanne_id).email is not None  # a member keeps their address
    assert "Uw verzoek van" in client.get("/portal/my-data").get_data(as_text=True)
    # Bram may not read Sanne's answer.
    client.post("/logout")
    login_as(user=bram_user)
    assert client.get(f"/portal/my-data/erasure/{request_id}").status_code == 404


def test_the_teller_records_a_former_members_request_and_compliance_sees_the_retention(
    app,  # noqa: F811
    client,
    login_as,
    make_former,
):
    former = make_former(dt.date(2026, 3, 15))
    login_as("teller")
    page = client.get(f"/staff/members/{former.member_id}").get_data(as_text=True)
    assert "Privacy en bewaartermijnen" in page
    assert "Vertrokken op 15-03-2026. De bewaartermijnen lopen tot en met 31-12-2033" in page
    recorded = client.post(f"/staff/members/{former.member_id}/erasure-request", follow_redirects=True)
    text = recorded.get_data(as_text=True)
    assert recorded.status_code == 200, text
    assert "Het verzoek is vastgelegd; geef het lid dit antwoord." in text
    assert "Meteen verwijderd: de contactgegevens die geen wet ons laat bewaren" in text
    assert "tot en met 15-03-2031" in text and "tot en met 31-12-2033" in text
    assert client.get("/staff/privacy").status_code == 403  # the overview is for compliance
    client.post("/logout")
    login_as("compliance")
    overview = client.get("/staff/privacy").get_data(as_text=True)
    assert "Oud-leden van wie we nog gegevens bewaren" in overview
    assert "01-01-2034" in overview
    assert "contactgegevens verwijderd, de rest bewaard" in overview
    client.post("/logout")
    login_as("committee")
    assert client.post(f"/staff/members/{former.member_id}/erasure-request").status_code == 403
