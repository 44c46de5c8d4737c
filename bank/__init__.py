"""Wijkbank: the back office of a cooperative neighbourhood bank.

``create_app(config)`` wires the application in small named steps; see DESIGN.md for the layers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: object | None = None) -> Flask:
    """Build the Flask application for ``config`` (a Config instance; default from the environment)."""
    from config import config_from_env

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=False,
    )
    app.config.from_object(config or config_from_env())
    app.instance_path = app.config["INSTANCE_PATH"]
    _register_proxy(app)
    _register_extensions(app)
    _register_approval_kinds(app)
    _register_session_listeners(app)
    _register_blueprints(app)
    _register_navigation(app)
    _register_error_handlers(app)
    _register_template_helpers(app)
    _register_security_headers(app)
    _register_mail(app)
    return app


def _register_proxy(app: Flask) -> None:
    """Behind ``PROXY_HOPS`` proxies, take the client address, scheme and host from their headers.

    The forwarded host then passes the same TRUSTED_HOSTS check as a direct Host header; with no
    proxy configured the X-Forwarded-* headers are ignored altogether.
    """
    hops = int(app.config.get("PROXY_HOPS") or 0)
    if hops:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]  # Flask's documented way


def _register_extensions(app: Flask) -> None:
    from bank import models  # noqa: F401  (every table registered before first use)
    from bank.extensions import api, babel, csrf, db, limiter, login_manager
    from bank.web.access import load_user, select_locale

    db.configure(app.config["DATABASE_URL"])
    app.extensions["bank_db"] = db
    app.teardown_appcontext(lambda _exc: db.remove())
    # Also at the end of each request: under an app context that outlives requests (tests, CLI)
    # a request's session must not keep its transaction, and SQLite's write lock, open.
    app.teardown_request(lambda _exc: db.remove())
    _register_reading_requests(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel keeps one translations cache on the shared Babel object, keyed by locale only;
    # an app built with other BABEL_TRANSLATION_DIRECTORIES must not inherit another app's catalogue.
    with app.app_context():
        babel.domain_instance.cache.clear()
    api.init_app(app)
    limiter.init_app(app)


def _register_reading_requests(app: Flask) -> None:
    """GET and HEAD requests read: on SQLite they must not queue behind writers (bank.db.reading).

    Registered before every other hook, so the request's first query already reads.
    """
    from flask import g, request

    from bank.db import begin_reading, end_reading

    @app.before_request
    def _begin_reading() -> None:
        if request.method in ("GET", "HEAD"):
            g.bank_reading = begin_reading()

    @app.teardown_request
    def _end_reading(_exc: BaseException | None) -> None:
        token = g.pop("bank_reading", None)
        if token is not None:
            end_reading(token)


def _register_approval_kinds(app: Flask) -> None:
    """Install every four-eyes kind, its handler and its deciders (``bank.approval_kinds``).

    The web, the API, the CLI and the scheduler all build the app, so all of them have the one
    table; no feature registers a handler as a side effect of being imported.
    """
    from bank import approval_kinds

    approval_kinds.install()


def _register_session_listeners(app: Flask) -> None:
    """The ``Session`` listeners the features need, installed once per process.

    The statements keep a PDF only when its row commits (``bank.statements.service``); the
    listeners used to be installed by importing that module, so whether a rolled-back batch
    left files behind depended on what had been imported.
    """
    from bank.statements import service as statements

    statements.install_session_listeners()


def _register_blueprints(app: Flask) -> None:
    from werkzeug.routing import IntegerConverter, Map

    from bank.api import register_api
    from bank.web import register_blueprints

    class BoundedIntegerConverter(IntegerConverter):
        """``<int:...>`` up to the largest id a column holds: a 20-digit id is a 404, not an overflow."""

        def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(url_map, *args, **kwargs)

    # Keeps the class name: tests and tools look converters up by it.
    BoundedIntegerConverter.__name__ = "IntegerConverter"
    app.url_map.converters["int"] = BoundedIntegerConverter

    register_blueprints(app)
    # The API after the pages, as before; the factory wires it, so the web never imports the API
    # (which imports the web's access decorators).
    register_api(app)


def _register_navigation(app: Flask) -> None:
    """The back office's and the portal's menus and the member page's panels (``bank.web.nav``).

    Explicit tables, installed here: no view module adds itself to a menu when imported.
    """
    from bank.web import nav

    nav.install(app)


def _register_error_handlers(app: Flask) -> None:
    from bank.web.errors import register_error_handlers

    register_error_handlers(app)


def _register_template_helpers(app: Flask) -> None:
    from bank.web import labels, messages
    from bank.web.filters import register_filters

    register_filters(app)
    labels.register(app)
    messages.register(app)


def _register_security_headers(app: Flask) -> None:
    from bank.web.security import register_security

    register_security(app)


def _register_mail(app: Flask) -> None:
    """Where mail with a one-time link goes: SMTP if configured, else files (development) or memory."""
    from bank.notifications import secret_mail

    if app.config.get("TESTING"):
        secret_mail.configure(secret_mail.MemoryTransport())
    elif app.config.get("MAIL_SMTP_HOST"):
        secret_mail.configure(
            secret_mail.SmtpTransport(
                host=app.config["MAIL_SMTP_HOST"],
                sender=app.config["MAIL_FROM"],
                port=int(app.config.get("MAIL_SMTP_PORT", 25)),
            )
        )
    else:
        secret_mail.configure(secret_mail.FileTransport(Path(app.instance_path) / "mail"))
