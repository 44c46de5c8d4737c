"""Staff home: the work waiting for this person first, the bank's totals after.

Staff used to land on totals with nothing to act on. The queue shows, per role, what asks for
a hand today: approvals (and whether this person may decide each), applications to review, the
next committee agenda, loans that fell into arrears in the last week, today's runs and any
failure, mail that did not reach a member, payout files waiting for release or to be sent, and
collection files not yet sent to the clearing
bank. A constant number of queries, whatever the sizes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flask import g, render_template
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.applications import queries as application_queries
from bank.applications.models import ApplicationStatus, LoanApplication
from bank.approvals import queries as approval_queries
from bank.approvals import service as approvals
from bank.committee import queries as committee_queries
from bank.extensions import db
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.service import account_by_code
from bank.loans import queries as loan_queries
from bank.loans.models import Loan
from bank.members import queries as member_queries
from bank.members.models import Member
from bank.notifications import queries as outbox_queries
from bank.notifications.models import OutboxMessage
from bank.payments import queries as payment_queries
from bank.payments.batch_models import PaymentBatch
from bank.payments.payout_models import PayoutBatch, PayoutBatchState
from bank.runs import queries as run_queries
from bank.runs.models import Run
from bank.web.access import staff_required
from bank.web.labels import COLLECTION_SCHEME
from bank.web.staff import bp
from bank.web.staff.applications import OUTBOX_ROLES
from bank.web.staff.approvals import KIND_LABELS, decision_note
from bank.web.staff.collections import EXPORT_ROLES
from bank.web.staff.payouts import ACT_ROLES as PAYOUT_ROLES
from bank.web.staff.runs import JOB_LABELS

#: Who sees which part of the queue.
QUEUE_ROLES = {
    "approvals": ("teller", "admin", "credit_officer"),
    # Registered people and organisations that are not members yet: the desk checks their
    # identity and takes their first share.
    "applicants": ("teller", "admin"),
    "applications": ("credit_officer", "admin"),
    # Committee members land on /committee; the overview shows them the agenda too.
    "agenda": ("credit_officer", "admin", "committee"),
    "arrears": ("credit_officer", "admin"),
    "runs": ("admin",),
    # Collection files prepared and not yet downloaded: only those who may download them.
    "collections": EXPORT_ROLES,
    # Payout files waiting for release or to be sent: those who release and download them.
    "payouts": PAYOUT_ROLES,
    # Only those who may open the outbox: a teller was shown mail that linked to a 403.
    "mail": OUTBOX_ROLES,
}
#: Applications that wait for a credit officer: to review, or approved and waiting for their
#: conditions and the payout.
OFFICER_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW, ApplicationStatus.APPROVED)
#: Roles that may open a committee meeting's page (admins look, committee members work there).
MEETING_ROLES = ("committee",)
#: A loan is "newly" in arrears for this many days after its oldest unpaid due date: the queue
#: shows what changed this week, the arrears page the whole book.
NEW_ARREARS_DAYS = 7
LIMIT = 10


@dataclass
class WorkQueue:
    """What waits for one staff member; a part is None when their role does not see it."""

    approvals: list[tuple[Any, str, bool]] | None = None
    applications: list[LoanApplication] | None = None
    agenda: Any = None
    arrears: list[tuple[Loan, loan_queries.Arrears]] | None = None
    runs: list[Run] | None = None
    #: The latest close day before today, for the morning before today's runs started.
    last_close_day: Run | None = None
    failed_runs: list[Run] = field(default_factory=list)
    mail: list[OutboxMessage] | None = None
    #: Collection batches prepared and not yet exported, the earliest collection date first.
    collections: list[PaymentBatch] | None = None
    #: Payout batches waiting for release or not yet downloaded, the earliest execution date first.
    payouts: list[PayoutBatch] | None = None
    #: Applicants for membership, oldest first: whether their identity was checked, registration date.
    applicants: list[tuple[Member, bool, dt.date]] | None = None
    #: Whether this person may open the meeting's page (credit officers see the agenda, not the room).
    meeting_link: bool = False
    #: Where an agenda item links: the committee's review page for committee members (who cannot
    #: open the staff application page), the staff application page for everyone else.
    application_endpoint: str = "staff.application"
    shown: set[str] = field(default_factory=set)


def work_queue(session: Session, actor: Actor, today: dt.date) -> WorkQueue:
    queue = WorkQueue()
    sees = {part for part, roles in QUEUE_ROLES.items() if actor.has_role(*roles)}
    queue.shown = sees
    if "approvals" in sees:
        pending = approval_queries.pending(session)
        queue.approvals = [
            (item, decision_note(item, actor), approvals.can_approve(item, actor)) for item in pending
        ]
        # Those this person may decide first.
        queue.approvals.sort(key=lambda row: (not row[2], row[0].id))
    if "applications" in sees:
        queue.applications = application_queries.in_statuses(session, OFFICER_STATUSES, limit=LIMIT)
    if "agenda" in sees:
        upcoming = committee_queries.meetings(session, upcoming=True, today=today, limit=1)
        queue.agenda = upcoming[0] if upcoming else None
        queue.meeting_link = actor.has_role(*MEETING_ROLES)
        if actor.role == "committee":
            queue.application_endpoint = "committee.review"
    if "arrears" in sees:
        fresh = {
            loan_id: found
            for loan_id, found in loan_queries.arrears(session, today).items()
            if found.days_past_due <= NEW_ARREARS_DAYS
        }
        loans = loan_queries.with_borrowers(session, fresh)
        queue.arrears = sorted(
            ((loan, fresh[loan.id]) for loan in loans), key=lambda row: row[1].days_past_due
        )
    if "runs" in sees:
        queue.runs = run_queries.runs_on(session, today)
        queue.last_close_day = run_queries.last_close_day_before(session, today)
        queue.failed_runs = run_queries.failed_since(session, today - dt.timedelta(days=7), limit=LIMIT)
    if "applicants" in sees:
        waiting = member_queries.applicants_waiting(session, limit=LIMIT)
        checked = member_queries.identity_checked(session, [member.id for member in waiting])
        queue.applicants = [
            (member, member.id in checked, member.created_at.astimezone(clock.BANK_TZ).date())
            for member in waiting
        ]
    if "mail" in sees:
        queue.mail = outbox_queries.undelivered(session, limit=LIMIT)
    if "collections" in sees:
        queue.collections = payment_queries.batches_to_export(session, limit=LIMIT)
    if "payouts" in sees:
        queue.payouts = payment_queries.payout_batches_to_send(session, limit=LIMIT)
    return queue


@bp.route("/")
@staff_required()
def dashboard() -> ResponseReturnValue:
    session = db.session
    figures = {
        code: ledger_queries.balance(session, account_by_code(session, code).id)
        for code in (
            chart.MEMBER_DEPOSITS,
            chart.SHARE_CAPITAL,
            chart.SEED_CAPITAL,
            chart.SETTLEMENT,
            chart.LOAN_PRINCIPAL,
        )
    }
    rows = ledger_queries.trial_balance(session)
    debit_total = sum((r.debit_total for r in rows), start=0)
    credit_total = sum((r.credit_total for r in rows), start=0)
    today = clock.today()
    return render_template(
        "staff/dashboard.html",
        figures=figures,
        chart=chart,
        trial_balance_ok=debit_total == credit_total,
        extra_panels=[],
        queue=work_queue(session, g.actor, today),
        kind_labels=KIND_LABELS,
        job_labels=JOB_LABELS,
        scheme_labels=COLLECTION_SCHEME,
        payout_prepared=PayoutBatchState.PREPARED,
    )
