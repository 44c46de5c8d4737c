"""Issue 13, item 11 (part): HSTS on every answer over HTTPS."""


def test_https_answers_carry_hsts(client):
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/login").headers
