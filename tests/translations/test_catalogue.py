"""The Dutch catalogue cannot crash a page: placeholders match and every literal percent is ``%%``.

Jinja's gettext formats every translated string (``rv % variables``, even with no variables), so
a bare ``%`` in a template string is read as a conversion: "Rente (% per jaar)" raised
``ValueError: unsupported format character 'p'`` and the credit officer's and the committee's
application pages answered 500 in Dutch (while English showed "({} year)").
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from applications.helpers import TODAY, build_world, reviewed, submitted_coop
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bank import clock
from bank.applications import service as applications
from bank.committee import service as committee

from .conftest import NL_PO, ROOT

NAMED = re.compile(r"%\((\w+)\)[sd]")
ALLOWED = re.compile(r"%\(\w+\)[sd]|%%")


def _nl() -> Catalog:
    with NL_PO.open("rb") as fh:
        return read_po(fh, locale="nl")


def _entries() -> Iterator[Message]:
    return (message for message in _nl() if message.id)


def _texts(value: str | tuple[str, ...]) -> tuple[str, ...]:
    return value if isinstance(value, tuple) else (value,)


class Dummy(dict):
    """Any placeholder name gets a number, so ``%(n)d`` and ``%(n)s`` both format."""

    def __missing__(self, key: str) -> int:
        return 7


def _problem(text: str) -> str | None:
    """Why ``text`` would not survive ``text % values``, or None."""
    stray = ALLOWED.sub("", text)
    if "%" in stray:
        return f"bare % (write %% for a literal percent sign): {text!r}"
    try:
        formatted = text % Dummy()
    except (ValueError, TypeError, KeyError) as error:
        return f"{error}: {text!r}"
    if "%" in text and "%%" in text and "%" not in formatted:
        return f"%% lost: {text!r}"
    return None


def test_every_literal_percent_is_doubled_and_every_entry_formats() -> None:
    problems = []
    for message in _entries():
        for text in (*_texts(message.id), *_texts(message.string)):
            problem = _problem(text)
            if problem:
                problems.append(problem)
    assert problems == []


def test_msgid_and_msgstr_have_the_same_placeholders() -> None:
    mismatched = []
    for message in _entries():
        ids = _texts(message.id)
        wanted = sorted(set(NAMED.findall(ids[-1])))
        for text in _texts(message.string):
            if sorted(set(NAMED.findall(text))) != wanted:
                mismatched.append((message.id, text))
            if text.count("%%") != ids[-1].count("%%"):
                mismatched.append((message.id, text))
    assert mismatched == []


def test_no_empty_and_no_fuzzy_translation() -> None:
    empty = [m.id for m in _entries() if not all(_texts(m.string))]
    fuzzy = [m.id for m in _entries() if m.fuzzy]
    assert (empty, fuzzy) == ([], [])
    assert len(empty) + len(fuzzy) == 0 and sum(1 for _ in _entries()) > 1000


def test_the_checks_catch_the_bugs_they_are_for() -> None:
    """The rule itself: what crashed the Dutch pages is refused, what works is accepted."""
    assert _problem("Rente (% per jaar)") is not None
    assert _problem("Rate (% a year)") is not None  # formats to "({} year)" in English
    assert _problem("Afsluitprovisie (% over de hoofdsom)") is not None
    assert _problem("Rente (%% per jaar)") is None
    assert _problem("%(n)s of %(total)d") is None
    assert _problem("%(n)") is not None


def test_python_strings_with_a_doubled_percent_are_formatted(tmp_path: Path) -> None:
    """``gettext`` in Python formats only when given values: a ``%%`` in a string that has no
    placeholder would reach the reader as "%%". Such strings (Python labels) say "per cent"."""
    output = tmp_path / "located.pot"
    subprocess.run(
        [
            str(Path(sys.executable).with_name("pybabel")),
            "-q",
            "extract",
            "-F",
            "babel.cfg",
            "-k",
            "lazy_gettext",
            "-k",
            "_l",
            "-k",
            "N_",
            "-o",
            str(output),
            ".",
        ],
        cwd=ROOT,
        check=True,
    )
    with output.open("rb") as fh:
        located = read_po(fh)
    unformatted = [
        message.id
        for message in located
        if message.id
        and "%%" in "".join(_texts(message.id))
        and not NAMED.search("".join(_texts(message.id)))
        and any(path.endswith(".py") for path, _line in message.locations)
    ]
    assert unformatted == []


# --- the pages that crashed --------------------------------------------------------------------


@pytest.fixture
def world(session, make_user):
    with clock.frozen(TODAY):
        yield build_world(session, make_user)


def test_the_credit_officers_application_page_opens_in_dutch(session, world, login_as, page) -> None:
    application = submitted_coop(session, world)
    applications.take_for_review(session, application, actor=world.officer_actor)
    application_id = application.id
    session.commit()
    with clock.frozen(TODAY):
        login_as("credit_officer")
        status, html = page(f"/staff/applications/{application_id}")
    assert status == 200, html[-2000:]
    assert "Geadviseerd rentepercentage (% per jaar)" in html
    assert "Rente (% per jaar)" not in html.replace("Geadviseerd rentepercentage", "")


def test_the_committee_review_page_opens_in_dutch_with_the_chairs_decision_form(
    session, world, login_as, make_user, page
) -> None:
    application = submitted_coop(session, world)
    reviewed(session, application, world)
    session.commit()
    chair = make_user("committee", name="Marleen Smit")
    with clock.frozen(TODAY):
        meeting = committee.create_meeting(
            session,
            held_on=TODAY,
            chair=chair,
            actor=world.officer_actor,
            location="Buurthuis",
        )
        committee.place_on_agenda(session, application, meeting, actor=world.officer_actor)
        application_id = application.id
        session.commit()
        login_as(user=chair)
        status, html = page(f"/committee/applications/{application_id}")
    assert status == 200, html[-2000:]
    assert "Besluit vastleggen (voorzitter)" in html
    assert "Rente (% per jaar)" in html
