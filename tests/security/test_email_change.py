"""Issue 13, item 8: a log-in address changes only with the password, confirmed from the new
address; the old address is told and every session ends."""

from __future__ import annotations

from sqlalchemy import select

from bank.auth.models import User
from bank.extensions import db
from bank.members.models import Member
from bank.notifications.models import OutboxMessage

from .conftest import mailed_link

PASSWORD = "correct horse battery staple"
NEW = "sanne.nieuw@example.org"


def profile(saver, **changes: str) -> dict[str, str]:
    member = saver.member
    data = {
        "email": member.email,
        "phone": "",
        "street": member.street,
        "house_number": member.house_number,
        "postcode": member.postcode,
        "city": member.city,
        "external_iban": member.external_iban,
        "password": "",
    }
    return {**data, **changes}


def current(model, ident):
    db.session.rollback()
    with db.new_session() as s:
        row = s.get(model, ident)
        s.expunge(row)
        return row


def test_no_address_change_without_the_password(app, client, login_as, saver, saver_user):
    login_as(user=saver_user)
    refused = client.post("/portal/profile", data=profile(saver, email=NEW))
    assert refused.status_code == 422
    assert "is not your current password" in refused.get_data(as_text=True)
    wrong = client.post("/portal/profile", data=profile(saver, email=NEW, password="a wrong password!"))
    assert wrong.status_code == 422
    assert current(User, saver_user.id).email == saver.member.email
    assert current(Member, saver.member.id).email == saver.member.email


def test_the_new_address_confirms_the_old_is_told_and_sessions_end(app, client, login_as, saver, saver_user):
    old = saver.member.email
    login_as(user=saver_user)
    # A copy of the session cookie (another tab, or a stolen cookie) in a second client.
    other_browser = app.test_client()
    other_browser.set_cookie("wijkbank_session", client.get_cookie("wijkbank_session").value)
    assert other_browser.get("/portal/").status_code == 200

    response = client.post("/portal/profile", data=profile(saver, email=NEW, password=PASSWORD))
    assert response.status_code == 302
    # Not yet changed: the new address must confirm; the old one is told now.
    assert current(User, saver_user.id).email == old
    with db.new_session() as s:
        notices = list(s.scalars(select(OutboxMessage).where(OutboxMessage.to_address == old)))
    assert [n.subject for n in notices] == ["Wijziging van uw e-mailadres aangevraagd"]
    link = mailed_link(NEW)
    assert link.startswith("/portal/profile/email/")

    # A forged or tampered link does nothing.
    assert client.get(link[:-3] + "abc").status_code == 410

    page = client.get(link)
    assert page.status_code == 200 and NEW in page.get_data(as_text=True)
    done = client.post(link)
    assert done.status_code == 302
    assert current(User, saver_user.id).email == NEW
    assert current(Member, saver.member.id).email == NEW
    with db.new_session() as s:
        subjects = list(s.scalars(select(OutboxMessage.subject).where(OutboxMessage.to_address == old)))
    assert subjects[-1] == "Uw e-mailadres is gewijzigd"
    # Every session ended (rotation): the other browser is logged out.
    assert other_browser.get("/portal/").status_code == 302
    # The link works once.
    assert client.post(link).status_code == 410
    # The new address logs in.
    assert client.post("/login", data={"email": NEW, "password": PASSWORD}).status_code == 302
