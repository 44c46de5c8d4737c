"""The words people read for the codes the bank stores: statuses, entry kinds, account names.

The domain keeps English codes (``in_review``, ``loan_interest_accrual``, ``queued``); a person
never should. Every page that shows one goes through this module, so staff, committee and
members use the same word for the same thing (the portal once said "bezig" where staff saw
"actief") and a new status is translated in one place.
"""

from __future__ import annotations

import enum
from typing import Any

from flask_babel import lazy_gettext as _l

from bank.applications.models import ApplicationStatus
from bank.approvals.models import ApprovalStatus
from bank.committee.models import DecisionOutcome, VoteChoice
from bank.ledger.models import AccountStatus, AccountType
from bank.loans.models import InstalmentStatus, LoanStatus
from bank.loans.products_models import ProductStatus
from bank.members.models import MemberStatus
from bank.notifications.models import OutboxStatus
from bank.pools.models import PoolStatus, WithdrawalStatus
from bank.portal.models import ChangeStatus
from bank.runs.models import RunStatus
from bank.savings.models import DepositAccountStatus

MEMBER_STATUS = {
    MemberStatus.APPLICANT: _l("applicant"),
    MemberStatus.ACTIVE: _l("active"),
    MemberStatus.SUSPENDED: _l("suspended"),
    MemberStatus.LEFT: _l("left"),
}
ACCOUNT_STATUS = {
    DepositAccountStatus.OPEN: _l("open"),
    DepositAccountStatus.BLOCKED: _l("blocked"),
    DepositAccountStatus.CLOSED: _l("closed"),
}
LEDGER_ACCOUNT_STATUS = {AccountStatus.OPEN: _l("open"), AccountStatus.CLOSED: _l("closed")}
LEDGER_ACCOUNT_TYPE = {
    AccountType.ASSET: _l("asset"),
    AccountType.LIABILITY: _l("liability"),
    AccountType.EQUITY: _l("equity"),
    AccountType.INCOME: _l("income"),
    AccountType.EXPENSE: _l("expense"),
}
LOAN_STATUS = {
    LoanStatus.ACTIVE: _l("active"),
    LoanStatus.PAID_OFF: _l("paid off"),
    LoanStatus.WRITTEN_OFF: _l("written off"),
}
INSTALMENT_STATUS = {
    InstalmentStatus.OPEN: _l("unpaid"),
    InstalmentStatus.PAID: _l("paid"),
    InstalmentStatus.SUPERSEDED: _l("superseded"),
    InstalmentStatus.WRITTEN_OFF: _l("written off"),
}
APPLICATION_STATUS = {
    ApplicationStatus.DRAFT: _l("draft"),
    ApplicationStatus.SUBMITTED: _l("submitted"),
    ApplicationStatus.IN_REVIEW: _l("in review"),
    ApplicationStatus.ON_AGENDA: _l("on the committee agenda"),
    ApplicationStatus.RETURNED: _l("returned for information"),
    ApplicationStatus.APPROVED: _l("approved"),
    ApplicationStatus.REJECTED: _l("rejected"),
    ApplicationStatus.WITHDRAWN: _l("withdrawn"),
    ApplicationStatus.EXPIRED: _l("expired"),
    ApplicationStatus.DISBURSED: _l("disbursed"),
}
APPROVAL_STATUS = {
    ApprovalStatus.PENDING: _l("pending"),
    ApprovalStatus.APPROVED: _l("approved"),
    ApprovalStatus.REJECTED: _l("rejected"),
}
RUN_STATUS = {
    RunStatus.RUNNING: _l("running"),
    RunStatus.COMPLETED: _l("completed"),
    RunStatus.FAILED: _l("failed"),
}
OUTBOX_STATUS = {
    OutboxStatus.QUEUED: _l("waiting to be sent"),
    OutboxStatus.SENT: _l("sent"),
    OutboxStatus.FAILED: _l("not delivered"),
    OutboxStatus.NO_ADDRESS: _l("no e-mail address"),
}
PRODUCT_STATUS = {
    ProductStatus.ACTIVE: _l("active"),
    ProductStatus.SUPERSEDED: _l("superseded"),
    ProductStatus.RETIRED: _l("retired"),
}
CHANGE_STATUS = {
    ChangeStatus.PENDING: _l("waiting for verification by the bank"),
    ChangeStatus.APPROVED: _l("verified and in use"),
    ChangeStatus.REJECTED: _l("not accepted"),
    ChangeStatus.WITHDRAWN: _l("replaced by a newer request"),
}
POOL_STATUS = {PoolStatus.OPEN: _l("open"), PoolStatus.CLOSED: _l("closed")}
POOL_WITHDRAWAL_STATUS = {
    WithdrawalStatus.WAITING: _l("waiting"),
    WithdrawalStatus.PAID: _l("paid"),
    WithdrawalStatus.CANCELLED: _l("cancelled"),
}
VOTE_CHOICE = {
    VoteChoice.APPROVE: _l("for"),
    VoteChoice.REJECT: _l("against"),
    VoteChoice.ABSTAIN: _l("abstain"),
}
DECISION_OUTCOME = {DecisionOutcome.APPROVED: _l("approved"), DecisionOutcome.REJECTED: _l("rejected")}

