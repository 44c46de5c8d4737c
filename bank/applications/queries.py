"""Reads for the application pages: listings, the member's own applications, the committee queue.

The meetings and their agendas are the committee's (``bank.committee.queries``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bank.applications.models import ApplicationStatus, Attachment, LoanApplication
from bank.errors import N_, NotFound
from bank.members.queries import visible_member_ids


def staff_list(
    session: Session, status: ApplicationStatus | None = None, limit: int = 300
) -> list[LoanApplication]:
    """Applications, newest first, optionally of one status."""
    query = (
        select(LoanApplication)
        .options(selectinload(LoanApplication.applicant), selectinload(LoanApplication.product))
        .order_by(LoanApplication.id.desc())
        .limit(limit)
    )
    if status is not None:
        query = query.where(LoanApplication.status == status)
    return list(session.scalars(query))


def for_member(session: Session, member_id: int) -> list[LoanApplication]:
    """The applications a portal member may see: their own and their organisations'."""
    ids = visible_member_ids(session, member_id)
    return list(
        session.scalars(
            select(LoanApplication)
            .where(LoanApplication.applicant_id.in_(ids))
            .options(selectinload(LoanApplication.applicant), selectinload(LoanApplication.product))
            .order_by(LoanApplication.id.desc())
        )
    )


def member_application(session: Session, member_id: int, application_id: int) -> LoanApplication:
    """One application if the member may see it; NotFound otherwise (the portal answers 404)."""
    application = session.get(LoanApplication, application_id)
    if application is None or application.applicant_id not in visible_member_ids(session, member_id):
        raise NotFound(N_("application %(application_id)s does not exist"), application_id=application_id)
    return application


def attachment_of(session: Session, application: LoanApplication, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None or attachment.application_id != application.id:
        raise NotFound(N_("attachment %(attachment_id)s does not exist"), attachment_id=attachment_id)
    return attachment


def committee_queue(session: Session) -> list[LoanApplication]:
    """Applications before the committee (on an agenda) or coming (in review), oldest first."""
    return list(
        session.scalars(
            select(LoanApplication)
            .where(LoanApplication.status.in_([ApplicationStatus.ON_AGENDA, ApplicationStatus.IN_REVIEW]))
            .options(selectinload(LoanApplication.applicant), selectinload(LoanApplication.product))
            .order_by(LoanApplication.status.desc(), LoanApplication.submitted_at, LoanApplication.id)
        )
    )
