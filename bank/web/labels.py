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
from babel.numbers import format_decimal
from flask_babel import get_locale, gettext, lazy_pgettext
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3, not in its stubs

from bank.applications.models import ApplicationStatus, AttachmentKind
from bank.approvals.models import ApprovalStatus
from bank.arrears.models import CaseStatus, ContactChannel, LetterKind, PromiseStatus
from bank.collateral.models import CollateralKind
from bank.committee.models import DecisionOutcome, VoteChoice
from bank.compliance.cdd_models import EddStatus, InterestKind
from bank.compliance.models import HitStatus
from bank.compliance.risk import RelationPurpose, RiskClass, Sector
from bank.errors import N_
from bank.forbearance.models import MeasureStatus
from bank.ledger import chart
from bank.ledger.models import AccountStatus, AccountType
from bank.loans.models import CollectionMethod, InstalmentStatus, LoanStatus
from bank.loans.products_models import LoanPurpose, ProductStatus
from bank.loans.schedule import DayCount, Frequency, Method
from bank.members.models import DocumentKind, LegalForm, MemberKind, MemberStatus
from bank.monitoring.models import AlertStatus, RuleCode
from bank.monitoring.models import CaseStatus as MonitoringCaseStatus
from bank.notifications.models import OutboxStatus
from bank.payment_orders.models import OrderSource, OrderState
from bank.payments.batch_models import BatchState, ItemState
from bank.payments.models import MandateScheme, MandateSequence, MandateStatus
from bank.payments.payout_models import PayoutBatchState
from bank.payments.statement_models import ImportStatus, LineStatus
from bank.pools.models import PoolStatus, WithdrawalStatus
from bank.portal.models import ChangeStatus
from bank.privacy.models import RequestChannel
from bank.privacy.retention import Category, Law
from bank.runs.models import RunStatus
from bank.savings.models import DepositAccountStatus
from bank.web.filters import (
    date_filter,
    iban_filter,
    money_filter,
    rate_filter,
    role_label_filter,
    transition_note_filter,
    who_filter,
)

#: Loan terms as the product pages and the calculator name them.
METHOD_LABELS = {
    Method.ANNUITY: _l("Annuity"),
    Method.LINEAR: _l("Linear"),
    Method.BULLET: _l("Bullet (interest only)"),
}
FREQUENCY_LABELS = {Frequency.MONTHLY: _l("Monthly"), Frequency.QUARTERLY: _l("Quarterly")}
DAY_COUNT_LABELS = {DayCount.THIRTY_360: _l("30/360"), DayCount.ACTUAL_365: _l("Actual/365")}

# --- the choices forms offer, by the code the domain keeps ---------------------------------------
# They live here, not in the view modules whose forms offer them, because error messages and the
# audit log name the same choices (``bank.web.messages``, :func:`audit_changes`).

#: What a loan purpose is called (product form, a pool's terms, the funded loans).
PURPOSE_LABELS = {
    LoanPurpose.COOP_STARTUP: _l("Co-op start-up"),
    LoanPurpose.LAND_TRUST_PURCHASE: _l("Community land trust purchase"),
    LoanPurpose.ASSOCIATION: _l("Association"),
    LoanPurpose.HOUSING_COOP: _l("Housing co-op"),
    LoanPurpose.OTHER: _l("Other"),
}
LEGAL_FORM_LABELS = {
    LegalForm.COOPERATIVE: _l("cooperative"),
    LegalForm.ASSOCIATION: _l("association"),
    LegalForm.FOUNDATION: _l("foundation"),
    LegalForm.OTHER: _l("other"),
}
#: The identity documents and company papers a member's identity is checked with.
DOCUMENT_LABELS = {
    DocumentKind.PASSPORT: _l("passport"),
    DocumentKind.ID_CARD: _l("identity card"),
    DocumentKind.DRIVING_LICENCE: _l("driving licence"),
    DocumentKind.RESIDENCE_PERMIT: _l("residence permit"),
    DocumentKind.KVK_EXTRACT: _l("KvK extract"),
}
MEMBER_KIND_LABELS = {MemberKind.PERSON: _l("person"), MemberKind.ORGANISATION: _l("organisation")}
#: The languages a member or user is written to in (each named in its own language).
LANGUAGE_CHOICES = [SelectChoice("nl", "Nederlands"), SelectChoice("en", "English")]
#: The documents attached to a loan application.
ATTACHMENT_KIND_LABELS = {
    AttachmentKind.BUSINESS_PLAN: _l("business plan"),
    AttachmentKind.STATUTES: _l("statutes"),
    AttachmentKind.PURCHASE_AGREEMENT: _l("purchase agreement"),
    AttachmentKind.ANNUAL_ACCOUNTS: _l("annual accounts"),
    AttachmentKind.APPRAISAL: _l("appraisal report"),
    AttachmentKind.OTHER: _l("other"),
}
#: The kinds of security in the collateral register (zekerheden).
COLLATERAL_KIND_LABELS = {
    CollateralKind.MORTGAGE: _l("mortgage"),
    CollateralKind.PLEDGE: _l("pledge"),
    CollateralKind.PERSONAL_GUARANTEE: _l("personal guarantee"),
    CollateralKind.MUNICIPAL_GUARANTEE: _l("municipal guarantee"),
    CollateralKind.GUARANTEE_FUND: _l("guarantee fund cover"),
}
#: The items of an application's review checklist.
CHECK_LABELS = {
    "identity_verified": _l("identity verified"),
    "kvk_extract": _l("KvK extract"),
    "statutes": _l("statutes"),
    "financials": _l("financials"),
    "appraisal": _l("appraisal (land)"),
    "deed": _l("deed (land)"),
}


def purpose_label(value: str) -> str:
    """A loan purpose code in words ("coop_startup" -> "Co-op start-up"); an unknown code as it is."""
    try:
        return str(PURPOSE_LABELS[LoanPurpose(value)])
    except ValueError:
        return value


