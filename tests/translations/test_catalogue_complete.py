"""The Dutch catalogue: complete for every string in the source, and really used by default.

The catalogue is checked against a template extracted afresh from the source with the same
command as ``make messages``, so a string someone adds later without a Dutch translation
fails here rather than showing up in English on a Dutch screen.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shlex
from decimal import Decimal
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import refresh

import config as settings

from .conftest import NL_PO, ROOT

TRANSLATIONS = ROOT / "bank" / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _extract_arguments() -> list[str]:
    """The ``pybabel extract`` arguments of the Makefile's ``messages`` target (one source of truth)."""
    for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines():
        if "pybabel extract" in line:
            words = shlex.split(line.strip())
            return words[words.index("extract") + 1 :]
    raise AssertionError("the Makefile has no pybabel extract line")


def _fresh_template(tmp_path: Path) -> Catalog:
    """Extract the source into a temporary .pot, exactly as ``make messages`` would."""
    arguments = _extract_arguments()
    output = tmp_path / "messages.pot"
    arguments[arguments.index("-o") + 1] = str(output)
    CommandLineInterface().run(["pybabel", "-q", "extract", *arguments[:-1], str(ROOT)])
    with output.open("rb") as fh:
        return read_po(fh)


def _nl_catalogue() -> Catalog:
    with NL_PO.open("rb") as fh:
        return read_po(fh, locale="nl")


def test_production_default_is_dutch_and_reads_bank_translations() -> None:
    assert settings.Config.BABEL_DEFAULT_LOCALE == "nl"
    assert Path(settings.Config.BABEL_TRANSLATION_DIRECTORIES) == TRANSLATIONS


# --- (a) the catalogue is complete and compiles ------------------------------------------------


def test_the_extract_keywords_cover_every_gettext_alias_in_the_code() -> None:
    """Lazy strings are written ``_l(...)``, the menus' labels in ``bank.web.nav`` too."""
    arguments = " ".join(_extract_arguments())
    for keyword in ("lazy_gettext", "_l"):
        assert f"-k {keyword}" in arguments


def test_every_source_string_has_a_dutch_translation(tmp_path: Path) -> None:
    template = _fresh_template(tmp_path)
    nl = _nl_catalogue()
    assert len(template) > 900
    untranslated, fuzzy = [], []
    for message in template:
        if not message.id:
            continue
        translated = nl.get(message.id, context=message.context)
        if translated is None or not all(translated.string if message.pluralizable else [translated.string]):
            untranslated.append(message.id)
        elif translated.fuzzy:
            fuzzy.append(message.id)
    assert untranslated == [], f"{len(untranslated)} without Dutch (run make messages): {untranslated[:20]}"
    assert fuzzy == [], f"fuzzy entries left: {fuzzy[:20]}"


def test_the_catalogue_is_not_fuzzy_and_compiles_without_errors() -> None:
    nl = _nl_catalogue()
    assert not nl.fuzzy
    assert nl.num_plurals == 2
    problems = [(message.id, [str(e) for e in errors]) for message, errors in nl.check()]
    assert problems == []
    buffer = io.BytesIO()
    write_mo(buffer, nl)
    assert len(buffer.getvalue()) > 10_000


def test_placeholders_are_kept_exactly_in_every_translation() -> None:
    for message in _nl_catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            assert set(PLACEHOLDER.findall(string)) == wanted, (message.id, string)


def test_glossary_words_are_used() -> None:
    nl = _nl_catalogue()
    expected = {
        "Log in": "Inloggen",
        "Member number": "Lidnummer",
        "Amortisation schedule": "Aflossingsschema",
        "Trial balance": "Proefbalans",
        "Payoff quote": "Aflosopgave",
        "Penalty interest": "Boeterente",
        "Municipal seed capital": "Startkapitaal van de gemeente",
        "Member share capital": "Ledenkapitaal",
        "Annuity": "Annuïtair",
        "Bullet (interest only)": "Aflossingsvrij (alleen rente)",
        "Loan committee": "Kredietcommissie",
        "Chart of accounts": "Rekeningschema",
    }
    assert {msgid: nl.get(msgid).string for msgid in expected} == expected
    statement_columns = (
        nl.get("Debit", context="statement").string,
        nl.get("Credit", context="statement").string,
    )
    assert statement_columns == ("Af", "Bij")
    assert nl.get(("%(num)s member", "%(num)s members")).string == ("%(num)s lid", "%(num)s leden")


# --- (b) pages are Dutch by default, English after the switch ----------------------------------


def _page(client, url: str) -> str:
    """GET a page. The app fixture keeps one app context open for the whole test, so requests
    share ``g`` where Flask-Babel caches the locale; forget it as a fresh request would."""
    refresh()
    return client.get(url).get_data(as_text=True)


def test_log_in_page_is_dutch_by_default_and_english_after_switching(client) -> None:
    page = _page(client, "/login")
    assert "Inloggen" in page
    assert "Wachtwoord" in page
    assert "Wachtwoord vergeten?" in page
    assert 'lang="nl"' in page or "lang=nl" in page

    assert client.post("/lang/en").status_code == 302
    page = _page(client, "/login")
    assert "Log in" in page
    assert "Password" in page
    assert "Inloggen" not in page
    assert "Wachtwoord" not in page


def test_staff_dashboard_is_dutch_by_default_and_english_after_switching(client, login_as) -> None:
    login_as("admin")
    page = _page(client, "/staff/")
    for dutch in (
        "Leden",
        "Kredietverlening",
        "Rapportages",
        "Uitloggen",
        "Spaargeld van leden",
        "Ledenkapitaal",
    ):
        assert dutch in page, dutch
    assert "Member deposits" not in page

    assert client.post("/lang/en", data={"next": "/staff/"}).status_code == 302
    page = _page(client, "/staff/")
    for english in ("Members", "Lending", "Reports", "Log out", "Member deposits", "Member share capital"):
        assert english in page, english
    assert "Kredietverlening" not in page


def test_switching_back_to_dutch(client) -> None:
    client.post("/lang/en")
    client.post("/lang/nl")
    assert "Inloggen" in _page(client, "/login")


# --- (c) Dutch formats: € 1.234,56 and dd-mm-jjjj -------------------------------------------------


def _render(app, source: str, **context: object) -> str:
    return app.jinja_env.from_string(source).render(**context)


def test_amounts_and_dates_in_dutch(app) -> None:
    with app.test_request_context("/"):
        assert _render(app, "{{ x|money }}", x=Decimal("1234.56")) == "€\xa01.234,56"
        assert _render(app, "{{ x|money }}", x=Decimal("-12.50")) == "€\xa0-12,50"
        assert _render(app, "{{ x|money }}", x=Decimal("2000000")) == "€\xa02.000.000,00"
        assert _render(app, "{{ d|date }}", d=dt.date(2026, 11, 28)) == "28-11-2026"
        assert _render(app, "{{ r|rate }}", r=Decimal("0.045")) == "4,50 %"
        assert _render(app, "{{ _('Balance') }}") == "Saldo"


def test_amounts_and_dates_in_english_after_switching(app) -> None:
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = "en"
        assert _render(app, "{{ x|money }}", x=Decimal("1234.56")) == "€1,234.56"
        assert _render(app, "{{ d|date }}", d=dt.date(2026, 11, 28)) == "2026-11-28"
        assert _render(app, "{{ _('Balance') }}") == "Balance"


def test_the_dashboard_shows_amounts_in_dutch_format(client, login_as) -> None:
    login_as("admin")
    page = _page(client, "/staff/")
    assert "€\xa00,00" in page
