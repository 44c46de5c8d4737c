"""The provisions panel of the staff loan page: stage and expected loss at the last month-end,
the credit officer's flags (watchlist, credit-impaired) with the form to set and lift them.

A module of its own (no views) so the loan page (``loans``) and the flag views
(``provisioning``) both import it without importing each other.
"""

from __future__ import annotations

from typing import Any

from flask import g
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from bank.loans.models import Loan, LoanStatus
from bank.provisioning import queries
from bank.provisioning.models import RiskFlagKind, StageReason
from bank.provisioning.service import FLAG_ROLES

FLAG_LABELS = {
    RiskFlagKind.WATCHLIST: _l("Watchlist"),
    RiskFlagKind.CREDIT_IMPAIRED: _l("Credit-impaired"),
}
REASON_LABELS = {
    StageReason.CURRENT: _l("current or at most 30 days past due"),
    StageReason.ARREARS: _l("days past due"),
    StageReason.WATCHLIST: _l("on the watchlist"),
    StageReason.FORBORNE: _l("forborne"),
    StageReason.CREDIT_IMPAIRED: _l("credit-impaired"),
}


def provision_context(
    session: Session,
    loan: Loan,
    errors: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The panel's variables (the loan page passes them on)."""
    return {
        "provision": queries.latest_provision(session, loan.id),
        "risk_flags": queries.flag_history(session, loan.id),
        "flag_labels": FLAG_LABELS,
        "stage_reason_labels": REASON_LABELS,
        "can_flag": loan.status is LoanStatus.ACTIVE and g.actor.has_role(*FLAG_ROLES),
        "flag_errors": errors or {},
        "flag_values": values or {},
    }