def label_choices(labels: dict[Any, Any]) -> list[SelectChoice]:
    """Select choices from an enum's label table: the code as value, its words as label."""
    return [SelectChoice(key.value, label) for key, label in labels.items()]


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
#: A collection batch's states and its items' (``bank.payments.batch_models``), by their stored codes.
BATCH_STATE = {
    "prepared": _l("prepared"),
    "exported": _l("exported"),
    "settled": _l("settled"),
    "partly_returned": _l("partly returned"),
}
BATCH_ITEM_STATE = {"pending": _l("pending"), "settled": _l("settled"), "returned": _l("returned")}
#: A direct debit as the member reads it in the portal ("Mijn incasso's"): a pending item is
#: announced while its batch is prepared (the pre-notification went out) and sent once the file
#: went to the clearing bank; the other codes are the item's states.
MEMBER_COLLECTION_STATE = {
    "announced": _l("announced"),
    "sent": _l("sent to your bank"),
    "settled": _l("collected"),
    "returned": _l("returned to your account"),
}
#: The SEPA scheme and sequence codes of a collection, as the file carries them.
COLLECTION_SCHEME = {"core": _l("Core"), "b2b": _l("B2B")}
COLLECTION_SEQUENCE = {"FRST": _l("first (FRST)"), "RCUR": _l("recurring (RCUR)")}
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
MANDATE_STATUS = {
    MandateStatus.ACTIVE: _l("active"),
    MandateStatus.REVOKED: _l("revoked"),
    MandateStatus.EXPIRED: _l("expired"),
}
MANDATE_SCHEME_LABELS = {MandateScheme.CORE: _l("SEPA Core"), MandateScheme.B2B: _l("SEPA B2B (business)")}
MANDATE_SEQUENCE_LABELS = {
    MandateSequence.FIRST: _l("first collection (FRST)"),
    MandateSequence.RECURRING: _l("recurring (RCUR)"),
}
COLLECTION_METHOD_LABELS = {
    CollectionMethod.REPAYMENT_ACCOUNT: _l("from the repayment account"),
    CollectionMethod.MANDATE: _l("by direct debit (mandate)"),
}
VOTE_CHOICE = {
    VoteChoice.APPROVE: _l("for"),
    VoteChoice.REJECT: _l("against"),
    VoteChoice.ABSTAIN: _l("abstain"),
}
PAYOUT_BATCH_STATE = {
    PayoutBatchState.PREPARED: _l("waiting for release"),
    PayoutBatchState.RELEASED: _l("released"),
    PayoutBatchState.EXPORTED: _l("exported"),
}
PAYMENT_ORDER_STATE = {
    OrderState.ORDERED: _l("ordered"),
    OrderState.IN_BATCH: _l("in a batch"),
    OrderState.EXPORTED: _l("sent"),
    OrderState.SETTLED: _l("settled"),
    OrderState.REJECTED: _l("rejected"),
    OrderState.RETURNED: _l("returned"),
}
PAYMENT_ORDER_SOURCE = {
    OrderSource.WITHDRAWAL: _l("withdrawal"),
    OrderSource.DISBURSEMENT: _l("loan disbursement"),
    OrderSource.SHARE_REDEMPTION: _l("share redemption"),
    OrderSource.POOL_WITHDRAWAL: _l("pool withdrawal"),
    OrderSource.POOL_DISTRIBUTION: _l("pool distribution"),
    OrderSource.OTHER: _l("other payment"),
}
STATEMENT_IMPORT_STATUS = {ImportStatus.BOOKED: _l("booked"), ImportStatus.REFUSED: _l("refused")}
STATEMENT_LINE_STATUS = {
    LineStatus.MATCHED: _l("matched"),
    LineStatus.SUSPENSE: _l("in suspense"),
    LineStatus.ASSIGNED: _l("assigned"),
    LineStatus.RETURNED_TO_SENDER: _l("sent back"),
}
#: What recognised a statement line (``bank.payments.matching``'s matcher names).
MATCHED_BY = {
    "collection": _l("our direct debit (end-to-end id)"),
    "reference": _l("payment reference (RF)"),
    "member_iban": _l("the member's IBAN"),
    "suspense": _l("nothing: suspense account"),
    "zero": _l("nothing to book (zero)"),
    "payout": _l("our payout (end-to-end id)"),
    "payout_return": _l("our payout came back (end-to-end id)"),
    "return": _l("our direct debit came back (end-to-end id)"),
    "by_hand": _l("booked by hand before the statement came"),
}
DECISION_OUTCOME = {DecisionOutcome.APPROVED: _l("approved"), DecisionOutcome.REJECTED: _l("rejected")}

#: The reminder letters of the arrears ladder (issue 16), by the glossary's words.
LETTER_KIND_LABELS = {
    LetterKind.REMINDER: _l("reminder"),
    LetterKind.SECOND_REMINDER: _l("second reminder"),
    LetterKind.NOTICE_OF_DEFAULT: _l("formal notice of default"),
    LetterKind.HANDOVER: _l("hand-over to collections"),
}
#: Forbearance requests (issue 16).
MEASURE_STATUS_LABELS = {
    MeasureStatus.REQUESTED: _l("waiting for a decision"),
    MeasureStatus.GRANTED: _l("granted"),
    MeasureStatus.REJECTED: _l("rejected"),
    MeasureStatus.WITHDRAWN: _l("withdrawn"),
}
#: Transaction monitoring (issue 17): the rules, alerts and cases of the compliance officer.
RULE_LABELS = {
    RuleCode.CASH_DEPOSIT: _l("Cash deposit at or above the threshold"),
    RuleCode.STRUCTURING: _l("Several amounts just below the threshold (structuring)"),
    RuleCode.IN_AND_OUT: _l("Money in and out again within days"),
    RuleCode.HIGH_RISK_COUNTRY: _l("Payment to or from a high-risk third country"),
    RuleCode.ABOVE_EXPECTED_USE: _l("Turnover far above the expected use"),
}
ALERT_STATUS_LABELS = {
    AlertStatus.OPEN: _l("open"),
    AlertStatus.DISMISSED: _l("dismissed"),
    AlertStatus.IN_CASE: _l("in a case"),
}
MONITORING_CASE_STATUS_LABELS = {
    MonitoringCaseStatus.OPEN: _l("under investigation"),
    MonitoringCaseStatus.NOT_UNUSUAL: _l("closed: not unusual"),
    MonitoringCaseStatus.REPORTED: _l("reported as unusual"),
}
HIT_STATUS_LABELS = {
    HitStatus.OPEN: _l("open"),
    HitStatus.CLEARING_PROPOSED: _l("clearing proposed"),
    HitStatus.CLEARED: _l("cleared"),
    HitStatus.CONFIRMED: _l("confirmed match"),
    HitStatus.LIFTED: _l("lifted"),
}
CASE_STATUS_LABELS = {
    CaseStatus.OPEN: _l("open"),
    CaseStatus.ESCALATED: _l("with collections"),
    CaseStatus.CLOSED: lazy_pgettext("collection case", "closed"),
}
CONTACT_CHANNEL_LABELS = {
    ContactChannel.PHONE: _l("phone"),
    ContactChannel.EMAIL: _l("e-mail"),
    ContactChannel.LETTER: _l("letter"),
    ContactChannel.VISIT: _l("visit"),
    ContactChannel.MEETING: _l("meeting at the bank"),
}
#: Retention and erasure (issue 17): what a member's data is, and the law that keeps it.
RETENTION_CATEGORY_LABELS = {
    Category.DUE_DILIGENCE: _l("Identity documents, due diligence and screening"),
    Category.ACCOUNTING: _l(
        "Accounting records: accounts, loans, statements and payments with names and IBANs"
    ),
    Category.CONTACT: _l("Contact details: e-mail, telephone and portal log-in"),
}
RETENTION_LAW_LABELS = {
    Law.WWFT: _l("Wwft art. 33: five years after the relationship ends"),
    Law.TAX: _l("AWR art. 52: seven years after the end of the year the relationship ends"),
    Law.NONE: _l("no legal duty to keep"),
}
ERASURE_CHANNEL_LABELS = {RequestChannel.PORTAL: _l("in the portal"), RequestChannel.STAFF: _l("at the bank")}
PROMISE_STATUS_LABELS = {
    PromiseStatus.PENDING: _l("pending"),
    PromiseStatus.KEPT: _l("kept"),
    PromiseStatus.BROKEN: _l("broken"),
}
# --- due diligence (cliëntenonderzoek) -----------------------------------------------------------
RISK_CLASS_LABELS = {
    RiskClass.LOW: lazy_pgettext("risk class", "low"),
    RiskClass.NORMAL: lazy_pgettext("risk class", "normal"),
    RiskClass.HIGH: lazy_pgettext("risk class", "high"),
}
EDD_STATUS_LABELS = {
    EddStatus.NOT_NEEDED: _l("not needed"),
    EddStatus.PENDING: _l("waiting for a second officer's approval"),
    EddStatus.APPROVED: _l("approved"),
    EddStatus.REJECTED: _l("rejected"),
}
SECTOR_LABELS = {
    Sector.FOOD_AND_RETAIL: _l("Food and retail"),
    Sector.CRAFT_AND_REPAIR: _l("Craft and repair"),
    Sector.CARE_AND_EDUCATION: _l("Care and education"),
    Sector.ENERGY: _l("Energy"),
    Sector.HOUSING_AND_LAND: _l("Housing and land"),
    Sector.CULTURE_AND_SPORT: _l("Culture and sport"),
    Sector.NEIGHBOURHOOD: _l("Neighbourhood and residents"),
    Sector.CASH_INTENSIVE_TRADE: _l("Cash-intensive trade"),
    Sector.CRYPTO_ASSETS: _l("Crypto-assets"),
    Sector.GAMBLING: _l("Gambling"),
    Sector.REAL_ESTATE_DEALING: _l("Real estate dealing"),
    Sector.PRECIOUS_GOODS: _l("Precious metals, stones and art"),
    Sector.MONEY_TRANSFER: _l("Money transfer"),
    Sector.OTHER: _l("Other sector"),
}
RELATION_PURPOSE_LABELS = {
    RelationPurpose.SAVING: _l("Saving"),
    RelationPurpose.PAYMENTS: _l("Day-to-day payments"),
    RelationPurpose.BORROWING: _l("Borrowing"),
    RelationPurpose.BUSINESS: _l("Running a business or organisation"),
    RelationPurpose.THIRD_PARTY_FUNDS: _l("Holding money of third parties"),
    RelationPurpose.OTHER: _l("Other purpose"),
}
INTEREST_LABELS = {
    InterestKind.OWNERSHIP: _l("Ownership"),
    InterestKind.VOTING_RIGHTS: _l("Voting rights"),
    InterestKind.SENIOR_MANAGER: _l("Senior managing official (pseudo-UBO)"),
}
#: Why an assessment gave its class, by the reason's code (``bank.compliance.risk.Reason``).
RISK_REASON_TEXTS = {
    "no_risk_factors": N_("no risk factors: a person living in the EU/EEA"),
    "organisation": N_("an organisation: its owners stand behind it"),
    "residence_outside_eea": N_("lives or is registered outside the EU/EEA (%(country)s)"),
    "residence_high_risk_country": N_(
        "lives or is registered in a high-risk third country on the EU list (%(country)s)"
    ),
    "nationality_outside_eea": N_("nationality outside the EU/EEA (%(country)s)"),
    "nationality_high_risk_country": N_(
        "nationality of a high-risk third country on the EU list (%(country)s)"
    ),
    "pep": N_("politically exposed person (PEP)"),
    "sanctions_hit": N_("confirmed hit on a sanctions list"),
    "high_risk_sector": N_("active in a higher-risk sector (%(sector)s)"),
    "turnover_above_threshold": N_("expected turnover of %(amount)s a month, above %(threshold)s"),
    "third_party_funds": N_("holds money of third parties"),
    "purpose_other": N_("another purpose than saving, payments, borrowing or business"),
}

