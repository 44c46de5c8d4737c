"""Loans and their stored schedules (issue 4 creates them at disbursement, issue 5 services them).

A loan copies every term it was given from its product version, so a later product edit never
changes it. Its schedule is stored at disbursement and never recomputed silently: a
prepayment writes a new schedule *version* for the unpaid future instalments and marks the old
unpaid ones superseded; paid history stays as it was. The borrower's impact reports (jobs, homes,
land) are the loan's too: they lived in ``pools`` once, which tied loans to pools both ways.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import UPDATE_ROOM_FILLFACTOR, Base, MoneyType, RateType, StrEnum, UtcDateTime
from bank.loans.products_models import DEFAULT_ALLOCATION_ORDER, LoanProduct, LoanPurpose
from bank.loans.schedule import DayCount, Frequency, Method
from bank.members.models import Member
from bank.money import CENT, ZERO
from bank.savings.models import DepositAccount
from bank.transitions import Transitions


class LoanStatus(enum.StrEnum):
    ACTIVE = "active"
    PAID_OFF = "paid_off"
    WRITTEN_OFF = "written_off"


#: A loan is paid off by its borrower or written off. While active it is serviced (collections,
#: prepayments, payoff quotes); once written off, money received is a recovery and it stays so. A
#: paid-off loan is active again only when the direct debit that paid it comes back (issue 14,
#: ``bank.loans.servicing.unapply_payment``): the bank never had that money.
LOAN_STATUS = Transitions(
    LoanStatus,
    {
        LoanStatus.ACTIVE: {LoanStatus.PAID_OFF, LoanStatus.WRITTEN_OFF},
        LoanStatus.PAID_OFF: {LoanStatus.ACTIVE},
        LoanStatus.WRITTEN_OFF: set(),
    },
    actions={"service": {LoanStatus.ACTIVE}, "recover": {LoanStatus.WRITTEN_OFF}},
)


class CollectionMethod(enum.StrEnum):
    """How a loan's instalments reach its repayment account (issue 14)."""

    #: The borrower funds the internal repayment account; the repayment run collects from it.
    REPAYMENT_ACCOUNT = "repayment_account"
    #: A SEPA direct debit on the borrower's mandate (``bank.payments``) fills the repayment
    #: account first; the repayment run then collects from it as before.
    MANDATE = "mandate"


