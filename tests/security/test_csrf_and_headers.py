"""CSRF on every form and the security headers on every response."""

from __future__ import annotations

import re

import pytest

PASSWORD = "correct horse battery staple"


@pytest.fixture
def csrf_on(app):
    """The test configuration switches CSRF off for convenience; these tests switch it on."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = False


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, "the form carries no csrf_token"
    return match.group(1)


def test_a_post_without_a_token_is_refused(client, make_user, csrf_on):
    user = make_user("teller")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    # The refusal is not a log-in: the back office stays closed.
    assert client.get("/staff/").status_code == 302


def test_a_post_with_the_forms_token_is_accepted(client, make_user, csrf_on):
    user = make_user("teller")
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200


def test_a_wrong_token_is_refused_and_log_out_needs_one_too(client, make_user, csrf_on):
    user = make_user("teller")
    token = csrf_token(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/staff/").status_code == 200  # still logged in: the forged log-out did nothing
    assert client.post("/lang/en").status_code == 400


@pytest.mark.parametrize("path", ["/login", "/staff/", "/no-such-page"])
def test_security_headers_on_every_response(client, login_as, path):
    if path.startswith("/staff"):
        login_as("teller")
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_pages_carry_no_inline_script_or_style(client, login_as):
    login_as("admin")
    for path in ("/login", "/staff/", "/staff/ledger/trial-balance", "/staff/audit"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), path
        assert " style=" not in html and "<style" not in html, path
        assert "onclick=" not in html.lower(), path


def test_session_cookie_is_http_only_and_same_site(client, make_user):
    user = make_user("teller")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
