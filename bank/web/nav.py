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


#: Menus of the top bar, in order; a link joins the menu its endpoint is listed under here.
#: Work queues people open many times a day stand on the bar itself (menu None).
MENUS: tuple[tuple[str | None, object, tuple[str, ...]], ...] = (
    (
        "members",
        lazy_gettext("Members"),
        ("staff.members", "staff.accounts", "staff.pools", "staff.portal_changes"),
    ),
    (None, None, ("staff.approvals_page",)),
    (
        "lending",
        lazy_gettext("Lending"),
        (
            "staff.applications_list",
            "committee.queue",
            "staff.loans",
            "staff.arrears",
            "staff.loan_products",
            "staff.calculator",
        ),
    ),
    (
        "operations",
        lazy_gettext("Operations"),
        ("staff.runs", "staff.statements", "staff.outbox", "staff.seed_capital", "staff.savings_products"),
    ),
    (
        "reports",
        lazy_gettext("Reports"),
        ("staff.reports_index", "staff.report_impact", "staff.chart_of_accounts", "staff.audit_log"),
    ),
)


@dataclass(frozen=True)
class Menu:
    key: str | None
    label: object
    items: list[tuple[str, object]]


def _visible_items() -> list[NavItem]:
    if not current_user.is_authenticated:
        return []
    actor = Actor(user_id=current_user.id, label=current_user.email, role=current_user.role)
    return [
        item
        for item in sorted(STAFF_NAV, key=lambda i: i.order)
        if item.endpoint in current_app.view_functions and (not item.roles or actor.has_role(*item.roles))
    ]


def staff_nav() -> list[tuple[str, object]]:
    """Every link the current user may follow, flat (tests and small screens)."""
    return [(item.endpoint, item.label) for item in _visible_items()]


def staff_menus() -> list[Menu]:
    """The links grouped into the top bar's menus; links of no menu go under "More"."""
    visible = {item.endpoint: item for item in _visible_items()}
    menus: list[Menu] = []
    placed: set[str] = set()
    for key, label, endpoints in MENUS:
        items = [(e, visible[e].label) for e in endpoints if e in visible]
        placed.update(endpoints)
        if items:
            menus.append(Menu(key, label, items))
    rest = [(item.endpoint, item.label) for item in visible.values() if item.endpoint not in placed]
    if rest:
        menus.append(Menu("more", lazy_gettext("More"), rest))
    return menus


def register_nav(app: Flask) -> None:
    app.jinja_env.globals["staff_nav"] = staff_nav
    app.jinja_env.globals["staff_menus"] = staff_menus


add_staff_nav("staff.chart_of_accounts", "Ledger", ("admin", "teller", "credit_officer"), order=80)
add_staff_nav("staff.audit_log", "Audit log", ("admin",), order=90)
