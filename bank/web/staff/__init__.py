"""The staff back office at ``/staff``: one blueprint, views split by subject."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

# Views register themselves on ``bp`` when imported.
from bank.web.staff import accounts, approvals, audit_log, dashboard, ledger, members, shares  # noqa: E402, F401
from bank.web.staff import portal_access  # noqa: E402, F401
from bank.web.staff import reports, statements  # noqa: E402, F401
from bank.web.staff import calculator, products  # noqa: E402, F401
from bank.web.staff import applications  # noqa: E402, F401
from bank.web.staff import loans, runs  # noqa: E402, F401
