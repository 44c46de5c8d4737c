"""Reads for the arrears follow-up: what is overdue per loan (set-based), letters, cases, promises."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import BigInteger, ColumnElement, func, select, type_coerce
from sqlalchemy.orm import Session, joinedload

from bank.arrears.models import (
    ArrearsEpisode,
    CaseStatus,
    CollectionCase,
    PaymentPromise,
    ReminderLetter,
)
from bank.loans.models import Instalment, InstalmentStatus, Loan, LoanStatus
from bank.money import from_cents


@dataclass(frozen=True)
class Overdue:
    """What a loan owes past its due dates on a day, by part (the letters' specification)."""

    loan_id: int
    oldest_due_on: dt.date
    days_past_due: int
    principal: Decimal
    interest: Decimal
    #: Late fees and penalty interest.
    fees: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest + self.fees


def overdue(session: Session, as_of: dt.date, loan_ids: list[int] | None = None) -> dict[int, Overdue]:
    """Every active loan in arrears on ``as_of`` with its overdue parts, in one query.

    The same loans and days as :func:`bank.loans.queries.arrears` (open instalments a run has
    found due, ``due_on`` before ``as_of``), split into principal, interest and fees.
    """

    def cents(column: ColumnElement[Decimal]) -> ColumnElement[int]:
        return func.sum(type_coerce(column, BigInteger))

    query = (
        select(
            Instalment.loan_id,
            func.min(Instalment.due_on),
            cents(Instalment.principal_due - Instalment.principal_paid),
            cents(Instalment.interest_due - Instalment.interest_paid),
            cents(
                Instalment.fees_due
                + Instalment.penalties_due
                - Instalment.fees_paid
                - Instalment.penalties_paid
            ),
        )
        .join(Loan, Loan.id == Instalment.loan_id)
        .where(
            Loan.status == LoanStatus.ACTIVE,
            Instalment.status == InstalmentStatus.OPEN,
            Instalment.interest_accrued_on.is_not(None),
            Instalment.due_on < as_of,
        )
        .group_by(Instalment.loan_id)
    )
    if loan_ids is not None:
        query = query.where(Instalment.loan_id.in_(loan_ids))
    result = {}
    for loan_id, oldest, principal, interest, fees in session.execute(query):
        days = (as_of - oldest).days
        parts = (from_cents(int(principal or 0)), from_cents(int(interest or 0)), from_cents(int(fees or 0)))
        if days >= 1 and sum(parts) > 0:
            result[loan_id] = Overdue(loan_id, oldest, days, *parts)
    return result


def letters_of_loan(session: Session, loan_id: int) -> list[ReminderLetter]:
    """The loan's reminder letters, newest first (without loading the PDFs' bytes twice)."""
    return list(
        session.scalars(
            select(ReminderLetter)
            .where(ReminderLetter.loan_id == loan_id)
            .order_by(ReminderLetter.sent_on.desc(), ReminderLetter.id.desc())
        )
    )


def letter_of_loan(session: Session, loan_id: int, letter_id: int) -> ReminderLetter | None:
    """One letter, only when it is this loan's (a download checks the loan first)."""
    return session.scalar(
        select(ReminderLetter).where(ReminderLetter.id == letter_id, ReminderLetter.loan_id == loan_id)
    )


def episodes_of_loan(session: Session, loan_id: int) -> list[ArrearsEpisode]:
    return list(
        session.scalars(
            select(ArrearsEpisode)
            .where(ArrearsEpisode.loan_id == loan_id)
            .order_by(ArrearsEpisode.opened_on.desc())
        )
    )


def cases_of_loan(session: Session, loan_id: int) -> list[CollectionCase]:
    return list(
        session.scalars(
            select(CollectionCase).where(CollectionCase.loan_id == loan_id).order_by(CollectionCase.id.desc())
        )
    )


def promises_of_loan(session: Session, loan_id: int) -> list[PaymentPromise]:
    """The loan's promises to pay (the borrower's payment arrangement), by date."""
    return list(
        session.scalars(
            select(PaymentPromise)
            .where(PaymentPromise.loan_id == loan_id)
            .order_by(PaymentPromise.promised_on, PaymentPromise.id)
        )
    )


def cases(
    session: Session, *, owner_id: int | None = None, status: CaseStatus | None = None, unowned: bool = False
) -> list[CollectionCase]:
    """Cases for the list, open and escalated first, then newest; loans and borrowers loaded."""
    query = select(CollectionCase).options(joinedload(CollectionCase.loan).joinedload(Loan.borrower))
    if owner_id is not None:
        query = query.where(CollectionCase.owner_id == owner_id)
    elif unowned:
        query = query.where(CollectionCase.owner_id.is_(None))
    if status is not None:
        query = query.where(CollectionCase.status == status)
    rows = list(session.scalars(query.order_by(CollectionCase.id.desc())))
    return sorted(rows, key=lambda case: case.status is CaseStatus.CLOSED)


def open_case_count(session: Session) -> int:
    """Cases not closed (the staff home's arrears card)."""
    return int(
        session.scalar(
            select(func.count()).select_from(CollectionCase).where(CollectionCase.status != CaseStatus.CLOSED)
        )
        or 0
    )
