"""Security headers on every response: a CSP without inline script, no framing, no sniffing."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, g, request

from bank.web.access import public

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


#: Views that extensions register themselves; their permission decision is made here.
#: The OpenAPI document describes the API and holds no data: anyone may read it.
THIRD_PARTY_PUBLIC_VIEWS = ("api-docs.openapi_json",)


def _plain_function(view: Callable[..., Any]) -> Callable[..., Any]:
    """A function around ``view`` (extensions register bound methods, which take no attributes)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        return view(*args, **kwargs)

    return wrapped


def register_security(app: Flask) -> None:
    for endpoint in THIRD_PARTY_PUBLIC_VIEWS:
        if endpoint in app.view_functions:
            app.view_functions[endpoint] = public(_plain_function(app.view_functions[endpoint]))

    @app.before_request
    def _forget_the_previous_request() -> None:
        """Each request proves who it is from its own cookie.

        Flask-Login caches the user in ``g``; where one app context serves many requests (the
        test client inside an app context, the CLI) that cache would carry one request's user
        into the next. In a served app ``g`` is new per request and this is a no-op.
        """
        g.pop("_login_user", None)
        g.pop("actor", None)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            # Browsers that once reached the bank over HTTPS never fall back to plain HTTP.
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if response.mimetype == "text/html":
            response.headers.setdefault("Cache-Control", "no-store")
        return response
