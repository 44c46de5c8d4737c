"""Issue 18: while the database is down, the bank answers with its own 503 page and /healthz.

The app is built on a database URL that cannot connect: a PostgreSQL port where nothing
listens (the connect time-out keeps it short), and a SQLite file in a directory that does not
exist. The page must render without the database, in the user's language.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_login.utils import _create_identifier
from translations.conftest import DutchTestConfig  # the real catalogue: the page's Dutch is read

from bank import create_app
from bank.db import make_engine
from bank.extensions import db

UNREACHABLE = {
    "postgresql": "postgresql+psycopg://postgres@127.0.0.1:9/wijkbank",
    "sqlite": "sqlite:////nonexistent-directory-of-the-bank/bank.db",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def down_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(
        DutchTestConfig(database_url=UNREACHABLE[request.param], instance_path=str(tmp_path / "instance"))
    )
    yield application
    db.remove()
    if db.engine is not None:
        db.engine.dispose()


def test_pages_answer_503_with_the_banks_own_page_in_the_users_language(down_app: Flask) -> None:
    client = down_app.test_client()
    with client.session_transaction() as cookie:
        # Logged in before the outage: loading the user from the cookie needs the database.
        cookie["_user_id"] = "1:1"
        cookie["_fresh"] = True
        with down_app.test_request_context("/", environ_base=client.environ_base):
            cookie["_id"] = _create_identifier()
    started = time.monotonic()
    dutch = client.get("/portal/")
    assert time.monotonic() - started < 10
    assert dutch.status_code == 503
    assert dutch.headers["Retry-After"] == "15"
    page = dutch.get_data(as_text=True)
    assert '<html lang="nl">' in page
    assert "Tijdelijk niet bereikbaar" in page and "Probeer het over 15 seconden opnieuw." in page
    assert "Internal Server Error" not in page

    english = client.get("/staff/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.status_code == 503
    text = english.get_data(as_text=True)
    assert '<html lang="en">' in text and "Temporarily unavailable" in text
    assert "Please try again in 15 seconds." in text

    # The language chosen with the switch (kept in the session cookie) wins over the browser's.
    with client.session_transaction() as cookie:
        cookie["lang"] = "nl"
    chosen = client.get("/staff/", headers={"Accept-Language": "en"})
    assert chosen.status_code == 503 and '<html lang="nl">' in chosen.get_data(as_text=True)

    api = client.get("/api/v1/pools", headers={"Authorization": "Bearer not-checked-before-the-database"})
    assert api.status_code == 503 and api.headers["Retry-After"] == "15"
    assert api.get_json()["error"] == "service_unavailable"


def test_healthz_says_the_database_is_down_without_a_log_in(down_app: Flask) -> None:
    answer = down_app.test_client().get("/healthz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "unavailable" and body["down"] == ["database"]
    assert body["checks"]["database"]["status"] == "down"
    assert body["checks"]["statement_storage"]["status"] == "ok"


def test_healthz_is_ok_when_every_part_answers(client) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "ok" and body["down"] == []
    assert body["checks"]["database"]["status"] == "ok"


def test_postgresql_connections_give_up_after_five_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine("postgresql+psycopg://postgres@127.0.0.1:9/wijkbank")
    asked: dict[str, object] = {}

    def connect(*args: object, **kwargs: object) -> None:
        asked.update(kwargs)
        raise ConnectionRefusedError("nobody listens")

    monkeypatch.setattr(engine.dialect, "connect", connect)
    try:
        with pytest.raises(ConnectionRefusedError), engine.connect():
            pass
    finally:
        engine.dispose()
    assert asked["connect_timeout"] == 5
