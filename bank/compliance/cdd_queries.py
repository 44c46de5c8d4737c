"""Reads of due diligence for the compliance officer's pages (no writes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank.compliance.cdd_models import (
    BeneficialOwner,
    DueDiligenceFile,
    EddStatus,
    IdentityDocument,
    InterestKind,
    RiskAssessment,
)
from bank.compliance.risk import RiskClass
from bank.members.models import Member, MemberKind, MemberStatus

#: Members still in a relationship with the bank (a member who left is not reviewed).
CURRENT = (MemberStatus.APPLICANT, MemberStatus.ACTIVE, MemberStatus.SUSPENDED)


@dataclass(frozen=True)
class ReviewDue:
    """A member whose file needs a review: the periodic date passed, or their document expired."""

    member: Member
    risk_class: RiskClass | None
    review_due_on: dt.date | None
    #: The latest expiry of the member's documents, when that is before today.
    document_expired_on: dt.date | None

    @property
    def due_since(self) -> dt.date:
        dates = [day for day in (self.review_due_on, self.document_expired_on) if day is not None]
        return min(dates)


def reviews_due(session: Session, today: dt.date) -> list[ReviewDue]:
    """Reviews due on or before ``today``, oldest first: by date, or because every document expired."""
    latest_expiry = (
        select(IdentityDocument.member_id, func.max(IdentityDocument.expires_on).label("expires_on"))
        .group_by(IdentityDocument.member_id)
        .subquery()
    )
    rows = session.execute(
        select(Member, RiskAssessment.risk_class, RiskAssessment.review_due_on, latest_expiry.c.expires_on)
        .select_from(Member)
        .outerjoin(DueDiligenceFile, DueDiligenceFile.member_id == Member.id)
        .outerjoin(RiskAssessment, RiskAssessment.id == DueDiligenceFile.latest_assessment_id)
        .outerjoin(latest_expiry, latest_expiry.c.member_id == Member.id)
        .where(
            Member.status.in_(CURRENT),
            (RiskAssessment.review_due_on <= today) | (latest_expiry.c.expires_on < today),
        )
    ).all()
    found = [
        ReviewDue(
            member=member,
            risk_class=risk_class,
            review_due_on=due_on if due_on is not None and due_on <= today else None,
            document_expired_on=expires_on if expires_on is not None and expires_on < today else None,
        )
        for member, risk_class, due_on, expires_on in rows
    ]
    return sorted(found, key=lambda row: (row.due_since, row.member.number))


def not_assessed(session: Session, *, limit: int = 50) -> tuple[int, list[Member]]:
    """Current members without an assessment (how many, and the newest ``limit`` of them)."""
    query = (
        select(Member)
        .outerjoin(DueDiligenceFile, DueDiligenceFile.member_id == Member.id)
        .where(Member.status.in_(CURRENT), DueDiligenceFile.latest_assessment_id.is_(None))
    )
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    newest = list(session.scalars(query.order_by(Member.created_at.desc(), Member.id.desc()).limit(limit)))
    return count, newest


def edd_waiting(session: Session) -> list[RiskAssessment]:
    """High-risk assessments in force whose enhanced due diligence waits for a second person."""
    return list(
        session.scalars(
            select(RiskAssessment)
            .join(DueDiligenceFile, DueDiligenceFile.latest_assessment_id == RiskAssessment.id)
            .where(RiskAssessment.edd_status == EddStatus.PENDING)
            .order_by(RiskAssessment.assessed_on, RiskAssessment.id)
        )
    )


def class_counts(session: Session) -> dict[RiskClass, int]:
    """How many current members are in each class (by the assessment in force)."""
    rows = session.execute(
        select(RiskAssessment.risk_class, func.count())
        .join(DueDiligenceFile, DueDiligenceFile.latest_assessment_id == RiskAssessment.id)
        .join(Member, Member.id == DueDiligenceFile.member_id)
        .where(Member.status.in_(CURRENT))
        .group_by(RiskAssessment.risk_class)
    ).all()
    counts = dict.fromkeys(RiskClass, 0)
    counts.update({risk_class: count for risk_class, count in rows})
    return counts


def history(session: Session, member_id: int) -> list[RiskAssessment]:
    """Every assessment of the member, newest first."""
    return list(
        session.scalars(
            select(RiskAssessment)
            .where(RiskAssessment.member_id == member_id)
            .order_by(RiskAssessment.assessed_on.desc(), RiskAssessment.id.desc())
        )
    )


@dataclass(frozen=True)
class OrganisationOwners:
    """An organisation-member, how many UBOs it has recorded and whether one qualifies."""

    member: Member
    has_file: bool
    owners: int
    complete: bool


def organisations_and_owners(session: Session) -> list[OrganisationOwners]:
    """Every current organisation with its UBO count; incomplete ones (with a file) first."""
    counts = dict(
        session.execute(
            select(BeneficialOwner.organisation_id, func.count()).group_by(BeneficialOwner.organisation_id)
        ).all()
    )
    qualifying = set(
        session.scalars(
            select(BeneficialOwner.organisation_id).where(
                (BeneficialOwner.interest == InterestKind.SENIOR_MANAGER)
                | (BeneficialOwner.share_percent >= Decimal("25"))
            )
        )
    )
    with_file = set(session.scalars(select(DueDiligenceFile.member_id)))
    organisations = session.scalars(
        select(Member)
        .where(Member.kind == MemberKind.ORGANISATION, Member.status.in_(CURRENT))
        .order_by(Member.display_name)
    )
    rows = [
        OrganisationOwners(
            member=member,
            has_file=member.id in with_file,
            owners=counts.get(member.id, 0),
            complete=member.id in qualifying,
        )
        for member in organisations
    ]
    return sorted(rows, key=lambda row: (row.complete or not row.has_file, row.member.display_name))
