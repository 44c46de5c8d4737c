"""The member portal at ``/portal``: one blueprint, views split by subject.

Every view with an id in its URL looks the object up through the logged-in member
(:mod:`bank.portal.queries`), so another member's id is a 404; ``tests/portal`` walks the URL
map to prove it for every such URL. The portal's menu is ``bank.web.nav.PORTAL_NAV``.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")


# Views register themselves on ``bp`` when imported.
from bank.web.portal import (  # noqa: E402, F401
    access,
    accounts,
    applications,
    collections,
    dashboard,
    export,
    loans,
    mandates,
    pools,
    profile,
    statements,
)
