"""The reminder ladder in the close day: each step on its day, once per episode, stopped by payment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select

from bank.arrears import jobs, queries
from bank.arrears.models import (
    ArrearsEpisode,
    CaseStatus,
    CollectionCase,
    LetterKind,
    ReminderLetter,
)
from bank.extensions import db
from bank.notifications.models import OutboxMessage
from bank.runs.models import Run, RunJob, RunStatus

from .conftest import FIRST_DUE, Story, pdf_text


def kinds(story: Story) -> list[LetterKind]:
    story.session.expire_all()
    return [letter.kind for letter in reversed(queries.letters_of_loan(story.session, story.loan.id))]


def test_each_step_on_its_day_and_not_before(story: Story) -> None:
    assert story.follow_up(story.day_past_due(4)) == (0, 0, 0)
    assert kinds(story) == []
    assert story.follow_up(story.day_past_due(5)) == (1, 0, 0)
    assert kinds(story) == [LetterKind.REMINDER]
    story.follow_up(story.day_past_due(14))
    assert kinds(story) == [LetterKind.REMINDER]
    story.follow_up(story.day_past_due(15))
    assert kinds(story) == [LetterKind.REMINDER, LetterKind.SECOND_REMINDER]
    story.follow_up(story.day_past_due(29))
    assert len(kinds(story)) == 2
    story.follow_up(story.day_past_due(30))
    assert kinds(story)[-1] is LetterKind.NOTICE_OF_DEFAULT
    assert story.session.scalar(select(func.count()).select_from(CollectionCase)) == 0
    story.follow_up(story.day_past_due(59))
    assert len(kinds(story)) == 3
    story.follow_up(story.day_past_due(60))
    assert kinds(story) == [
        LetterKind.REMINDER,
        LetterKind.SECOND_REMINDER,
        LetterKind.NOTICE_OF_DEFAULT,
        LetterKind.HANDOVER,
    ]
    case = story.session.scalars(select(CollectionCase)).one()
    assert case.loan_id == story.loan.id
    assert case.status is CaseStatus.ESCALATED
    assert case.escalated_on == story.day_past_due(60)


def test_every_letter_goes_through_the_outbox_in_the_borrowers_language(story: Story) -> None:
    story.follow_up(story.day_past_due(5))
    letter = story.session.scalars(select(ReminderLetter)).one()
    message = story.session.get(OutboxMessage, letter.outbox_message_id)
    assert message is not None
    assert message.member_id == story.member.id
    assert message.object_type == "reminder_letter" and message.object_id == letter.id
    assert message.language == "nl" == letter.language
    assert story.loan.number in message.subject
    assert letter.amount_overdue > Decimal("1000")
    assert letter.days_past_due == 5
    assert letter.pay_by == dt.date(2028, 2, 28)  # 20-02 + 7 days = Sunday 27-02, so Monday


def test_a_second_run_of_the_same_day_sends_nothing(story: Story) -> None:
    day = story.day_past_due(30)
    assert story.follow_up(day)[0] == 3  # a ladder reached at once sends every step reached
    assert story.follow_up(day) == (0, 0, 0)
    assert story.follow_up(day + dt.timedelta(days=1)) == (0, 0, 0)
    assert story.session.scalar(select(func.count()).select_from(ReminderLetter)) == 3
    assert story.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3
    assert story.session.scalar(select(func.count()).select_from(ArrearsEpisode)) == 1


def test_payment_stops_the_ladder_and_new_arrears_start_it_again(story: Story) -> None:
    story.follow_up(story.day_past_due(15))
    assert len(kinds(story)) == 2
    # The borrower pays everything overdue; the next repayment run collects it.
    paid_on = story.day_past_due(20)
    story.bank.deposit(story.account, "1500.00", paid_on)
    story.bank.run(paid_on)
    story.follow_up(paid_on)
    episode = story.session.scalars(select(ArrearsEpisode)).one()
    assert episode.ended_on == paid_on
    story.follow_up(story.day_past_due(30))  # would have been the notice of default
    assert len(kinds(story)) == 2
    # The second instalment (15-03-2028) is not paid: a new episode, the ladder from the start.
    second_due = dt.date(2028, 3, 15)
    story.bank.withdraw(story.account, str(story.bank.balance(story.account.ledger_account_id)), second_due)
    story.bank.run(second_due)
    story.follow_up(second_due + dt.timedelta(days=5))
    assert kinds(story) == [LetterKind.REMINDER, LetterKind.SECOND_REMINDER, LetterKind.REMINDER]
    episodes = list(story.session.scalars(select(ArrearsEpisode).order_by(ArrearsEpisode.id)))
    assert [e.started_on for e in episodes] == [FIRST_DUE, second_due]
    assert episodes[1].ended_on is None


def test_the_notice_of_default_reads_as_a_dutch_bank_writes_it(story: Story) -> None:
    story.follow_up(story.day_past_due(30))
    story.session.expire_all()
    letter = story.session.scalars(
        select(ReminderLetter).where(ReminderLetter.kind == LetterKind.NOTICE_OF_DEFAULT)
    ).one()
    text = " ".join(pdf_text(letter.pdf).split())
    assert "Ingebrekestelling" in text
    assert "Fietsenmakerij De Spaak coöperatie U.A." in text
    assert "artikel 6:82 van het Burgerlijk Wetboek" in text
    assert "veertien dagen" in text
    # 16-03-2028 + 1 + 14 = 31-03-2028, a Friday.
    assert "uiterlijk op 31-03-2028" in text
    amount = f"€ {letter.amount_overdue:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".")
    assert amount in text
    assert "15-02-2028" in text
    assert "buitengerechtelijke incassokosten" in text
    assert "zonder nadere ingebrekestelling in verzuim" in text


def test_the_close_day_runs_the_follow_up_and_counts_it_on_the_runs_page(story: Story) -> None:
    story.bank.close_days(FIRST_DUE + dt.timedelta(days=1), story.day_past_due(16))
    story.session.expire_all()
    runs = list(
        story.session.scalars(
            select(Run).where(Run.job == RunJob.ARREARS_FOLLOW_UP).order_by(Run.business_date)
        )
    )
    assert all(run.status is RunStatus.COMPLETED for run in runs)
    sent = {run.business_date: run.items_done for run in runs if run.items_done}
    # 20-02-2028 (day 5) is a Sunday: Monday's close day sends the reminder; day 15 is Thursday 01-03.
    assert sent == {dt.date(2028, 2, 21): 1, dt.date(2028, 3, 1): 1}
    assert kinds(story) == [LetterKind.REMINDER, LetterKind.SECOND_REMINDER]
    story.session.commit()
    again = jobs.run_arrears_follow_up(db, dt.date(2028, 3, 1), started_by="test")
    assert again.worked is False
    assert story.session.scalar(select(func.count()).select_from(ReminderLetter)) == 2