#: Every status table by the enum it names; ``status_label`` finds the table from the value.
STATUS_TABLES: dict[type[enum.Enum], dict[Any, Any]] = {
    MemberStatus: MEMBER_STATUS,
    BatchState: BATCH_STATE,
    ImportStatus: STATEMENT_IMPORT_STATUS,
    LineStatus: STATEMENT_LINE_STATUS,
    ItemState: BATCH_ITEM_STATE,
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
    MandateStatus: MANDATE_STATUS,
    PayoutBatchState: PAYOUT_BATCH_STATE,
    OrderState: PAYMENT_ORDER_STATE,
    CaseStatus: CASE_STATUS_LABELS,
    MeasureStatus: MEASURE_STATUS_LABELS,
    HitStatus: HIT_STATUS_LABELS,
    PromiseStatus: PROMISE_STATUS_LABELS,
    RiskClass: RISK_CLASS_LABELS,
    EddStatus: EDD_STATUS_LABELS,
    AlertStatus: ALERT_STATUS_LABELS,
    MonitoringCaseStatus: MONITORING_CASE_STATUS_LABELS,
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
    "mandate": MandateStatus,
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
    "cash_deposit": _l("Cash deposit"),
    "withdrawal": _l("Withdrawal"),
    "transfer": _l("Transfer"),
    "shares_issue": _l("Member shares bought"),
    "shares_redemption": _l("Member shares redeemed"),
    "seed_capital": _l("Municipal seed capital"),
    "loan_disbursement": _l("Loan disbursement"),
    "loan_fee": _l("Loan arrangement fee"),
    "loan_collection": _l("Loan instalment"),
    "direct_debit": _l("Direct debit"),
    "statement_receipt": _l("Transfer received"),
    "statement_suspense": _l("Suspense (unmatched item)"),
    "suspense_assign": _l("Assigned from suspense"),
    "suspense_return": _l("Sent back to the sender"),
    "direct_debit_return": _l("Direct debit returned"),
    "direct_debit_return_fee": _l("Return fee"),
    "loan_unapply": _l("Instalment payment taken back"),
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
    "year_end_closing": _l("Closing entry"),
}

#: The main accounts of the chart by code (bank.ledger.chart.MAIN_ACCOUNTS keeps the English).
ACCOUNT_NAMES = {
    chart.SETTLEMENT: _l("Settlement account at the clearing bank"),
    chart.PAYMENTS_IN_TRANSIT: _l("Payments in transit"),
    chart.SUSPENSE: _l("Suspense: unmatched statement items"),
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
    try:
        return date_filter(dt.date.fromisoformat(text))
    except ValueError:
        return text


def _month(text: str) -> str:
    """ "03-2026" or "2026-03" -> "maart 2026" (nl) / "March 2026" (en)."""
    return month_label(text)


def _plain_amount(text: str) -> str:
    try:
        return money_filter(Decimal(text.replace(",", "")))
    except (InvalidOperation, ValueError):
        return text


def _grouped_iban(text: str) -> str:
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
        (r"Cash deposit", N_("Cash deposit")),
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
            rf"Interest accrued through (?P<date>{_DATE}) on {_LOAN}",
            N_("Interest accrued through %(date)s on %(loan)s"),
        ),
        (
            rf"Accrued interest settled on the new schedule of {_LOAN}",
            N_("Accrued interest settled on the new schedule of %(loan)s"),
        ),
        (
            rf"Loan loss allowance (?P<date>{_DATE}): added (?P<amount>\d+\.\d{{2}})",
            N_("Loan-loss allowance %(date)s: %(amount)s added"),
        ),
        (
            rf"Loan loss allowance (?P<date>{_DATE}): released (?P<amount>\d+\.\d{{2}})",
            N_("Loan-loss allowance %(date)s: %(amount)s released"),
        ),
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
        (rf"Payment taken back on {_LOAN}", N_("Payment taken back on %(loan)s")),
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
        (
            r"Year-end closing (?P<year>\d{4}): result to reserves",
            N_("Year-end closing %(year)s: result to the reserves"),
        ),
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


