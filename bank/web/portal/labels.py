"""Translated names of statuses the portal shows (the enum values stay English in code)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from bank.web import labels as status_tables

ACCOUNT_STATUS = status_tables.ACCOUNT_STATUS
LOAN_STATUS = status_tables.LOAN_STATUS
INSTALMENT_STATUS = status_tables.INSTALMENT_STATUS
APPLICATION_STATUS = status_tables.APPLICATION_STATUS
ENTRY_KINDS = {
    "deposit": _l("Deposit"),
    "withdrawal": _l("Withdrawal"),
    "transfer": _l("Transfer"),
    "shares_issue": _l("Member shares bought"),
    "shares_redemption": _l("Member shares sold back"),
    "loan_disbursement": _l("Loan paid out"),
    "loan_fee": _l("Loan arrangement fee"),
    "loan_collection": _l("Loan instalment"),
    "loan_payoff": _l("Loan repaid in full"),
    "loan_prepayment": _l("Early repayment"),
    "loan_recovery": _l("Payment on a written-off loan"),
    "interest": _l("Interest"),
}


def labels() -> dict[str, Any]:
    return {
        "account_status": ACCOUNT_STATUS,
        "loan_status": LOAN_STATUS,
        "instalment_status": INSTALMENT_STATUS,
        "application_status": APPLICATION_STATUS,
        "entry_kinds": ENTRY_KINDS,
    }
