"""The member portal at ``/portal``: one blueprint, views split by subject.

Every view with an id in its URL looks the object up through the logged-in member
(:mod:`bank.portal.queries`), so another member's id is a 404; ``tests/portal`` walks the URL
map to prove it for every such URL. Sections add their link to the portal's menu with
:func:`add_portal_nav` when imported.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, current_app
from flask_babel import lazy_gettext

bp = Blueprint("portal", __name__, url_prefix="/portal")


@dataclass(frozen=True)
class PortalNavItem:
    endpoint: str
    label: object
    order: int


PORTAL_NAV: list[PortalNavItem] = []


def add_portal_nav(endpoint: str, label: str, order: int = 50) -> None:
    """Register a link in the portal menu (``label`` is translated lazily)."""
    if any(item.endpoint == endpoint for item in PORTAL_NAV):
        return
    PORTAL_NAV.append(PortalNavItem(endpoint, lazy_gettext(label), order))


def portal_nav() -> list[tuple[str, object]]:
    return [
        (item.endpoint, item.label)
        for item in sorted(PORTAL_NAV, key=lambda i: i.order)
        if item.endpoint in current_app.view_functions
    ]


@bp.app_context_processor
def _portal_globals() -> dict[str, object]:
    return {"portal_nav": portal_nav}


# Views register themselves on ``bp`` when imported.
from bank.web.portal import (  # noqa: E402, F401
    access,
    accounts,
    applications,
    dashboard,
    export,
    loans,
    pools,
    profile,
    statements,
)
