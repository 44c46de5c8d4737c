"""Who may see what: every view declares a permission decision with one of these decorators.

A test walks the URL map and fails on a view without ``_permission``. Staff views refuse
members (403), member views refuse staff; the idle time-out for staff is checked here too.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for
from flask_login import current_user, logout_user

from bank import audit, clock
from bank.actor import STAFF_ROLES, Actor
from bank.auth.models import User
from bank.extensions import db

F = TypeVar("F", bound=Callable[..., Any])


def load_user(user_key: str) -> User | None:
    """Flask-Login loader: the cookie holds ``id:session_version`` so a new log-in rotates it."""
    try:
        user_id_text, version_text = user_key.split(":", 1)
        user = db.session.get(User, int(user_id_text))
    except (ValueError, TypeError):
        return None
    if user is None or not user.is_active or str(user.session_version) != version_text:
        return None
    return user


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    chosen = session.get("lang")
    if chosen in languages:
        return str(chosen)
    if getattr(current_user, "is_authenticated", False) and current_user.language in languages:
        return current_user.language
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_actor() -> Actor:
    """The actor for services: the logged-in user with the request's address."""
    if not current_user.is_authenticated:
        return Actor(user_id=None, label="anonymous", role="anonymous", ip_address=request.remote_addr)
    return Actor(
        user_id=current_user.id,
        label=current_user.email,
        role=current_user.role,
        ip_address=request.remote_addr,
        member_id=current_user.member_id,
    )


def _mark(view: F, decision: str) -> F:
    view._permission = decision  # type: ignore[attr-defined]  # a mark on the function, read by a test
    return view


def public(view: F) -> F:
    """Anyone may see this (log-in page, public calculator)."""
    return _mark(view, "public")


def _idle_expired(setting: str) -> bool:
    """Whether the session was idle longer than ``setting`` minutes (and note this request's time)."""
    last_seen = session.get("last_seen")
    now = clock.now_utc()
    session["last_seen"] = now.isoformat()
    if not last_seen:
        return False
    idle = dt.timedelta(minutes=current_app.config[setting])
    return now - dt.datetime.fromisoformat(last_seen) > idle


def _log_out_idle(setting: str) -> Any:
    """End an idle session and send the user to log in, told after how many minutes."""
    logout_user()
    session.clear()
    session["idle_minutes"] = current_app.config[setting]
    return redirect(url_for("auth.login", expired=1))


def _refuse(required: str) -> None:
    with db.unit_of_work() as s:
        audit.record(
            s, current_actor(), "permission.refused", "url", None, detail=f"{request.path} needs {required}"
        )
    abort(403)


def staff_required(*roles: str) -> Callable[[F], F]:
    """A back-office view for staff; with roles, only those (admins pass every staff check)."""
    allowed = tuple(roles) or tuple(STAFF_ROLES)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path))
            if not current_user.is_staff:
                _refuse("staff")
            if _idle_expired("STAFF_IDLE_MINUTES"):
                return _log_out_idle("STAFF_IDLE_MINUTES")
            if current_app.config["STAFF_TOTP_REQUIRED"] and not session.get("totp_ok"):
                return redirect(url_for("auth.totp"))
            if not current_actor().has_role(*allowed):
                _refuse("/".join(allowed))
            g.actor = current_actor()
            return view(*args, **kwargs)

        return _mark(wrapped, "staff:" + ",".join(allowed))  # type: ignore[return-value]  # functools.wraps: still the view

    return decorate


def member_required(view: F) -> F:
    """A portal view for a logged-in member; everything is then looked up through that member."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        if current_user.role != "member" or current_user.member_id is None:
            _refuse("member")
        if _idle_expired("MEMBER_IDLE_MINUTES"):
            # A portal left open on a shared computer (library, community centre) closes itself.
            return _log_out_idle("MEMBER_IDLE_MINUTES")
        if current_user.totp_secret and not session.get("totp_ok"):
            # A member who switched the second factor on must give the code before the portal opens.
            return redirect(url_for("auth.totp", next=request.full_path))
        g.actor = current_actor()
        return view(*args, **kwargs)

    return _mark(wrapped, "member")  # type: ignore[return-value]  # functools.wraps: still the view


def authenticated(view: F) -> F:
    """Any logged-in user (log-out, language switch, shared downloads with their own checks)."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        g.actor = current_actor()
        return view(*args, **kwargs)

    return _mark(wrapped, "authenticated")  # type: ignore[return-value]  # functools.wraps: still the view
