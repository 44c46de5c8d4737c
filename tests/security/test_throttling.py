"""Issue 13, item 9: throttling slows the attacker, not the owner.

The probe sent 100+ failed log-ins from one address without being slowed, locked any account
(admins too) with five requests, and had seven reset mails sent to one address in seconds. Here
the limits are in force (the rest of the suite switches them off with ``RATELIMIT_ENABLED``), with
the real Dutch catalogue: the bank's own 429 page speaks Dutch, the API answers JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

import config as settings
from bank import clock, create_app
from bank.auth.models import User
from bank.extensions import db, limiter

from .conftest import mailed_bodies, mailed_link, new_saver

PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase for sanne"
TOO_MANY = "Te veel pogingen in korte tijd. Wacht een minuut en probeer het opnieuw."
LOCKED = "Deze inlog wordt na 5 mislukte inlogpogingen 15 minuten geblokkeerd."
INCORRECT = "E-mailadres of wachtwoord is onjuist."


class LimitedConfig(settings.TestConfig):
    """The test settings with throttling on and the real catalogue, as in production."""

    RATELIMIT_ENABLED = True
    BABEL_TRANSLATION_DIRECTORIES = settings.Config.BABEL_TRANSLATION_DIRECTORIES


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(LimitedConfig(database_url=database_url, instance_path=str(tmp_path / "inst")))
    with application.app_context():
        yield application
    db.remove()
    if db.engine is not None:
        db.engine.dispose()


def from_address(app: Flask, address: str) -> FlaskClient:
    """A browser at another client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def log_in(client: FlaskClient, email: str, password: str = PASSWORD):
    return client.post("/login", data={"email": email, "password": password})


def stored(user_id: int) -> User:
    db.session.rollback()
    with db.new_session() as s:
        row = s.get(User, user_id)
        s.expunge(row)
        return row


def test_the_limits_are_in_force_here(app):
    assert app.config["RATELIMIT_ENABLED"] and limiter.enabled


def test_a_spray_from_one_address_is_slowed_and_locks_no_account(app, make_user):
    victims = [make_user("member") for _ in range(12)]
    attacker = from_address(app, "203.0.113.9")
    answers = [log_in(attacker, v.email, "Zomer2026!Zomer").status_code for v in victims]
    # Ten failures a minute from one address; then the bank's own page, in Dutch.
    assert answers == [401] * 10 + [429] * 2
    refused = log_in(attacker, victims[0].email)
    assert refused.status_code == 429
    assert TOO_MANY in refused.get_data(as_text=True)
    assert "<html" in refused.get_data(as_text=True)
    # No account was locked by the spray: each owner logs in from home with the right password.
    for victim in victims:
        row = stored(victim.id)
        assert row.locked_until is None and row.failed_logins <= 1
    assert log_in(from_address(app, "198.51.100.20"), victims[0].email).status_code == 302


def test_right_passwords_do_not_use_up_an_address(app, make_user):
    """An office or a household behind one address logs in all day."""
    office = from_address(app, "192.0.2.50")
    users = [make_user("teller") for _ in range(3)]
    for _ in range(5):
        for user in users:
            assert log_in(office, user.email).status_code == 302
            office.post("/logout")
    assert log_in(office, users[0].email, "wrong wrong wrong").status_code == 401


def _lock_out(app: Flask, email: str, address: str) -> list:
    client = from_address(app, address)
    return [log_in(client, email, f"guess number {n:04d}") for n in range(6)]


def test_the_lock_out_message_is_the_same_for_known_and_unknown_addresses(app, make_user):
    user = make_user("admin", email="beheer@test.example")
    known = _lock_out(app, user.email, "203.0.113.1")
    unknown = _lock_out(app, "niemand@test.example", "203.0.113.2")
    for n, (k, u) in enumerate(zip(known, unknown, strict=True)):
        assert k.status_code == u.status_code == 401
        k_page = k.get_data(as_text=True).replace(user.email, "ADDRESS")
        u_page = u.get_data(as_text=True).replace("niemand@test.example", "ADDRESS")
        assert k_page == u_page, f"attempt {n + 1} tells the addresses apart"
        assert (LOCKED in k_page) is (n >= 4)
        assert (INCORRECT in k_page) is (n < 4)


