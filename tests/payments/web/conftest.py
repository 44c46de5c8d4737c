"""The mandate pages as a Dutch reader sees them: the app with the real catalogue, Dutch by default,
on the portal's small bank (``payments.conftest.world``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import refresh
from translations.conftest import DutchTestConfig

from bank import create_app
from bank.extensions import db

T = TypeVar("T")
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Like the shared ``app`` fixture, but with bank/translations loaded (Dutch by default)."""
    application = create_app(
        DutchTestConfig(database_url=database_url, instance_path=str(tmp_path / "instance"))
    )
    application.teardown_request(lambda _exc: db.remove())
    with application.app_context():
        yield application
    db.remove()
    if db.engine is not None:
        db.engine.dispose()


def read(model: type[T], ident: int) -> T:
    """A row as committed, read in a session of its own that is closed at once (SQLite: a reader
    left open would keep the next request's writer waiting)."""
    db.session.rollback()
    with db.new_session() as session:
        found = session.get(model, ident)
        assert found is not None
        session.expunge(found)
        return found


def text_of(html: str) -> str:
    """The page's visible text in one line."""
    body = html.split("<body", 1)[-1]
    text = _TAGS.sub(" ", body).replace("&nbsp;", " ").replace("&amp;", "&").replace("&#39;", "'")
    return _SPACE.sub(" ", text.replace("&#34;", '"').replace("&quot;", '"'))


@pytest.fixture
def page(client: FlaskClient) -> Callable[..., tuple[int, str]]:
    """GET, or POST ``data``, as a fresh request (the locale is not kept from the last one)."""

    def fetch(url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> tuple[int, str]:
        refresh()
        response = client.post(url, data=data, **kwargs) if data is not None else client.get(url)
        return response.status_code, response.get_data(as_text=True)

    return fetch
