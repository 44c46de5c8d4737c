"""The words people read for the codes the bank stores: statuses, entry kinds, account names.

The domain keeps English codes (``in_review``, ``loan_interest_accrual``, ``queued``); a person
never should. Every page that shows one goes through this module, so staff, committee and
members use the same word for the same thing (the portal once said "bezig" where staff saw
"actief") and a new status is translated in one place.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.dates import format_date
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l

from bank.applications.models import ApplicationStatus
from bank.approvals.models import ApprovalStatus
from bank.committee.models import DecisionOutcome, VoteChoice
from bank.errors import N_
from bank.ledger import chart
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


# --- ledger: entry kinds, account names, memos -------------------------------------------------

#: What each kind of journal entry is called. The Dutch words are the statement's
#: (bank.statements.builder.KIND_LABELS); a test keeps the two the same.
ENTRY_KINDS = {
    "deposit": _l("Deposit"),
    "withdrawal": _l("Withdrawal"),
    "transfer": _l("Transfer"),
    "shares_issue": _l("Member shares bought"),
    "shares_redemption": _l("Member shares redeemed"),
    "seed_capital": _l("Municipal seed capital"),
    "loan_disbursement": _l("Loan disbursement"),
    "loan_fee": _l("Loan arrangement fee"),
    "loan_collection": _l("Loan instalment"),
    "loan_interest_accrual": _l("Loan interest"),
    "loan_penalty": _l("Penalty interest"),
    "loan_late_fee": _l("Late fee"),
    "loan_payoff": _l("Loan paid off"),
    "loan_prepayment": _l("Loan prepayment"),
    "loan_recovery": _l("Recovery on a written-off loan"),
    "loan_write_off": _l("Loan write-off"),
    "savings_interest": _l("Interest"),
    "interest": _l("Interest"),
    "pool_subscription": _l("Money into an investment pool"),
    "pool_withdrawal": _l("Withdrawal from an investment pool"),
    "pool_distribution": _l("Investment pool returns"),
    "pool_loss_buffer": _l("First-loss buffer used"),
    "reversal": _l("Correction"),
}

#: The main accounts of the chart by code (bank.ledger.chart.MAIN_ACCOUNTS keeps the English).
ACCOUNT_NAMES = {
    chart.SETTLEMENT: _l("Settlement account at the clearing bank"),
    chart.LOAN_PRINCIPAL: _l("Loan principal"),
    chart.INTEREST_RECEIVABLE: _l("Interest receivable"),
    chart.FEES_RECEIVABLE: _l("Fees and penalties receivable"),
    chart.LOAN_LOSS_ALLOWANCE: _l("Loan loss allowance"),
    chart.MEMBER_DEPOSITS: _l("Member deposits"),
    chart.POOL_PARTICIPATIONS: _l("Investment pool participations"),
    chart.SHARE_CAPITAL: _l("Member share capital"),
    chart.SEED_CAPITAL: _l("Municipal seed capital"),
    chart.RESERVES: _l("Reserves"),
    chart.INTEREST_INCOME: _l("Loan interest income"),
    chart.FEE_INCOME: _l("Fee and penalty income"),
    chart.SAVINGS_INTEREST_EXPENSE: _l("Savings interest expense"),
    chart.IMPAIRMENT_EXPENSE: _l("Impairment and write-offs"),
    chart.POOL_RETURNS_EXPENSE: _l("Returns paid to pool participants"),
}


def _locale() -> str:
    locale = get_locale()
    return str(locale) if locale else "nl"


def _iso_date(text: str) -> str:
    from bank.web.filters import date_filter

    try:
        return date_filter(dt.date.fromisoformat(text))
    except ValueError:
        return text


def _month(text: str) -> str:
    """ "03-2026" or "2026-03" -> "maart 2026" (nl) / "March 2026" (en)."""
    return month_label(text)


def _plain_amount(text: str) -> str:
    from bank.web.filters import money_filter

    try:
        return money_filter(Decimal(text.replace(",", "")))
    except (InvalidOperation, ValueError):
        return text


def _grouped_iban(text: str) -> str:
    from bank.web.filters import iban_filter

    return iban_filter(text)


#: How a parameter found in a stored memo is shown: dates, months and amounts per locale.
_PARAM_FORMATS: dict[str, Callable[[str], str]] = {
    "date": _iso_date,
    "start": _iso_date,
    "end": _iso_date,
    "month": _month,
    "price": _plain_amount,
    "amount": _plain_amount,
    "iban": _grouped_iban,
}
_LOAN = r"(?P<loan>[A-Z]{2}-\d{4}-\d{4})"
_DATE = r"\d{4}-\d{2}-\d{2}"
#: The English sentences the services store as memos, and the catalogue entry each one reads as.
#: A memo is split at " · " and every part is looked up on its own; what matches nothing (a
#: description a person typed) is shown as typed.
MEMO_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        (r"Deposit", N_("Deposit")),
        (r"Withdrawal", N_("Withdrawal")),
        (r"Transfer", N_("Transfer")),
        (rf"Instalment collection {_LOAN}", N_("Instalment collection %(loan)s")),
        (rf"Disbursement of loan {_LOAN}", N_("Disbursement of loan %(loan)s")),
        (
            rf"Disbursement of loan {_LOAN} to (?P<name>.+) \((?P<iban>[A-Z]{{2}}\d{{2}}[A-Z0-9 ]+)\)",
            N_("Disbursement of loan %(loan)s to %(name)s (%(iban)s)"),
        ),
        (rf"Arrangement fee of loan {_LOAN}", N_("Arrangement fee of loan %(loan)s")),
        (rf"Interest instalment (?P<n>\d+) of {_LOAN}", N_("Interest on instalment %(n)s of %(loan)s")),
        (
            rf"Interest (?P<start>{_DATE}) to (?P<end>{_DATE}) \((?P<days>\d+) days\) on payoff of {_LOAN}",
            N_("Interest %(start)s to %(end)s (%(days)s days) on payoff of %(loan)s"),
        ),
        (rf"Late fee instalment (?P<n>\d+) of {_LOAN}", N_("Late fee on instalment %(n)s of %(loan)s")),
        (
            rf"Penalty interest on overdue principal of {_LOAN}",
            N_("Penalty interest on overdue principal of %(loan)s"),
        ),
        (rf"Full early repayment of {_LOAN}", N_("Full early repayment of %(loan)s")),
        (rf"Extra repayment of {_LOAN} \(shorten term\)", N_("Extra repayment of %(loan)s (term shortened)")),
        (
            rf"Extra repayment of {_LOAN} \(lower instalment\)",
            N_("Extra repayment of %(loan)s (lower instalment)"),
        ),
        (rf"Recovery on written-off loan {_LOAN}", N_("Recovery on written-off loan %(loan)s")),
        (rf"Write-off of loan {_LOAN}: (?P<reason>.*)", N_("Write-off of loan %(loan)s: %(reason)s")),
        (
            rf"Returns of pool (?P<pool>.+), (?P<start>{_DATE}) to (?P<end>{_DATE})",
            N_("Returns of pool %(pool)s, %(start)s to %(end)s"),
        ),
        (
            rf"First-loss buffer of pool (?P<pool>.+) carries the loss on loan {_LOAN}",
            N_("First-loss buffer of pool %(pool)s carries the loss on loan %(loan)s"),
        ),
        (r"Subscription to pool (?P<pool>\S+)", N_("Money into pool %(pool)s")),
        (r"Withdrawal from pool (?P<pool>\S+)", N_("Withdrawal from pool %(pool)s")),
        (r"Interest (?P<month>\d{2}-\d{4}|\d{4}-\d{2})", N_("Interest %(month)s")),
        (r"Interest for (?P<month>\d{2}-\d{4}|\d{4}-\d{2})", N_("Interest %(month)s")),
        (
            r"(?P<count>\d+) member share\(s\) (?P<cls>\S+) à (?P<price>[\d,]+\.\d{2})",
            N_("%(count)s member share(s) %(cls)s at %(price)s each"),
        ),
        (
            r"Redemption of (?P<count>\d+) member share\(s\) (?P<cls>\S+) to (?P<account>[\d ]+)",
            N_("Redemption of %(count)s member share(s) %(cls)s to account %(account)s"),
        ),
        (
            r"Redemption of (?P<count>\d+) member share\(s\) (?P<cls>\S+)",
            N_("Redemption of %(count)s member share(s) %(cls)s"),
        ),
        (r"received from outside", N_("received from outside")),
        (r"to (?P<iban>[A-Z]{2}\d{2}[A-Z0-9]{8,30})", N_("to %(iban)s")),
        (r"Reversal of entry (?P<entry>\d+): (?P<reason>.*)", N_("Reversal of entry %(entry)s: %(reason)s")),
    )
)


def month_label(text: str | dt.date | None) -> str:
    """A month as people write it: "2026-11" (or "11-2026") -> "november 2026" / "November 2026"."""
    if text is None or text == "":
        return "—"
    if isinstance(text, dt.date):
        day = text.replace(day=1)
    else:
        match = re.fullmatch(r"(\d{4})-(\d{2})|(\d{2})-(\d{4})", text.strip())
        if match is None:
            return str(text)
        year, month = (match.group(1), match.group(2)) if match.group(1) else (match.group(4), match.group(3))
        try:
            day = dt.date(int(year), int(month), 1)
        except ValueError:
            return str(text)
    return format_date(day, "LLLL yyyy", locale=_locale())


def _memo_part(part: str) -> str:
    for pattern, message in MEMO_PATTERNS:
        match = pattern.fullmatch(part)
        if match is None:
            continue
        params = {
            name: _PARAM_FORMATS.get(name, str)(value)
            for name, value in match.groupdict().items()
            if value is not None
        }
        return gettext(message, **params)
    return part


def memo_text(memo: str | None) -> str:
    """A stored memo in the reader's language: the services' English sentences translated by pattern."""
    if not memo:
        return ""
    return " · ".join(_memo_part(part.strip()) for part in memo.split(" · "))


def entry_kind(kind: str | None) -> str:
    """``loan_interest_accrual`` -> "Rente lening"; an unknown kind at least loses its underscores."""
    if not kind:
        return "—"
    label = ENTRY_KINDS.get(kind)
    return str(label) if label is not None else humanize(kind).capitalize()


_CHILD_NAMES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"Principal {_LOAN}"), N_("Principal %(loan)s")),
    (re.compile(rf"Interest {_LOAN}"), N_("Interest %(loan)s")),
    (re.compile(rf"Fees and penalties {_LOAN}"), N_("Fees and penalties %(loan)s")),
    (re.compile(r"Shares (?P<cls>\S+) (?P<name>.+)"), N_("Shares %(cls)s %(name)s")),
)


def account_name(account: Any) -> str:
    """A ledger account's name in the reader's language (main accounts by code, child accounts by pattern).

    Takes an account (or report row) with ``code`` and ``name``, or a plain name.
    """
    if account is None:
        return "—"
    code = getattr(account, "code", None)
    name = getattr(account, "name", account)
    if code in ACCOUNT_NAMES:
        return str(ACCOUNT_NAMES[code])
    text = str(name or "")
    for pattern, message in _CHILD_NAMES:
        match = pattern.fullmatch(text)
        if match is not None:
            return gettext(message, **match.groupdict())
    return text


def register(app: Any) -> None:
    """Install the filters on the app's Jinja environment."""
    app.jinja_env.filters.update(
        status_label=status_label,
        entry_kind=entry_kind,
        memo=memo_text,
        account_name=account_name,
        month=month_label,
    )