#: Every status table by the enum it names; ``status_label`` finds the table from the value.
STATUS_TABLES: dict[type[enum.Enum], dict[Any, Any]] = {
    MemberStatus: MEMBER_STATUS,
    DepositAccountStatus: ACCOUNT_STATUS,
    AccountStatus: LEDGER_ACCOUNT_STATUS,
    AccountType: LEDGER_ACCOUNT_TYPE,
    LoanStatus: LOAN_STATUS,
    InstalmentStatus: INSTALMENT_STATUS,
    ApplicationStatus: APPLICATION_STATUS,
    ApprovalStatus: APPROVAL_STATUS,
    RunStatus: RUN_STATUS,
    OutboxStatus: OUTBOX_STATUS,
    ProductStatus: PRODUCT_STATUS,
    ChangeStatus: CHANGE_STATUS,
    PoolStatus: POOL_STATUS,
    WithdrawalStatus: POOL_WITHDRAWAL_STATUS,
    VoteChoice: VOTE_CHOICE,
    DecisionOutcome: DECISION_OUTCOME,
}
#: The same tables by a short name, for values stored as plain strings (``t.to_status``).
STATUS_BY_NAME: dict[str, type[enum.Enum]] = {
    "member": MemberStatus,
    "account": DepositAccountStatus,
    "ledger_account": AccountStatus,
    "account_type": AccountType,
    "loan": LoanStatus,
    "instalment": InstalmentStatus,
    "application": ApplicationStatus,
    "approval": ApprovalStatus,
    "run": RunStatus,
    "outbox": OutboxStatus,
    "product": ProductStatus,
    "change": ChangeStatus,
    "pool": PoolStatus,
    "pool_withdrawal": WithdrawalStatus,
    "vote": VoteChoice,
    "decision": DecisionOutcome,
}


def humanize(code: str) -> str:
    """A code nobody translated yet, at least without underscores ("no_address" -> "no address")."""
    return code.replace("_", " ").replace(".", " ")


def status_label(value: Any, kind: str | None = None) -> str:
    """The word for a status: an enum member finds its own table; a plain string names it by ``kind``."""
    if value is None or value == "":
        return "—"
    enum_class: type[enum.Enum] | None = type(value) if isinstance(value, enum.Enum) else None
    if enum_class is None and kind is not None:
        enum_class = STATUS_BY_NAME.get(kind)
        if enum_class is not None:
            try:
                value = enum_class(value)
            except ValueError:
                enum_class = None
    table = STATUS_TABLES.get(enum_class) if enum_class is not None else None
    if table is not None and value in table:
        return str(table[value])
    return humanize(str(getattr(value, "value", value)))


def register(app: Any) -> None:
    """Install the filters on the app's Jinja environment."""
    app.jinja_env.filters.update(status_label=status_label)
