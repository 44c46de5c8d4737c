"""The arrears follow-up job of the close day: episodes, reminder letters, hand-overs, promises.

Set-based: one query finds every loan in arrears with its overdue parts (:func:`queries.overdue`),
one the open episodes, one the letters already sent in them, one the ladders; the letters to
send are worked out from those in memory and written in batches (one commit each, counted on
the run row). It is idempotent per loan, step and arrears episode: a letter kind is sent at most
once per episode (a unique constraint backs it), so a second run of the same day, or a run
resumed after a kill, sends nothing twice. When the arrears are paid the episode ends and the
ladder stops; arrears later start a new episode and the ladder starts again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from babel.numbers import format_currency
from sqlalchemy import select, update
from sqlalchemy.orm import Session, joinedload

from bank.actor import Actor, system
from bank.arrears import queries
from bank.arrears import service as cases
from bank.arrears.ladder import Step, ladders
from bank.arrears.letters import LetterView, format_date, pay_by, render_letter
from bank.arrears.models import ArrearsEpisode, LetterKind, ReminderLetter
from bank.db import Database
from bank.errors import N_
from bank.ledger import queries as ledger_queries
from bank.loans.models import Loan
from bank.loans.products_models import LoanProduct
from bank.notifications import service as notifications
from bank.runs.batches import BATCH_SIZE, Batches, Progress
from bank.runs.models import Run, RunJob
from bank.runs.record import JobOutcome, single_job

ACTOR_LABEL = "arrears-follow-up"

LETTER_SUBJECTS = {
    LetterKind.REMINDER: N_("Payment reminder for loan %(loan)s"),
    LetterKind.SECOND_REMINDER: N_("Second reminder for loan %(loan)s"),
    LetterKind.NOTICE_OF_DEFAULT: N_("Formal notice of default for loan %(loan)s"),
    LetterKind.HANDOVER: N_("Loan %(loan)s handed over to collections"),
}
LETTER_BODY = N_(
    "Dear %(name)s,\n\n"
    "Your loan %(loan)s is in arrears: on %(date)s the amount overdue is %(amount)s. Please pay it by "
    "%(pay_by)s at the latest.\n\n"
    'Our letter is in the portal, on the page of your loan, under "Reminders". If you have trouble '
    "paying, reply to this message or call us: together we will look for a solution.\n\n"
    "Kind regards,\nWijkbank\n"
)


@dataclass(frozen=True)
class Due:
    """A letter to send: the loan, its open episode and the ladder step reached."""

    loan_id: int
    episode_id: int
    step: Step


def follow_up_plan(session: Session, run_date: dt.date) -> tuple[list[Due], dict[int, queries.Overdue]]:
    """Bring the episodes up to ``run_date`` and list the letters to send (set-based reads).

    Loans no longer in arrears end their episode (the ladder stops); loans newly in arrears open
    one. Returns the letters due, in loan and step order, and the overdue parts of each loan.
    """
    found = queries.overdue(session, run_date)
    open_episodes = {
        episode.loan_id: episode
        for episode in session.scalars(select(ArrearsEpisode).where(ArrearsEpisode.ended_on.is_(None)))
    }
    for loan_id, episode in open_episodes.items():
        if loan_id not in found and episode.opened_on <= run_date:
            episode.ended_on = run_date
    for loan_id, item in found.items():
        if loan_id not in open_episodes:
            episode = ArrearsEpisode(loan_id=loan_id, started_on=item.oldest_due_on, opened_on=run_date)
            session.add(episode)
            open_episodes[loan_id] = episode
    session.flush()
    if not found:
        return [], found
    episode_ids = [open_episodes[loan_id].id for loan_id in found]
    sent = set(
        session.execute(
            select(ReminderLetter.episode_id, ReminderLetter.kind).where(
                ReminderLetter.episode_id.in_(episode_ids)
            )
        ).all()
    )
    codes = dict(
        session.execute(
            select(Loan.id, LoanProduct.code)
            .join(LoanProduct, LoanProduct.id == Loan.product_id)
            .where(Loan.id.in_(list(found)))
        ).all()
    )
    ladder_of = ladders(session, codes.values())
    due = [
        Due(loan_id, open_episodes[loan_id].id, step)
        for loan_id in sorted(found)
        for step in ladder_of[codes[loan_id]]
        if step.days <= found[loan_id].days_past_due and (open_episodes[loan_id].id, step.kind) not in sent
    ]
    return due, found


def send_letter(
    session: Session, due: Due, overdue: queries.Overdue, run_date: dt.date, *, actor: Actor
) -> ReminderLetter:
    """Write one letter: the PDF in the borrower's language, kept on the loan, announced by mail.

    The hand-over step also opens the loan's collection case or escalates the open one.
    """
    loan = session.scalars(
        select(Loan)
        .options(joinedload(Loan.borrower), joinedload(Loan.repayment_account))
        .where(Loan.id == due.loan_id)
    ).one()
    borrower = loan.borrower
    language = "en" if borrower.language == "en" else "nl"
    previous = session.scalar(
        select(ReminderLetter.sent_on)
        .where(ReminderLetter.episode_id == due.episode_id)
        .order_by(ReminderLetter.sent_on.desc(), ReminderLetter.id.desc())
        .limit(1)
    )
    view = LetterView(
        language=language,
        kind=due.step.kind,
        loan_number=loan.number,
        borrower_name=borrower.full_name,
        address_lines=tuple(
            line
            for line in (
                f"{borrower.street} {borrower.house_number}".strip(),
                f"{borrower.postcode} {borrower.city}".strip(),
            )
            if line
        ),
        sent_on=run_date,
        disbursed_on=loan.disbursed_on,
        oldest_due_on=overdue.oldest_due_on,
        days_past_due=overdue.days_past_due,
        principal_overdue=overdue.principal,
        interest_overdue=overdue.interest,
        fees_overdue=overdue.fees,
        pay_by=pay_by(due.step.kind, run_date),
        repayment_account=loan.repayment_account.formatted_number,
        principal_outstanding=ledger_queries.balance(session, loan.principal_account_id),
        previous_sent_on=previous,
    )
    translations = notifications.translations(language)
    values = {
        "name": borrower.full_name,
        "loan": loan.number,
        "date": format_date(run_date, language),
        "amount": format_currency(overdue.total, "EUR", locale=language),
        "pay_by": format_date(view.pay_by, language),
    }
    letter = ReminderLetter(
        loan_id=loan.id,
        episode_id=due.episode_id,
        kind=due.step.kind,
        step_days=due.step.days,
        sent_on=run_date,
        days_past_due=overdue.days_past_due,
        amount_overdue=overdue.total,
        pay_by=view.pay_by,
        language=language,
        pdf=render_letter(view),
    )
    session.add(letter)
    session.flush()
    message = notifications.enqueue(
        session,
        member=borrower,
        subject=translations.gettext(LETTER_SUBJECTS[due.step.kind]) % values,
        body=translations.gettext(LETTER_BODY) % values,
        object_type="reminder_letter",
        object_id=letter.id,
    )
    letter.outbox_message_id = message.id
    if due.step.kind is LetterKind.HANDOVER:
        cases.hand_over(session, loan, on=run_date, actor=actor)
    session.flush()
    return letter


def follow_up(session: Session, run_date: dt.date, *, actor: Actor) -> tuple[int, int, int]:
    """The whole follow-up of ``run_date`` in the caller's transaction: (letters, kept, broken).

    For tests and callers without a run; the close day uses :func:`arrears_follow_up_job`.
    """
    due, found = follow_up_plan(session, run_date)
    for item in due:
        send_letter(session, item, found[item.loan_id], run_date, actor=actor)
    kept, broken = cases.check_promises(session, run_date, actor=actor)
    return len(due), kept, broken


def arrears_follow_up_job(
    batches: Batches, run: Run, run_date: dt.date, progress: Progress | None, batch_size: int = BATCH_SIZE
) -> None:
    """The follow-up of ``run_date`` as ``run``'s work: letters in batches, then the promises.

    ``items_count`` counts the letters due, ``items_done`` those sent; the promises checked are
    counted in ``progress_total``/``progress_done`` with the letters.
    """
    session = batches.session
    actor = system(ACTOR_LABEL)
    due, found = follow_up_plan(session, run_date)
    session.add(run)
    run.items_count = run.items_done + len(due)
    run.progress_total = run.progress_done + len(due)
    batches.end_batch()
    if progress:
        progress(run.progress_done, run.progress_total)
    for start in range(0, len(due), max(batch_size // 10, 1)):
        chunk = due[start : start + max(batch_size // 10, 1)]
        for item in chunk:
            send_letter(session, item, found[item.loan_id], run_date, actor=actor)
        session.execute(
            update(Run)
            .where(Run.id == run.id)
            .values(items_done=Run.items_done + len(chunk), progress_done=Run.progress_done + len(chunk))
            .execution_options(synchronize_session=False)
        )
        batches.end_batch()
        session.add(run)
        session.refresh(run)
        if progress:
            progress(run.progress_done, run.progress_total)
    kept, broken = cases.check_promises(session, run_date, actor=actor)
    session.add(run)
    run.progress_total += kept + broken
    run.progress_done += kept + broken
    batches.end_batch()
    if progress:
        progress(run.progress_done, run.progress_total)


def run_arrears_follow_up(
    database: Database, run_date: dt.date, *, started_by: str = "cli", progress: Progress | None = None
) -> JobOutcome:
    """The arrears follow-up for ``run_date`` alone (``bank runs arrears-follow-up``), under the run lock."""
    return single_job(
        database,
        RunJob.ARREARS_FOLLOW_UP,
        run_date,
        started_by,
        lambda batches, run: arrears_follow_up_job(batches, run, run_date, progress),
    )
