"""The staff back office at ``/staff``: one blueprint, views split by subject."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("staff", __name__, url_prefix="/staff")

# Views register themselves on ``bp`` when imported. One import line per section, so that
# sections added at the same time do not edit the same line; hence no import sorting here.
# ruff: noqa: I001
from bank.web.staff import accounts, approvals, audit_log, dashboard, ledger, members, shares  # noqa: E402, F401
from bank.web.staff import portal_access  # noqa: E402, F401
from bank.web.staff import reports, statements  # noqa: E402, F401
from bank.web.staff import calculator, products  # noqa: E402, F401
from bank.web.staff import applications  # noqa: E402, F401
from bank.web.staff import loans, runs  # noqa: E402, F401
from bank.web.staff import impact  # noqa: E402, F401
from bank.web.staff import pools  # noqa: E402, F401
from bank.web.staff import second_factor  # noqa: E402, F401
from bank.web.staff import mandates  # noqa: E402, F401
from bank.web.staff import bank_statements  # noqa: E402, F401
from bank.web.staff import collections  # noqa: E402, F401
from bank.web.staff import payouts  # noqa: E402, F401
from bank.web.staff import collection_cases  # noqa: E402, F401
from bank.web.staff import collateral  # noqa: E402, F401
from bank.web.staff import periods  # noqa: E402, F401
from bank.web.staff import provisioning  # noqa: E402, F401
from bank.web.staff import forbearance  # noqa: E402, F401
from bank.web.staff import compliance_cdd  # noqa: E402, F401
from bank.web.staff import monitoring  # noqa: E402, F401
from bank.web.staff import compliance_screening  # noqa: E402, F401
from bank.web.staff import privacy  # noqa: E402, F401
