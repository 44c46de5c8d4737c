"""Loan applications: the one transition table, cost lines, attachments, the audit of every move.

An application is the applicant's request (amount, term, purpose, costs, the land-trust or
co-op figures) plus the credit officer's review. Its status moves only through
:data:`TRANSITIONS`; every move writes an :class:`ApplicationTransition` row (append-only).
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, MoneyType, RateType, StrEnum, UtcDateTime, make_append_only
from bank.loans.products_models import LoanProduct, LoanPurpose
from bank.members.models import Member
from bank.money import ZERO
from bank.savings.models import DepositAccount
from bank.transitions import Transitions


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    #: On the agenda of a committee meeting; committee members vote.
    ON_AGENDA = "on_agenda"
    #: Sent back to the applicant for more information; they edit and submit again.
    RETURNED = "returned"
    #: The committee approved (with conditions); an offer valid for 90 days.
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    #: The approved offer was not disbursed within 90 days.
    EXPIRED = "expired"
    #: The loan was booked.
    DISBURSED = "disbursed"


S = ApplicationStatus

#: Who may make a move: the applicant (portal member or staff on their behalf), a credit officer,
#: the committee chair (through a decision), or the system (approval handler, expiry job).
APPLICANT = "applicant"
CREDIT_OFFICER = "credit_officer"
COMMITTEE = "committee"
SYSTEM = "system"

#: The one table of allowed moves: current status -> {target status: who may make the move}.
#: The services refuse anything else (``require_transition``); the pages ask the same table
#: which buttons to show.
TRANSITIONS: dict[ApplicationStatus, dict[ApplicationStatus, frozenset[str]]] = {
    S.DRAFT: {S.SUBMITTED: frozenset({APPLICANT}), S.WITHDRAWN: frozenset({APPLICANT})},
    S.SUBMITTED: {
        S.IN_REVIEW: frozenset({CREDIT_OFFICER}),
        S.RETURNED: frozenset({CREDIT_OFFICER}),
        S.WITHDRAWN: frozenset({APPLICANT}),
    },
    S.IN_REVIEW: {
        S.ON_AGENDA: frozenset({CREDIT_OFFICER}),
        S.RETURNED: frozenset({CREDIT_OFFICER}),
        S.WITHDRAWN: frozenset({APPLICANT}),
    },
    S.ON_AGENDA: {
        S.APPROVED: frozenset({COMMITTEE}),
        S.REJECTED: frozenset({COMMITTEE}),
        S.RETURNED: frozenset({COMMITTEE}),
        #: Taken off the agenda again (e.g. the meeting was cancelled).
        S.IN_REVIEW: frozenset({CREDIT_OFFICER}),
        S.WITHDRAWN: frozenset({APPLICANT}),
    },
    S.RETURNED: {S.SUBMITTED: frozenset({APPLICANT}), S.WITHDRAWN: frozenset({APPLICANT})},
    S.APPROVED: {S.DISBURSED: frozenset({SYSTEM}), S.EXPIRED: frozenset({SYSTEM})},
    S.REJECTED: {},
    S.WITHDRAWN: {},
    S.EXPIRED: {},
    S.DISBURSED: {},
}

#: Statuses in which the applicant may still edit the application.
EDITABLE = frozenset({S.DRAFT, S.RETURNED})

#: The table the services check (``require_transition``, and ``require_action`` for what is done
#: to an application without moving it): the moves of :data:`TRANSITIONS`, and in which statuses
#: the applicant edits, the credit officer reviews, the committee declares conflicts, votes and
#: decides, and a credit officer ticks off the conditions of an approved offer.
APPLICATION_STATUS = Transitions(
    ApplicationStatus,
    TRANSITIONS,
    actions={
        "edit": EDITABLE,
        "review": {S.IN_REVIEW},
        "declare_conflict": {S.IN_REVIEW, S.ON_AGENDA},
        "vote": {S.ON_AGENDA},
        "decide": {S.ON_AGENDA},
        "tick_condition": {S.APPROVED},
    },
)
#: Statuses after which nothing changes any more.
FINAL = APPLICATION_STATUS.final
#: An approved offer stays valid this many days.
OFFER_VALID_DAYS = 90

#: The credit officer's checklist; land-trust purchases add the last two.
CHECKLIST_ITEMS: tuple[str, ...] = (
    "identity_verified",
    "kvk_extract",
    "statutes",
    "financials",
    "appraisal",
    "deed",
)
LAND_ONLY_CHECKS = frozenset({"appraisal", "deed"})
RISK_GRADES = ("A", "B", "C", "D", "E")


class RiskGrade(enum.StrEnum):
    A = "A"
    B = "B"
    C = "C"
    D = "D"
    E = "E"


class LoanApplication(Base):
    """A member's (or organisation's) request for a loan, and its review."""

    __tablename__ = "loan_applications"
    __table_args__ = (
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        CheckConstraint("term_months IS NULL OR term_months >= 1", name="term_positive"),
        CheckConstraint("grace_periods >= 0", name="grace_not_negative"),
        CheckConstraint("own_contribution >= 0", name="own_contribution_not_negative"),
        CheckConstraint("worker_members IS NULL OR worker_members >= 0", name="worker_members_not_negative"),
        CheckConstraint("review_round >= 1", name="review_round_positive"),
        CheckConstraint("status != 'approved' OR offer_expires_on IS NOT NULL", name="approved_has_expiry"),
        CheckConstraint("status != 'disbursed' OR loan_id IS NOT NULL", name="disbursed_has_loan"),
        Index("ix_loan_applications_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Shown to people: "KA-2026-0012".
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[ApplicationStatus] = mapped_column(
        StrEnum(ApplicationStatus, "application_status", length=20), default=ApplicationStatus.DRAFT
    )
    #: The would-be borrower: a person, or the organisation a representative applies for.
    applicant_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: The log-in that started it (a portal member or a staff member for a walk-in).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_label: Mapped[str] = mapped_column(String(200))
    product_id: Mapped[int] = mapped_column(ForeignKey("loan_products.id"), index=True)
    amount: Mapped[Decimal | None] = mapped_column(MoneyType)
    term_months: Mapped[int | None] = mapped_column(Integer)
    #: Periods at the start paying interest only (aflossingsvrij), within the product's maximum.
    grace_periods: Mapped[int] = mapped_column(Integer, default=0)
    #: In the applicant's own words.
    purpose_text: Mapped[str] = mapped_column(Text, default="")
    #: What the applicant pays themself; cost lines sum to amount + own contribution.
    own_contribution: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    #: The applicant's deposit account the loan is paid to and collected from.
    repayment_account_id: Mapped[int | None] = mapped_column(ForeignKey("deposit_accounts.id"))
    # Community land trust purchase
    property_address: Mapped[str] = mapped_column(String(300), default="")
    #: Kadastrale aanduiding, e.g. "ASD04 K 1234".
    cadastral_reference: Mapped[str] = mapped_column(String(60), default="")
    purchase_price: Mapped[Decimal | None] = mapped_column(MoneyType)
    appraisal_value: Mapped[Decimal | None] = mapped_column(MoneyType)
    own_funds: Mapped[Decimal | None] = mapped_column(MoneyType)
    #: Paid to a notary for the purchase: their IBAN and name (Cr settlement at disbursement).
    notary_iban: Mapped[str | None] = mapped_column(String(34))
    notary_name: Mapped[str | None] = mapped_column(String(200))
    # Worker co-op startup
    worker_members: Mapped[int | None] = mapped_column(Integer)
    expected_monthly_revenue: Mapped[Decimal | None] = mapped_column(MoneyType)
    expected_monthly_costs: Mapped[Decimal | None] = mapped_column(MoneyType)
    # Expected impact (copied to the loan's impact record at disbursement; reported yearly after)
    jobs_created_expected: Mapped[int | None] = mapped_column(Integer)
    jobs_kept_expected: Mapped[int | None] = mapped_column(Integer)
    #: Land trusts: homes the purchase secures and the land area in square metres.
    homes_expected: Mapped[int | None] = mapped_column(Integer)
    land_area_m2: Mapped[int | None] = mapped_column(Integer)
    # Credit officer's review
    #: The credit officer who took and prepared it; they may not vote on it (four eyes).
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewer_label: Mapped[str | None] = mapped_column(String(200))
    #: {item: true/false} over CHECKLIST_ITEMS.
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    risk_grade: Mapped[RiskGrade | None] = mapped_column(StrEnum(RiskGrade, "risk_grade", length=1))
    recommended_amount: Mapped[Decimal | None] = mapped_column(MoneyType)
    recommended_term_months: Mapped[int | None] = mapped_column(Integer)
    recommended_rate_annual: Mapped[Decimal | None] = mapped_column(RateType)
    #: One condition per line, proposed to the committee.
    proposed_conditions: Mapped[str] = mapped_column(Text, default="")
    review_notes: Mapped[str] = mapped_column(Text, default="")
    #: Bumped each time the application is returned, so a new committee round votes afresh.
    review_round: Mapped[int] = mapped_column(Integer, default=1)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    #: An approved offer lapses after this day (decided_on + 90 days).
    offer_expires_on: Mapped[dt.date | None] = mapped_column(Date)
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    applicant: Mapped[Member] = relationship()
    product: Mapped[LoanProduct] = relationship()
    repayment_account: Mapped[DepositAccount | None] = relationship()
    cost_lines: Mapped[list[CostLine]] = relationship(
        back_populates="application", order_by="CostLine.position", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="application", order_by="Attachment.id"
    )
    transitions: Mapped[list[ApplicationTransition]] = relationship(
        back_populates="application", order_by="ApplicationTransition.id"
    )

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE

    @property
    def cost_total(self) -> Decimal:
        return sum((line.amount for line in self.cost_lines), ZERO)

    @property
    def is_land_purchase(self) -> bool:
        return self.product.purpose is LoanPurpose.LAND_TRUST_PURCHASE

    @property
    def is_coop_startup(self) -> bool:
        return self.product.purpose is LoanPurpose.COOP_STARTUP

    def __repr__(self) -> str:
        return f"<LoanApplication {self.number} {self.status.value}>"


class CostLine(Base):
    """One line of the cost breakdown ("oven", "first three months' rent")."""

    __tablename__ = "application_cost_lines"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint("application_id", "position", name="one_line_per_position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(MoneyType)

    application: Mapped[LoanApplication] = relationship(back_populates="cost_lines")


class ApplicationTransition(Base):
    """One status move: who, when, from what to what, and why. Append-only."""

    __tablename__ = "application_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    #: None for the creation of the draft.
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_label: Mapped[str] = mapped_column(String(200))
    at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    note: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[LoanApplication] = relationship(back_populates="transitions")


class AttachmentKind(enum.StrEnum):
    BUSINESS_PLAN = "business_plan"
    STATUTES = "statutes"
    PURCHASE_AGREEMENT = "purchase_agreement"
    ANNUAL_ACCOUNTS = "annual_accounts"
    APPRAISAL = "appraisal"
    OTHER = "other"


class Attachment(Base):
    """A document uploaded with an application, stored under a random name outside static paths."""

    __tablename__ = "application_attachments"
    __table_args__ = (CheckConstraint("size_bytes > 0 AND size_bytes <= 10485760", name="size_within_limit"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    kind: Mapped[AttachmentKind] = mapped_column(StrEnum(AttachmentKind, "attachment_kind", length=30))
    #: The uploader's file name, cleaned: shown and offered on download, never used as a path.
    original_name: Mapped[str] = mapped_column(String(200))
    #: Random hex name under UPLOAD_DIR.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    #: Sniffed from the content (magic bytes), never taken from the upload.
    content_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_by_label: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    application: Mapped[LoanApplication] = relationship(back_populates="attachments")


make_append_only(ApplicationTransition)
