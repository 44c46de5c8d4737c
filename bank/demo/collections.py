"""The demo's direct debits: a year of them in the servicing year, and the next batch, prepared.

:class:`MandateYear` is what the credit officer does each business day of the servicing year
(``bank.demo.servicing`` calls it before the borrowers' money moves): prepare the batches of the
date 14 days ahead (the borrowers are told), send the files a day before their date, and book
what the clearing bank collected on the day, so the repayment run finds the instalment's money on
the repayment account. A borrower whose story says the money is not there has the direct debit
come back the same day (AM04, insufficient funds): the instalment stays unpaid, arrears and late
fees follow, and the next batch collects it again.

Step :func:`prepare_next_batch`: the next collection batch, prepared for the first instalment
date at least 14 days ahead.

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
from bank.actor import Actor
from bank.auth.service import actor_for
from bank.demo.context import DemoContext
from bank.loans.models import CollectionMethod, Instalment, InstalmentStatus, Loan, LoanStatus
from bank.payments import collections, returns, sepa_files
from bank.payments.batch_models import BatchKind, BatchState, ItemState, PaymentBatch, PaymentBatchItem

OFFICER = "krediet@wijkbank.example"
#: Why a demo borrower's direct debit comes back: insufficient funds.
INSUFFICIENT_FUNDS = "AM04"


def _creditor() -> sepa_files.Creditor:
    return collections.creditor_from_settings(
        {
            "SETTLEMENT_IBANS": settings.DEMO_SETTLEMENT_IBANS,
            "SEPA_CREDITOR_ID": settings.Config.SEPA_CREDITOR_ID,
        }
    )


class MandateYear:
    """The credit officer's direct debits through the servicing year, one business day at a time."""

    def __init__(self, session: Session, context: DemoContext) -> None:
        self.session = session
        self.officer: Actor = actor_for(context.users[OFFICER])
        self.creditor = _creditor()
        #: The last collection date prepared; what falls due in the first 14 days of the year was
        #: never announced, so those borrowers pay themselves.
        self.prepared_through: dt.date | None = None
        #: loan id -> the direct debits collected for it today.
        self.collected_today: dict[int, list[PaymentBatchItem]] = {}
        self.returned = 0

    def before_funding(self, day: dt.date, next_business_day: dt.date) -> None:
        """Prepare what would be too soon to announce on the next business day, send that day's
        files, book today's collections."""
        if self.prepared_through is None:
            self.prepared_through = collections.earliest_collection_on(day) - dt.timedelta(days=1)
        until = collections.earliest_collection_on(next_business_day) - dt.timedelta(days=1)
        on = self.prepared_through + dt.timedelta(days=1)
        while on <= until:
            collections.prepare_collections(self.session, self.officer, on, creditor=self.creditor, today=day)
            on += dt.timedelta(days=1)
        self.prepared_through = until
        batches = self.session.scalars(
            select(PaymentBatch)
            .where(
                PaymentBatch.kind == BatchKind.COLLECTION,
                PaymentBatch.state.in_((BatchState.PREPARED, BatchState.EXPORTED)),
                PaymentBatch.collection_on <= next_business_day,
            )
            .order_by(PaymentBatch.collection_on, PaymentBatch.id)
        ).all()
        self.collected_today = {}
        for batch in batches:
            if batch.state is BatchState.PREPARED:
                collections.mark_exported(self.session, batch, actor=self.officer)
            if batch.collection_on > day:
                continue
            for item in batch.items:
                # A loan paid off or written off since the file was sent: its debit is not booked.
                if item.state is ItemState.PENDING and item.loan.status is LoanStatus.ACTIVE:
                    collections.settle_collection_item(self.session, item, actor=self.officer, on=day)
                    self.collected_today.setdefault(item.loan_id, []).append(item)

    def take_back(self, loan_id: int, day: dt.date) -> None:
        """The borrower's bank sends today's direct debits back: the money was not there."""
        for item in self.collected_today.pop(loan_id, []):
            returns.record_return(
                self.session,
                end_to_end_id=item.end_to_end_id,
                reason_code=INSUFFICIENT_FUNDS,
                returned_on=day,
                actor=self.officer,
            )
            self.returned += 1


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
    collections.prepare_collections(
        session, actor_for(context.users[OFFICER]), on, creditor=_creditor(), today=today
    )
