"""The staff back office at ``/staff``: one blueprint, views split by subject."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

# Views register themselves on ``bp`` when imported.
from bank.web.staff import audit_log, dashboard, ledger  # noqa: E402, F401
from bank.web.staff import reports, statements  # noqa: E402, F401
