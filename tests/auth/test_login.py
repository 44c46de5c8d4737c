"""Log-in rules: lock-out, session rotation, idle time-out, second factor, password length."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select

from bank import clock
from bank.actor import system
from bank.audit.models import AuditEvent
from bank.auth import service as auth_service
from bank.auth.models import User
from bank.errors import ValidationError
from bank.extensions import db

from .conftest import PASSWORD, enrolled, wrong_code

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def events(action: str, user_id: int | None = None) -> list[AuditEvent]:
    with db.new_session() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        if user_id is not None:
            query = query.where(AuditEvent.object_id == str(user_id))
        return list(session.scalars(query))


def log_in(client, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def test_a_successful_log_in_is_audited_with_the_address(client, make_user):
    user = make_user("teller")
    response = log_in(client, user.email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"
    [event] = events("login.succeeded", user.id)
    assert (event.actor_id, event.ip_address) == (user.id, "127.0.0.1")


def test_a_wrong_password_is_refused_with_one_message_for_every_cause(client, make_user):
    user = make_user("teller")
    wrong = log_in(client, user.email, "not the password at all")
    unknown = log_in(client, "nobody@test.example", "whatever whatever")
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "E-mail or password is incorrect." in response.get_data(as_text=True) or (
            "E-mailadres of wachtwoord" in response.get_data(as_text=True)
        )
    assert [e.detail for e in events("login.failed")] == ["failed attempt 1", "unknown or inactive"]


def test_five_failed_log_ins_lock_the_account_for_fifteen_minutes(client, make_user):
    user = make_user("teller")
    with clock.frozen(T0):
        for _ in range(5):
            assert log_in(client, user.email, "wrong password 123").status_code == 401
        # Locked: even the right password is refused now.
        refused = log_in(client, user.email)
        assert refused.status_code == 401
    failed = events("login.failed", user.id)
    assert [e.detail for e in failed] == [
        "failed attempt 1",
        "failed attempt 2",
        "failed attempt 3",
        "failed attempt 4",
        "account locked for 15 minutes",
    ]
    assert len(events("login.refused_locked", user.id)) == 1
    with db.new_session() as session:
        assert session.get(User, user.id).locked_until == T0 + dt.timedelta(minutes=15)

    with clock.frozen(T0 + dt.timedelta(minutes=14, seconds=59)):
        assert log_in(client, user.email).status_code == 401
    with clock.frozen(T0 + dt.timedelta(minutes=15, seconds=1)):
        assert log_in(client, user.email).status_code == 302
    with db.new_session() as session:
        stored = session.get(User, user.id)
        assert (stored.failed_logins, stored.locked_until) == (0, None)


def test_log_in_rotates_the_session(app, client, make_user):
    user = make_user("teller")
    with client.session_transaction() as before:
        before["planted"] = "by an attacker"
        before["lang"] = "en"
    anonymous_cookie = client.get_cookie("wijkbank_session").value

    assert log_in(client, user.email).status_code == 302
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["lang"] == "en"  # the chosen language is kept on purpose
    assert client.get_cookie("wijkbank_session").value != anonymous_cookie
    assert client.get("/staff/").status_code == 200

    # The cookie from before the log-in is still only an anonymous one.
    replay = app.test_client()
    replay.set_cookie("wijkbank_session", anonymous_cookie)
    assert replay.get("/staff/").status_code == 302


def test_a_log_in_elsewhere_and_a_log_out_void_older_session_cookies(app, make_user):
    user = make_user("teller")
    first, second = app.test_client(), app.test_client()
    log_in(first, user.email)
    assert first.get("/staff/").status_code == 200

    log_in(second, user.email)
    assert second.get("/staff/").status_code == 200
    assert first.get("/staff/").status_code == 302  # session_version moved on

    copied = second.get_cookie("wijkbank_session").value
    assert second.post("/logout").status_code == 302
    assert len(events("logout", user.id)) == 1
    # A copy of the cookie taken before the log-out does not open the back office again.
    replay = app.test_client()
    replay.set_cookie("wijkbank_session", copied)
    response = replay.get("/staff/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_staff_are_logged_out_after_thirty_idle_minutes(client, make_user):
    user = make_user("teller")
    with clock.frozen(T0):
        log_in(client, user.email)
        assert client.get("/staff/").status_code == 200
    with clock.frozen(T0 + dt.timedelta(minutes=29)):
        assert client.get("/staff/").status_code == 200  # activity resets the clock
    with clock.frozen(T0 + dt.timedelta(minutes=58)):
        assert client.get("/staff/").status_code == 200
    with clock.frozen(T0 + dt.timedelta(minutes=58 + 30, seconds=1)):
        response = client.get("/staff/")
        assert response.status_code == 302
        assert response.headers["Location"] == "/login?expired=1"
        # And the session is gone, not just this one request.
        assert client.get("/staff/").headers["Location"].startswith("/login?next=")


def test_passwords_shorter_than_twelve_characters_are_refused(session):
    with pytest.raises(ValidationError) as refused:
        auth_service.create_user(
            session,
            email="short@test.example",
            name="Short",
            role="teller",
            password="elevenchars",
            actor=system("t"),
        )
    assert refused.value.fields == {"password": "must be at least 12 characters"}
    user = auth_service.create_user(
        session,
        email="long@test.example",
        name="Long",
        role="teller",
        password="twelve chars",
        actor=system("t"),
    )
    with pytest.raises(ValidationError, match="at least 12 characters"):
        auth_service.set_password(session, user, "too short", actor=system("t"))
    assert user.password_hash.startswith("$argon2id$")


# --- second factor -------------------------------------------------------------------------


def code_at(secret: str, seconds: int) -> str:
    return pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds))


def test_staff_must_pass_the_second_factor(client, make_user, totp_required):
    user = make_user("teller")
    secret = enrolled(user)
    response = log_in(client, user.email)
    assert response.headers["Location"].startswith("/login/totp")
    # Password alone does not open the back office.
    assert client.get("/staff/").headers["Location"].startswith("/login/totp")

    refused = client.post("/login/totp", data={"code": wrong_code(secret)})
    assert refused.status_code == 200
    assert client.get("/staff/").headers["Location"].startswith("/login/totp")
    [failed] = events("login.totp_failed", user.id)
    assert failed.detail == "failed attempt 1"

    accepted = client.post("/login/totp", data={"code": pyotp.TOTP(secret).now()})
    assert accepted.status_code == 302
    assert client.get("/staff/").status_code == 200
    assert len(events("login.totp_ok", user.id)) == 1

    # Next time a later code is asked for (the one used is spent).
    client.post("/logout")
    log_in(client, user.email)
    assert client.post("/login/totp", data={"code": code_at(secret, 30)}).status_code == 302
    assert client.get("/staff/").status_code == 200


def test_staff_without_a_second_factor_get_no_set_up_on_first_use(client, make_user, totp_required):
    user = make_user("teller")
    log_in(client, user.email)
    page = client.get("/login/totp")
    assert page.status_code == 403
    assert "Ask an administrator for a set-up link" in page.get_data(as_text=True)
    with client.session_transaction() as state:
        assert not any("secret" in key for key in state)
    assert client.get("/staff/").headers["Location"].startswith("/login/totp")


def test_five_wrong_codes_lock_the_account(client, make_user, totp_required):
    user = make_user("teller")
    secret = enrolled(user)
    log_in(client, user.email)
    for _ in range(4):
        assert client.post("/login/totp", data={"code": wrong_code(secret)}).status_code == 200
    locked = client.post("/login/totp", data={"code": wrong_code(secret)})
    assert locked.status_code == 302 and locked.headers["Location"] == "/login"
    assert client.get("/staff/").headers["Location"].startswith("/login?next=")
    assert [e.detail for e in events("login.totp_failed", user.id)][-1] == "account locked for 15 minutes"
    assert log_in(client, user.email).status_code == 401  # locked: the password alone is refused too