# --- audit log -----------------------------------------------------------------------------------

#: Each audit action as a phrase (the code stays searchable; people read the phrase).
AUDIT_ACTIONS = {
    "arrears.case_assign": _l("Collection case owner changed"),
    "arrears.case_close": _l("Collection case closed"),
    "arrears.case_contact": _l("Contact with the borrower recorded"),
    "arrears.case_escalate": _l("Collection case handed over to collections"),
    "arrears.case_note": _l("Note added to a collection case"),
    "arrears.case_open": _l("Collection case opened"),
    "arrears.promise": _l("Promise to pay recorded"),
    "arrears.promise_kept": _l("Promise to pay kept"),
    "arrears.promise_broken": _l("Promise to pay broken"),
    "arrears.ladder_update": _l("Reminder ladder changed"),
    "account.block": _l("Account blocked"),
    "account.close": _l("Account closed"),
    "account.open": _l("Account opened"),
    "account.unblock": _l("Account unblocked"),
    "application.attachment": _l("Document added to an application"),
    "application.create": _l("Loan application started"),
    "application.review": _l("Credit review saved"),
    "application.update": _l("Loan application changed"),
    "booking.deposit": _l("Deposit booked"),
    "booking.withdrawal": _l("Withdrawal booked"),
    "booking.shares_redemption": _l("Member shares redeemed"),
    "booking.transfer": _l("Transfer booked"),
    "booking.shares_issue": _l("Member shares issued"),
    "booking.seed_capital": _l("Seed capital booked"),
    "bsn.reveal": _l("BSN shown in full"),
    "compliance.file_open": _l("Due-diligence file opened"),
    "compliance.facts": _l("Due-diligence facts changed"),
    "compliance.flag": _l("PEP or sanctions flag changed"),
    "compliance.assessment": _l("Risk assessed"),
    "compliance.edd_approve": _l("Enhanced due diligence approved"),
    "compliance.edd_reject": _l("Enhanced due diligence rejected"),
    "compliance.document_record": _l("Identity document recorded"),
    "compliance.document_reveal": _l("Document number shown in full"),
    "compliance.ubo_add": _l("Beneficial owner added"),
    "compliance.ubo_remove": _l("Beneficial owner removed"),
    "bsn.reveal_refused": _l("Showing a BSN refused"),
    "collateral.appraisal": _l("Collateral appraised"),
    "collateral.deed": _l("Deed of a security stored"),
    "collateral.register": _l("Security added to the collateral register"),
    "committee.condition_collateral": _l("Condition linked to the collateral register"),
    "committee.condition_met": _l("Condition marked as met"),
    "committee.meeting": _l("Committee meeting planned"),
    "committee.no_conflict": _l("Conflict of interest declared"),
    "committee.recusal": _l("Committee member recused"),
    "committee.vote": _l("Vote cast"),
    "committee.decision.approved": _l("Committee approved the application"),
    "committee.decision.rejected": _l("Committee rejected the application"),
    "monitoring.rule_changed": _l("Monitoring thresholds changed"),
    "monitoring.alert_dismissed": _l("Monitoring alert dismissed"),
    "monitoring.case_opened": _l("Monitoring case opened"),
    "monitoring.case_note": _l("Note added to a monitoring case"),
    "monitoring.case_not_unusual": _l("Monitoring case closed as not unusual"),
    "monitoring.case_reported": _l("Transactions found unusual: to be reported to FIU-Nederland"),
    "monitoring.case_exported": _l("Report for FIU-Nederland downloaded"),
    "screening.list_loaded": _l("Sanctions or PEP list loaded"),
    "screening.everyone_screened": _l("Every member screened against the lists"),
    "screening.hit_found": _l("Screening hit found"),
    "screening.clearing_proposed": _l("Clearing of a screening hit proposed"),
    "screening.cleared": _l("Screening hit cleared (second person)"),
    "screening.confirmed": _l("Screening hit confirmed as a match"),
    "screening.lifted": _l("Confirmed screening match lifted"),
    "forbearance.requested": _l("Forbearance requested"),
    "forbearance.granted": _l("Forbearance granted: new schedule"),
    "forbearance.rejected": _l("Forbearance rejected"),
    "forbearance.withdrawn": _l("Forbearance request withdrawn"),
    "loan.collection_method": _l("How the loan is collected changed"),
    "loan.disburse": _l("Loan paid out"),
    "loan.impact_report.create": _l("Impact report added"),
    "loan.impact_report.update": _l("Impact report changed"),
    "loan.payoff": _l("Loan repaid in full"),
    "loan.prepayment": _l("Extra repayment booked"),
    "loan.recovery": _l("Payment on a written-off loan booked"),
    "loan.write_off": _l("Loan written off"),
    "loan.risk_flag": _l("Loan flagged (watchlist or credit-impaired)"),
    "loan.risk_flag_cleared": _l("Loan flag lifted"),
    "provisioning.pd_table": _l("Probability-of-default table set"),
    "provisioning.month_end": _l("Month-end loan-loss provisioning"),
    "loan_product.create": _l("Loan product created"),
    "loan_product.new_version": _l("New version of a loan product"),
    "loan_product.retire": _l("Loan product retired"),
    "login.failed": _l("Log-in failed"),
    "login.refused_locked": _l("Log-in refused: account locked"),
    "login.succeeded": _l("Logged in"),
    "login.totp_failed": _l("Wrong authentication code"),
    "login.totp_ok": _l("Authentication code accepted"),
    "logout": _l("Logged out"),
    "mandate.amend": _l("Mandate amended"),
    "mandate.expire": _l("Mandate expired unused"),
    "mandate.register": _l("Mandate registered"),
    "mandate.revoke": _l("Mandate revoked"),
    "member.change_approved": _l("Change of details approved"),
    "member.change_rejected": _l("Change of details rejected"),
    "member.change_requested": _l("Change of details requested"),
    "member.identity_check": _l("Identity checked"),
    "member.register": _l("Member registered"),
    "member.representative_add": _l("Representative added"),
    "member.representative_remove": _l("Representative removed"),
    "member.status": _l("Membership status changed"),
    "member.update": _l("Member details changed"),
    "payout.order": _l("Payment order booked"),
    "payout.settle": _l("Payment seen leaving on the statement"),
    "payout.reject": _l("Payment rejected by the bank"),
    "payout.return": _l("Payment came back"),
    "payouts.prepare": _l("Payout batch prepared"),
    "payouts.release": _l("Payout batch released"),
    "payouts.export": _l("Payout file downloaded"),
    "collections.export": _l("Collection file downloaded"),
    "collections.prepare": _l("Collection batch prepared"),
    "collections.settle": _l("Collection batch settled"),
    "statements.import": _l("Bank statement imported"),
    "statements.refuse": _l("Bank statement refused"),
    "statements.suspense.assign": _l("Suspense item assigned to an account"),
    "statements.suspense.send_back": _l("Suspense item sent back to the sender"),
    "collections.return": _l("Direct debit returned"),
    "loan.unapply": _l("Loan payment taken back"),
    "loan.reopen": _l("Paid-off loan active again (its last direct debit came back)"),
    "mandate.unauthorised_claim": _l("Unauthorised debit claimed on a mandate"),
    "permission.refused": _l("Access refused"),
    "period.close_month": _l("Month of the books closed"),
    "period.close_year": _l("Financial year closed: result to the reserves"),
    "pool.close": _l("Investment pool closed"),
    "pool.create": _l("Investment pool created"),
    "pool.distribution": _l("Pool returns distributed"),
    "pool.fund_loan": _l("Loan funded from a pool"),
    "pool.loss": _l("Loss borne by a pool"),
    "pool.subscribe": _l("Money put into a pool"),
    "pool.update": _l("Investment pool changed"),
    "pool.withdrawal_cancel": _l("Pool withdrawal cancelled"),
    "pool.withdrawal_pay": _l("Pool withdrawal paid"),
    "pool.withdrawal_request": _l("Pool withdrawal requested"),
    "portal.data_export": _l("Member downloaded their data"),
    "privacy.anonymise": _l("Former member's personal data anonymised"),
    "privacy.erasure_request": _l("Request to erase personal data answered"),
    "portal.invite": _l("Invitation to the portal sent"),
    "portal.invite_accepted": _l("Invitation to the portal accepted"),
    "portal.password_reset": _l("Password reset"),
    "portal.reset_refused": _l("Password reset refused"),
    "portal.reset_requested": _l("Password reset requested"),
    "portal.statement": _l("Statement downloaded"),
    "portal.totp_disabled": _l("Two-step log-in switched off"),
    "portal.totp_enabled": _l("Two-step log-in switched on"),
    "savings_product.create": _l("Savings product created"),
    "savings_product.rate": _l("Savings rate changed"),
    "share_class.create": _l("Share class created"),
    "statements.monthly": _l("Monthly statements produced"),
    "user.create": _l("User created"),
    "user.email_change": _l("User's e-mail address changed"),
    "user.password_set": _l("Password set"),
    "user.email_change_requested": _l("Change of e-mail address requested"),
    "user.email_changed": _l("E-mail address changed"),
    "user.second_factor_link": _l("Link to set up two-step log-in made"),
    "user.second_factor_enrolled": _l("Two-step log-in set up"),
}
#: What an approval is for (also the approvals page's "Kind" column).
APPROVAL_KINDS = {
    "withdrawal": _l("Withdrawal"),
    "share_redemption": _l("Share redemption"),
    "loan_disbursement": _l("Loan disbursement"),
    "loan_write_off": _l("Loan write-off"),
    "statement_suspense": _l("Suspense item assigned or sent back"),
}
OBJECT_TYPES = {
    "period": _l("period"),
    "forbearance_measure": _l("forbearance"),
    "monitoring_rule": _l("monitoring rule"),
    "monitoring_alert": _l("monitoring alert"),
    "monitoring_case": _l("monitoring case"),
    "screening_hit": _l("screening hit"),
    "screening_list_load": _l("list load"),
    "collection_case": _l("collection case"),
    "approval": _l("approval"),
    "bank_statement_line": _l("bank statement line"),
    "collateral_item": _l("security"),
    "committee_meeting": _l("committee meeting"),
    "deposit_account": _l("account"),
    "due_diligence": _l("due-diligence file of member"),
    "journal_entry": _l("booking"),
    "loan": _l("loan"),
    "loan_application": _l("loan application"),
    "loan_product": _l("loan product"),
    "mandate": _l("mandate"),
    "member": _l("member"),
    "payment_batch": _l("collection batch"),
    "payment_batch_item": _l("direct debit"),
    "pool": _l("investment pool"),
    "pool_participation": _l("pool participation"),
    "pool_withdrawal_request": _l("pool withdrawal"),
    "savings_product": _l("savings product"),
    "share_class": _l("share class"),
    "share_holding": _l("share holding"),
    "statement_import": _l("bank statement import"),
    "statement_month": _l("statement month"),
    "stored_statement": _l("stored statement"),
    "user": _l("user"),
}
#: The field names the services write into before/after, as people call them.
FIELD_LABELS = {
    "erasable_on": _l("Anonymised from"),
    "contact_erased": _l("Contact details erased"),
    "everything_erased": _l("Everything erased"),
    "anonymised_on": _l("Anonymised on"),
    "records_anonymised": _l("Records anonymised"),
    "files_deleted": _l("Files deleted"),
    "risk_class": _l("Risk class"),
    "computed_class": _l("Computed class"),
    "review_due_on": _l("Review due"),
    "edd_status": _l("Enhanced due diligence"),
    "sector": _l("Sector"),
    "relation_purpose": _l("Purpose of the relationship"),
    "expected_monthly_turnover": _l("Expected turnover a month"),
    "residence_country": _l("Country of residence"),
    "nationality": _l("Nationality"),
    "issuing_country": _l("Issuing country"),
    "pep": _l("Politically exposed person (PEP)"),
    "sanctions_hit": _l("Sanctions hit"),
    "document_number": _l("Document number"),
    "expires_on": _l("Expires on"),
    "interest": _l("Interest"),
    "share_percent": _l("Share (per cent)"),
    "assessed_by": _l("Assessed by"),
    "active": _l("Active"),
    "share": _l("Percentage"),
    "min_count": _l("At least this many"),
    "window_days": _l("Within days"),
    "factor": _l("Times the expected turnover"),
    "alerts": _l("Alerts"),
    "rule": _l("Rule"),
    "note": _l("Note"),
    "first_export": _l("First download"),
    "transaction_count": _l("Transactions"),
    "holiday_periods": _l("Payment holiday (instalments of interest only)"),
    "extension_periods": _l("Longer term (instalments added)"),
    "needs_committee": _l("Decided by the committee"),
    "schedule_version": _l("Schedule version"),
    "registered_amount": _l("Registered amount"),
    "cover_percentage": _l("Cover percentage"),
    "cover_cap": _l("Cover cap"),
    "appraisal": _l("Appraisal"),
    "appraised_on": _l("Appraisal date"),
    "appraiser": _l("Appraiser"),
    "deed": _l("Deed"),
    "collateral_item": _l("Security"),
    "application": _l("Loan application"),
    "status": _l("Status"),
    "owner": _l("Owner"),
    "channel": _l("How"),
    "promised_on": _l("Pay by"),
    "paid": _l("Paid by then"),
    "steps": _l("Reminder ladder"),
    "capacity": _l("acting as"),
    "number": _l("Number"),
    "member": _l("Member"),
    "product": _l("Product"),
    "opened_on": _l("opened on"),
    "risk_grade": _l("Risk grade"),
    "recommended_amount": _l("Recommended amount"),
    "recommended_term_months": _l("Recommended term (months)"),
    "recommended_rate_annual": _l("Recommended rate"),
    "checklist": _l("Checklist"),
    "entry": _l("booking"),
    "maker": _l("requested by"),
    "kind": _l("Kind"),
    "object": _l("Object"),
    "amount": _l("Amount"),
    "summary": _l("Summary"),
    "account": _l("Account"),
    "value_date": _l("value date"),
    "shares": _l("Shares"),
    "class": _l("Share class"),
    "condition": _l("Condition"),
    "text": _l("Text"),
    "decision": _l("Decision"),
    "approve": _l("for"),
    "reject": _l("against"),
    "abstain": _l("abstain"),
    "conditions": _l("Conditions"),
    "held_on": _l("held on"),
    "chair": _l("Chair"),
    "has_conflict": _l("conflict of interest"),
    "choice": _l("Vote"),
    "round": _l("round"),
    "principal": _l("Principal"),
    "borrower": _l("Borrower"),
    "mode": _l("way"),
    "on": _l("Date"),
    "version": _l("Version"),
    "instalments": _l("instalments"),
    "external_iban": _l("External IBAN"),
    "email": _l("E-mail"),
    "phone": _l("Phone"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "name_prefix": _l("Prefix"),
    "street": _l("Street"),
    "house_number": _l("House number"),
    "postcode": _l("Postcode"),
    "city": _l("City"),
    "language": _l("Language"),
    "date_of_birth": _l("Date of birth"),
    "notes": _l("Notes"),
    "code": _l("Code"),
    "name_nl": _l("Name (Dutch)"),
    "name_en": _l("Name (English)"),
    "rate_annual": _l("Rate"),
    "year": _l("Year"),
    "role": _l("Role"),
    "legal_name": _l("Legal name"),
    "kvk_number": _l("KvK number"),
    "reason": _l("Reason"),
    "effective_from": _l("effective from"),
    "accounts": _l("accounts"),
    "created": _l("created"),
    "run_date": _l("run date"),
    "activity": _l("Activity"),
    "allocation_order": _l("Allocation order"),
    "amount_funded": _l("Amount funded"),
    "amount_max": _l("Maximum amount"),
    "amount_min": _l("Minimum amount"),
    "applicant": _l("Applicant"),
    "arrangement_fee_amount": _l("Arrangement fee (amount)"),
    "arrangement_fee_kind": _l("Arrangement fee (kind)"),
    "arrangement_fee_rate": _l("Arrangement fee (percentage)"),
    "bsn": _l("BSN"),
    "buffer": _l("First-loss buffer"),
    "checked_on": _l("checked on"),
    "created_by_id": _l("created by"),
    "day_count": _l("Day count"),
    "description": _l("Description"),
    "distributed": _l("distributed"),
    "document_kind": _l("Document"),
    "document_number_last4": _l("document number (last 4)"),
    "expires_at": _l("expires at"),
    "first_loss_buffer": _l("First-loss buffer"),
    "frequency": _l("Frequency"),
    "homes_secured": _l("homes secured"),
    "id": _l("id"),
    "instalment_multiple": _l("instalment rounded to"),
    "interest_collected": _l("interest collected"),
    "jobs_created": _l("jobs created"),
    "jobs_kept": _l("jobs kept"),
    "joined_on": _l("member since"),
    "key": _l("reference"),
    "land_area_m2": _l("land area (m²)"),
    "late_fee": _l("Late fee"),
    "left_on": _l("left on"),
    "legal_form": _l("Legal form"),
    "listing_consent": _l("consent to be listed"),
    "loan": _l("Loan"),
    "margin": _l("margin"),
    "margin_share": _l("margin share"),
    "max": _l("maximum"),
    "max_grace_periods": _l("maximum grace periods"),
    "method": _l("Method"),
    "min": _l("minimum"),
    "minimum_participation": _l("Minimum participation"),
    "nominal_value": _l("Nominal value"),
    "notice_months": _l("notice (months)"),
    "paid_on": _l("paid on"),
    "participants": _l("participants"),
    "participation": _l("participation"),
    "payable_from": _l("payable from"),
    "penalty_rate_annual": _l("Penalty rate"),
    "person": _l("Person"),
    "person_number": _l("person number"),
    "pool": _l("Pool"),
    "pool_share_of_loss": _l("pool's share of the loss"),
    "purpose": _l("Purpose"),
    "purposes": _l("Purposes"),
    "quarter_end": _l("quarter end"),
    "reported_on": _l("reported on"),
    "requested_on": _l("requested on"),
    "sent_to": _l("sent to"),
    "target_return_annual": _l("Target return"),
    "term_max_months": _l("maximum term (months)"),
    "term_min_months": _l("minimum term (months)"),
    "tolerance_days": _l("tolerance (days)"),
    "user_id": _l("user"),
    "already_stored": _l("already stored"),
    "attachment": _l("Attachment"),
    "bytes": _l("bytes"),
    "closed_on": _l("closed on"),
    "type": _l("Type"),
    "name": _l("Name"),
    "reference": _l("Mandate reference"),
    "scheme": _l("Scheme"),
    "signed_on": _l("Signed on"),
    "debtor_name": _l("Account holder"),
    "iban": _l("IBAN"),
    "bic": _l("BIC"),
    "creditor_id": _l("Creditor identifier (incassant-ID)"),
    "execution_on": _l("Execution date"),
    "reason_code": _l("Reason code"),
    "creditor_name": _l("Beneficiary"),
    "remittance": _l("Description"),
    "document": _l("Signed mandate"),
    "collection_method": _l("Collection method"),
    "mandate": _l("Mandate"),
    "mandate_id": _l("Mandate"),
    "last_used_on": _l("last used on"),
    "mandate_status": _l("Mandate status"),
    "new_reference": _l("New mandate reference"),
    "new_iban": _l("New IBAN"),
    "new_bic": _l("New BIC"),
    "batch_id": _l("Batch"),
    "collection_on": _l("Collection date"),
    "transactions": _l("Collections"),
    "control_sum": _l("Total"),
    "sha256": _l("Checksum (SHA-256)"),
    "end_to_end_id": _l("End-to-end id"),
    "debited_on": _l("Debit date"),
    "fee": _l("Return fee"),
    "unapplied": _l("Taken back from the loan"),
    "unauthorised": _l("Unauthorised debit claimed"),
    # Provisions (issue 16): the PD table, the month-end, the credit officer's flags.
    "effective_on": _l("In force from"),
    "default_grade": _l("Grade of a loan without a grade"),
    "unsecured_lgd": _l("Unsecured loss given default"),
    "month_end": _l("Month-end"),
    "from": _l("From"),
    "flag_id": _l("Flag"),
    "loans": _l("Loans"),
    "total_ecl": _l("Expected credit loss"),
    "change": _l("Change of the allowance"),
    "pd_table": _l("Probability-of-default table"),
    **{
        f"pd_{grade}_{stage}": _l(
            "Probability of default, grade %(grade)s, stage %(stage)s", grade=grade, stage=stage
        )
        for grade in ("A", "B", "C", "D", "E")
        for stage in (1, 2, 3)
    },
}
_MODES = {"lower_instalment": _l("lower instalment"), "shorten_term": _l("term shortened")}
#: Which status table a "status" value of an object type is read with.
_STATUS_OF_OBJECT = {
    "monitoring_alert": AlertStatus,
    "monitoring_case": MonitoringCaseStatus,
    "loan_application": ApplicationStatus,
    "loan": LoanStatus,
    "member": MemberStatus,
    "deposit_account": DepositAccountStatus,
    "approval": ApprovalStatus,
    "loan_product": ProductStatus,
    "pool": PoolStatus,
    "pool_withdrawal_request": WithdrawalStatus,
    "mandate": MandateStatus,
    "payment_batch": BatchState,
    "bank_statement_line": LineStatus,
    "payment_batch_item": ItemState,
}
_CAPACITIES = {
    "committee": _l("Committee member"),
    "credit_officer": _l("Credit officer"),
    "applicant": _l("applicant"),
    "system": _l("the system"),
}
#: Stored amounts are canonical strings with two decimals ("6171.08"); rates and shares are fractions.
_AMOUNT_TEXT = re.compile(r"-?\d+\.\d{2}")
_RATE_FIELDS = frozenset({"rate", "margin_share", "target_return_annual", "cover_percentage"})
_TIMESTAMP_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?")


def _iso_timestamp(text: str) -> str:
    """An ISO timestamp as stored ("2026-12-06T06:11:12+00:00") in the bank's time, per locale."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return date_filter(moment)


def audit_action(action: str) -> str:
    """ "approval.approve.loan_disbursement" -> "Goedgekeurd: uitbetaling lening" and so on."""
    label = AUDIT_ACTIONS.get(action)
    if label is not None:
        return str(label)
    head, _sep, rest = action.partition(".")
    if head == "application" and rest in {s.value for s in ApplicationStatus}:
        return gettext("Application moved to “%(status)s”", status=status_label(rest, "application"))
    if head == "approval":
        verb, _sep, kind = rest.partition(".")
        what = str(APPROVAL_KINDS.get(kind, humanize(kind)))
        if verb == "request":
            return gettext("Approval requested: %(what)s", what=what)
        if verb == "approve":
            return gettext("Approved: %(what)s", what=what)
        if verb == "reject":
            return gettext("Rejected: %(what)s", what=what)
    if head == "statement" and rest.startswith("download."):
        return gettext("Statement downloaded")
    return humanize(action)


def object_type_label(object_type: str | None) -> str:
    if not object_type:
        return ""
    label = OBJECT_TYPES.get(object_type)
    return str(label) if label is not None else humanize(object_type)


def _who(label: str) -> str:
    return who_filter(label)


#: The English details some services write on an audit event, read in the reader's language.
DETAIL_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), message)
    for pattern, message in (
        (
            rf"offer valid until (?P<date>{_DATE}) was not taken up",
            N_("offer valid until %(date)s was not taken up"),
        ),
        (
            rf"loan {_LOAN}; approved by (?P<checker>\S+), prepared by (?P<maker>\S+)",
            N_("loan %(loan)s; approved by %(checker)s, prepared by %(maker)s"),
        ),
        (
            r"profile change (?P<n>\d+) waits for staff verification",
            N_("profile change %(n)s waits for verification by staff"),
        ),
        (r"first member share paid", N_("first member share paid")),
        (rf"(?P<start>{_DATE}) (?:to|–) (?P<end>{_DATE})", N_("%(start)s to %(end)s")),
        (r"(?P<month>\d{4}-\d{2})/(?P<file>[\w.-]+\.pdf)", N_("%(month)s (file %(file)s)")),
    )
)


def audit_detail(detail: str | None) -> str:
    """An audit event's detail: the services' fixed English sentences translated, typed text kept."""
    if not detail:
        return ""
    if re.fullmatch(_DATE, detail.strip()):  # the date a statement was asked for
        return _iso_date(detail.strip())
    for pattern, message in DETAIL_PATTERNS:
        match = pattern.fullmatch(detail.strip())
        if match is not None:
            formats = {**_PARAM_FORMATS, "checker": _who, "maker": _who}
            params = {name: formats.get(name, str)(value) for name, value in match.groupdict().items()}
            return gettext(message, **params)
    first, newline, rest = transition_note_filter(detail).partition("\n")
    return memo_text(first) + newline + rest


def audit_object(object_type: str | None, object_id: str | None) -> str:
    """ "kredietaanvraag 7", "afschriftmaand november 2026": what an audit event is about."""
    label = object_type_label(object_type)
    if not object_id:
        return label
    # A month of the books (period close) or of statements reads as words: "januari 2025".
    shown = month_label(object_id) if object_type in ("statement_month", "period") else object_id
    return f"{label} {shown}".strip()


def _audit_value(name: str, value: Any, object_type: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, (dict, list)):
        return ", ".join(str(v) for v in (value.values() if isinstance(value, dict) else value))
    text = str(value)
    if name == "status":
        enum_class = _STATUS_OF_OBJECT.get(object_type)
        if enum_class is not None:
            try:
                return status_label(enum_class(text))
            except ValueError:
                return humanize(text)
        return humanize(text)
    if name == "rule" and object_type == "monitoring_alert":
        try:
            return str(RULE_LABELS[RuleCode(text)])
        except ValueError:
            return humanize(text)
    if name == "capacity":
        return str(_CAPACITIES.get(text, humanize(text)))
    if name == "role":
        return role_label_filter(text)
    if name == "document_kind":
        try:
            return str(DOCUMENT_LABELS[DocumentKind(text)])
        except (ValueError, KeyError):
            return humanize(text)
    if name == "mode":
        return str(_MODES.get(text, humanize(text)))
    due_diligence = _due_diligence_value(name, text)
    if due_diligence is not None:
        return due_diligence
    if name == "collection_method":
        try:
            return str(COLLECTION_METHOD_LABELS[CollectionMethod(text)])
        except ValueError:
            return humanize(text)
    if name == "scheme" and object_type == "mandate":
        try:
            return str(MANDATE_SCHEME_LABELS[MandateScheme(text)])
        except ValueError:
            return humanize(text)
    if name == "mandate_status":
        return status_label(text, "mandate")
    if name == "choice":
        return status_label(text, "vote")
    if name == "kind" and object_type == "member":
        try:
            return str(MEMBER_KIND_LABELS[MemberKind(text)])
        except (ValueError, KeyError):
            return humanize(text)
    if name == "kind" and object_type == "collateral_item":
        try:
            return str(COLLATERAL_KIND_LABELS[CollateralKind(text)])
        except ValueError:
            return humanize(text)
    if name == "kind":
        return str(APPROVAL_KINDS.get(text) or ENTRY_KINDS.get(text) or humanize(text))
    if name == "language":
        return next((choice.label for choice in LANGUAGE_CHOICES if choice.value == text), text)
    if name == "checklist":
        return ", ".join(str(CHECK_LABELS.get(item, humanize(item))) for item in text.split(",") if item)
    if name in ("purpose", "purposes"):
        codes = re.findall(r"[a-z_]+", text)
        return ", ".join(purpose_label(code) for code in codes) if codes else text
    if name == "object" and ":" in text:
        object_type, _sep, object_id = text.partition(":")
        return audit_object(object_type, object_id)
    if name in _RATE_FIELDS or name.endswith(("rate_annual", "_rate")):
        try:
            return rate_filter(Decimal(text))
        except InvalidOperation:
            return text
    if _AMOUNT_TEXT.fullmatch(text) or (
        (name in ("amount", "principal") or name.endswith("_amount")) and text.isdigit()
    ):
        return _plain_amount(text)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return _iso_date(text)
    if _TIMESTAMP_TEXT.fullmatch(text):
        return _iso_timestamp(text)
    if name == "summary":
        return approval_summary(text)
    return text


_DUE_DILIGENCE_TABLES: dict[str, tuple[type[enum.Enum], dict[Any, Any]]] = {
    "risk_class": (RiskClass, RISK_CLASS_LABELS),
    "computed_class": (RiskClass, RISK_CLASS_LABELS),
    "edd_status": (EddStatus, EDD_STATUS_LABELS),
    "sector": (Sector, SECTOR_LABELS),
    "relation_purpose": (RelationPurpose, RELATION_PURPOSE_LABELS),
    "interest": (InterestKind, INTEREST_LABELS),
}


def _due_diligence_value(name: str, text: str) -> str | None:
    """A due-diligence value of the audit log in words (a class, a sector, a country), else None."""
    if name in ("residence_country", "nationality", "issuing_country"):
        return country_name(text)
    found = _DUE_DILIGENCE_TABLES.get(name)
    if found is None:
        return None
    enum_class, table = found
    try:
        return str(table[enum_class(text)])
    except (ValueError, KeyError):
        return humanize(text)


def country_name(code: str | None) -> str:
    """ "NL" -> "Nederland" (in the reader's language); an unknown code as it is."""
    if not code:
        return "—"
    return str(get_locale().territories.get(code, code))


def risk_reason_text(reason: Any) -> str:
    """One reason of an assessment (``risk.Reason``) as a sentence in the reader's language."""
    template = RISK_REASON_TEXTS.get(reason.code)
    if template is None:
        return humanize(reason.code)
    params: dict[str, Any] = {}
    for key, value in reason.params.items():
        if key == "country":
            params[key] = country_name(value)
        elif key == "sector":
            params[key] = _lower_first_word(str(SECTOR_LABELS.get(Sector(value), value)))
        elif key in ("amount", "threshold"):
            params[key] = money_filter(Decimal(value))
        else:
            params[key] = value
    return gettext(template, **params)


def _lower_first_word(text: str) -> str:
    return text[:1].lower() + text[1:]


def field_label(name: str) -> str:
    label = FIELD_LABELS.get(name)
    return str(label) if label is not None else humanize(name)


def audit_changes(
    before: dict[str, Any] | None, after: dict[str, Any] | None, object_type: str = ""
) -> list[str]:
    """Before/after of an audit event as lines people read: "Status: in behandeling → goedgekeurd".

    A field present on both sides shows only when it changed; a field on one side shows its value.
    """
    before = before or {}
    after = after or {}
    lines = []
    for name in list(dict.fromkeys([*before, *after])):
        label = field_label(name)
        if name in before and name in after:
            if before[name] == after[name]:
                continue
            old = _audit_value(name, before[name], object_type)
            new = _audit_value(name, after[name], object_type)
            lines.append(f"{label}: {old} → {new}")
        elif name in after:
            lines.append(f"{label}: {_audit_value(name, after[name], object_type)}")
        else:
            lines.append(f"{label}: {_audit_value(name, before[name], object_type)} → —")
    return lines


_MONEY_TEXT = r"-?[\d,]+\.\d{2}"
#: The one-line summaries the services store on an approval (English), read in the reader's language.
APPROVAL_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.S), message)
    for pattern, message in (
        (
            rf"Withdrawal of EUR (?P<amount>{_MONEY_TEXT}) from (?P<account>[\d ]+)"
            r" \((?P<name>.+)\) to (?P<iban>.+)",
            N_("Withdrawal of %(amount)s from account %(account)s (%(name)s) to %(iban)s"),
        ),
        (
            r"Redeem (?P<count>\d+) share\(s\) (?P<cls>\S+) of (?P<name>.+)"
            rf" \(EUR (?P<amount>{_MONEY_TEXT})\) to (?P<to>.+)",
            N_("Redemption of %(count)s member share(s) %(cls)s of %(name)s (%(amount)s) to %(to)s"),
        ),
        (
            rf"Disbursement of (?P<application>\S+): (?P<amount>{_MONEY_TEXT}) to (?P<name>.+) to notary"
            rf" (?P<notary>.+) \((?P<iban>[A-Z]{{2}}\d{{2}}[A-Z0-9]+)\) on (?P<date>{_DATE})",
            N_(
                "Disbursement of %(application)s: %(amount)s to %(name)s,"
                " paid to notary %(notary)s (%(iban)s) on %(date)s"
            ),
        ),
        (
            rf"Disbursement of (?P<application>\S+): (?P<amount>{_MONEY_TEXT})"
            rf" to (?P<name>.+) on (?P<date>{_DATE})",
            N_("Disbursement of %(application)s: %(amount)s to %(name)s on %(date)s"),
        ),
        (
            rf"Write-off of loan {_LOAN} \((?P<amount>{_MONEY_TEXT})\): (?P<reason>.*)",
            N_("Write-off of loan %(loan)s (%(amount)s): %(reason)s"),
        ),
    )
)


