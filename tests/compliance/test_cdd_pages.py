"""The due-diligence pages in Dutch: the officer records facts, documents and UBOs and assesses; a
second officer approves the enhanced due diligence; tellers see only the verdict and get 403 here."""

# ruff: noqa: F811
# (the Dutch ``app`` fixture is imported from the language tests and asked for by name)

from __future__ import annotations

import datetime as dt
import re

import pytest
from applications.helpers import TODAY, build_world
from sqlalchemy import select
from translations.conftest import app, compiled_catalogue  # noqa: F401  (Dutch pages)

from bank import clock
from bank.actor import Actor
from bank.audit.models import AuditEvent
from bank.compliance import due_diligence as cdd
from bank.compliance import gate
from bank.compliance.cdd_models import BeneficialOwner, EddStatus, IdentityDocument
from bank.errors import ValidationError
from bank.extensions import db
from bank.members.models import Member


@pytest.fixture(autouse=True)
def pinned_today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture(autouse=True)
def _release_request_sessions(app):
    app.teardown_request(lambda _exc: db.remove())


@pytest.fixture
def world(session, make_user):
    return build_world(session, make_user)


def _key(page: str, form_id: str) -> str:
    form = page[page.index(f'id="{form_id}"') :]
    return re.search(r'name="form_key" type="hidden" value="([^"]+)"', form).group(1)


def _csrf_free(app):
    app.config["WTF_CSRF_ENABLED"] = False


