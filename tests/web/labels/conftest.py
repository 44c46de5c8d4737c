"""Dutch pages of a small bank: the real catalogue, and the portal tests' world (Anna, Bram, a co-op loan).

The Dutch app and the compiled catalogue are the language tests' (``tests/translations/conftest.py``).
"""

from __future__ import annotations

import re

from portal.conftest import anna_user, as_anna, world  # noqa: F401
from translations.conftest import app, compiled_catalogue  # noqa: F401

_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def page_text(html: str) -> str:
    """The page's visible text in one line: tags dropped, whitespace collapsed, entities decoded."""
    body = html.split("<body", 1)[-1]
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", body, flags=re.S)
    text = _TAGS.sub(" ", body).replace("&nbsp;", " ").replace("&amp;", "&").replace("&#39;", "'")
    text = text.replace("&#34;", '"').replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">")
    return _SPACE.sub(" ", text)
