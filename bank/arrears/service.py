"""Collection cases (incassodossiers): open, own, contact, note, promise to pay, escalate, close.

Staff follow a loan in arrears up in its case; the ladder's hand-over step opens one (or
escalates the open one) by itself. A promise to pay is an amount by a date; the close day of
that date checks it (:func:`check_promises`): *kept* when the borrower paid at least the amount
on the loan from the day it was promised through the promised date, else *broken*. Payments are
read from the ledger (credits to the loan's principal, interest and fee accounts, write-offs
left out), so the check is the same whenever it runs, a catch-up included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.arrears.models import (
    CASE_STATUS,
    CaseContact,
    CaseNote,
    CaseStatus,
    CollectionCase,
    ContactChannel,
    PaymentPromise,
    PromiseStatus,
)
from bank.auth.models import User
from bank.errors import N_, PermissionDenied, ValidationError
from bank.ledger.models import JournalEntry, Posting, Side
from bank.loans.accrual import ACCRUAL_KIND
from bank.loans.models import Loan
from bank.money import ZERO, from_cents, money

#: Who may work on cases (the pages let the same roles in).
CASE_ROLES = ("admin", "credit_officer")
#: A promise further out than this is no promise but a payment arrangement (forbearance).
MAX_PROMISE_DAYS = 92
NOTE_MAX = 4000


def _require_case_role(actor: Actor) -> None:
    if not actor.has_role(*CASE_ROLES):
        raise PermissionDenied(N_("only a credit officer or an administrator may work on collection cases"))


def _require_open(case: CollectionCase) -> None:
    CASE_STATUS.require_action(
        "follow_up", case.status, N_("collection case %(id)s is %(status)s"), id=case.id, status=case.status
    )


def open_case_of(session: Session, loan_id: int) -> CollectionCase | None:
    """The loan's case that is not closed, if any (a loan has at most one)."""
    return session.scalar(
        select(CollectionCase)
        .where(CollectionCase.loan_id == loan_id, CollectionCase.status != CaseStatus.CLOSED)
        .order_by(CollectionCase.id.desc())
        .limit(1)
    )


def _check_owner(session: Session, owner_id: int | None) -> None:
    if owner_id is None:
        return
    owner = session.get(User, owner_id)
    if owner is None or not owner.is_active or owner.role not in CASE_ROLES:
        raise ValidationError("owner_id", N_("must be an active credit officer or administrator"))


def open_case(
    session: Session, loan: Loan, *, on: dt.date, actor: Actor, owner_id: int | None = None
) -> CollectionCase:
    """Open the loan's case (staff), or return the one already open: never two at once."""
    if not actor.is_system:
        _require_case_role(actor)
    existing = open_case_of(session, loan.id)
    if existing is not None:
        return existing
    _check_owner(session, owner_id)
    case = CollectionCase(
        loan_id=loan.id,
        status=CaseStatus.OPEN,
        owner_id=owner_id,
        opened_on=on,
        opened_by=actor.label,
        created_at=clock.now_utc(),
    )
    session.add(case)
    session.flush()
    audit.record(session, actor, "arrears.case_open", "collection_case", case.id, after={"loan": loan.number})
    return case


def escalate(session: Session, case: CollectionCase, *, on: dt.date, actor: Actor) -> CollectionCase:
    """Hand the case over to collections (idempotent: an escalated case stays as it is)."""
    if case.status is CaseStatus.ESCALATED:
        return case
    CASE_STATUS.require(
        case.status,
        CaseStatus.ESCALATED,
        N_("collection case %(id)s is %(status)s"),
        id=case.id,
        status=case.status,
    )
    case.status = CaseStatus.ESCALATED
    case.escalated_on = on
    session.flush()
    audit.record(session, actor, "arrears.case_escalate", "collection_case", case.id, after={"on": on})
    return case


def hand_over(session: Session, loan: Loan, *, on: dt.date, actor: Actor) -> CollectionCase:
    """The ladder's last step: open the loan's case if it has none, and escalate it."""
    case = open_case_of(session, loan.id) or open_case(session, loan, on=on, actor=actor)
    return escalate(session, case, on=on, actor=actor)


