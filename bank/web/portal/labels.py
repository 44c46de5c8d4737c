"""Translated names of statuses the portal shows (the enum values stay English in code)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from bank.applications.models import ApplicationStatus
from bank.loans.models import InstalmentStatus, LoanStatus
from bank.savings.models import DepositAccountStatus

ACCOUNT_STATUS = {
    DepositAccountStatus.OPEN: _l("open"),
    DepositAccountStatus.BLOCKED: _l("blocked"),
    DepositAccountStatus.CLOSED: _l("closed"),
}
LOAN_STATUS = {
    LoanStatus.ACTIVE: _l("running"),
    LoanStatus.PAID_OFF: _l("paid off"),
    LoanStatus.WRITTEN_OFF: _l("written off"),
}
INSTALMENT_STATUS = {
    InstalmentStatus.OPEN: _l("unpaid"),
    InstalmentStatus.PAID: _l("paid"),
    InstalmentStatus.SUPERSEDED: _l("replaced"),
    InstalmentStatus.WRITTEN_OFF: _l("written off"),
}
APPLICATION_STATUS = {
    ApplicationStatus.DRAFT: _l("draft"),
    ApplicationStatus.SUBMITTED: _l("submitted"),
    ApplicationStatus.IN_REVIEW: _l("in review"),
    ApplicationStatus.ON_AGENDA: _l("on the committee's agenda"),
    ApplicationStatus.RETURNED: _l("returned to you for more information"),
    ApplicationStatus.APPROVED: _l("approved"),
    ApplicationStatus.REJECTED: _l("rejected"),
    ApplicationStatus.WITHDRAWN: _l("withdrawn"),
    ApplicationStatus.EXPIRED: _l("offer expired"),
    ApplicationStatus.DISBURSED: _l("loan paid out"),
}
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
