"""Loan products: versioned, immutable once saved.

A product is identified by its ``code`` ("COOP-START"); every edit saves a *new version* row
and marks the previous one superseded, so a loan that points at a version (and copies its
terms) is never changed underneath. At most one version of a code is ``active``; retiring a
product retires its current version (no new loans), it stays readable for existing loans.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bank import clock
from bank.db import Base, MoneyType, RateType, StrEnum, UtcDateTime
from bank.loans.schedule import DayCount, Frequency, Method
from bank.money import CENT, ZERO, round_cents


class LoanPurpose(enum.StrEnum):
    COOP_STARTUP = "coop_startup"
    LAND_TRUST_PURCHASE = "land_trust_purchase"
    ASSOCIATION = "association"
    HOUSING_COOP = "housing_coop"
    OTHER = "other"


class FeeKind(enum.StrEnum):
    """How the arrangement fee (afsluitkosten) is set."""

    #: A fixed amount (``arrangement_fee_amount``), possibly 0.00.
    FIXED = "fixed"
    #: A share of the principal (``arrangement_fee_rate``, 0.01 = 1 %), rounded half-up to the cent.
    PERCENT = "percent"


class ProductStatus(enum.StrEnum):
    #: The current version; new loans may use it.
    ACTIVE = "active"
    #: Replaced by a newer version of the same code; loans made on it keep it.
    SUPERSEDED = "superseded"
    #: The current version, withdrawn: no new loans.
    RETIRED = "retired"


#: Default order in which a payment settles what is owed (DESIGN.md, "Loans").
DEFAULT_ALLOCATION_ORDER = "penalties,fees,interest,principal"
ALLOCATION_PARTS = ("penalties", "fees", "interest", "principal")


class LoanProduct(Base):
    """One version of a loan product; the row never changes except its status."""

    __tablename__ = "loan_products"
    __table_args__ = (
        UniqueConstraint("code", "version"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("amount_min > 0", name="amount_min_positive"),
        CheckConstraint("amount_max >= amount_min", name="amount_range_ordered"),
        CheckConstraint("amount_max <= 1000000000", name="amount_max_within_limit"),
        CheckConstraint("term_min_months >= 1", name="term_min_positive"),
        CheckConstraint("term_max_months >= term_min_months", name="term_range_ordered"),
        CheckConstraint("term_max_months <= 480", name="term_max_within_limit"),
        CheckConstraint("rate_annual >= 0 AND rate_annual <= 30000000", name="rate_within_limits"),
        CheckConstraint("max_grace_periods >= 0", name="grace_not_negative"),
        CheckConstraint("instalment_multiple > 0", name="instalment_multiple_positive"),
        CheckConstraint(
            "arrangement_fee_amount >= 0 AND arrangement_fee_rate >= 0 AND arrangement_fee_rate <= 10000000",
            name="arrangement_fee_within_limits",
        ),
        CheckConstraint("late_fee >= 0", name="late_fee_not_negative"),
        CheckConstraint("return_fee >= 0", name="return_fee_not_negative"),
        CheckConstraint(
            "penalty_rate_annual >= 0 AND penalty_rate_annual <= 30000000", name="penalty_rate_within_limits"
        ),
        CheckConstraint("tolerance_days >= 0", name="tolerance_not_negative"),
        CheckConstraint("forbearance_committee_above >= 0", name="forbearance_limit_not_negative"),
        CheckConstraint("status != 'retired' OR retired_at IS NOT NULL", name="retired_has_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable short code shared by all versions ("COOP-START"); upper-case.
    code: Mapped[str] = mapped_column(String(30), index=True)
    #: 1, 2, 3 … for each saved edit of the same code.
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[ProductStatus] = mapped_column(
        StrEnum(ProductStatus, "loan_product_status", length=20), default=ProductStatus.ACTIVE
    )
    name_nl: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[LoanPurpose] = mapped_column(StrEnum(LoanPurpose, "loan_purpose", length=30))
    description: Mapped[str] = mapped_column(Text, default="")
    #: Smallest and largest principal a loan on this product may have.
    amount_min: Mapped[Decimal] = mapped_column(MoneyType)
    amount_max: Mapped[Decimal] = mapped_column(MoneyType)
    #: Shortest and longest term in calendar months (a quarterly loan of 28 periods is 84 months).
    term_min_months: Mapped[int] = mapped_column(Integer)
    term_max_months: Mapped[int] = mapped_column(Integer)
    #: Nominal annual rate, 0.045 = 4.5 %.
    rate_annual: Mapped[Decimal] = mapped_column(RateType)
    method: Mapped[Method] = mapped_column(StrEnum(Method, "loan_method", length=20))
    frequency: Mapped[Frequency] = mapped_column(StrEnum(Frequency, "loan_frequency", length=20))
    #: Most periods at the start that may pay interest only (aflossingsvrije periode).
    max_grace_periods: Mapped[int] = mapped_column(Integer, default=0)
    #: The annuity instalment is rounded half-up to a multiple of this (0.01; 1.00 = whole euros).
    instalment_multiple: Mapped[Decimal] = mapped_column(MoneyType, default=CENT)
    day_count: Mapped[DayCount] = mapped_column(
        StrEnum(DayCount, "loan_day_count", length=20), default=DayCount.THIRTY_360
    )
    arrangement_fee_kind: Mapped[FeeKind] = mapped_column(
        StrEnum(FeeKind, "loan_fee_kind", length=20), default=FeeKind.FIXED
    )
    #: The fixed arrangement fee (used when the kind is "fixed").
    arrangement_fee_amount: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    #: The arrangement fee as a share of the principal (used when the kind is "percent"), 0.01 = 1 %.
    arrangement_fee_rate: Mapped[Decimal] = mapped_column(RateType, default=Decimal("0"))
    #: Charged once per instalment that falls into arrears (aanmaningskosten).
    late_fee: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    #: Charged once per returned direct debit (storneringskosten, issue 14); 0: none.
    return_fee: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO, server_default="0")
    #: A forbearance measure on a loan whose outstanding principal is above this needs the loan
    #: committee's decision; at or below it a second credit officer decides (issue 16).
    forbearance_committee_above: Mapped[Decimal] = mapped_column(
        MoneyType, default=Decimal("25000.00"), server_default="25000"
    )
    #: Annual penalty rate on overdue principal (boeterente), 0.02 = 2 %.
    penalty_rate_annual: Mapped[Decimal] = mapped_column(RateType, default=Decimal("0"))
    #: Days after the due date before an unpaid instalment counts as arrears.
    tolerance_days: Mapped[int] = mapped_column(Integer, default=0)
    #: Comma-separated order in which a payment settles penalties, fees, interest, principal.
    allocation_order: Mapped[str] = mapped_column(String(100), default=DEFAULT_ALLOCATION_ORDER)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    retired_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    @property
    def is_active(self) -> bool:
        return self.status is ProductStatus.ACTIVE

    @property
    def allocation_parts(self) -> list[str]:
        return [part for part in self.allocation_order.split(",") if part]

    def name(self, language: str = "nl") -> str:
        """The product's name in ``language`` (Dutch by default)."""
        return self.name_en if language == "en" else self.name_nl

    def arrangement_fee(self, principal: Decimal) -> Decimal:
        """The arrangement fee for a loan of ``principal`` (half-up to the cent)."""
        if self.arrangement_fee_kind is FeeKind.PERCENT:
            return round_cents(principal * self.arrangement_fee_rate)
        return self.arrangement_fee_amount

    def __repr__(self) -> str:
        return f"<LoanProduct {self.code} v{self.version} {self.status}>"