def assign(session: Session, case: CollectionCase, owner_id: int | None, *, actor: Actor) -> CollectionCase:
    _require_case_role(actor)
    _require_open(case)
    _check_owner(session, owner_id)
    before = case.owner_id
    case.owner_id = owner_id
    session.flush()
    audit.record(
        session,
        actor,
        "arrears.case_assign",
        "collection_case",
        case.id,
        before={"owner": before},
        after={"owner": owner_id},
    )
    return case


def _not_future(on: dt.date, field: str) -> None:
    if on > clock.today():
        raise ValidationError(field, N_("may not be in the future"))


def add_contact(
    session: Session,
    case: CollectionCase,
    *,
    contacted_on: dt.date | None,
    channel: str,
    note: str,
    actor: Actor,
) -> CaseContact:
    """Record a contact with the borrower (a call, a mail, a visit) and what was said."""
    _require_case_role(actor)
    _require_open(case)
    errors: dict[str, str] = {}
    if contacted_on is None:
        errors["contacted_on"] = N_("is required")
    elif contacted_on > clock.today():
        errors["contacted_on"] = N_("may not be in the future")
    elif contacted_on < case.opened_on:
        errors["contacted_on"] = N_("may not be before the case was opened")
    if channel not in {c.value for c in ContactChannel}:
        errors["channel"] = N_("is not a contact channel")
    text = (note or "").strip()
    if not text:
        errors["note"] = N_("is required")
    elif len(text) > NOTE_MAX:
        errors["note"] = N_("is too long")
    if errors:
        raise ValidationError(errors)
    assert contacted_on is not None
    contact = CaseContact(
        case_id=case.id,
        contacted_on=contacted_on,
        channel=ContactChannel(channel),
        note=text,
        recorded_by_id=actor.user_id,
        created_at=clock.now_utc(),
    )
    session.add(contact)
    session.flush()
    audit.record(
        session,
        actor,
        "arrears.case_contact",
        "collection_case",
        case.id,
        after={"on": contacted_on, "channel": channel},
    )
    return contact


def add_note(session: Session, case: CollectionCase, *, note: str, actor: Actor) -> CaseNote:
    """An internal note on the case (closed cases take notes too: what happened afterwards)."""
    _require_case_role(actor)
    text = (note or "").strip()
    if not text:
        raise ValidationError("note", N_("is required"))
    if len(text) > NOTE_MAX:
        raise ValidationError("note", N_("is too long"))
    row = CaseNote(case_id=case.id, note=text, written_by_id=actor.user_id, created_at=clock.now_utc())
    session.add(row)
    session.flush()
    audit.record(session, actor, "arrears.case_note", "collection_case", case.id)
    return row


def add_promise(
    session: Session,
    case: CollectionCase,
    *,
    amount: Decimal,
    promised_on: dt.date | None,
    actor: Actor,
    note: str = "",
) -> PaymentPromise:
    """Record the borrower's promise to pay ``amount`` by ``promised_on`` (today up to three months)."""
    _require_case_role(actor)
    _require_open(case)
    today = clock.today()
    errors: dict[str, str] = {}
    if amount <= ZERO:
        errors["amount"] = N_("must be more than zero")
    if promised_on is None:
        errors["promised_on"] = N_("is required")
    elif promised_on < today:
        errors["promised_on"] = N_("may not be in the past")
    elif promised_on > today + dt.timedelta(days=MAX_PROMISE_DAYS):
        errors["promised_on"] = N_("may be at most three months ahead (longer is a payment arrangement)")
    if len(note or "") > NOTE_MAX:
        errors["note"] = N_("is too long")
    if errors:
        raise ValidationError(errors)
    assert promised_on is not None
    promise = PaymentPromise(
        case_id=case.id,
        loan_id=case.loan_id,
        amount=money(amount),
        made_on=today,
        promised_on=promised_on,
        status=PromiseStatus.PENDING,
        paid_amount=ZERO,
        note=(note or "").strip(),
        recorded_by_id=actor.user_id,
        created_at=clock.now_utc(),
    )
    session.add(promise)
    session.flush()
    audit.record(
        session,
        actor,
        "arrears.promise",
        "collection_case",
        case.id,
        after={"amount": promise.amount, "promised_on": promised_on},
    )
    return promise


