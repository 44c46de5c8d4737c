"""The members pages of the back office, through the test client (English UI)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from bank.audit.models import AuditEvent
from bank.members import service
from bank.members.models import IdentityCheck, Member, MemberStatus, Representative

from .data import VALID_BSN

PERSON_FORM = {
    "first_name": "Kwabena",
    "name_prefix": "",
    "last_name": "Owusu",
    "date_of_birth": "1979-06-02",
    "bsn": "",
    "street": "Bijlmerdreef",
    "house_number": "1001",
    "postcode": "1103ab",
    "city": "Amsterdam",
    "email": "kwabena.owusu@example.nl",
    "phone": "06 2345 6789",
    "external_iban": "NL91 ABNA 0417 1643 00",
    "language": "en",
    "notes": "",
}


def text_of(response) -> str:
    return response.get_data(as_text=True)


def members_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Member))


def field_block(html: str, name: str) -> str:
    """The rendered ``field`` macro block around input ``name`` (label, input, errors)."""
    at = html.index(f'name="{name}"')
    begin = html.rindex('<div class="field', 0, at)
    following = html.find('<div class="field', at)
    return html[begin : following if following != -1 else len(html)]


def test_teller_registers_a_person_through_the_form(client, login_as, session):
    login_as("teller", language="en")
    response = client.post("/staff/members/new/person", data=PERSON_FORM)
    assert response.status_code == 302
    member = session.scalar(select(Member))
    assert response.headers["Location"].endswith(f"/staff/members/{member.id}")
    assert (member.number, member.postcode, member.external_iban) == (1, "1103 AB", "NL91ABNA0417164300")
    assert member.status is MemberStatus.APPLICANT
    session.rollback()  # SQLite: end our read transaction before the next request
    page = text_of(client.get(response.headers["Location"]))
    assert "Member 1 registered." in page
    assert "Kwabena Owusu" in page
    assert "NL91 ABNA 0417 1643 00" in page
    assert "member.register" in page  # the audit trail on the detail page


def test_bad_field_is_shown_next_to_the_field_and_nothing_is_written(client, login_as, session):
    login_as("teller", language="en")
    response = client.post(
        "/staff/members/new/person", data={**PERSON_FORM, "postcode": "1103 A", "bsn": "123456789"}
    )
    assert response.status_code == 422
    html = text_of(response)
    postcode_block = field_block(html, "postcode")
    assert "has-error" in postcode_block.split(">", 1)[0]
    assert "must be a Dutch postcode" in postcode_block
    assert "11-proef" in field_block(html, "bsn")
    assert "error" not in field_block(html, "last_name")
    assert 'value="Owusu"' in html, "what was typed is kept"
    assert members_count(session) == 0
    assert session.scalar(select(func.count()).where(AuditEvent.action == "member.register")) == 0


def test_duplicate_email_via_form_names_the_field(client, login_as, session, person_factory):
    person_factory(email="kwabena.owusu@example.nl")
    session.commit()
    login_as("teller", language="en")
    response = client.post("/staff/members/new/person", data=PERSON_FORM)
    assert response.status_code == 422
    html = text_of(response)
    assert "is already used by member 1" in field_block(html, "email")
    assert members_count(session) == 1


def test_register_organisation_with_representative_and_identity_check(
    client, login_as, session, person_factory
):
    chair = person_factory(first_name="Ayşe", last_name="Demir")
    session.commit()
    login_as("credit_officer", language="en")
    response = client.post(
        "/staff/members/new/organisation",
        data={
            "legal_name": "Schoonmaakcoöperatie Schoon Oost U.A.",
            "legal_form": "cooperative",
            "kvk_number": "8765 4321",
            "activity": "cleaning co-op",
            "listing_consent": "y",
            "street": "Oosterpark",
            "house_number": "9",
            "postcode": "1091 AC",
            "city": "Amsterdam",
            "language": "nl",
        },
    )
    assert response.status_code == 302, text_of(response)
    organisation = session.scalar(select(Member).where(Member.kvk_number == "87654321"))
    assert organisation.listing_consent is True
    url = f"/staff/members/{organisation.id}"
    organisation_number, chair_number, chair_id = organisation.number, chair.number, chair.id
    session.rollback()

    bad = client.post(f"{url}/representatives", data={"person_number": "999", "role": "voorzitter"})
    assert bad.status_code == 422
    assert "no member has this number" in text_of(bad)
    self_rep = client.post(f"{url}/representatives", data={"person_number": organisation_number, "role": "x"})
    assert "must be a person-member" in text_of(self_rep)

    ok = client.post(f"{url}/representatives", data={"person_number": chair_number, "role": "voorzitter"})
    assert ok.status_code == 302
    check = client.post(
        f"{url}/identity-checks",
        data={"document_kind": "kvk_extract", "document_number_last4": "4321", "checked_on": "2026-01-05"},
    )
    assert check.status_code == 302
    wrong_kind = client.post(
        f"{url}/identity-checks",
        data={"document_kind": "passport", "document_number_last4": "4321", "checked_on": "2026-01-05"},
    )
    assert wrong_kind.status_code == 422
    page = text_of(client.get(url))
    assert "Ayşe Demir" in page and "voorzitter" in page
    assert "…4321" in page
    person_page = text_of(client.get(f"/staff/members/{chair_id}"))
    assert "Schoonmaakcoöperatie Schoon Oost U.A." in person_page
    assert session.scalar(select(func.count()).select_from(Representative)) == 1
    assert session.scalar(select(func.count()).select_from(IdentityCheck)) == 1


def test_list_search_and_paging(client, login_as, session, person_factory):
    for n in range(30):
        person_factory(last_name=f"Achternaam{n:02d}", postcode="1094 AB" if n % 2 else "1102 CD")
    person_factory(first_name="Jan", name_prefix="de", last_name="Vries", postcode="1093 XY")
    session.commit()
    login_as("teller", language="en")
    first = text_of(client.get("/staff/members"))
    assert "31 members" in first
    assert "page 1 of 2" in first
    assert "Achternaam00" in first and "Vries, Jan de" not in first
    second = text_of(client.get("/staff/members?page=2"))
    assert "Vries, Jan de" in second
    found = text_of(client.get("/staff/members?q=1093+xy"))
    assert "1 member" in found and "Vries, Jan de" in found
    by_area = text_of(client.get("/staff/members?q=1094"))
    assert "15 members" in by_area
    nothing = text_of(client.get("/staff/members?q=zzz"))
    assert "No members match this search." in nothing


def test_detail_masks_the_bsn_and_only_admins_reveal_it(client, login_as, session, person_factory):
    member = person_factory(bsn=VALID_BSN)
    session.commit()
    url = f"/staff/members/{member.id}"

    login_as("teller", language="en")
    page = text_of(client.get(url))
    assert "*****2333" in page
    assert VALID_BSN not in page
    assert "/bsn" not in page, "no reveal button for tellers"
    refused = client.post(f"{url}/bsn")
    assert refused.status_code == 403
    assert VALID_BSN not in text_of(refused)

    login_as("admin", language="en")
    page = text_of(client.get(url))
    assert VALID_BSN not in page and "*****2333" in page
    revealed = client.post(f"{url}/bsn")
    assert revealed.status_code == 200
    assert f'<code class="secret" id="bsn-revealed">{VALID_BSN}</code>' in text_of(revealed)
    assert revealed.headers["Cache-Control"] == "no-store"
    assert VALID_BSN not in text_of(client.get(url)), "a plain reload is masked again"

    actions = session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "member", AuditEvent.object_id == str(member.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["member.register", "bsn.reveal_refused", "bsn.reveal"]


def test_edit_member_audits_the_change(client, login_as, session, person_factory):
    member = person_factory(bsn=VALID_BSN, phone="0612345678")
    session.commit()
    login_as("teller", language="en")
    form = text_of(client.get(f"/staff/members/{member.id}/edit"))
    assert VALID_BSN not in form
    assert 'value="1094 HB"' in form
    data = {
        "first_name": member.first_name,
        "name_prefix": "",
        "last_name": member.last_name,
        "date_of_birth": member.date_of_birth.isoformat(),
        "bsn": "",
        "street": "Javastraat",
        "house_number": member.house_number,
        "postcode": "1094 HC",
        "city": "Amsterdam",
        "email": member.email,
        "phone": "06 1234 5678",
        "external_iban": "",
        "language": "nl",
        "notes": "",
    }
    response = client.post(f"/staff/members/{member.id}/edit", data=data)
    assert response.status_code == 302
    bad = client.post(f"/staff/members/{member.id}/edit", data={**data, "date_of_birth": "2020-01-01"})
    assert bad.status_code == 422
    assert "at least 18 years old" in text_of(bad)
    session.expire_all()
    assert (member.postcode, member.phone, member.bsn) == ("1094 HC", "06 1234 5678", VALID_BSN)
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "member.update"))
    assert event.before == {"postcode": "1094 HB", "phone": "0612345678"}
    assert event.after == {"postcode": "1094 HC", "phone": "06 1234 5678"}


def test_change_status_through_the_page(client, login_as, session, person_factory, actor):
    member = person_factory()
    service.activate_on_first_share(session, member, actor=actor, on=dt.date(2026, 1, 10))
    session.commit()
    login_as("teller", language="en")
    url = f"/staff/members/{member.id}"
    page = text_of(client.get(url))
    assert 'value="suspended"' in page and 'value="left"' in page and 'value="active"' not in page
    no_reason = client.post(f"{url}/status", data={"status": "suspended", "reason": ""})
    assert no_reason.status_code == 422
    assert "is required to suspend" in text_of(no_reason)
    not_offered = client.post(f"{url}/status", data={"status": "applicant", "reason": "x"})
    assert not_offered.status_code == 422
    ok = client.post(f"{url}/status", data={"status": "suspended", "reason": "contribution unpaid"})
    assert ok.status_code == 302
    session.expire_all()
    assert member.status is MemberStatus.SUSPENDED
    session.rollback()
    assert "Status changed to suspended." in text_of(client.get(url))


@pytest.mark.parametrize("role", ["committee"])
def test_committee_members_do_not_see_members(client, login_as, role):
    login_as(role, language="en")
    assert client.get("/staff/members").status_code == 403
    assert client.get("/staff/members/new/person").status_code == 403


def test_the_installed_panels_appear_on_the_member_page(client, login_as, session, person_factory, app):
    from jinja2 import ChoiceLoader, DictLoader

    from bank.web.staff import members as members_views

    member = person_factory()
    session.commit()
    panel = {"test_panel.html": "<p>panel for {{ member.number }}: {{ extra }}</p>"}
    app.jinja_env.loader = ChoiceLoader([DictLoader(panel), app.jinja_env.loader])
    app.extensions[members_views.PANELS] = (
        *app.extensions[members_views.PANELS],
        members_views.MemberPanel("test_panel.html", lambda s, m: {"extra": "accounts here"}),
    )
    login_as("teller", language="en")
    page = text_of(client.get(f"/staff/members/{member.id}"))
    assert f"<p>panel for {member.number}: accounts here</p>" in page


def test_edit_organisation_prefills_and_saves(client, login_as, session, organisation_factory):
    organisation = organisation_factory(legal_form="association", listing_consent=False)
    session.commit()
    login_as("credit_officer", language="en")
    url = f"/staff/members/{organisation.id}/edit"
    form = text_of(client.get(url))
    assert '<option selected value="association">' in form or 'selected value="association"' in form
    data = {
        "legal_name": organisation.legal_name,
        "legal_form": "association",
        "kvk_number": organisation.kvk_number,
        "activity": "community bakery",
        "listing_consent": "y",
        "street": organisation.street,
        "house_number": organisation.house_number,
        "postcode": organisation.postcode,
        "city": organisation.city,
        "language": "nl",
        "notes": "Statutes seen.\nBoard elected in May.",
    }
    assert client.post(url, data=data).status_code == 302
    session.expire_all()
    assert (organisation.activity, organisation.listing_consent) == ("community bakery", True)
    assert organisation.notes == "Statutes seen.\nBoard elected in May."
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "member.update"))
    assert event.before == {"activity": "co-op bakery", "listing_consent": False, "notes": ""}


def test_unknown_members_are_not_found(client, login_as, session, person_factory):
    member = person_factory()  # no BSN recorded
    session.commit()
    login_as("admin", language="en")
    assert client.get("/staff/members/999999").status_code == 404
    assert client.get("/staff/members/999999/edit").status_code == 404
    assert client.post("/staff/members/999999/status", data={"status": "left"}).status_code == 404
    assert client.post(f"/staff/members/{member.id}/bsn").status_code == 404
