"""Demo step: the next collection batch, prepared for the first instalment date at least 14 days ahead.

Runs last, after the mandates and the servicing year: the loans collected by mandate have open
instalments after today, and the credit officer prepares the batches of the first due date that
leaves the borrowers their 14 days of notice, so the collection pages show a believable file
(prepared, not yet downloaded) and the outbox the borrowers' pre-notifications. Nothing is
booked: a collection moves money only when it settles.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

import config as settings
from bank import clock
from bank.auth.service import actor_for
from bank.demo.context import DemoContext
from bank.loans.models import CollectionMethod, Instalment, InstalmentStatus, Loan, LoanStatus
from bank.payments import collections

OFFICER = "krediet@wijkbank.example"


def next_collection_on(session: Session, today: dt.date) -> dt.date | None:
    """The first due date of an open instalment of a loan collected by mandate, 14 days ahead or more."""
    return session.scalar(
        select(Instalment.due_on)
        .join(Loan, Loan.id == Instalment.loan_id)
        .where(
            Loan.status == LoanStatus.ACTIVE,
            Loan.collection_method == CollectionMethod.MANDATE,
            Instalment.status == InstalmentStatus.OPEN,
            Instalment.schedule_version == Loan.schedule_version,
            Instalment.due_on >= collections.earliest_collection_on(today),
        )
        .order_by(Instalment.due_on)
        .limit(1)
    )


def prepare_next_batch(session: Session, context: DemoContext) -> None:
    today = clock.today()
    on = next_collection_on(session, today)
    if on is None:
        return
    creditor = collections.creditor_from_settings(
        {
            "SETTLEMENT_IBANS": settings.DEMO_SETTLEMENT_IBANS,
            "SEPA_CREDITOR_ID": settings.Config.SEPA_CREDITOR_ID,
        }
    )
    collections.prepare_collections(
        session, actor_for(context.users[OFFICER]), on, creditor=creditor, today=today
    )
