"""Absolute links for e-mail, built from the configured EXTERNAL_URL only.

A link built from the request (``url_for(..., _external=True)``) follows the Host header, so
anyone could make the bank mail a live reset link pointing at their own site. Mail links
therefore never look at the request.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for


def external_url(endpoint: str, **values: Any) -> str:
    """``EXTERNAL_URL`` followed by the path of ``endpoint`` (no host from the request)."""
    base = str(current_app.config["EXTERNAL_URL"]).rstrip("/")
    return base + url_for(endpoint, **values)


def link_base(endpoint: str) -> str:
    """The URL a token is appended to (``.../portal/invite``) for a ``<token>`` endpoint."""
    return external_url(endpoint, token="x").rsplit("/", 1)[0]