def test_the_officer_works_the_file_in_dutch(app, world, client, login_as, session) -> None:
    _csrf_free(app)
    bram_id, bakery_id = world.bram.id, world.bakery.id
    login_as("compliance")
    index = client.get("/staff/compliance").get_data(as_text=True)
    assert "Naleving" in index and "Herbeoordelingen" in index and "Leden per risicoklasse" in index
    found = client.get(f"/staff/compliance?number={world.bram.number}")
    assert found.status_code == 302 and found.headers["Location"].endswith(
        f"/staff/compliance/members/{bram_id}"
    )

    page = client.get(f"/staff/compliance/members/{bram_id}").get_data(as_text=True)
    assert "Cliëntdossier" in page and "Nog niet beoordeeld." in page
    assert "geen risicofactoren: een persoon die in de EU/EER woont" in page

    # Facts: a Turkish nationality gives "normaal" at the next assessment.
    saved = client.post(
        f"/staff/compliance/members/{bram_id}/facts",
        data={
            "residence_country": "NL",
            "nationality": "TR",
            "expected_monthly_turnover": "2.500,00",
            "purpose": "saving",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Gegevens opgeslagen; beoordeel het risico opnieuw om ze toe te passen." in saved
    assert "€\xa02.500,00" in saved
    assert "nationaliteit buiten de EU/EER (Turkije)" in saved

    # A document with an expiry before its issue is refused beside the field; nothing written.
    refused = client.post(
        f"/staff/compliance/members/{bram_id}/documents",
        data={
            "form_key": _key(saved, "document-form"),
            "kind": "passport",
            "number": "NX8K42JP1",
            "issuing_country": "NL",
            "issued_on": "2024-05-01",
            "expires_on": "2024-04-30",
        },
    )
    assert refused.status_code == 422
    assert "moet na de datum van afgifte liggen" in refused.get_data(as_text=True)
    assert session.scalar(select(IdentityDocument.id)) is None
    session.rollback()  # end the read: SQLite lets one writer in at a time
    recorded = client.post(
        f"/staff/compliance/members/{bram_id}/documents",
        data={
            "form_key": _key(saved, "document-form"),
            "kind": "passport",
            "number": "NX8K42JP1",
            "issuing_country": "NL",
            "issued_on": "2024-05-01",
            "expires_on": "2034-05-01",
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "*****2JP1" in recorded and "NX8K42JP1" not in recorded
    document_id = session.scalar(select(IdentityDocument.id))
    session.commit()
    no_reason = client.post(
        f"/staff/compliance/members/{bram_id}/documents/{document_id}/reveal", data={"reason": ""}
    )
    assert no_reason.status_code == 422 and "is verplicht" in no_reason.get_data(as_text=True)
    asked = client.post(
        f"/staff/compliance/members/{bram_id}/documents/{document_id}/reveal",
        data={"reason": "Controle op verzoek van de FIU"},
    )
    assert asked.status_code == 302
    shown = client.get(asked.headers["Location"])
    assert "NX8K42JP1" in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    # Once: the next visit shows it masked again.
    assert "NX8K42JP1" not in client.get(f"/staff/compliance/members/{bram_id}").get_data(as_text=True)

    assessed = client.post(
        f"/staff/compliance/members/{bram_id}/assess",
        data={"form_key": _key(recorded, "assess"), "raise_to": ""},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Risico beoordeeld." in assessed
    assert "<strong>normaal</strong>" in assessed

    # UBOs of the bakery: a share above 100 % is refused beside the field.
    org_page = client.get(f"/staff/compliance/members/{bakery_id}").get_data(as_text=True)
    assert "Uiteindelijk belanghebbenden (UBO)" in org_page
    ubo = {
        "form_key": _key(org_page, "owner-form"),
        "name": "Marleen Smit",
        "date_of_birth": "1971-05-03",
        "nationality": "NL",
        "residence_country": "NL",
        "interest": "ownership",
        "share_percent": "120",
        "document_kind": "passport",
        "document_number_last4": "8K42",
    }
    too_much = client.post(f"/staff/compliance/members/{bakery_id}/owners", data=ubo)
    assert too_much.status_code == 422
    assert "moet meer dan 0 en hoogstens 100 procent zijn" in too_much.get_data(as_text=True)
    assert session.scalar(select(BeneficialOwner.id)) is None
    session.rollback()
    ubo["share_percent"] = "62,5"
    added = client.post(f"/staff/compliance/members/{bakery_id}/owners", data=ubo, follow_redirects=True)
    assert "Uiteindelijk belanghebbende toegevoegd." in added.get_data(as_text=True)
    assert "62,5\xa0%" in added.get_data(as_text=True)

    # The staff audit log shows the reveal in words with its reason.
    session.commit()
    (event,) = session.scalars(select(AuditEvent).where(AuditEvent.action == "compliance.document_reveal"))
    assert event.detail == "Controle op verzoek van de FIU"


def test_a_second_officer_approves_enhanced_due_diligence(
    app, world, client, login_as, make_user, session
) -> None:
    _csrf_free(app)
    first = make_user("compliance")
    officer = Actor(user_id=first.id, label=first.email, role="compliance")
    cdd.set_flag(session, world.bram, actor=officer, flag="pep", value=True, reason="Wethouder")
    assessment = cdd.assess_member(session, world.bram, actor=officer)
    bram_id, assessment_id = world.bram.id, assessment.id
    session.commit()
    login_as(user=first)
    own = client.get(f"/staff/compliance/members/{bram_id}").get_data(as_text=True)
    assert "vier ogen: u hebt deze beoordeling gemaakt" in own and 'id="edd-decide"' not in own
    assert "Naleving: niet in orde – hoog risico: het verscherpt cliëntenonderzoek wacht op fiat" in own
    client.post("/logout")
    login_as("compliance")
    page = client.get(f"/staff/compliance/members/{bram_id}").get_data(as_text=True)
    assert "Verscherpt cliëntenonderzoek: fiatteren als tweede medewerker" in page
    approved = client.post(
        f"/staff/compliance/members/{bram_id}/assessments/{assessment_id}/edd",
        data={"decision": "approve", "note": "Herkomst vermogen nagegaan"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Verscherpt cliëntenonderzoek goedgekeurd." in approved and "Naleving: in orde" in approved
    # Deciding again (an old page, a second tab) is refused on the page, not silently.
    again = client.post(
        f"/staff/compliance/members/{bram_id}/assessments/{assessment_id}/edd",
        data={"decision": "reject", "note": ""},
    )
    assert again.status_code == 422
    assert "over dit verscherpt cliëntenonderzoek is al beslist" in again.get_data(as_text=True)
    session.expire_all()
    assert session.get(type(assessment), assessment_id).edd_status is EddStatus.APPROVED


def test_tellers_see_only_the_verdict_and_are_refused_the_compliance_pages(
    app, world, client, login_as, session, make_user
) -> None:
    user = make_user("compliance")
    officer = Actor(user_id=user.id, label=user.email, role="compliance")
    cdd.update_facts(session, world.bakery, actor=officer, residence_country="NL", sector="food_and_retail")
    bakery_id = world.bakery.id
    session.commit()
    login_as("teller")
    for url in ("/staff/compliance", "/staff/compliance/reviews", f"/staff/compliance/members/{bakery_id}"):
        assert client.get(url).status_code == 403, url
    member_page = client.get(f"/staff/members/{bakery_id}").get_data(as_text=True)
    assert (
        "Naleving: niet in orde – de uiteindelijk belanghebbenden (UBO) van de organisatie zijn niet"
        " vastgelegd" in member_page
    )
    assert "Voeding en detailhandel" not in member_page and "Cliëntdossier" not in member_page


def test_the_reviews_page_in_dutch(app, world, client, login_as) -> None:
    login_as("admin")
    page = client.get("/staff/compliance/reviews").get_data(as_text=True)
    assert "Herbeoordelingen" in page and "Er is geen herbeoordeling nodig." in page
    assert "Nog niet beoordeeld" in page and world.bram.display_name in page


def test_an_organisation_registered_at_the_counter_cannot_borrow_until_its_ubos_are_recorded(
    app,
    client,
    login_as,
):
    login_as("teller")
    registered = client.post(
        "/staff/members/new/organisation",
        data={
            "legal_name": "Schoonmaakcoöperatie Schoon Oost U.A.",
            "legal_form": "cooperative",
            "kvk_number": "8765 4321",
            "activity": "schoonmaakcoöperatie",
            "street": "Oosterpark",
            "house_number": "9",
            "postcode": "1091 AC",
            "city": "Amsterdam",
            "language": "nl",
        },
    )
    assert registered.status_code == 302
    with db.new_session() as s:
        organisation = s.scalar(select(Member).where(Member.kvk_number == "87654321"))
        assert cdd.file_of(s, organisation.id) is not None  # the registration opened the file
        with pytest.raises(ValidationError) as refused:
            gate.require_clear(s, organisation.id, gate.Purpose.BORROW, field="applicant")
        assert str(refused.value.fields["applicant"]) == (
            "the organisation's ultimate beneficial owners (UBO) are not recorded: an owner of 25 per "
            "cent or more, or a senior managing official, is missing"
        )
        cdd.add_beneficial_owner(
            s,
            organisation,
            actor=Actor(user_id=None, label="system:test-compliance", role="compliance"),
            name="Ayşe Demir",
            date_of_birth=dt.date(1979, 5, 2),
            nationality="NL",
            residence_country="NL",
            interest="senior_manager",
            share_percent=None,
            document_kind="passport",
            document_number_last4="7Q2K",
        )
        gate.require_clear(s, organisation.id, gate.Purpose.BORROW)
