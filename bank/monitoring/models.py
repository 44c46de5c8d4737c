"""Monitoring's tables: the rules' thresholds, alerts and the transactions behind them, cases, notes.

An alert is unique on (rule, member, ``key_on``): the day a rule looked at for the daily rules,
the month's first day for the monthly one, so a close day run again raises nothing twice. An
alert is open until an officer dismisses it (with a reason) or takes it into a case; a case is
decided once, as not unusual (closed with the reason) or reported as unusual, and a reported case
is exported for FIU-NL. Notes on a case are append-only.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, MoneyType, RateType, StrEnum, UtcDateTime, make_append_only
from bank.members.models import Member
from bank.transitions import Transitions


class RuleCode(enum.StrEnum):
    #: A cash deposit at the counter at or above the amount.
    CASH_DEPOSIT = "cash_deposit"
    #: At least ``min_count`` deposits or withdrawals, each between ``share`` of the amount and the
    #: amount, within ``window_days`` days.
    STRUCTURING = "structuring"
    #: An amount of at least ``amount`` received, of which at least ``share`` leaves again within
    #: ``window_days`` days.
    IN_AND_OUT = "in_and_out"
    #: A payment to or from an IBAN of a high-risk third country, of at least ``amount``.
    HIGH_RISK_COUNTRY = "high_risk_country"
    #: The month's turnover above ``factor`` times the member's expected monthly turnover (and at
    #: least ``amount``).
    ABOVE_EXPECTED_USE = "above_expected_use"


class MonitoringRule(Base):
    """One rule's thresholds, set by the compliance officer (each rule uses the fields it names)."""

    __tablename__ = "monitoring_rules"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("share IS NULL OR (share > 0 AND share <= 100000000)", name="share_a_fraction"),
        CheckConstraint("min_count IS NULL OR min_count >= 2", name="count_at_least_two"),
        CheckConstraint("window_days IS NULL OR window_days >= 1", name="window_positive"),
        CheckConstraint("factor IS NULL OR factor > 100000000", name="factor_above_one"),
    )

    code: Mapped[RuleCode] = mapped_column(StrEnum(RuleCode, "monitoring_rule_code"), primary_key=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: The rule's amount: the cash threshold, the structuring threshold, the least amount received
    #: that is followed, the least payment to a high-risk country, the least month's turnover.
    amount: Mapped[Decimal] = mapped_column(MoneyType)
    #: A fraction: structuring's lower edge (0.8: from 80 % of the amount), in-and-out's share out.
    share: Mapped[Decimal | None] = mapped_column(RateType)
    #: Structuring: how many movements within the window make a pattern.
    min_count: Mapped[int | None] = mapped_column(Integer)
    #: Structuring's window (7 days) and in-and-out's (3 days).
    window_days: Mapped[int | None] = mapped_column(Integer)
    #: Above expected use: the month's turnover is more than this many times the expected.
    factor: Mapped[Decimal | None] = mapped_column(RateType)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    updated_by_label: Mapped[str] = mapped_column(String(200), default="")


class AlertStatus(enum.StrEnum):
    OPEN = "open"
    DISMISSED = "dismissed"
    #: Taken into a case; the case decides.
    IN_CASE = "in_case"


ALERT_STATUS = Transitions(
    AlertStatus,
    {
        AlertStatus.OPEN: {AlertStatus.DISMISSED, AlertStatus.IN_CASE},
        AlertStatus.DISMISSED: set(),
        AlertStatus.IN_CASE: set(),
    },
)


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    #: Looked into and found not unusual: closed with the reason.
    NOT_UNUSUAL = "not_unusual"
    #: Found unusual: to be reported to FIU-Nederland (the export marks when it was downloaded).
    REPORTED = "reported"


CASE_STATUS = Transitions(
    CaseStatus,
    {
        CaseStatus.OPEN: {CaseStatus.NOT_UNUSUAL, CaseStatus.REPORTED},
        CaseStatus.NOT_UNUSUAL: set(),
        CaseStatus.REPORTED: set(),
    },
)


class MonitoringCase(Base):
    """An investigation of one member's alerts and its decision."""

    __tablename__ = "monitoring_cases"
    __table_args__ = (
        CheckConstraint(
            "status = 'open' OR (decided_at IS NOT NULL AND decision_reason != '')",
            name="decided_has_when_and_why",
        ),
        CheckConstraint("status = 'reported' OR exported_at IS NULL", name="only_reported_exported"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    status: Mapped[CaseStatus] = mapped_column(StrEnum(CaseStatus, "monitoring_case_status", length=20))
    #: The opening form's one-time key: a form sent twice opens one case.
    open_key: Mapped[str] = mapped_column(String(64), unique=True)
    opened_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_by_label: Mapped[str] = mapped_column(String(200))
    #: Why the case was opened (what the officer saw in the alerts).
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The decision's reason; for a report, the indicator: why the transactions are unusual.
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_label: Mapped[str] = mapped_column(String(200), default="")
    #: The first download of the FIU-NL report; later downloads are audited only.
    exported_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    exported_by_label: Mapped[str] = mapped_column(String(200), default="")

    member: Mapped[Member] = relationship()
    alerts: Mapped[list[Alert]] = relationship(back_populates="case", order_by="Alert.id")
    notes: Mapped[list[MonitoringNote]] = relationship(order_by="MonitoringNote.id", viewonly=True)


class Alert(Base):
    """What a rule found for a member on a day (or in a month), with the transactions behind it."""

    __tablename__ = "monitoring_alerts"
    __table_args__ = (
        UniqueConstraint("rule", "member_id", "key_on", name="one_alert_per_rule_member_and_day"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("status != 'in_case' OR case_id IS NOT NULL", name="in_case_has_case"),
        CheckConstraint(
            "status != 'dismissed' OR (dismissal_reason != '' AND decided_at IS NOT NULL)",
            name="dismissed_has_reason",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule: Mapped[RuleCode] = mapped_column(StrEnum(RuleCode, "monitoring_rule_code"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: The day the rule looked at (the month's first day for the monthly rule): the unique key.
    key_on: Mapped[dt.date] = mapped_column(Date)
    #: The window of the transactions behind it (first and last day).
    window_start: Mapped[dt.date] = mapped_column(Date)
    window_end: Mapped[dt.date] = mapped_column(Date)
    #: The total of the transactions behind it (the month's turnover for the monthly rule).
    amount: Mapped[Decimal] = mapped_column(MoneyType)
    #: What the rule measured besides: the countries, the count, the expected turnover, the threshold.
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[AlertStatus] = mapped_column(
        StrEnum(AlertStatus, "monitoring_alert_status", length=20), index=True
    )
    raised_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_cases.id"), index=True)
    dismissal_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decided_by_label: Mapped[str] = mapped_column(String(200), default="")

    member: Mapped[Member] = relationship()
    case: Mapped[MonitoringCase | None] = relationship(back_populates="alerts")
    items: Mapped[list[AlertItem]] = relationship(
        order_by="(AlertItem.value_date, AlertItem.entry_id)", cascade="all, delete-orphan"
    )


class AlertItem(Base):
    """One transaction behind an alert: the member's side of a journal entry."""

    __tablename__ = "monitoring_alert_items"
    __table_args__ = (
        UniqueConstraint("alert_id", "entry_id", name="one_item_per_entry"),
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("direction IN ('in', 'out')", name="direction_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("monitoring_alerts.id"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), index=True)
    value_date: Mapped[dt.date] = mapped_column(Date)
    #: What the member's accounts received (``in``) or paid (``out``) in the entry, net.
    amount: Mapped[Decimal] = mapped_column(MoneyType)
    direction: Mapped[str] = mapped_column(String(3))
    #: The journal entry's kind (``cash_deposit``, ``withdrawal``, ``statement_receipt``, …).
    kind: Mapped[str] = mapped_column(String(40))
    #: The other party where the bank knows it: the payment order's creditor, the statement
    #: line's sender.
    counterparty_iban: Mapped[str | None] = mapped_column(String(34))
    counterparty_name: Mapped[str | None] = mapped_column(String(140))


class MonitoringNote(Base):
    """A note on a case: who wrote what when (never changed)."""

    __tablename__ = "monitoring_case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("monitoring_cases.id"), index=True)
    #: The note form's one-time key: a form sent twice adds one note.
    key: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    written_by_label: Mapped[str] = mapped_column(String(200))


make_append_only(MonitoringNote)
