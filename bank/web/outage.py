"""The bank's answer while its database is down: its own 503 page, and ``/healthz``.

Without this a request that meets a stopped or restarting database ends in gunicorn's bare
"Internal Server Error". Instead every page answers 503 with ``Retry-After`` and a page that
needs nothing from the database (no user, no CSRF token, no navigation), in the user's language
taken from the session cookie or ``Accept-Language`` (the user's stored preference would need
the database). The API answers the same as JSON. ``/healthz`` (no log-in) tells a load balancer
which part is down.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, request, session, url_for
from flask_babel import force_locale
from sqlalchemy import exc as sa_exc
from sqlalchemy import text

from bank.extensions import db
from bank.web.access import public

#: Seconds a client (or a browser's user) is asked to wait before trying again.
RETRY_AFTER_SECONDS = 15
#: Errors that mean "the database cannot be reached or cannot answer now", not a bug.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    sa_exc.OperationalError,
    sa_exc.InterfaceError,
    sa_exc.TimeoutError,  # no connection free in the pool
)

bp = Blueprint("health", __name__)


def _language() -> str:
    """The request's language without the database: the session cookie, then the browser."""
    languages = current_app.config["LANGUAGES"]
    try:
        chosen = session.get("lang")
    except Exception:  # an unreadable cookie must not stop the error page
        chosen = None
    if chosen in languages:
        return str(chosen)
    best = request.accept_languages.best_match(languages)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def unavailable_response(_error: Exception | None = None) -> Response:
    """503 with Retry-After: the bank's page (or JSON for the API); renders without a database."""
    db.remove()  # give the broken connection back now; the pool replaces it when it returns
    if request.path.startswith("/api/"):
        response = jsonify(
            {"error": "service_unavailable", "message": "the database is unavailable; try again shortly"}
        )
    else:
        language = _language()
        # Rendered without the context processors: Flask-Login's would load the user (the
        # database), so the template gets exactly what it uses.
        template = current_app.jinja_env.get_template("errors/unavailable.html")
        with force_locale(language):
            body = template.render(
                language=language, retry_after=RETRY_AFTER_SECONDS, request=request, url_for=url_for
            )
        response = Response(body, mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response.headers["Cache-Control"] = "no-store"
    return response


def _check_database() -> dict[str, Any]:
    started = time.monotonic()
    try:
        assert db.engine is not None
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:
        original = getattr(error, "orig", None) or error
        return {"status": "down", "error": type(original).__name__}
    return {"status": "ok", "ms": round((time.monotonic() - started) * 1000, 1)}


def _check_directory(path: str | os.PathLike[str]) -> dict[str, Any]:
    directory = Path(path)
    if directory.is_dir() and os.access(directory, os.W_OK):
        return {"status": "ok"}
    if not directory.exists() and os.access(_existing_parent(directory), os.W_OK):
        return {"status": "ok"}  # created on first use
    return {"status": "down", "error": "not writable"}


def _existing_parent(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


@bp.route("/healthz")
@public
def healthz() -> tuple[Response, int]:
    """For the load balancer: 200 when every part answers, else 503 naming the part that is down."""
    checks = {
        "database": _check_database(),
        "statement_storage": _check_directory(current_app.config["STATEMENT_DIR"]),
        "upload_storage": _check_directory(current_app.config["UPLOAD_DIR"]),
    }
    down = sorted(name for name, check in checks.items() if check["status"] != "ok")
    payload = {"status": "ok" if not down else "unavailable", "down": down, "checks": checks}
    response = jsonify(payload)
    response.headers["Cache-Control"] = "no-store"
    if down:
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response, 503 if down else 200


def register_outage_handling(app: Flask) -> None:
    """The 503 page for database outages, and ``/healthz``."""
    app.register_blueprint(bp)
    for error_class in UNAVAILABLE_ERRORS:
        app.register_error_handler(error_class, unavailable_response)
