"""The due-diligence file of a member (cliëntenonderzoek): facts, assessments, documents, UBOs."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.compliance.risk import RelationPurpose, RiskClass, Sector
from bank.db import Base, MoneyType, RateType, StrEnum, UtcDateTime
from bank.members.models import DocumentKind, Member


class EddStatus(enum.StrEnum):
    """Enhanced due diligence of a high-risk assessment: a second person decides (four eyes)."""

    NOT_NEEDED = "not_needed"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class RiskAssessment(Base):
    """One assessment of a member's risk: who, when, the class and the reasons that set it.

    Never changed after it is made, except for the second person's decision on enhanced due
    diligence; the next review is a new assessment.
    """

    __tablename__ = "risk_assessments"
    __table_args__ = (
        CheckConstraint(
            "(edd_status IN ('not_needed', 'pending') AND edd_decided_at IS NULL)"
            " OR (edd_status IN ('approved', 'rejected') AND edd_decided_at IS NOT NULL)",
            name="edd_decision_complete",
        ),
        CheckConstraint("risk_class = 'high' OR edd_status = 'not_needed'", name="edd_only_for_high"),
        CheckConstraint("review_due_on > assessed_on", name="review_after_assessment"),
        Index("ix_risk_assessments_member", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    assessed_on: Mapped[dt.date] = mapped_column(Date)
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_by_label: Mapped[str] = mapped_column(String(200))
    #: The class the facts give (``bank.compliance.risk.assess``).
    computed_class: Mapped[RiskClass] = mapped_column(StrEnum(RiskClass, "computed_risk_class", length=10))
    #: The class in force: the computed one, or higher when the officer raised it.
    risk_class: Mapped[RiskClass] = mapped_column(StrEnum(RiskClass, "risk_class", length=10))
    #: The reasons as ``[{"code": ..., "class": ..., "params": {...}}]`` (``risk.Reason``).
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: Why the officer set a higher class than computed (empty when not raised).
    raise_reason: Mapped[str] = mapped_column(Text, default="")
    review_due_on: Mapped[dt.date] = mapped_column(Date)
    edd_status: Mapped[EddStatus] = mapped_column(
        StrEnum(EddStatus, "edd_status", length=20), default=EddStatus.NOT_NEEDED
    )
    edd_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    edd_decided_by_label: Mapped[str | None] = mapped_column(String(200))
    edd_decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    edd_note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    member: Mapped[Member] = relationship()


class DueDiligenceFile(Base):
    """The facts compliance keeps about one member, and the assessment in force."""

    __tablename__ = "due_diligence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    #: ISO-2 country of residence (persons) or registration (organisations).
    residence_country: Mapped[str] = mapped_column(String(2), default="NL")
    nationality: Mapped[str | None] = mapped_column(String(2))
    #: Politically exposed person (set by the officer with a reason; screening will set it too).
    pep: Mapped[bool] = mapped_column(Boolean, default=False)
    pep_reason: Mapped[str] = mapped_column(Text, default="")
    #: A confirmed hit on a sanctions list.
    sanctions_hit: Mapped[bool] = mapped_column(Boolean, default=False)
    sanctions_reason: Mapped[str] = mapped_column(Text, default="")
    #: An organisation's sector of activity.
    sector: Mapped[Sector | None] = mapped_column(StrEnum(Sector, "activity_sector", length=30))
    #: The expected use, stated at registration or review: euros a month in and out.
    expected_monthly_turnover: Mapped[Decimal | None] = mapped_column(MoneyType)
    purpose: Mapped[RelationPurpose | None] = mapped_column(
        StrEnum(RelationPurpose, "relation_purpose", length=30)
    )
    #: The assessment in force (the latest), None until the first.
    latest_assessment_id: Mapped[int | None] = mapped_column(ForeignKey("risk_assessments.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    member: Mapped[Member] = relationship()
    latest_assessment: Mapped[RiskAssessment | None] = relationship()


class IdentityDocument(Base):
    """An identity document compliance saw: the whole number is kept, shown masked, revealed audited."""

    __tablename__ = "identity_documents"
    __table_args__ = (
        CheckConstraint("expires_on > issued_on", name="expires_after_issue"),
        Index("ix_identity_documents_member", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    kind: Mapped[DocumentKind] = mapped_column(StrEnum(DocumentKind, "document_kind", length=30))
    #: The full document number (upper-case, no spaces); never shown whole without a reason.
    number: Mapped[str] = mapped_column(String(40))
    issuing_country: Mapped[str] = mapped_column(String(2))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    expires_on: Mapped[dt.date] = mapped_column(Date)
    #: The member's identity check this document counts as (``members.identity_checks``).
    identity_check_id: Mapped[int | None] = mapped_column(ForeignKey("identity_checks.id"))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_label: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    @property
    def masked_number(self) -> str:
        return mask_number(self.number)


def mask_number(number: str | None) -> str:
    """``*****1234``: the last four characters only."""
    if not number:
        return ""
    return "*" * max(len(number) - 4, 1) + number[-4:]


class InterestKind(enum.StrEnum):
    """How a UBO holds their interest in the organisation."""

    OWNERSHIP = "ownership"
    VOTING_RIGHTS = "voting_rights"
    #: Nobody holds 25 % or more: the senior managing officials count as UBO ("pseudo-UBO").
    SENIOR_MANAGER = "senior_manager"


class BeneficialOwner(Base):
    """An ultimate beneficial owner (uiteindelijk belanghebbende) of an organisation-member."""

    __tablename__ = "beneficial_owners"
    __table_args__ = (
        CheckConstraint(
            "share_percent IS NULL OR (share_percent > 0 AND share_percent <= 10000000000)",
            name="share_in_range",
        ),
        Index("ix_beneficial_owners_organisation", "organisation_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    #: Set when the UBO is also a member of the bank.
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    name: Mapped[str] = mapped_column(String(300))
    date_of_birth: Mapped[dt.date] = mapped_column(Date)
    nationality: Mapped[str] = mapped_column(String(2))
    residence_country: Mapped[str] = mapped_column(String(2))
    interest: Mapped[InterestKind] = mapped_column(StrEnum(InterestKind, "interest_kind", length=20))
    #: Per cent held (25.5 for 25,5 %; stored exactly as rates are, so the check reads 100 * 10**8);
    #: None for a senior manager without a share.
    share_percent: Mapped[Decimal | None] = mapped_column(RateType)
    document_kind: Mapped[DocumentKind] = mapped_column(StrEnum(DocumentKind, "document_kind", length=30))
    #: Last four characters of the document seen.
    document_number_last4: Mapped[str] = mapped_column(String(4))
    added_by_label: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])