def test_the_owner_of_a_locked_account_resets_and_logs_in_at_once(app, saver_user):
    _lock_out(app, saver_user.email, "203.0.113.3")
    assert stored(saver_user.id).locked_until > clock.now_utc()
    owner = from_address(app, "198.51.100.7")
    assert LOCKED in log_in(owner, saver_user.email).get_data(as_text=True)

    assert owner.post("/portal/password-reset", data={"email": saver_user.email}).status_code == 302
    link = mailed_link(saver_user.email)
    assert owner.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert log_in(owner, saver_user.email, NEW_PASSWORD).status_code == 302
    assert owner.get("/portal/").status_code == 200


def test_reset_mails_to_one_address_are_limited_wherever_they_are_asked(app, saver_user, make_user):
    answers = [
        from_address(app, f"203.0.113.{20 + n}")
        .post("/portal/password-reset", data={"email": saver_user.email.upper()})
        .status_code
        for n in range(7)
    ]
    assert answers == [302] * 3 + [429] * 4
    assert len(mailed_bodies(saver_user.email)) == 3
    # The same for an address nobody has: the limit tells nothing about who is a member.
    unknown = [
        from_address(app, f"203.0.113.{40 + n}")
        .post("/portal/password-reset", data={"email": "niemand@test.example"})
        .status_code
        for n in range(4)
    ]
    assert unknown == [302] * 3 + [429]


def test_reset_requests_from_one_address_are_limited(app, make_user):
    savers = [new_saver() for _ in range(6)]
    for saver in savers:
        make_user("member", email=saver.member.email, member_id=saver.member.id)
    client = from_address(app, "203.0.113.60")
    answers = [
        client.post("/portal/password-reset", data={"email": s.member.email}).status_code for s in savers
    ]
    assert answers == [302] * 5 + [429]
    assert [len(mailed_bodies(s.member.email)) for s in savers] == [1] * 5 + [0]


def test_second_factor_guesses_are_limited_per_log_in_across_lock_outs(app, make_user):
    app.config["STAFF_TOTP_REQUIRED"] = True
    user = make_user("admin")
    secret = pyotp.random_base32()
    with db.unit_of_work(db.new_session()) as s:
        s.get(User, user.id).totp_secret = secret
    valid = {pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=s)) for s in (-90, 0, 90)}
    wrong = next(c for c in ("000000", "111111", "222222", "333333") if c not in valid)
    answers = []
    start = clock.now_utc()
    for round_ in range(3):
        # Each round from a new address, after the account's lock has run out.
        with clock.frozen(start + dt.timedelta(minutes=16 * round_)):
            client = from_address(app, f"203.0.113.{80 + round_}")
            assert log_in(client, user.email).status_code == 302
            answers += [client.post("/login/totp", data={"code": wrong}).status_code for _ in range(5)]
    # Two rounds of five wrong codes (each fifth locks the account and ends the session), then the
    # per-log-in limit of ten codes in 15 minutes holds whatever the address (the limiter keeps real
    # time; the frozen clock only lets the account's own lock run out).
    assert answers[:10] == [200, 200, 200, 200, 302] * 2
    assert answers[10:] == [429] * 5


def test_invitations_for_one_member_are_limited(app, client, login_as, saver):
    login_as("teller")
    answers = [
        client.post(f"/staff/members/{saver.member.id}/portal-invite", data={}).status_code for _ in range(4)
    ]
    assert answers == [302] * 3 + [429]
    assert len(mailed_bodies(saver.member.email)) == 3


def test_the_api_answers_json_when_limited(app):
    client = from_address(app, "203.0.113.99")
    for _ in range(60):
        assert client.post("/api/v1/schedule-preview", json={}).status_code == 422
    limited = client.post("/api/v1/schedule-preview", json={})
    assert limited.status_code == 429
    assert limited.is_json and limited.get_json()["error"] == "too_many_requests"


def test_the_audit_still_sees_every_refused_log_in(app, make_user):
    """Throttled requests are refused before a password is checked; the ones that ran are audited."""
    from bank.audit.models import AuditEvent

    victim = make_user("member")
    attacker = from_address(app, "203.0.113.120")
    for _ in range(12):
        log_in(attacker, victim.email, "wrong wrong wrong")
    with db.new_session() as s:
        failed = s.scalars(select(AuditEvent).where(AuditEvent.action.like("login.%"))).all()
    assert [e.action for e in failed].count("login.failed") == 5
    assert [e.action for e in failed].count("login.refused_locked") == 5
