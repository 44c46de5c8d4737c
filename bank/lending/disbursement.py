"""Disbursement under four eyes: a credit officer prepares it, a different staff member approves it.

Preparing records an ``Approval`` of kind ``loan_disbursement`` (bank.approvals). Approving it
runs :func:`carry_out_disbursement` in the approver's transaction: the application must still be
approved, unexpired and without open conditions; :func:`book_funded_loan` then creates the loan,
stores its schedule and posts the principal and the arrangement fee under the key
``application-{id}`` (``book_loan``), so however often the approval is retried, the loan is
booked once, and the pool of its purpose funds what it can (``fund_loan``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.applications import service as applications
from bank.applications.models import APPLICATION_STATUS, SYSTEM, ApplicationStatus, LoanApplication
from bank.approvals import service as approvals
from bank.approvals.models import Approval, ApprovalStatus
from bank.collateral import service as collateral
from bank.committee import service as committee
from bank.committee.models import DecisionOutcome
from bank.errors import N_, Conflict, InvalidTransition, PermissionDenied, ValidationError
from bank.ledger.models import JournalEntry
from bank.loans import impact
from bank.loans.models import Loan
from bank.loans.products_models import LoanProduct
from bank.loans.service import book_loan, terms_for
from bank.members.models import Member
from bank.pools.funding import fund_loan
from bank.savings.models import DepositAccount

KIND = "loan_disbursement"
PREPARE_ROLES = ("credit_officer", "admin")
S = ApplicationStatus


def disbursement_refusal(session: Session, application: LoanApplication, on: dt.date) -> str | None:
    """Why the application cannot be paid out on ``on`` now, or None."""
    if application.status is S.DISBURSED:
        return f"application {application.number} was already disbursed"
    if not APPLICATION_STATUS.allows(application.status, S.DISBURSED):
        return f"application {application.number} is {application.status.value}, not approved"
    if application.offer_expires_on is not None and on > application.offer_expires_on:
        return f"the offer expired after {application.offer_expires_on.isoformat()}"
    open_items = committee.open_conditions(session, application)
    if open_items:
        return "conditions not yet met: " + "; ".join(c.text for c in open_items)
    if application.repayment_account is None or application.repayment_account.status.value != "open":
        return "the repayment account must be open"
    return None


def pending_disbursement(session: Session, application: LoanApplication) -> Approval | None:
    return session.scalar(
        select(Approval).where(
            Approval.kind == KIND,
            Approval.object_type == "loan_application",
            Approval.object_id == application.id,
            Approval.status == ApprovalStatus.PENDING,
        )
    )


def prepare_disbursement(
    session: Session,
    application: LoanApplication,
    *,
    actor: Actor,
    key: str,
    disbursed_on: dt.date | None = None,
    first_due_on: dt.date | None = None,
) -> Approval:
    """Ask a second staff member to approve the payout of ``application`` (idempotent on ``key``)."""
    if not actor.has_role(*PREPARE_ROLES):
        raise PermissionDenied(N_("only credit officers prepare disbursements"))
    on = disbursed_on or clock.today()
    if on < clock.today():
        raise ValidationError("disbursed_on", N_("must be today or later"))
    refusal = disbursement_refusal(session, application, on)
    if refusal is not None:
        raise InvalidTransition(N_("cannot prepare the disbursement: %(refusal)s"), refusal=refusal)
    existing = pending_disbursement(session, application)
    request_key = f"disbursement:{application.id}:{key}"
    if existing is not None and existing.request_key != request_key:
        raise Conflict(
            N_("a disbursement of %(number)s already waits for approval (#%(id)s)"),
            number=application.number,
            id=existing.id,
        )
    decision = committee.decision_of(session, application)
    assert decision is not None and decision.outcome is DecisionOutcome.APPROVED
    if first_due_on is not None and decision.approved_amount is not None and decision.approved_term_months:
        # The schedule's own checks, now: a first due date the payout would refuse (on or before the
        # payout, more than two periods after it) is the preparer's field error, not the approver's.
        product = application.product
        terms_for(
            product,
            principal=decision.approved_amount,
            term_periods=decision.approved_term_months // product.frequency.months,
            disbursed_on=on,
            grace_periods=decision.approved_grace_periods or 0,
            first_due_on=first_due_on,
            rate_annual=decision.approved_rate_annual,
        )
    payload: dict[str, Any] = {
        "application_id": application.id,
        "disbursed_on": on.isoformat(),
        "first_due_on": first_due_on.isoformat() if first_due_on else None,
    }
    paid_to = (
        f" to notary {application.notary_name} ({application.notary_iban})" if application.notary_iban else ""
    )
    approval, _created = approvals.request_approval(
        session,
        kind=KIND,
        request_key=request_key,
        object_type="loan_application",
        object_id=application.id,
        summary=(
            f"Disbursement of {application.number}: {decision.approved_amount:,.2f} to"
            f" {application.applicant.full_name}{paid_to} on {on.isoformat()}"
        ),
        payload=payload,
        actor=actor,
        amount=decision.approved_amount,
    )
    return approval


def book_funded_loan(
    session: Session,
    *,
    borrower: Member,
    product: LoanProduct,
    principal: Decimal,
    term_periods: int,
    disbursed_on: dt.date,
    repayment_account: DepositAccount,
    actor: Actor,
    key: str,
    grace_periods: int = 0,
    first_due_on: dt.date | None = None,
    rate_annual: Decimal | None = None,
    paid_to_iban: str | None = None,
    paid_to_name: str | None = None,
) -> Loan:
    """Book and pay out a loan (``book_loan``), then let the pool of its purpose fund what it can.

    Funding moves no money; it records which part of the loan is the pool's (bank.pools.funding).
    Both steps are idempotent, on ``key`` and per loan. Loans know no pools, so the two are joined
    here, above both; the demo and tests that pay out a loan without an application call this too.
    """
    loan = book_loan(
        session,
        borrower=borrower,
        product=product,
        principal=principal,
        term_periods=term_periods,
        disbursed_on=disbursed_on,
        repayment_account=repayment_account,
        actor=actor,
        key=key,
        grace_periods=grace_periods,
        first_due_on=first_due_on,
        rate_annual=rate_annual,
        paid_to_iban=paid_to_iban,
        paid_to_name=paid_to_name,
    )
    fund_loan(session, loan, actor=actor)
    return loan


def carry_out_disbursement(session: Session, approval: Approval, actor: Actor) -> int | None:
    """Approval handler: book the loan and its funding, link it, move the application to disbursed."""
    application = applications.get_application(session, int(approval.payload["application_id"]))
    on = dt.date.fromisoformat(approval.payload["disbursed_on"])
    first_due = approval.payload.get("first_due_on")
    refusal = disbursement_refusal(session, application, on)
    if refusal is not None:
        raise InvalidTransition(N_("cannot disburse: %(refusal)s"), refusal=refusal)
    decision = committee.decision_of(session, application)
    assert decision is not None and decision.approved_amount is not None
    assert decision.approved_term_months is not None and application.repayment_account is not None
    product = application.product
    loan = book_funded_loan(
        session,
        borrower=application.applicant,
        product=product,
        principal=decision.approved_amount,
        term_periods=decision.approved_term_months // product.frequency.months,
        disbursed_on=on,
        repayment_account=application.repayment_account,
        actor=actor,
        key=f"application-{application.id}",
        grace_periods=decision.approved_grace_periods or 0,
        first_due_on=dt.date.fromisoformat(first_due) if first_due else None,
        rate_annual=decision.approved_rate_annual,
        paid_to_iban=application.notary_iban,
        paid_to_name=application.notary_name,
    )
    application.loan_id = loan.id
    session.flush()
    collateral.carry_over(session, application_id=application.id, loan_id=loan.id)
    impact.record_application_figures(session, loan, application, actor=actor)
    applications.transition(
        session,
        application,
        S.DISBURSED,
        actor=actor,
        capacity=SYSTEM,
        note=f"loan {loan.number}; approved by {actor.label}, prepared by {approval.maker_label}",
    )
    entry = session.scalar(
        select(JournalEntry.id).where(
            JournalEntry.idempotency_key == f"disburse:application-{application.id}"
        )
    )
    return entry


def disburse_directly(
    session: Session,
    application: LoanApplication,
    *,
    maker: Actor,
    checker: Actor,
    key: str,
    disbursed_on: dt.date | None = None,
    first_due_on: dt.date | None = None,
) -> Loan:
    """Prepare and approve in one go with two different actors (demo, tests, the API later)."""
    approval = prepare_disbursement(
        session, application, actor=maker, key=key, disbursed_on=disbursed_on, first_due_on=first_due_on
    )
    approvals.approve(session, approval, actor=checker)
    loan = session.get(Loan, application.loan_id)
    assert loan is not None
    return loan