def approval_summary(summary: str | None) -> str:
    """An approval's stored English summary in the reader's language, amounts and dates per locale.

    "Withdrawal of EUR 12,500.00 from 1000 0043 32 (…) to NL41 …" reads "Opname van € 12.500,00 van
    rekening 1000 0043 32 (…) naar NL41 …"; a summary no pattern knows is shown as stored.
    """
    if not summary:
        return ""
    for pattern, message in APPROVAL_PATTERNS:
        match = pattern.fullmatch(summary.strip())
        if match is None:
            continue
        params = {name: _PARAM_FORMATS.get(name, str)(value) for name, value in match.groupdict().items()}
        return gettext(message, **params)
    return summary


def percent(value: Decimal | float | int | None) -> str:
    """A number of percent as people write it: 87.8 -> "87,8 %" (nl) / "87.8 %" (en); None -> "—"."""
    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.##", locale=_locale()) + "\u00a0%"


#: The body of an error page per HTTP status; Werkzeug's own descriptions are English only.
HTTP_ERROR_TEXTS = {
    400: _l("The request could not be handled. Go back, check what you filled in and try again."),
    403: _l("You do not have access to this page. Ask an administrator if you think you should."),
    404: _l("This page does not exist (any more). Check the address, or start again from the start page."),
    405: _l("This page cannot be used like this. Go back and use the buttons on the page."),
    413: _l("The file is too large to upload."),
    422: _l("What was sent could not be processed. Go back, check what you filled in and try again."),
    429: _l("Too many attempts in a short time. Wait a minute and try again."),
    500: _l("Something went wrong on our side. Nothing was changed; please try again in a moment."),
    503: _l("The bank is briefly unavailable. Please try again in a moment."),
}


def http_error_text(status: int, error: Any = None) -> str:
    """The body of an error page in the reader's language.

    A description the code passed to ``abort`` in the catalogue's words (a lazy string, or one that
    was translated already) is kept; Werkzeug's standard English descriptions are replaced.
    """
    description = getattr(error, "description", None)
    default = getattr(type(error), "description", None)
    if description and description != default and not isinstance(description, str):
        return str(description)
    text = HTTP_ERROR_TEXTS.get(status) or HTTP_ERROR_TEXTS[500 if status >= 500 else 400]
    return str(text)


def register(app: Any) -> None:
    """Install the filters on the app's Jinja environment."""
    app.jinja_env.filters.update(
        status_label=status_label,
        entry_kind=entry_kind,
        memo=memo_text,
        account_name=account_name,
        month=month_label,
        percent=percent,
        audit_action=audit_action,
        audit_detail=audit_detail,
        approval_summary=approval_summary,
        object_type_label=object_type_label,
        audit_object=audit_object,
        country=country_name,
        risk_reason=risk_reason_text,
    )
    app.jinja_env.globals.update(
        audit_changes=audit_changes, audit_object=audit_object, http_error_text=http_error_text
    )
