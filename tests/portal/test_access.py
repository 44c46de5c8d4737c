"""Invitations and password resets: hashed single-use tokens that expire; wrong TOTP codes."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pyotp
from sqlalchemy import select

from bank import clock
from bank.audit.models import AuditEvent
from bank.auth.models import User
from bank.extensions import db
from bank.notifications import secret_mail
from bank.portal.models import AccessToken

from .conftest import fresh_session, outbox

NEW_PASSWORD = "a long new password for anna"


def _switch_totp_on(user: User, secret: str) -> None:
    with db.unit_of_work(fresh_session()) as s:
        s.get(User, user.id).totp_secret = secret


def _invite(client, login_as, member, **data):
    login_as("teller")
    response = client.post(f"/staff/members/{member.id}/portal-invite", data={"person_id": member.id, **data})
    assert response.status_code == 302
    client.post("/logout")
    return response


def _link(app, to: str) -> str:
    """The link in the mail as the member receives it (the stored outbox copy is masked)."""
    assert [m for m in outbox(app) if m.to_address == to], "no outbox row for " + to
    body = [body for address, _subject, body in secret_mail.TRANSPORT.sent if address == to][-1]
    match = re.search(r"https?://[^/\s]+(/portal/[^\s]+)", body)
    assert match, body
    return match.group(1)


def test_staff_invite_creates_a_log_in_without_password_and_mails_a_hashed_single_use_link(
    app, client, login_as, world
):
    _invite(client, login_as, world.anna)
    link = _link(app, world.anna.email)
    token = link.rsplit("/", 1)[1]
    with fresh_session() as s:
        user = s.scalar(select(User).where(User.member_id == world.anna.id))
        assert user.role == "member" and user.password_hash == ""
        row = s.scalar(select(AccessToken))
        # Only the hash is stored: the token itself lives only in the e-mail.
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in row.token_hash
        assert row.expires_at - row.created_at == dt.timedelta(hours=72)
    message = outbox(app)[-1]
    assert "72" in message.body and message.member_id == world.anna.id

    page = client.get(link)
    assert page.status_code == 200
    short = client.post(link, data={"password": "short", "confirm": "short"})
    assert short.status_code == 422
    assert "at least 12 characters" in short.get_data(as_text=True)
    done = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")

    login = client.post("/login", data={"email": world.anna.email, "password": NEW_PASSWORD})
    assert login.status_code == 302 and login.headers["Location"].endswith("/portal/")
    client.post("/logout")

    reused = client.post(
        link, data={"password": "another password entirely", "confirm": "another password entirely"}
    )
    assert reused.status_code == 410
    assert "already been used" in reused.get_data(as_text=True)
    assert (
        client.post("/login", data={"email": world.anna.email, "password": NEW_PASSWORD}).status_code == 302
    )


def test_an_invite_link_expires_after_72_hours(app, client, login_as, world):
    _invite(client, login_as, world.anna)
    link = _link(app, world.anna.email)
    with clock.frozen(clock.now_utc() + dt.timedelta(hours=71, minutes=59)):
        assert client.get(link).status_code == 200
    with clock.frozen(clock.now_utc() + dt.timedelta(hours=72, minutes=1)):
        response = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    with fresh_session() as s:
        assert s.scalar(select(User.password_hash).where(User.member_id == world.anna.id)) == ""


def test_a_new_invitation_replaces_the_older_link(app, client, login_as, world):
    _invite(client, login_as, world.anna)
    first = _link(app, world.anna.email)
    _invite(client, login_as, world.anna)
    second = _link(app, world.anna.email)
    assert first != second
    response = client.get(first)
    assert response.status_code == 410 and "newer link" in response.get_data(as_text=True)
    assert client.get(second).status_code == 200
    assert client.get("/portal/invite/not-a-real-token").status_code == 410


def test_an_organisation_is_invited_through_its_representative(app, client, login_as, world):
    login_as("teller")
    page = client.get(f"/staff/members/{world.coop.id}")
    html = page.get_data(as_text=True)
    assert "Anna Jansen" in html and "portal-invite" in html
    response = client.post(f"/staff/members/{world.coop.id}/portal-invite", data={"person_id": world.anna.id})
    assert response.status_code == 302
    with fresh_session() as s:
        user = s.scalar(select(User).where(User.member_id == world.anna.id))
        assert user is not None  # the representative's own person-member gets the log-in
        assert s.scalar(select(User).where(User.member_id == world.coop.id)) is None
    # Someone who is not a representative cannot be slipped in through the organisation.
    stranger = client.post(f"/staff/members/{world.coop.id}/portal-invite", data={"person_id": world.bram.id})
    assert stranger.status_code == 404


def test_password_reset_by_email_without_revealing_who_banks_here(app, client, world, anna_user):
    before = len(outbox(app))
    unknown = client.post("/portal/password-reset", data={"email": "nobody@example.org"})
    known = client.post("/portal/password-reset", data={"email": anna_user.email})
    assert unknown.status_code == known.status_code == 302
    assert len(outbox(app)) == before + 1
    link = _link(app, anna_user.email)
    assert "/portal/password-reset/" in link
    assert client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    assert client.post("/login", data={"email": anna_user.email, "password": NEW_PASSWORD}).status_code == 302
    client.post("/logout")
    again = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert again.status_code == 410
    with clock.frozen(clock.now_utc() + dt.timedelta(hours=3)):
        client.post("/portal/password-reset", data={"email": anna_user.email})
    late = _link(app, anna_user.email)
    with clock.frozen(clock.now_utc() + dt.timedelta(hours=6)):
        assert client.get(late).status_code == 410


def test_staff_cannot_reset_their_password_by_email(app, client, make_user):
    staff = make_user("admin")
    before = len(outbox(app))
    client.post("/portal/password-reset", data={"email": staff.email})
    assert len(outbox(app)) == before


def test_member_totp_setup_and_wrong_codes(app, as_anna, anna_user):
    page = as_anna.get("/portal/profile/second-factor")
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.get_data(as_text=True)).group(1)
    wrong = as_anna.post("/portal/profile/second-factor", data={"code": "000000"})
    assert wrong.status_code == 422
    assert "not the current code" in wrong.get_data(as_text=True)
    right = as_anna.post("/portal/profile/second-factor", data={"code": pyotp.TOTP(secret).now()})
    assert right.status_code == 302
    as_anna.post("/logout")

    login = as_anna.post(
        "/login", data={"email": anna_user.email, "password": "correct horse battery staple"}
    )
    assert "/login/totp" in login.headers["Location"]
    # The portal stays shut until the code is given.
    assert "/login/totp" in as_anna.get("/portal/").headers["Location"]
    bad = as_anna.post(
        "/login/totp", data={"code": "123456" if pyotp.TOTP(secret).now() != "123456" else "654321"}
    )
    assert bad.status_code == 200
    assert "not correct" in bad.get_data(as_text=True)
    with fresh_session() as s:
        # Wrong codes have their own count (a right password does not reset it).
        assert s.get(User, anna_user.id).failed_second_factors == 1
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "login.totp_failed")) is not None
    # The code that switched the factor on is spent; the next one logs in.
    next_code = pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30))
    good = as_anna.post("/login/totp", data={"code": next_code})
    assert good.status_code == 302
    assert as_anna.get("/portal/").status_code == 200


def test_five_wrong_codes_lock_the_member_out(app, as_anna, anna_user):
    secret = pyotp.random_base32()
    _switch_totp_on(anna_user, secret)
    as_anna.post("/logout")
    as_anna.post("/login", data={"email": anna_user.email, "password": "correct horse battery staple"})
    wrong = "111111" if pyotp.TOTP(secret).now() != "111111" else "222222"
    for _ in range(4):
        assert as_anna.post("/login/totp", data={"code": wrong}).status_code == 200
    locked = as_anna.post("/login/totp", data={"code": wrong})
    assert locked.status_code == 302 and locked.headers["Location"].endswith("/login")
    assert as_anna.get("/portal/").status_code == 302
    with fresh_session() as s:
        assert s.get(User, anna_user.id).locked_until > clock.now_utc()


def test_switching_the_second_factor_off_needs_a_current_code(app, as_anna, anna_user):
    secret = pyotp.random_base32()
    _switch_totp_on(anna_user, secret)
    with as_anna.session_transaction() as flask_session:
        flask_session["totp_ok"] = True
    wrong = "111111" if pyotp.TOTP(secret).now() != "111111" else "222222"
    refused = as_anna.post("/portal/profile/second-factor/off", data={"code": wrong})
    assert refused.status_code == 422
    assert "stays on" in refused.get_data(as_text=True)
    with fresh_session() as s:
        assert s.get(User, anna_user.id).totp_secret == secret
        assert s.get(User, anna_user.id).failed_second_factors == 1
    assert (
        as_anna.post("/portal/profile/second-factor/off", data={"code": pyotp.TOTP(secret).now()}).status_code
        == 302
    )
    with fresh_session() as s:
        assert s.get(User, anna_user.id).totp_secret is None


def test_the_log_in_page_offers_the_password_reset(client):
    page = client.get("/login")
    assert page.status_code == 200 and "/portal/password-reset" in page.get_data(as_text=True)
    assert client.get("/portal/password-reset").status_code == 200
