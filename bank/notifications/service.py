"""Write messages to the outbox (in the caller's transaction) and deliver them by SMTP when configured.

Writing and sending are separate on purpose: the outbox row commits with the status change it
reports, so a rolled-back change never sends mail, and a mail server that is down never rolls
back a decision. ``deliver_pending`` is called after the commit (web layer, commands).
"""

from __future__ import annotations

import functools
import smtplib
from email.message import EmailMessage
from pathlib import Path

from babel.support import NullTranslations, Translations
from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import clock
from bank.members.models import Member
from bank.notifications.models import OutboxMessage, OutboxStatus

_TRANSLATIONS = Path(__file__).resolve().parent.parent / "translations"


@functools.cache
@functools.cache
def translations(language: str) -> NullTranslations:
    """The catalogue of ``language`` for mail written outside a request (jobs, the statement
    matcher): the member's language, not the staff member's page."""
    return Translations.load(str(_TRANSLATIONS), [language], domain="messages")


def enqueue(
    session: Session,
    *,
    member: Member | None,
    subject: str,
    body: str,
    object_type: str = "",
    object_id: int | None = None,
    fallback_address: str | None = None,
) -> OutboxMessage:
    """Queue one message to ``member`` (their e-mail, else ``fallback_address``) in their language."""
    address = (member.email if member is not None else None) or fallback_address
    message = OutboxMessage(
        member_id=member.id if member is not None else None,
        to_address=address,
        language=member.language if member is not None else "nl",
        subject=subject[:300],
        body=body,
        object_type=object_type,
        object_id=object_id,
        status=OutboxStatus.QUEUED if address else OutboxStatus.NO_ADDRESS,
        created_at=clock.now_utc(),
        error="",
    )
    session.add(message)
    session.flush()
    return message


def deliver_pending(
    session: Session, *, smtp_host: str, sender: str, smtp_port: int = 25, limit: int = 100
) -> tuple[int, int]:
    """Send queued messages through ``smtp_host``; returns (sent, failed). The caller commits."""
    queued = list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == OutboxStatus.QUEUED)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )
    if not queued:
        return 0, 0
    sent = failed = 0
    try:
        with smtplib.SMTP(smtp_host, smtp_port, timeout=10) as smtp:
            for message in queued:
                mail = EmailMessage()
                mail["From"] = sender
                mail["To"] = message.to_address or ""
                mail["Subject"] = message.subject
                mail.set_content(message.body)
                try:
                    smtp.send_message(mail)
                except smtplib.SMTPException as error:
                    message.status = OutboxStatus.FAILED
                    message.error = str(error)[:1000]
                    failed += 1
                else:
                    message.status = OutboxStatus.SENT
                    message.sent_at = clock.now_utc()
                    sent += 1
    except (OSError, smtplib.SMTPException) as error:
        # The server cannot be reached: leave the messages queued for the next attempt.
        for message in queued:
            if message.status is OutboxStatus.QUEUED:
                message.error = f"not sent yet: {error}"[:1000]
    session.flush()
    return sent, failed


def recent(session: Session, *, limit: int = 200, member_id: int | None = None) -> list[OutboxMessage]:
    """The outbox, newest first (the staff page)."""
    query = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if member_id is not None:
        query = query.where(OutboxMessage.member_id == member_id)
    return list(session.scalars(query))
