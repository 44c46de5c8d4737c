"""The ``runs`` table: one row per job and business date, with what the run did.

A run row is written when a run starts and updated with every committed batch (counts,
amounts, progress), so the runs page shows a running run as it goes and a run killed halfway
shows how far it got. It is unique on (job, business_date): starting the same job for the
same date again resumes (or, once completed, reports) that row, never a second one.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, MoneyType, StrEnum, UtcDateTime
from bank.money import ZERO


class RunJob(enum.StrEnum):
    REPAYMENTS = "repayments"
    SAVINGS_INTEREST = "savings_interest"
    #: Approved offers past their expiry date lapse.
    EXPIRE_OFFERS = "expire_offers"
    #: SEPA mandates unused for 36 months expire (issue 14).
    EXPIRE_MANDATES = "expire_mandates"
    #: Pool withdrawal requests whose notice has passed are paid, first come first served.
    POOL_WITHDRAWALS = "pool_withdrawals"
    #: After a quarter's last day: each pool's returns are distributed.
    POOL_DISTRIBUTION = "pool_distribution"
    #: After a month's last day: the monthly statements are built and stored.
    MONTH_END_STATEMENTS = "month_end_statements"
    #: Interest of every active loan accrues for the day (issue 16, ``bank.loans.accrual``).
    LOAN_ACCRUAL = "loan_accrual"
    #: Loans in arrears: reminder letters by the product's ladder, hand-over, promises checked (issue 16).
    ARREARS_FOLLOW_UP = "arrears_follow_up"
    #: After a month's last day: every loan staged and its expected loss provisioned (issue 16).
    PROVISIONING = "provisioning"
    #: Transaction monitoring: the rules over the day's postings raise alerts (issue 17).
    MONITORING = "monitoring"
    #: Former members whose retention periods have passed are anonymised (issue 17, ``bank.privacy``).
    RETENTION = "retention"
    #: All jobs of a business day in order; completed only when each of them completed.
    CLOSE_DAY = "close_day"


class RunStatus(enum.StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class Run(Base):
    """One job for one business date (and every attempt at it)."""

    __tablename__ = "runs"
    __table_args__ = (
        UniqueConstraint("job", "business_date", name="one_run_per_job_and_date"),
        CheckConstraint(
            "due_count >= 0 AND collected_full_count >= 0 AND collected_partial_count >= 0"
            " AND collected_nothing_count >= 0 AND entries_posted >= 0",
            name="counts_not_negative",
        ),
        CheckConstraint(
            "items_count >= 0 AND items_done >= 0 AND items_waiting >= 0", name="items_not_negative"
        ),
        CheckConstraint("status != 'completed' OR finished_at IS NOT NULL", name="completed_has_end"),
        Index("ix_runs_business_date", "business_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[RunJob] = mapped_column(StrEnum(RunJob, "run_job", length=30))
    business_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[RunStatus] = mapped_column(StrEnum(RunStatus, "run_status", length=20))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    #: Set when the last attempt ended (completed or failed).
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: 1 for a run that went through at once; more when it was resumed after a failure or a kill.
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    #: Who started the last attempt ("system:scheduler", "cli", a staff e-mail).
    started_by: Mapped[str] = mapped_column(String(200), default="")
    #: Units of work of the job (loans for repayments, accounts for savings interest) and done so far.
    progress_total: Mapped[int] = mapped_column(Integer, default=0)
    progress_done: Mapped[int] = mapped_column(Integer, default=0)
    # The repayment run's own counters (no other job uses them).
    #: Repayments: loans with something due; paid in full, partly, or not at all.
    due_count: Mapped[int] = mapped_column(Integer, default=0)
    collected_full_count: Mapped[int] = mapped_column(Integer, default=0)
    collected_partial_count: Mapped[int] = mapped_column(Integer, default=0)
    collected_nothing_count: Mapped[int] = mapped_column(Integer, default=0)
    #: What was due at the start of the collection and what was collected.
    amount_due: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    amount_collected: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    #: Interest accrued, late fees and penalties charged.
    amount_accrued: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    amount_charged: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    # Every other job's figures, under general names; what each means for each job:
    #: The items the job looked at: savings interest: accounts with interest to post; pool
    #: withdrawals: requests due (paid and waiting); pool distribution: participants paid;
    #: month-end statements: accounts with movements; provisioning: loans staged; loan accrual:
    #: active loans accrued; retention: former members whose periods have passed.
    items_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Items done: savings interest: interest entries posted; pool withdrawals: requests paid;
    #: month-end statements: statements stored; expire mandates: mandates expired (also counted
    #: in ``items_count``); loan accrual: accrual entries posted; retention: members anonymised.
    items_done: Mapped[int] = mapped_column(Integer, default=0)
    #: Items left for a later run: pool withdrawals: due requests waiting for uncommitted money;
    #: retention: members due but with something still open (an account, a loan, shares).
    items_waiting: Mapped[int] = mapped_column(Integer, default=0)
    #: Money that came in: pool distribution: the interest the pools collected; provisioning:
    #: added to the loan loss allowance (Dr 5100 / Cr 1190); loan accrual: the interest accrued
    #: (net of what a restructured period gave back).
    amount_in: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    #: Money the bank kept: pool distribution: the bank's margin; provisioning: the allowance
    #: after the run (the month-end's total expected loss).
    amount_kept: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    #: Money that went out: pool withdrawals: paid; pool distribution: distributed to the
    #: participants; savings interest: interest posted to the members' accounts; provisioning:
    #: released from the allowance (Dr 1190 / Cr 5100).
    amount_out: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    entries_posted: Mapped[int] = mapped_column(Integer, default=0)
    #: The last failure's message (kept after a successful resume for the record).
    error: Mapped[str] = mapped_column(Text, default="")

    shortfalls: Mapped[list[RunShortfall]] = relationship(
        back_populates="run", order_by="RunShortfall.loan_id", viewonly=True
    )

    @property
    def duration_seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    @property
    def progress_percent(self) -> int:
        if not self.progress_total:
            return 100 if self.status is RunStatus.COMPLETED else 0
        return min(100, self.progress_done * 100 // self.progress_total)

    def __repr__(self) -> str:
        return f"<Run {self.job.value} {self.business_date} {self.status.value}>"


class RunShortfall(Base):
    """A loan the repayment run could not collect in full on its date (the run detail lists them)."""

    __tablename__ = "run_shortfalls"
    __table_args__ = (
        UniqueConstraint("run_id", "loan_id", name="one_row_per_loan"),
        CheckConstraint("amount_collected >= 0 AND amount_collected < amount_due", name="short_of_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    amount_due: Mapped[Decimal] = mapped_column(MoneyType)
    amount_collected: Mapped[Decimal] = mapped_column(MoneyType)
    #: Days past due after the run (date minus the oldest unpaid due date).
    days_past_due: Mapped[int] = mapped_column(Integer, default=0)

    run: Mapped[Run] = relationship(back_populates="shortfalls")
