"""Issue 13, items 4 and 10: a code works once, wrong codes add up across log-ins, and staff enrol
their authenticator only through an administrator's single-use link (the secret stays on the server)."""

from __future__ import annotations

import pyotp
import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo
from sqlalchemy import select

from bank import clock
from bank.auth.models import SecondFactorLink, User
from bank.cli import cli
from bank.extensions import db

from .conftest import PASSWORD, enrolled, mailed_link, wrong_code


def user_row(user_id: int) -> User:
    db.session.rollback()
    with db.new_session() as s:
        row = s.get(User, user_id)
        s.expunge(row)
        return row


@pytest.mark.parametrize("role", ["teller", "member"])
def test_the_same_code_does_not_log_in_twice(app, make_user, totp_required, role, saver):
    user = make_user(role, member_id=saver.member.id if role == "member" else None)
    secret = enrolled(user)
    code = pyotp.TOTP(secret).now()
    first, second = app.test_client(), app.test_client()
    first.post("/login", data={"email": user.email, "password": PASSWORD})
    assert first.post("/login/totp", data={"code": code}).status_code == 302
    # An onlooker replays the code in another browser, with the password.
    second.post("/login", data={"email": user.email, "password": PASSWORD})
    replay = second.post("/login/totp", data={"code": code})
    assert replay.status_code == 200
    home = "/staff/" if role == "teller" else "/portal/"
    assert second.get(home).headers["Location"].startswith("/login/totp")


def test_a_right_password_does_not_reset_the_wrong_code_count(client, make_user, totp_required):
    user = make_user("admin")
    secret = enrolled(user)
    refused_rounds = 0
    for _round in range(4):
        if client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code != 302:
            refused_rounds += 1
            continue
        for _ in range(4):
            client.post("/login/totp", data={"code": wrong_code(secret)})
    row = user_row(user.id)
    # The fifth wrong code locked the account; the attacker never got 16 guesses.
    assert row.locked_until is not None and row.locked_until > clock.now_utc()
    assert refused_rounds >= 2
    assert row.failed_second_factors == 5


def test_a_right_code_resets_the_count(client, make_user, totp_required):
    user = make_user("teller")
    secret = enrolled(user)
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    for _ in range(3):
        client.post("/login/totp", data={"code": wrong_code(secret)})
    assert client.post("/login/totp", data={"code": pyotp.TOTP(secret).now()}).status_code == 302
    assert user_row(user.id).failed_second_factors == 0


def test_staff_enrol_through_the_admin_link_and_the_secret_stays_on_the_server(
    app, client, make_user, login_as
):
    teller = make_user("teller")
    login_as("admin")
    page = client.get("/staff/second-factor").get_data(as_text=True)
    assert teller.email in page
    assert client.post(f"/staff/second-factor/{teller.id}/link").status_code == 302
    client.post("/logout")
    link = mailed_link(teller.email)
    assert link.startswith("/login/second-factor/")

    opened = client.get(link)
    assert opened.status_code == 200
    with client.session_transaction() as state:
        assert not any("secret" in key for key in state)  # not in the readable cookie
    secret = user_row(teller.id).totp_setup_secret
    assert secret and secret in opened.get_data(as_text=True)

    # The password is needed too: a stolen link alone enrols nothing.
    bad = client.post(link, data={"password": "not the password", "code": pyotp.TOTP(secret).now()})
    assert bad.status_code == 422 and user_row(teller.id).totp_secret is None
    done = client.post(link, data={"password": PASSWORD, "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302
    row = user_row(teller.id)
    assert row.totp_secret == secret and row.totp_setup_secret is None
    # Single use.
    assert client.get(link).status_code == 410


def test_a_teller_cannot_issue_links(client, login_as, make_user):
    other = make_user("teller")
    login_as("teller")
    assert client.get("/staff/second-factor").status_code == 403
    assert client.post(f"/staff/second-factor/{other.id}/link").status_code == 403
    with db.new_session() as s:
        assert s.scalars(select(SecondFactorLink)).all() == []


def test_the_command_line_prints_a_link(app, make_user):
    admin = make_user("admin", email="eerste.beheerder@test.example")
    info = ScriptInfo(create_app=lambda: app)
    result = CliRunner().invoke(cli, ["users", "second-factor-link", admin.email], obj=info)
    assert result.exit_code == 0, result.output
    assert "http://localhost/login/second-factor/" in result.output
    unknown = CliRunner().invoke(cli, ["users", "second-factor-link", "nobody@test.example"], obj=info)
    assert unknown.exit_code == 2
