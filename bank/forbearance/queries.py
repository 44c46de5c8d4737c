"""What the pages read of forbearance: a loan's measures, what waits, who is in probation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session, joinedload

from bank.forbearance.models import ForbearanceMeasure, MeasureStatus
from bank.loans.models import Loan


def measures_of_loan(session: Session, loan_id: int) -> list[ForbearanceMeasure]:
    """A loan's measures, newest first (the loan page and the portal)."""
    return list(
        session.scalars(
            select(ForbearanceMeasure)
            .where(ForbearanceMeasure.loan_id == loan_id)
            .order_by(ForbearanceMeasure.requested_on.desc(), ForbearanceMeasure.id.desc())
        )
    )


def granted_of_loan(session: Session, loan_id: int) -> list[ForbearanceMeasure]:
    """A loan's granted measures, oldest first (what the borrower agreed to)."""
    return list(
        session.scalars(
            select(ForbearanceMeasure)
            .where(ForbearanceMeasure.loan_id == loan_id, ForbearanceMeasure.status == MeasureStatus.GRANTED)
            .order_by(ForbearanceMeasure.decided_on, ForbearanceMeasure.id)
        )
    )


def in_probation_on(on: dt.date) -> ColumnElement[bool]:
    """A granted measure whose 24-month probation runs on ``on`` (the one rule every read uses)."""
    return and_(
        ForbearanceMeasure.status == MeasureStatus.GRANTED,
        ForbearanceMeasure.decided_on <= on,
        ForbearanceMeasure.probation_until >= on,
    )


def forborne_loan_ids(session: Session, on: dt.date) -> set[int]:
    """Loans forborne on ``on`` (the provisioning run's stage 2)."""
    return set(session.scalars(select(ForbearanceMeasure.loan_id).where(in_probation_on(on))))


def probation_until(session: Session, loan_id: int, on: dt.date) -> dt.date | None:
    """The end of the loan's probation running on ``on`` (None: not forborne)."""
    return session.scalar(
        select(ForbearanceMeasure.probation_until)
        .where(ForbearanceMeasure.loan_id == loan_id, in_probation_on(on))
        .order_by(ForbearanceMeasure.probation_until.desc())
        .limit(1)
    )


#: The loan and its borrower, loaded with the measure (the lists show both).
_WITH_LOAN = joinedload(ForbearanceMeasure.loan).joinedload(Loan.borrower)


def waiting(session: Session) -> list[ForbearanceMeasure]:
    """Requests waiting for a decision, oldest first."""
    return list(
        session.scalars(
            select(ForbearanceMeasure)
            .options(_WITH_LOAN)
            .where(ForbearanceMeasure.status == MeasureStatus.REQUESTED)
            .order_by(ForbearanceMeasure.requested_on, ForbearanceMeasure.id)
        )
    )


def in_probation(session: Session, on: dt.date) -> list[ForbearanceMeasure]:
    """Granted measures whose probation runs on ``on``, the soonest to end first."""
    return list(
        session.scalars(
            select(ForbearanceMeasure)
            .options(_WITH_LOAN)
            .where(in_probation_on(on))
            .order_by(ForbearanceMeasure.probation_until, ForbearanceMeasure.id)
        )
    )


def recently_decided(session: Session, *, limit: int) -> list[ForbearanceMeasure]:
    """The last decided (or withdrawn) requests, newest first."""
    return list(
        session.scalars(
            select(ForbearanceMeasure)
            .options(_WITH_LOAN)
            .where(ForbearanceMeasure.status != MeasureStatus.REQUESTED)
            .order_by(ForbearanceMeasure.decided_on.desc(), ForbearanceMeasure.id.desc())
            .limit(limit)
        )
    )
