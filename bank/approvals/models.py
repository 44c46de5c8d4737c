"""Requests that wait for a second staff member (four eyes)."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bank import clock
from bank.db import Base, MoneyType, StrEnum, UtcDateTime
from bank.transitions import Transitions


class ApprovalStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


#: The second person approves or rejects a pending request once; the decision is final.
APPROVAL_STATUS = Transitions(
    ApprovalStatus,
    {
        ApprovalStatus.PENDING: {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED},
        ApprovalStatus.APPROVED: set(),
        ApprovalStatus.REJECTED: set(),
    },
)


class Approval(Base):
    """One request awaiting (or having had) a four-eyes decision.

    ``kind`` selects the handler that carries the request out on approval ("withdrawal",
    "share_redemption"; later "disbursement", "write_off"). ``payload`` holds what the handler
    needs, as JSON-safe values (money as strings).
    """

    __tablename__ = "approvals"
    __table_args__ = (
        CheckConstraint(
            "(status = 'pending' AND decided_at IS NULL AND checker_label IS NULL)"
            " OR (status != 'pending' AND decided_at IS NOT NULL AND checker_label IS NOT NULL)",
            name="decision_complete",
        ),
        CheckConstraint("status != 'rejected' OR reason != ''", name="rejection_has_reason"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
        Index("ix_approvals_status_kind", "status", "kind"),
        Index("ix_approvals_object", "object_type", "object_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[ApprovalStatus] = mapped_column(
        StrEnum(ApprovalStatus, "approval_status", length=20), default=ApprovalStatus.PENDING
    )
    #: The maker's idempotency key: resubmitting the same request form finds this row again.
    request_key: Mapped[str] = mapped_column(String(200), unique=True)
    #: What the request is about, for listings ("deposit_account", 42).
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int] = mapped_column()
    #: The money involved, when there is one (shown in the queue).
    amount: Mapped[Decimal | None] = mapped_column(MoneyType)
    #: One line for people: "Withdrawal € 12.500,00 from 1000 0001 43 to NL91 ABNA …".
    summary: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    maker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    maker_label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    checker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checker_label: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: Why it was rejected (required), or a note on approval.
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The journal entry that carried out an approved money request.
    result_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))

    @property
    def is_pending(self) -> bool:
        return self.status is ApprovalStatus.PENDING

    def __repr__(self) -> str:
        return f"<Approval {self.id} {self.kind} {self.status.value}>"
