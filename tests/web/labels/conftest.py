"""Dutch pages of a small bank: the real catalogue, and the portal tests' world (Anna, Bram, a co-op loan)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from portal.conftest import anna_user, as_anna, world  # noqa: F401

import config as settings
from bank import create_app
from bank.extensions import db

NL_PO = Path(__file__).resolve().parents[3] / "bank" / "translations" / "nl" / "LC_MESSAGES" / "messages.po"
NL_MO = NL_PO.with_suffix(".mo")
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


class DutchTestConfig(settings.TestConfig):
    """The test settings with the real catalogue and the production default language (Dutch)."""

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
    """Like the shared ``app`` fixture, but reading bank/translations (the shared one reads none)."""
    application = create_app(
        DutchTestConfig(database_url=database_url, instance_path=str(tmp_path / "instance"))
    )
    with application.app_context():
        yield application
    db.remove()
    if db.engine is not None:
        db.engine.dispose()


def page_text(html: str) -> str:
    """The page's visible text in one line: tags dropped, whitespace collapsed, entities decoded."""
    body = html.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    text = _TAGS.sub(" ", body).replace("&nbsp;", " ").replace("&amp;", "&").replace("&#39;", "'")
    text = text.replace("&#34;", '"').replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
    return _SPACE.sub(" ", text)
