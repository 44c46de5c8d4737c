"""Issue 13, item 7: ``next`` is a path on this site after normalising, or it is dropped."""

from __future__ import annotations

import pyotp
import pytest

from bank.auth.models import User
from bank.extensions import db

PASSWORD = "correct horse battery staple"

EVIL = [
    "/%09/evil.example/phish",
    "/%0a/evil.example",
    "/%0d%0aSet-Cookie:%20x=1",
    "//evil.example/phish",
    "/\\evil.example",
    "%2F%2Fevil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/%20/evil.example",
]


def lands_on_this_site(location: str) -> bool:
    cleaned = "".join(ch for ch in location if ch.isprintable() and not ch.isspace()).replace("\\", "/")
    return cleaned.startswith("/") and not cleaned.startswith("//") and "evil.example" not in cleaned


@pytest.mark.parametrize("target", EVIL)
def test_the_log_in_drops_a_foreign_next(client, make_user, target):
    user = make_user("teller")
    response = client.open(
        f"/login?next={target}", method="POST", data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/staff/"


def test_a_path_on_this_site_is_kept(client, make_user):
    user = make_user("teller")
    response = client.post("/login?next=/staff/members?q=a", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == "/staff/members?q=a"


@pytest.mark.parametrize("target", EVIL[:4])
def test_the_second_factor_step_drops_it_too(app, client, make_user, target):
    user = make_user("member")
    secret = pyotp.random_base32()
    with db.unit_of_work(db.new_session()) as s:
        s.get(User, user.id).totp_secret = secret
    first = client.open(
        f"/login?next={target}", method="POST", data={"email": user.email, "password": PASSWORD}
    )
    assert lands_on_this_site(first.headers["Location"])
    assert "evil" not in first.headers["Location"]
    done = client.open(f"/login/totp?next={target}", method="POST", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and lands_on_this_site(done.headers["Location"])


@pytest.mark.parametrize("target", ["/\t/evil.example/phish", "//evil.example", "/x\r\nSet-Cookie: a=b"])
def test_the_language_switch_drops_it(client, target):
    response = client.post("/lang/en", data={"next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
