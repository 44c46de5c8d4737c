"""Issue 13, items 1 and 2: reset links follow no Host header; staff never read a live link."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

import config as bank_config
from bank import create_app
from bank.extensions import db
from bank.notifications import secret_mail
from bank.notifications.models import OutboxMessage

from .conftest import mailed_bodies, mailed_link

NEW_PASSWORD = "a brand new password for sanne"


def outbox_rows() -> list[OutboxMessage]:
    db.session.rollback()
    with db.new_session() as s:
        return list(s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_a_reset_for_a_foreign_host_is_refused_and_mails_nothing(client, saver_user):
    response = client.post(
        "/portal/password-reset", data={"email": saver_user.email}, headers={"Host": "evil.example"}
    )
    assert response.status_code == 400
    assert outbox_rows() == [] and mailed_bodies(saver_user.email) == []


def test_the_link_is_built_from_the_external_url_not_from_forwarded_headers(client, saver_user):
    response = client.post(
        "/portal/password-reset",
        data={"email": saver_user.email},
        headers={"X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 302
    [body] = mailed_bodies(saver_user.email)
    assert "evil.example" not in body
    assert "http://localhost/portal/password-reset/" in body


def test_behind_a_proxy_the_forwarded_host_must_be_trusted_too(database_url, tmp_path: Path, saver_user):
    config = bank_config.TestConfig(database_url=database_url, instance_path=str(tmp_path / "proxied"))
    config.PROXY_HOPS = 1
    config.EXTERNAL_URL = "https://bank.example"
    config.TRUSTED_HOSTS = ["bank.example"]
    proxied = create_app(config)
    client = proxied.test_client()
    forged = client.post(
        "/portal/password-reset",
        data={"email": saver_user.email},
        headers={"Host": "bank.example", "X-Forwarded-Host": "evil.example"},
    )
    assert forged.status_code == 400
    assert mailed_bodies(saver_user.email) == []
    honest = client.post(
        "/portal/password-reset",
        data={"email": saver_user.email},
        headers={"X-Forwarded-Host": "bank.example", "X-Forwarded-Proto": "https"},
    )
    assert honest.status_code == 302
    [body] = mailed_bodies(saver_user.email)
    assert "https://bank.example/portal/password-reset/" in body


def test_the_stored_copy_is_masked_and_the_member_still_resets(client, login_as, saver_user):
    client.post("/portal/password-reset", data={"email": saver_user.email})
    link = mailed_link(saver_user.email)
    token = link.rsplit("/", 1)[1]
    [row] = outbox_rows()
    assert token not in row.body and "/portal/password-reset/" not in row.body
    assert secret_mail.MASK in row.body
    assert row.status.value == "sent"

    # A credit officer who reads the outbox sees the masked copy only.
    login_as("credit_officer")
    page = client.get("/staff/outbox").get_data(as_text=True)
    assert token not in page and saver_user.email in page
    client.post("/logout")

    # The member follows the mailed link and logs in with the new password.
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert (
        client.post("/login", data={"email": saver_user.email, "password": NEW_PASSWORD}).status_code == 302
    )


def test_a_teller_cannot_open_the_outbox(client, login_as, saver_user):
    client.post("/portal/password-reset", data={"email": saver_user.email})
    login_as("teller")
    assert client.get("/staff/outbox").status_code == 403
    page = client.get("/staff/").get_data(as_text=True)
    assert "/staff/outbox" not in page


def test_an_invitation_is_masked_in_the_outbox_too(client, login_as, saver):
    login_as("teller")
    response = client.post(
        f"/staff/members/{saver.member.id}/portal-invite", data={"person_id": saver.member.id}
    )
    assert response.status_code == 302
    link = mailed_link(saver.member.email)
    assert link.startswith("/portal/invite/")
    [row] = outbox_rows()
    assert link.rsplit("/", 1)[1] not in row.body
