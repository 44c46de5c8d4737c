"""Demo step: collection cases on the year's late loans (after the servicing year).

The servicing year's close days sent the reminder letters by the ladder (``bank.arrears.jobs``);
this step adds what people did about them, dated when they did it:

* the borrower who fell three weeks behind got a case after the first reminder: the credit
  officer phoned, the borrower promised half by the end of that week and did not pay (the
  promise is *broken*); after the second reminder they promised the whole amount by the day
  the money came, and paid (*kept*); the case was closed when the arrears were paid;
* the loan in arrears today got a case after its notice of default: a visit and a promise
  to pay next week (pending: the close day of its date will check it);
* the case the ladder's hand-over opened gets an owner and a first call.

Promises are checked with the close day's own check (``service.check_promises``) for their dates.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_DOWN, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor, system
from bank.arrears import service as cases
from bank.arrears.models import ArrearsEpisode, CaseStatus, CollectionCase, LetterKind, ReminderLetter
from bank.auth.service import actor_for
from bank.calendar import next_business_day
from bank.demo.context import DemoContext
from bank.loans.models import Loan, LoanStatus

OFFICER = "krediet@wijkbank.example"
SECOND_OFFICER = "krediet2@wijkbank.example"


def _actor(context: DemoContext, email: str) -> Actor:
    user = context.users.get(email)
    return (
        actor_for(user)
        if user is not None
        else Actor(user_id=None, label=f"system:demo:{email}", role="admin")
    )


def _euros(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("1"), rounding=ROUND_DOWN)


def load_collection_cases(session: Session, context: DemoContext) -> None:
    officer = _actor(context, OFFICER)
    second = _actor(context, SECOND_OFFICER)
    _paid_after_promises(session, officer)
    _in_arrears_today(session, second)
    for case in session.scalars(
        select(CollectionCase).where(
            CollectionCase.status == CaseStatus.ESCALATED, CollectionCase.owner_id.is_(None)
        )
    ):
        day = case.escalated_on or case.opened_on
        with clock.frozen(next_business_day(day + dt.timedelta(days=1))):
            cases.assign(session, case, officer.user_id, actor=officer)
            cases.add_contact(
                session,
                case,
                contacted_on=clock.today(),
                channel="phone",
                note="Bestuur gebeld na de overdracht aan incasso; de voorzitter zegt dat de coöperatie "
                "stopt. Zekerheden en afboeking bespreken met de beheerder.",
                actor=officer,
            )


def _paid_after_promises(session: Session, officer: Actor) -> None:
    """The earliest arrears that reached the second reminder and were paid: a broken, then a kept promise."""
    letters = func.count(ReminderLetter.id)
    episode = session.scalars(
        select(ArrearsEpisode)
        .join(ReminderLetter, ReminderLetter.episode_id == ArrearsEpisode.id)
        .where(ArrearsEpisode.ended_on.is_not(None))
        .group_by(ArrearsEpisode.id)
        .having(letters >= 2)
        .order_by(ArrearsEpisode.started_on, ArrearsEpisode.id)
        .limit(1)
    ).first()
    if episode is None or episode.ended_on is None:
        return
    sent = {
        letter.kind: letter
        for letter in session.scalars(select(ReminderLetter).where(ReminderLetter.episode_id == episode.id))
    }
    reminder, second = sent.get(LetterKind.REMINDER), sent.get(LetterKind.SECOND_REMINDER)
    if reminder is None or second is None:
        return
    loan = session.get_one(Loan, episode.loan_id)
    first_call = next_business_day(reminder.sent_on + dt.timedelta(days=1))
    second_call = next_business_day(second.sent_on + dt.timedelta(days=1))
    paid_on = episode.ended_on
    if not first_call < second_call <= paid_on:
        return
    with clock.frozen(first_call):
        case = cases.open_case(session, loan, on=first_call, actor=officer, owner_id=officer.user_id)
        cases.add_contact(
            session,
            case,
            contacted_on=first_call,
            channel="phone",
            note="Penningmeester gebeld na de herinnering: de omzet van de markt viel tegen. "
            "Belooft de helft deze week te betalen.",
            actor=officer,
        )
        broken = cases.add_promise(
            session,
            case,
            amount=_euros(reminder.amount_overdue / 2),
            promised_on=min(first_call + dt.timedelta(days=5), second_call - dt.timedelta(days=1)),
            note="Helft van de achterstand",
            actor=officer,
        )
    with clock.frozen(broken.promised_on):
        cases.check_promises(session, broken.promised_on, actor=system("arrears-follow-up"))
    with clock.frozen(second_call):
        cases.add_contact(
            session,
            case,
            contacted_on=second_call,
            channel="email",
            note="Aanmaning per e-mail toegelicht. De subsidie van het stadsdeel komt binnen; "
            "de penningmeester zegt het hele bedrag toe.",
            actor=officer,
        )
        cases.add_promise(
            session,
            case,
            amount=_euros(second.amount_overdue),
            promised_on=paid_on,
            note="Volledige achterstand",
            actor=officer,
        )
    with clock.frozen(paid_on):
        cases.check_promises(session, paid_on, actor=system("arrears-follow-up"))
    with clock.frozen(next_business_day(paid_on + dt.timedelta(days=1))):
        cases.add_note(
            session,
            case,
            note="Eerste betaalbelofte niet nagekomen, tweede wel. Afspraak: bij de volgende achterstand "
            "meteen bellen.",
            actor=officer,
        )
        cases.close_case(session, case, reason="Achterstand volledig betaald", actor=officer)


def _in_arrears_today(session: Session, officer: Actor) -> None:
    """Loans in arrears today that have had their notice of default: a case with a visit and a promise."""
    today = clock.today()
    rows = session.execute(
        select(ArrearsEpisode, ReminderLetter)
        .join(ReminderLetter, ReminderLetter.episode_id == ArrearsEpisode.id)
        .join(Loan, Loan.id == ArrearsEpisode.loan_id)
        .where(
            ArrearsEpisode.ended_on.is_(None),
            ReminderLetter.kind == LetterKind.NOTICE_OF_DEFAULT,
            Loan.status == LoanStatus.ACTIVE,
        )
        .order_by(ArrearsEpisode.id)
    ).all()
    for episode, notice in rows:
        if cases.open_case_of(session, episode.loan_id) is not None:
            continue
        loan = session.get_one(Loan, episode.loan_id)
        visit = min(next_business_day(notice.sent_on + dt.timedelta(days=2)), today)
        with clock.frozen(visit):
            case = cases.open_case(session, loan, on=visit, actor=officer, owner_id=officer.user_id)
            cases.add_contact(
                session,
                case,
                contacted_on=visit,
                channel="visit",
                note="Langs geweest na de ingebrekestelling. Twee grote klanten betalen laat; "
                "de bakkerij wil een deel nu en de rest later.",
                actor=officer,
            )
        with clock.frozen(today):
            cases.add_promise(
                session,
                case,
                amount=_euros(notice.amount_overdue / 2),
                promised_on=next_business_day(today + dt.timedelta(days=7)),
                note="Eerste deel van de achterstand",
                actor=officer,
            )
