"""The mandates in the demo: most borrowers with active loans signed one (an organisation a B2B
mandate), their loans are collected by it, one was amended and one revoked; no money moved."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from bank import clock, demo
from bank.ledger.models import JournalEntry, Posting
from bank.loans.models import CollectionMethod, Loan, LoanStatus
from bank.members.models import Member, MemberKind
from bank.payments.models import Mandate, MandateAmendment, MandateScheme, MandateStatus

#: A fixed "today" so the story is the same on every day the suite runs.
TODAY = dt.date(2026, 11, 27)


def test_the_mandates_step_comes_after_the_loans_and_before_the_servicing_year():
    steps = [step for _name, step in demo.STEPS]
    mandates = steps.index(demo.mandates.load_mandates)
    assert (
        steps.index(demo.applications.load_applications)
        < mandates
        < steps.index(demo.servicing.load_servicing)
    )


def test_the_borrowers_mandates_write_no_money(session, tmp_path):
    context = demo.DemoContext(
        statement_dir=str(tmp_path / "statements"), upload_dir=str(tmp_path / "uploads")
    )
    with clock.frozen(TODAY):
        context.opened_on = TODAY.replace(year=TODAY.year - 1)
        for _name, step in demo.STEPS:
            if step is demo.mandates.load_mandates:
                break
            step(session, context)
            session.flush()
        entries = session.scalar(select(func.count()).select_from(JournalEntry))
        postings = session.scalar(select(func.count()).select_from(Posting))
        demo.mandates.load_mandates(session, context)
        session.flush()
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == entries
    assert session.scalar(select(func.count()).select_from(Posting)) == postings

    mandates = session.scalars(select(Mandate).order_by(Mandate.id)).all()
    active_loans = session.scalars(select(Loan).where(Loan.status == LoanStatus.ACTIVE)).all()
    borrowers = {loan.borrower_id for loan in active_loans}
    assert len(mandates) == len(borrowers) - 1  # most borrowers, not all
    b2b = [m for m in mandates if m.scheme is MandateScheme.B2B]
    assert len(b2b) == 1 and session.get(Member, b2b[0].member_id).kind is MemberKind.ORGANISATION
    assert [m.status for m in mandates].count(MandateStatus.REVOKED) == 1
    assert session.scalar(select(func.count()).select_from(MandateAmendment)) == 1
    assert all(
        m.document_stored_name and (tmp_path / "uploads" / m.document_stored_name).exists() for m in mandates
    )
    by_mandate = {m.id: m for m in mandates}
    for loan in active_loans:
        mandate = by_mandate.get(loan.mandate_id) if loan.mandate_id else None
        if mandate is not None and mandate.status is MandateStatus.ACTIVE:
            assert loan.collection_method is CollectionMethod.MANDATE
        else:
            assert loan.collection_method is CollectionMethod.REPAYMENT_ACCOUNT
    fell_back = [
        loan
        for loan in active_loans
        if loan.mandate_id and loan.collection_method is CollectionMethod.REPAYMENT_ACCOUNT
    ]
    assert len(fell_back) >= 1
