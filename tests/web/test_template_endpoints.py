"""Every endpoint a template or view names in ``url_for`` exists.

A misspelt endpoint is only noticed when that branch of the page renders (a savings account
with a withdrawal waiting for approval answered 500 because its template named
``staff.approvals``); reading the names statically catches the whole class at once.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parents[2]
#: url_for with a literal first argument; endpoints built from variables are not checked here.
URL_FOR = re.compile(r"""url_for\(\s*(['"])([A-Za-z0-9_.]+)\1""")


def _named_endpoints(folder: Path, pattern: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(folder.rglob(pattern)):
        text = path.read_text(encoding="utf-8")
        for match in URL_FOR.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.setdefault(match.group(2), []).append(f"{path.relative_to(ROOT)}:{line}")
    return found


def test_the_pattern_finds_both_quote_styles() -> None:
    text = """{{ url_for('staff.a') }} {{ url_for("portal.b", x=1) }} {{ url_for(name) }}"""
    assert [m.group(2) for m in URL_FOR.finditer(text)] == ["staff.a", "portal.b"]


def test_every_template_url_for_names_an_existing_endpoint(app: Flask) -> None:
    named = _named_endpoints(ROOT / "templates", "*.html")
    assert len(named) > 50  # the templates were found and read
    known = set(app.view_functions)
    missing = {endpoint: places for endpoint, places in named.items() if endpoint not in known}
    assert missing == {}


def test_every_python_url_for_names_an_existing_endpoint(app: Flask) -> None:
    named = _named_endpoints(ROOT / "bank", "*.py")
    known = set(app.view_functions)
    missing = {
        endpoint: places
        for endpoint, places in named.items()
        # ".name" is relative to the current blueprint; resolve it against every blueprint.
        if endpoint not in known
        and not (endpoint.startswith(".") and any(k.endswith(endpoint) for k in known))
    }
    assert missing == {}
