"""A forbearance measure: what was asked for a loan, who decided it, and the schedule it gave.

A measure is requested by a credit officer with the borrower's reason, decided by a second
person (a committee member when the loan's outstanding principal is above the product's limit)
and, when granted, applied at once as a new schedule version. The loan is then *forborne* for a
probation of 24 months: the provisioning run puts it in stage 2 at least. The row keeps the
terms before and after, so the loan page can say what changed long after the fact.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, MoneyType, RateType, StrEnum, UtcDateTime
from bank.loans.models import Loan
from bank.transitions import Transitions


class MeasureStatus(enum.StrEnum):
    #: Waiting for the decision of a second person (or of the committee).
    REQUESTED = "requested"
    #: Granted and applied: the loan has the new schedule version.
    GRANTED = "granted"
    REJECTED = "rejected"
    #: Taken back by the staff member who asked, before anyone decided.
    WITHDRAWN = "withdrawn"


#: A request is decided once (granted or rejected) or withdrawn; a decision is final.
MEASURE_STATUS = Transitions(
    MeasureStatus,
    {
        MeasureStatus.REQUESTED: {MeasureStatus.GRANTED, MeasureStatus.REJECTED, MeasureStatus.WITHDRAWN},
        MeasureStatus.GRANTED: set(),
        MeasureStatus.REJECTED: set(),
        MeasureStatus.WITHDRAWN: set(),
    },
)


class ForbearanceMeasure(Base):
    """One request for forbearance on a loan and its decision."""

    __tablename__ = "forbearance_measures"
    __table_args__ = (
        CheckConstraint("holiday_periods >= 0", name="holiday_not_negative"),
        CheckConstraint("extension_periods >= 0", name="extension_not_negative"),
        CheckConstraint(
            "holiday_periods > 0 OR extension_periods > 0 OR rate_annual_new IS NOT NULL",
            name="changes_something",
        ),
        CheckConstraint(
            "status = 'requested' OR (decided_on IS NOT NULL AND decided_by_label IS NOT NULL)",
            name="decided_has_who_and_when",
        ),
        CheckConstraint(
            "status != 'granted' OR (schedule_version IS NOT NULL AND probation_until IS NOT NULL)",
            name="granted_has_schedule",
        ),
        Index("ix_forbearance_measures_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    status: Mapped[MeasureStatus] = mapped_column(
        StrEnum(MeasureStatus, "forbearance_status", length=20), default=MeasureStatus.REQUESTED
    )
    #: Periods in which only interest is due (aflossingspauze); the term grows by as many.
    holiday_periods: Mapped[int] = mapped_column(Integer, default=0)
    #: Periods added at the end, so the instalments still to come are lower.
    extension_periods: Mapped[int] = mapped_column(Integer, default=0)
    #: The loan's rate before, and the lower rate asked for (None: the rate stays).
    rate_annual_before: Mapped[Decimal] = mapped_column(RateType)
    rate_annual_new: Mapped[Decimal | None] = mapped_column(RateType)
    #: Why the borrower needs it: the financial difficulty, in the credit officer's words.
    reason: Mapped[str] = mapped_column(Text)
    #: Outstanding principal when requested; above the product's limit the committee decides.
    outstanding_principal: Mapped[Decimal] = mapped_column(MoneyType)
    needs_committee: Mapped[bool] = mapped_column(default=False)
    #: The regular instalment before and (as planned when requested) after.
    instalment_before: Mapped[Decimal] = mapped_column(MoneyType)
    instalment_after: Mapped[Decimal] = mapped_column(MoneyType)
    #: Number of instalments still to come before and after.
    periods_before: Mapped[int] = mapped_column(Integer)
    periods_after: Mapped[int] = mapped_column(Integer)
    #: The form's one-time key: a double submit asks once.
    request_key: Mapped[str] = mapped_column(String(80), unique=True)
    requested_on: Mapped[dt.date] = mapped_column(Date)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_by_label: Mapped[str] = mapped_column(String(200))
    decided_on: Mapped[dt.date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_label: Mapped[str | None] = mapped_column(String(200))
    #: The decider's remarks (required for a rejection).
    decision_note: Mapped[str] = mapped_column(Text, default="")
    #: The schedule version the grant created, and the first due date it governs.
    schedule_version: Mapped[int | None] = mapped_column(Integer)
    effective_from: Mapped[dt.date | None] = mapped_column(Date)
    #: The loan counts as forborne from the grant through this date (24 months of probation).
    probation_until: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    loan: Mapped[Loan] = relationship()
