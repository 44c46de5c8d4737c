"""Arrears follow-up: reminder ladders per product, arrears episodes, letters, collection cases.

An *arrears episode* is one stretch of a loan being in arrears: it opens on the first close day
that finds the loan overdue and ends on the first that finds it paid up. Every letter belongs to
an episode and each kind is sent at most once per episode (the unique constraint is what makes
the close-day job idempotent); a loan that falls behind again starts a new episode, so its
ladder starts from the first step again.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, MoneyType, StrEnum, UtcDateTime
from bank.loans.models import Loan
from bank.money import ZERO
from bank.transitions import Transitions


class LetterKind(enum.StrEnum):
    """The steps a ladder may hold, mildest first."""

    #: Herinnering: a friendly reminder.
    REMINDER = "reminder"
    #: Aanmaning: the second, firmer reminder.
    SECOND_REMINDER = "second_reminder"
    #: Ingebrekestelling: the formal notice of default with a last term (art. 6:82 BW).
    NOTICE_OF_DEFAULT = "notice_of_default"
    #: Overdracht aan incasso: the file goes to collections (opens or escalates the case).
    HANDOVER = "handover"


class ReminderLadder(Base):
    """The reminder ladder of a loan product (by code, so it holds for every version).

    The ladder is how the bank follows up, not a term of the loan, so editing it makes no new
    product version and applies to every loan of the product from the next close day. A product
    without a row uses :data:`bank.arrears.ladder.DEFAULT_LADDER`; a row with no steps sends none.
    """

    __tablename__ = "reminder_ladders"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_code: Mapped[str] = mapped_column(String(30), unique=True)
    #: "5:reminder,15:second_reminder,30:notice_of_default,60:handover" (days past due: kind).
    steps: Mapped[str] = mapped_column(String(300), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ArrearsEpisode(Base):
    """One stretch of a loan in arrears, from the close day that found it to the one that found it paid."""

    __tablename__ = "arrears_episodes"
    __table_args__ = (
        UniqueConstraint("loan_id", "opened_on", name="one_episode_per_loan_and_day"),
        CheckConstraint("ended_on IS NULL OR ended_on >= opened_on", name="ends_after_it_opens"),
        Index("ix_arrears_episodes_ended_on", "ended_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    #: The due date of the oldest unpaid instalment when the episode opened.
    started_on: Mapped[dt.date] = mapped_column(Date)
    #: The close day that first found the loan in arrears.
    opened_on: Mapped[dt.date] = mapped_column(Date)
    #: The close day that found the arrears paid; None while the loan is in arrears.
    ended_on: Mapped[dt.date | None] = mapped_column(Date)


class ReminderLetter(Base):
    """A letter sent to a borrower in arrears, kept as the PDF that was sent."""

    __tablename__ = "reminder_letters"
    __table_args__ = (
        UniqueConstraint("episode_id", "kind", name="one_letter_per_kind_and_episode"),
        CheckConstraint("amount_overdue >= 0", name="amount_not_negative"),
        CheckConstraint("days_past_due >= 1", name="days_past_due_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    episode_id: Mapped[int] = mapped_column(ForeignKey("arrears_episodes.id"), index=True)
    kind: Mapped[LetterKind] = mapped_column(StrEnum(LetterKind, "letter_kind", length=30))
    #: The ladder step's day that was reached (days past due).
    step_days: Mapped[int] = mapped_column(Integer)
    #: The business date of the close day that sent it (the letter's date).
    sent_on: Mapped[dt.date] = mapped_column(Date)
    days_past_due: Mapped[int] = mapped_column(Integer)
    #: Principal, interest, fees and penalties overdue on ``sent_on``.
    amount_overdue: Mapped[Decimal] = mapped_column(MoneyType)
    #: The date the letter asks the amount to be paid by.
    pay_by: Mapped[dt.date] = mapped_column(Date)
    #: The borrower's language the letter was written in ("nl", "en").
    language: Mapped[str] = mapped_column(String(5))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_messages.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    loan: Mapped[Loan] = relationship()


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    #: Handed over to collections (the ladder's last step, or by hand).
    ESCALATED = "escalated"
    CLOSED = "closed"


#: A case is opened by staff or by the ladder's hand-over step, escalated by that step (or by
#: staff), and closed by staff; a closed case stays closed: new arrears get a new case.
CASE_STATUS = Transitions(
    CaseStatus,
    {
        CaseStatus.OPEN: {CaseStatus.ESCALATED, CaseStatus.CLOSED},
        CaseStatus.ESCALATED: {CaseStatus.CLOSED},
        CaseStatus.CLOSED: set(),
    },
    actions={"follow_up": {CaseStatus.OPEN, CaseStatus.ESCALATED}},
)


class CollectionCase(Base):
    """The incassodossier of a loan in arrears: who owns it, what was said and promised."""

    __tablename__ = "collection_cases"
    __table_args__ = (
        CheckConstraint("status != 'closed' OR closed_on IS NOT NULL", name="closed_has_date"),
        Index("ix_collection_cases_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    status: Mapped[CaseStatus] = mapped_column(
        StrEnum(CaseStatus, "collection_case_status", length=20), default=CaseStatus.OPEN
    )
    #: The staff member who follows the case up (credit officer or admin).
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    #: Who opened it: a staff e-mail, or "system:arrears-follow-up" for the ladder's hand-over.
    opened_by: Mapped[str] = mapped_column(String(200), default="")
    escalated_on: Mapped[dt.date | None] = mapped_column(Date)
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    close_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    loan: Mapped[Loan] = relationship()
    contacts: Mapped[list[CaseContact]] = relationship(
        back_populates="case", order_by="(CaseContact.contacted_on.desc(), CaseContact.id.desc())"
    )
    notes: Mapped[list[CaseNote]] = relationship(back_populates="case", order_by="CaseNote.id.desc()")
    promises: Mapped[list[PaymentPromise]] = relationship(
        back_populates="case", order_by="(PaymentPromise.promised_on, PaymentPromise.id)"
    )


class ContactChannel(enum.StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    LETTER = "letter"
    VISIT = "visit"
    MEETING = "meeting"


class CaseContact(Base):
    """A contact with the borrower about the arrears: when, how, and what was said."""

    __tablename__ = "collection_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.id"), index=True)
    contacted_on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[ContactChannel] = mapped_column(StrEnum(ContactChannel, "contact_channel", length=20))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    case: Mapped[CollectionCase] = relationship(back_populates="contacts")


class CaseNote(Base):
    """An internal note on a case (never shown to the borrower)."""

    __tablename__ = "collection_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.id"), index=True)
    note: Mapped[str] = mapped_column(Text)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    case: Mapped[CollectionCase] = relationship(back_populates="notes")


class PromiseStatus(enum.StrEnum):
    #: The promised date has not passed yet (or no close day has checked it).
    PENDING = "pending"
    #: The borrower paid at least the amount between the promise and its date.
    KEPT = "kept"
    BROKEN = "broken"


class PaymentPromise(Base):
    """A promise to pay (betaalbelofte): an amount by a date, checked by the close day of that date."""

    __tablename__ = "payment_promises"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("promised_on >= made_on", name="promised_after_made"),
        CheckConstraint("paid_amount >= 0", name="paid_not_negative"),
        CheckConstraint("status = 'pending' OR checked_on IS NOT NULL", name="checked_has_date"),
        Index("ix_payment_promises_status_promised_on", "status", "promised_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.id"), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("loans.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(MoneyType)
    #: The day the promise was made; payments from this day on count towards it.
    made_on: Mapped[dt.date] = mapped_column(Date)
    #: The day by which the borrower promised to pay.
    promised_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[PromiseStatus] = mapped_column(
        StrEnum(PromiseStatus, "payment_promise_status", length=20), default=PromiseStatus.PENDING
    )
    #: What the borrower paid on the loan from ``made_on`` through ``promised_on`` (set when checked).
    paid_amount: Mapped[Decimal] = mapped_column(MoneyType, default=ZERO)
    checked_on: Mapped[dt.date | None] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    case: Mapped[CollectionCase] = relationship(back_populates="promises")
