"""Expected credit loss: the probability-of-default tables, the loans' risk flags, and each
month-end's results per loan (issue 16, "Provisions").

``pd_tables`` one version of the table per effective date (never changed once set: a new
date gives a new version, so the month-ends already run keep the figures they used);
``pd_rates`` its cells, one per risk grade A–E and stage 1–3 (12-month PD for stage 1,
lifetime PD for stages 2 and 3); ``loan_risk_flags`` the credit officer's watchlist and
credit-impaired flags, each with its reason and the day it was set and cleared, so a month-end
rerun for a past date sees the flags of that date; ``loan_provisions`` the stage and expected
loss of every loan at a month-end, written by the run; ``provision_months`` one row per
month-end run with the total and the allowance entry it posted.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, MoneyType, RateType, StrEnum, UtcDateTime
from bank.money import ZERO

#: The credit officer's review grades (``bank.applications.models.RISK_GRADES``), best first.
GRADES = ("A", "B", "C", "D", "E")
STAGES = (1, 2, 3)


class PdTable(Base):
    """One version of the probability-of-default table, in force from ``effective_on``."""

    __tablename__ = "pd_tables"
    __table_args__ = (
        CheckConstraint("default_grade IN ('A', 'B', 'C', 'D', 'E')", name="default_grade_known"),
        CheckConstraint("unsecured_lgd >= 0 AND unsecured_lgd <= 100000000", name="unsecured_lgd_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The month-ends on or after this day use this version (until a later one).
    effective_on: Mapped[dt.date] = mapped_column(Date, unique=True)
    #: The grade a loan without a credit officer's grade is provisioned at.
    default_grade: Mapped[str] = mapped_column(String(1))
    #: Loss given default of a loan with nothing in the collateral register (0.45 = 45 %).
    unsecured_lgd: Mapped[Decimal] = mapped_column(RateType)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    rates: Mapped[list[PdRate]] = relationship(
        back_populates="table", order_by="(PdRate.grade, PdRate.stage)", cascade="all, delete-orphan"
    )

    def probability(self, grade: str, stage: int) -> Decimal:
        """The cell for ``grade`` and ``stage`` (every version has all fifteen)."""
        for rate in self.rates:
            if rate.grade == grade and rate.stage == stage:
                return rate.probability
        raise LookupError((grade, stage))


class PdRate(Base):
    """One cell: the probability of default of a grade in a stage."""

    __tablename__ = "pd_rates"
    __table_args__ = (
        UniqueConstraint("table_id", "grade", "stage", name="one_rate_per_cell"),
        CheckConstraint("grade IN ('A', 'B', 'C', 'D', 'E')", name="grade_known"),
        CheckConstraint("stage IN (1, 2, 3)", name="stage_known"),
        CheckConstraint("probability >= 0 AND probability <= 100000000", name="probability_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("pd_tables.id"), index=True)
    grade: Mapped[str] = mapped_column(String(1))
    stage: Mapped[int] = mapped_column(Integer)
    #: 12-month probability for stage 1, lifetime for stages 2 and 3 (0.02 = 2 %).
    probability: Mapped[Decimal] = mapped_column(RateType)

    table: Mapped[PdTable] = relationship(back_populates="rates")


class RiskFlagKind(enum.StrEnum):
    #: The credit officer watches the loan: at least stage 2.
    WATCHLIST = "watchlist"
    #: The credit officer judges the loan credit-impaired: stage 3.
    CREDIT_IMPAIRED = "credit_impaired"


class LoanRiskFlag(Base):
    """A flag a credit officer set on a loan, with the reason; cleared flags are kept."""

    __tablename__ = "loan_risk_flags"
    __table_args__ = (
        CheckConstraint("cleared_on IS NULL OR cleared_on >= flagged_on", name="cleared_after_flagged"),
        Index("ix_loan_risk_flags_loan_id", "loan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    kind: Mapped[RiskFlagKind] = mapped_column(StrEnum(RiskFlagKind, "risk_flag_kind", length=20))
    reason: Mapped[str] = mapped_column(Text)
    flagged_on: Mapped[dt.date] = mapped_column(Date)
    flagged_by_label: Mapped[str] = mapped_column(String(200), default="")
    #: The day the flag was lifted (it no longer counts from that day); None while it stands.
    cleared_on: Mapped[dt.date | None] = mapped_column(Date)
    cleared_reason: Mapped[str] = mapped_column(Text, default="")
    cleared_by_label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)


class StageReason(enum.StrEnum):
    """Why a loan is in its stage (the strongest reason wins)."""

    CURRENT = "current"
    ARREARS = "arrears"
    WATCHLIST = "watchlist"
    FORBORNE = "forborne"
    CREDIT_IMPAIRED = "credit_impaired"


class ProvisionMonth(Base):
    """One month-end's provisioning: the total expected loss and the allowance entry."""

    __tablename__ = "provision_months"

    id: Mapped[int] = mapped_column(primary_key=True)
    month_end: Mapped[dt.date] = mapped_column(Date, unique=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    pd_table_id: Mapped[int] = mapped_column(ForeignKey("pd_tables.id"))
    loans_count: Mapped[int] = mapped_column(Integer, default=0)
    #: The sum of the loans' expected losses: what 1190 holds after the run.
    total_ecl: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    #: The allowance before the run (1190, credit side).
    allowance_before: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    #: The entry that moved the allowance (None when nothing changed).
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    pd_table: Mapped[PdTable] = relationship()

    @property
    def change(self) -> Decimal:
        """Added to the allowance (negative: released)."""
        return self.total_ecl - self.allowance_before


class LoanProvision(Base):
    """A loan's stage and expected credit loss at one month-end."""

    __tablename__ = "loan_provisions"
    __table_args__ = (
        UniqueConstraint("month_end", "loan_id", name="one_provision_per_loan_and_month"),
        CheckConstraint("stage IN (1, 2, 3)", name="stage_known"),
        CheckConstraint("ecl >= 0 AND ecl <= exposure", name="ecl_within_exposure"),
        Index("ix_loan_provisions_loan_id", "loan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    month_end: Mapped[dt.date] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"))
    #: The loan's purpose, kept for the report by purpose.
    purpose: Mapped[str] = mapped_column(String(30))
    grade: Mapped[str] = mapped_column(String(1))
    #: True when the loan had no credit officer's grade and the table's default grade was used.
    grade_defaulted: Mapped[bool] = mapped_column(Boolean, default=False)
    stage: Mapped[int] = mapped_column(Integer)
    reason: Mapped[StageReason] = mapped_column(StrEnum(StageReason, "stage_reason", length=20))
    days_past_due: Mapped[int] = mapped_column(Integer, default=0)
    #: Principal + interest + fees outstanding (the loan's three ledger accounts) at the month-end.
    exposure: Mapped[Decimal] = mapped_column(MoneyType)
    #: What the collateral register recovers (None: nothing registered, the unsecured LGD applies).
    cover: Mapped[Decimal | None] = mapped_column(MoneyType)
    probability: Mapped[Decimal] = mapped_column(RateType)
    #: Loss given default, rounded to 8 decimals for display; the loss itself is computed exactly.
    lgd: Mapped[Decimal] = mapped_column(RateType)
    ecl: Mapped[Decimal] = mapped_column(MoneyType)