class Loan(Base):
    """A disbursed loan with the terms it was given and its ledger child accounts."""

    __tablename__ = "loans"
    __table_args__ = (
        CheckConstraint("principal > 0", name="principal_positive"),
        CheckConstraint("term_periods >= 1 AND term_periods <= 480", name="term_within_limits"),
        CheckConstraint("grace_periods >= 0 AND grace_periods < term_periods", name="grace_below_term"),
        CheckConstraint("schedule_version >= 1", name="schedule_version_positive"),
        CheckConstraint(
            "collection_method = 'repayment_account' OR mandate_id IS NOT NULL",
            name="mandate_when_collected_by_mandate",
        ),
        Index("ix_loans_status", "status"),
        # Each repayment run rewrites its loans' ``serviced_through`` (migration 0009).
        {"postgresql_with": {"fillfactor": UPDATE_ROOM_FILLFACTOR}},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Shown to people: "WL-2026-0007".
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[LoanStatus] = mapped_column(
        StrEnum(LoanStatus, "loan_status", length=20), default=LoanStatus.ACTIVE
    )
    borrower_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: The product version the loan was made on; the terms below are copies of it.
    product_id: Mapped[int] = mapped_column(ForeignKey("loan_products.id"), index=True)
    purpose: Mapped[LoanPurpose] = mapped_column(StrEnum(LoanPurpose, "loan_purpose", length=30))
    principal: Mapped[Decimal] = mapped_column(MoneyType)
    rate_annual: Mapped[Decimal] = mapped_column(RateType)
    method: Mapped[Method] = mapped_column(StrEnum(Method, "loan_method", length=20))
    frequency: Mapped[Frequency] = mapped_column(StrEnum(Frequency, "loan_frequency", length=20))
    #: Number of instalments (periods), not months.
    term_periods: Mapped[int] = mapped_column(Integer)
    grace_periods: Mapped[int] = mapped_column(Integer, default=0)
    instalment_multiple: Mapped[Decimal] = mapped_column(MoneyType, default=CENT)
    day_count: Mapped[DayCount] = mapped_column(StrEnum(DayCount, "loan_day_count", length=20))
    arrangement_fee: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    late_fee: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    penalty_rate_annual: Mapped[Decimal] = mapped_column(RateType, default=Decimal("0"))
    tolerance_days: Mapped[int] = mapped_column(Integer, default=0)
    allocation_order: Mapped[str] = mapped_column(String(100), default=DEFAULT_ALLOCATION_ORDER)
    disbursed_on: Mapped[dt.date] = mapped_column(Date)
    first_due_on: Mapped[dt.date] = mapped_column(Date)
    #: The borrower's deposit account from which instalments are collected.
    repayment_account_id: Mapped[int] = mapped_column(ForeignKey("deposit_accounts.id"), index=True)
    #: Ledger child accounts of this loan: principal (1100-…), interest (1110-…), fees and penalties (1120-…).
    principal_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    interest_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    fees_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    #: How instalments are collected, chosen per loan (``bank.payments.mandates.set_collection_method``).
    collection_method: Mapped[CollectionMethod] = mapped_column(
        StrEnum(CollectionMethod, "collection_method", length=20), default=CollectionMethod.REPAYMENT_ACCOUNT
    )
    #: The borrower's mandate the loan is (or was last) collected by. It stays when the mandate
    #: ends and the loan falls back to its repayment account, so the loan page can say why.
    mandate_id: Mapped[int | None] = mapped_column(ForeignKey("mandates.id"), index=True)
    #: When paid to a third party (a notary for a land purchase) instead of the borrower's account.
    paid_to_iban: Mapped[str | None] = mapped_column(String(34))
    paid_to_name: Mapped[str | None] = mapped_column(String(200))
    #: The schedule version in force (1 at disbursement).
    schedule_version: Mapped[int] = mapped_column(Integer, default=1)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The last business date the repayment run finished this loan (issue 5); a resumed or
    #: repeated run skips loans already serviced through its date.
    serviced_through: Mapped[dt.date | None] = mapped_column(Date)
    # Daily accrual (issue 16, :mod:`bank.loans.accrual`): the small state the close-day run keeps.
    #: Interest of the running period has been recognised (Dr 1110-… / Cr 4000) through this date.
    interest_accrued_through: Mapped[dt.date | None] = mapped_column(Date)
    #: The instalment whose period is running, and the part of its interest accrued so far.
    accrual_instalment_id: Mapped[int | None] = mapped_column(Integer)
    interest_accrued: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    #: Where that period began (the previous due date, or the disbursement).
    accrual_period_start: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    borrower: Mapped[Member] = relationship()
    product: Mapped[LoanProduct] = relationship()
    repayment_account: Mapped[DepositAccount] = relationship()
    instalments: Mapped[list[Instalment]] = relationship(
        back_populates="loan", order_by="(Instalment.schedule_version, Instalment.number)"
    )

    def __repr__(self) -> str:
        return f"<Loan {self.number} {self.status.value}>"


class ScheduleVersion(Base):
    """Why and when a loan's schedule was (re)built; version 1 is the disbursement."""

    __tablename__ = "loan_schedule_versions"
    __table_args__ = (UniqueConstraint("loan_id", "version", name="one_row_per_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    #: "disbursement", "prepayment_shorten_term", "prepayment_lower_instalment".
    reason: Mapped[str] = mapped_column(String(40))
    #: The first due date the version governs.
    effective_from: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class InstalmentStatus(enum.StrEnum):
    #: Not yet (fully) paid.
    OPEN = "open"
    PAID = "paid"
    #: Replaced by a later schedule version before anything was paid on it.
    SUPERSEDED = "superseded"
    WRITTEN_OFF = "written_off"


class Instalment(Base):
    """One stored instalment: what falls due on ``due_on`` and what has been paid of it."""

    __tablename__ = "instalments"
    __table_args__ = (
        UniqueConstraint("loan_id", "schedule_version", "number", name="one_number_per_version"),
        CheckConstraint("principal_due >= 0 AND interest_due >= 0", name="dues_not_negative"),
        CheckConstraint(
            "principal_paid >= 0 AND principal_paid <= principal_due", name="principal_paid_within_due"
        ),
        CheckConstraint(
            "interest_paid >= 0 AND interest_paid <= interest_due", name="interest_paid_within_due"
        ),
        CheckConstraint("fees_paid >= 0 AND fees_paid <= fees_due", name="fees_paid_within_due"),
        CheckConstraint(
            "penalties_paid >= 0 AND penalties_paid <= penalties_due", name="penalties_paid_within_due"
        ),
        # The repayment run reads open instalments by due date.
        Index("ix_instalments_status_due_on", "status", "due_on"),
        # The repayment run walks loans with open instalments in loan order, batch by batch.
        Index("ix_instalments_status_loan_due_on", "status", "loan_id", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: one_number_per_version starts with the loan (migration 0009).
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    schedule_version: Mapped[int] = mapped_column(Integer, default=1)
    number: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[dt.date] = mapped_column(Date)
    principal_due: Mapped[Decimal] = mapped_column(MoneyType)
    interest_due: Mapped[Decimal] = mapped_column(MoneyType)
    #: Late fee charged on this instalment (once, after the tolerance days).
    fees_due: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    #: Penalty interest accrued on this instalment's overdue principal.
    penalties_due: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    principal_paid: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    interest_paid: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    fees_paid: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    penalties_paid: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    #: Balance of principal after this instalment, as scheduled.
    balance_after: Mapped[Decimal] = mapped_column(MoneyType)
    #: Set when the interest was accrued to the ledger (on the due date, once).
    interest_accrued_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The run date on which the late fee was charged (at most once per instalment).
    late_fee_charged_on: Mapped[dt.date | None] = mapped_column(Date)
    #: Penalty interest has been accrued for the days up to and including this date.
    penalty_accrued_through: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[InstalmentStatus] = mapped_column(
        StrEnum(InstalmentStatus, "instalment_status", length=20), default=InstalmentStatus.OPEN
    )
    paid_on: Mapped[dt.date | None] = mapped_column(Date)

    loan: Mapped[Loan] = relationship(back_populates="instalments")

    @property
    def total_scheduled(self) -> Decimal:
        return self.principal_due + self.interest_due

    @property
    def total_due(self) -> Decimal:
        return self.principal_due + self.interest_due + self.fees_due + self.penalties_due

    @property
    def total_paid(self) -> Decimal:
        return self.principal_paid + self.interest_paid + self.fees_paid + self.penalties_paid

    @property
    def outstanding(self) -> Decimal:
        return self.total_due - self.total_paid


class ImpactSource(enum.StrEnum):
    #: What the borrower expected when applying (copied from the application at disbursement).
    APPLICATION = "application"
    #: The borrower's yearly report, recorded by staff.
    ANNUAL = "annual"


class ImpactReport(Base):
    """Jobs, homes and land a loan made possible, as reported by the borrower (impact report)."""

    __tablename__ = "loan_impact_reports"
    __table_args__ = (
        UniqueConstraint("loan_id", "year", "source", name="one_report_per_loan_year_source"),
        CheckConstraint(
            "jobs_created >= 0 AND jobs_kept >= 0 AND homes_secured >= 0 AND land_area_m2 >= 0",
            name="figures_not_negative",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    source: Mapped[ImpactSource] = mapped_column(StrEnum(ImpactSource, "impact_source", length=20))
    jobs_created: Mapped[int] = mapped_column(Integer, default=0)
    jobs_kept: Mapped[int] = mapped_column(Integer, default=0)
    homes_secured: Mapped[int] = mapped_column(Integer, default=0)
    land_area_m2: Mapped[int] = mapped_column(Integer, default=0)
    reported_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
