"""The compliance officer's view of the audit log: every reveal of a BSN and every export, nothing else."""

from __future__ import annotations

import pytest
from savings import factories
from translations.conftest import app, compiled_catalogue  # noqa: F401  (Dutch pages)

from bank.actor import Actor
from bank.audit import record
from bank.extensions import db
from bank.members import service as members


@pytest.fixture(autouse=True)
def _release_request_sessions(app):  # noqa: F811
    app.teardown_request(lambda _exc: db.remove())


def test_reveals_and_exports_lists_the_bsn_shown_and_the_export_only(app, client, login_as, make_user):  # noqa: F811
    admin = make_user("admin", name="Anouk Beheer")
    with db.unit_of_work(db.new_session()) as s:
        member = factories.member(s, first_name="Sanne", last_name="Kok")
        member.bsn = "111222333"
        members.reveal_bsn(s, member, Actor(user_id=admin.id, label=admin.email, role="admin"))
        sanne = Actor(user_id=None, label="sanne@example.org", role="member")
        record(s, sanne, "portal.data_export", "member", member.id, detail="pdf")
    login_as("compliance")
    page = client.get("/staff/audit/reveals-and-exports")
    text = page.get_data(as_text=True)
    assert page.status_code == 200, text
    assert "Inzage en exports" in text
    assert "BSN volledig getoond" in text and "Lid heeft eigen gegevens gedownload" in text
    assert text.count("<tr><td>") == 2  # the reveal and the export; the registration is not listed
    assert client.get("/staff/audit").status_code == 403  # the whole log stays the administrator's
    client.post("/logout")
    login_as("teller")
    assert client.get("/staff/audit/reveals-and-exports").status_code == 403