def close_case(session: Session, case: CollectionCase, *, reason: str, actor: Actor) -> CollectionCase:
    """Close the case (arrears paid, arrangement made, loan written off); the reason is required."""
    _require_case_role(actor)
    text = (reason or "").strip()
    if not text:
        raise ValidationError("reason", N_("is required"))
    CASE_STATUS.require(
        case.status,
        CaseStatus.CLOSED,
        N_("collection case %(id)s is %(status)s"),
        id=case.id,
        status=case.status,
    )
    case.status = CaseStatus.CLOSED
    case.closed_on = clock.today()
    case.close_reason = text[:NOTE_MAX]
    session.flush()
    audit.record(session, actor, "arrears.case_close", "collection_case", case.id, after={"reason": text})
    return case


def paid_between(
    session: Session, loans: Iterable[Loan], windows: Iterable[tuple[int, dt.date, dt.date]]
) -> dict[tuple[int, dt.date, dt.date], Decimal]:
    """What each loan's borrower paid on it in each (loan id, first day, last day) window.

    Payments are credits to the loan's principal, interest and fee accounts (write-offs are no
    payment by the borrower); one query for every window together.
    """
    by_loan = {loan.id: loan for loan in loans}
    wanted = list(windows)
    if not wanted:
        return {}
    accounts: dict[int, int] = {}
    for loan in by_loan.values():
        for account_id in (loan.principal_account_id, loan.interest_account_id, loan.fees_account_id):
            accounts[account_id] = loan.id
    earliest = min(first for _loan, first, _last in wanted)
    latest = max(last for _loan, _first, last in wanted)
    rows = session.execute(
        select(Posting.account_id, JournalEntry.value_date, func.sum(type_coerce(Posting.amount, BigInteger)))
        .join(JournalEntry, Posting.entry_id == JournalEntry.id)
        .where(
            Posting.account_id.in_(list(accounts)),
            Posting.side == Side.CREDIT,
            JournalEntry.value_date >= earliest,
            JournalEntry.value_date <= latest,
            ~JournalEntry.kind.contains("write_off"),
            # Nor is a settled accrual that gives interest back (a prepayment, a payoff).
            JournalEntry.kind != ACCRUAL_KIND,
            ~JournalEntry.kind.contains("writeoff"),
        )
        .group_by(Posting.account_id, JournalEntry.value_date)
    ).all()
    result: dict[tuple[int, dt.date, dt.date], Decimal] = {}
    for loan_id, first, last in wanted:
        cents = sum(
            int(total or 0)
            for account_id, value_date, total in rows
            if accounts[account_id] == loan_id and first <= value_date <= last
        )
        result[(loan_id, first, last)] = from_cents(cents)
    return result


def check_promises(session: Session, run_date: dt.date, *, actor: Actor) -> tuple[int, int]:
    """Every pending promise whose date is ``run_date`` or earlier: kept or broken. Returns (kept, broken).

    Idempotent: a checked promise is no longer pending, so a second run finds nothing.
    """
    due = list(
        session.scalars(
            select(PaymentPromise)
            .where(PaymentPromise.status == PromiseStatus.PENDING, PaymentPromise.promised_on <= run_date)
            .order_by(PaymentPromise.id)
        )
    )
    if not due:
        return 0, 0
    loans = list(session.scalars(select(Loan).where(Loan.id.in_({p.loan_id for p in due}))))
    paid = paid_between(session, loans, [(p.loan_id, p.made_on, p.promised_on) for p in due])
    kept = broken = 0
    for promise in due:
        promise.paid_amount = paid[(promise.loan_id, promise.made_on, promise.promised_on)]
        promise.checked_on = run_date
        if promise.paid_amount >= promise.amount:
            promise.status = PromiseStatus.KEPT
            kept += 1
        else:
            promise.status = PromiseStatus.BROKEN
            broken += 1
        audit.record(
            session,
            actor,
            f"arrears.promise_{promise.status.value}",
            "collection_case",
            promise.case_id,
            after={"amount": promise.amount, "paid": promise.paid_amount, "promised_on": promise.promised_on},
        )
    session.flush()
    return kept, broken
