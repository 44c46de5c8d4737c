"""Fixtures of the language tests: the app with the real Dutch catalogue, Dutch by default.

The shared ``app`` fixture loads no catalogue (most tests assert English source text); these
tests are about what a Dutch reader sees, so they load bank/translations as production does.
The other suites that read Dutch pages import them from here (``tests/web/labels/conftest.py``
the fixtures, ``tests/web/test_outage.py`` the settings).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from flask_babel import refresh

import config as settings
from bank import create_app
from bank.extensions import db

ROOT = Path(__file__).resolve().parents[2]
NL_PO = ROOT / "bank" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
NL_MO = NL_PO.with_suffix(".mo")


class DutchTestConfig(settings.TestConfig):
    """The test settings with the real catalogue and the production default language."""

    BABEL_TRANSLATION_DIRECTORIES = settings.Config.BABEL_TRANSLATION_DIRECTORIES
    BABEL_DEFAULT_LOCALE = settings.Config.BABEL_DEFAULT_LOCALE


@pytest.fixture(scope="session", autouse=True)
def compiled_catalogue() -> None:
    """Compile the .po when its .mo is missing or older (the .mo is a build product, not in git)."""
    if not NL_MO.exists() or NL_MO.stat().st_mtime < NL_PO.stat().st_mtime:
        with NL_PO.open("rb") as fh:
            catalogue = read_po(fh, locale="nl")
        buffer = io.BytesIO()
        write_mo(buffer, catalogue)
        NL_MO.write_bytes(buffer.getvalue())


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """Like the shared ``app`` fixture, but with bank/translations loaded."""
    application = create_app(
        DutchTestConfig(database_url=database_url, instance_path=str(tmp_path / "instance"))
    )
    with application.app_context():
        yield application
    db.remove()
    if db.engine is not None:
        db.engine.dispose()


@pytest.fixture
def page(client: FlaskClient) -> Callable[..., tuple[int, str]]:
    """GET or POST a page as a fresh request would (Flask-Babel caches the locale on ``g``, which
    the long-lived app context of the tests would otherwise share between requests)."""

    def fetch(url: str, data: dict[str, str] | None = None) -> tuple[int, str]:
        refresh()
        response = client.post(url, data=data) if data is not None else client.get(url)
        return response.status_code, response.get_data(as_text=True)

    return fetch
