"""Navigation of the back office, assembled from what each view module registers.

Modules add their entries at import time, so adding a section never edits base.html.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app
from flask_babel import lazy_gettext
from flask_login import current_user

from bank.actor import Actor


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...]
    order: int


STAFF_NAV: list[NavItem] = []


def add_staff_nav(endpoint: str, label: str, roles: tuple[str, ...] = (), order: int = 50) -> None:
    """Register a top-level back-office link (``label`` is translated lazily)."""
    if any(item.endpoint == endpoint for item in STAFF_NAV):
        return
    STAFF_NAV.append(NavItem(endpoint, lazy_gettext(label), roles, order))


def staff_nav() -> list[tuple[str, object]]:
    if not current_user.is_authenticated:
        return []
    actor = Actor(user_id=current_user.id, label=current_user.email, role=current_user.role)
    return [
        (item.endpoint, item.label)
        for item in sorted(STAFF_NAV, key=lambda i: i.order)
        if item.endpoint in current_app.view_functions and (not item.roles or actor.has_role(*item.roles))
    ]


def register_nav(app: Flask) -> None:
    app.jinja_env.globals["staff_nav"] = staff_nav


add_staff_nav("staff.chart_of_accounts", "Ledger", ("admin", "teller", "credit_officer"), order=80)
add_staff_nav("staff.audit_log", "Audit log", ("admin",), order=90)
