"""Committee meetings, agenda items, conflict declarations, votes, decisions and their conditions.

Votes and decisions are append-only: a vote is cast once per member per review round, and the
chair's decision (with the tally, the recusals and the conditions) never changes. Conditions are
separate rows because each is ticked off later with an evidence note before disbursement.
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
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.applications.models import LoanApplication
from bank.collateral.models import CollateralItem
from bank.db import Base, MoneyType, RateType, StrEnum, UtcDateTime, make_append_only


class Meeting(Base):
    """A committee meeting on a date with an agenda of applications."""

    __tablename__ = "committee_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[dt.date] = mapped_column(Date, index=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    #: The committee member who chairs it and records the decisions.
    chair_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    chair_label: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    created_by_label: Mapped[str] = mapped_column(String(200))

    items: Mapped[list[AgendaItem]] = relationship(back_populates="meeting", order_by="AgendaItem.position")


class AgendaItem(Base):
    """An application on a meeting's agenda (in one review round)."""

    __tablename__ = "committee_agenda_items"
    __table_args__ = (
        UniqueConstraint("meeting_id", "application_id", "review_round", name="once_per_meeting_round"),
        # Items taken off keep their number, so the agenda never reads 1, 1, 3. An index, not a
        # constraint: SQLite adds it without rebuilding the table.
        Index("uq_committee_agenda_items_meeting_position", "meeting_id", "position", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("committee_meetings.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    review_round: Mapped[int] = mapped_column(Integer, default=1)
    #: The item's number on the agenda: one more than the highest so far, taken-off items included.
    position: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    added_by_label: Mapped[str] = mapped_column(String(200))
    #: Set when the item was taken off the agenda again.
    removed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    application: Mapped[LoanApplication] = relationship()


class ConflictDeclaration(Base):
    """A committee member's statement, per application, whether they have a conflict of interest.

    A declared conflict recuses them: they cannot vote, and the recusal is in the decision.
    Declared once; append-only.
    """

    __tablename__ = "committee_conflict_declarations"
    __table_args__ = (UniqueConstraint("application_id", "user_id", name="one_per_member"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user_label: Mapped[str] = mapped_column(String(200))
    has_conflict: Mapped[bool] = mapped_column(Boolean)
    #: Why (required for a conflict): "my sister is a member of the co-op".
    explanation: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)


class VoteChoice(enum.StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    ABSTAIN = "abstain"


class Vote(Base):
    """One committee member's vote on an application in one review round. Append-only."""

    __tablename__ = "committee_votes"
    __table_args__ = (
        UniqueConstraint("application_id", "review_round", "user_id", name="one_vote_per_round"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    review_round: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    user_label: Mapped[str] = mapped_column(String(200))
    choice: Mapped[VoteChoice] = mapped_column(StrEnum(VoteChoice, "vote_choice", length=10))
    comment: Mapped[str] = mapped_column(Text, default="")
    cast_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)


class DecisionOutcome(enum.StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"


class Decision(Base):
    """The chair's record of the committee's decision: immutable, with tally, recusals and terms."""

    __tablename__ = "committee_decisions"
    __table_args__ = (
        CheckConstraint(
            "votes_approve >= 0 AND votes_reject >= 0 AND votes_abstain >= 0", name="tally_counts"
        ),
        CheckConstraint("votes_approve + votes_reject + votes_abstain >= quorum", name="quorum_reached"),
        #: One decision per review round, even when the chair's form is posted twice at once.
        UniqueConstraint("application_id", "review_round", name="one_decision_per_round"),
        CheckConstraint(
            "(outcome = 'approved' AND votes_approve > votes_reject AND approved_amount IS NOT NULL)"
            " OR (outcome = 'rejected' AND votes_reject > votes_approve AND reasons != '')",
            name="majority_of_votes_cast",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    review_round: Mapped[int] = mapped_column(Integer)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("committee_meetings.id"))
    outcome: Mapped[DecisionOutcome] = mapped_column(StrEnum(DecisionOutcome, "decision_outcome", length=20))
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    chair_label: Mapped[str] = mapped_column(String(200))
    decided_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    decided_on: Mapped[dt.date] = mapped_column(Date)
    votes_approve: Mapped[int] = mapped_column(Integer)
    votes_reject: Mapped[int] = mapped_column(Integer)
    votes_abstain: Mapped[int] = mapped_column(Integer)
    #: The quorum in force when decided (Config COMMITTEE_QUORUM).
    quorum: Mapped[int] = mapped_column(Integer)
    #: Labels of the members who recused themselves (declared conflicts).
    recusals: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: The approved terms (approval only).
    approved_amount: Mapped[Decimal | None] = mapped_column(MoneyType)
    approved_term_months: Mapped[int | None] = mapped_column(Integer)
    approved_rate_annual: Mapped[Decimal | None] = mapped_column(RateType)
    approved_grace_periods: Mapped[int | None] = mapped_column(Integer)
    #: Reasons for a rejection (required) or remarks with an approval.
    reasons: Mapped[str] = mapped_column(Text, default="")

    conditions: Mapped[list[Condition]] = relationship(
        back_populates="decision", order_by="Condition.position"
    )

    @property
    def votes_cast(self) -> int:
        return self.votes_approve + self.votes_reject + self.votes_abstain


class Condition(Base):
    """A condition of an approval ("deed of mortgage signed"), ticked off with evidence before payout."""

    __tablename__ = "committee_conditions"
    __table_args__ = (
        UniqueConstraint("decision_id", "position", name="one_per_position"),
        CheckConstraint(
            "(met_at IS NULL AND met_by_label IS NULL) OR (met_at IS NOT NULL AND evidence_note != '')",
            name="met_has_evidence",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("committee_decisions.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    met_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    met_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    met_by_label: Mapped[str | None] = mapped_column(String(200))
    evidence_note: Mapped[str] = mapped_column(Text, default="")
    #: The register item the condition is about ("hypotheek eerste rang ingeschreven"), if any:
    #: an item of the same application's collateral register.
    collateral_item_id: Mapped[int | None] = mapped_column(ForeignKey("collateral_items.id"), index=True)

    decision: Mapped[Decision] = relationship(back_populates="conditions")
    collateral_item: Mapped[CollateralItem | None] = relationship()

    @property
    def is_met(self) -> bool:
        return self.met_at is not None


make_append_only(Vote, Decision, ConflictDeclaration)
