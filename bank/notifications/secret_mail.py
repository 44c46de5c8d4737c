"""Mail that carries a secret (a one-time link) leaves from memory; the stored copy is masked.

The outbox row is what staff read in the back office, so it must never hold a live reset or
invitation link: anyone who reads it could take over the member's log-in. The full text lives
only in the session until the transaction commits, then goes straight to the transport (SMTP in
production, a file per message under ``instance/mail`` in development, a list in tests). A
rolled-back transaction sends nothing. If delivery fails the link is gone; the member asks for a
new one (the outbox row says it failed).
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import event, update
from sqlalchemy.orm import Session

from bank import clock
from bank.db import engine_of
from bank.notifications.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

#: What the stored copy shows in place of the link, in the mail's language (Dutch by default).
MASKS = {
    "nl": "[link verborgen: alleen de geadresseerde ontvangt hem]",
    "en": "[link hidden: only the addressee receives it]",
}
MASK = MASKS["nl"]
_PENDING = "secret_mail_pending"

#: Delivers one message (to, subject, body); raises on failure.
Transport = Callable[[str, str, str], None]


@dataclass
class MemoryTransport:
    """Tests: keeps what was sent, newest last."""

    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def __call__(self, to: str, subject: str, body: str) -> None:
        self.sent.append((to, subject, body))


@dataclass
class FileTransport:
    """Development without SMTP: one ``.txt`` per message in ``directory`` (the developer's inbox)."""

    directory: Path

    def __call__(self, to: str, subject: str, body: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = clock.now_utc().strftime("%Y%m%dT%H%M%S%f")
        path = self.directory / f"{stamp}-{to.replace('/', '_')}.txt"
        path.write_text(f"To: {to}\nSubject: {subject}\n\n{body}\n", encoding="utf-8")
        path.chmod(0o600)
        log.warning("mail to %s written to %s (no SMTP server configured)", to, path)


@dataclass
class SmtpTransport:
    host: str
    sender: str
    port: int = 25

    def __call__(self, to: str, subject: str, body: str) -> None:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = to
        mail["Subject"] = subject
        mail.set_content(body)
        with smtplib.SMTP(self.host, self.port, timeout=10) as smtp:
            smtp.send_message(mail)


#: The transport in use; the application factory sets it from the configuration.
TRANSPORT: Transport = MemoryTransport()


def configure(transport: Transport) -> None:
    global TRANSPORT
    TRANSPORT = transport


def send_after_commit(session: Session, message: OutboxMessage, body: str) -> None:
    """Deliver ``body`` for the (masked) ``message`` once the caller's transaction commits."""
    session.info.setdefault(_PENDING, []).append(
        (message.id, message.to_address or "", message.subject, body)
    )
    if not event.contains(session, "after_commit", _deliver):
        event.listen(session, "after_commit", _deliver)
        event.listen(session, "after_rollback", _forget)


def _forget(session: Session) -> None:
    session.info.pop(_PENDING, None)


def _deliver(session: Session) -> None:
    pending = session.info.pop(_PENDING, None) or []
    for message_id, to, subject, body in pending:
        try:
            TRANSPORT(to, subject, body)
        except (OSError, smtplib.SMTPException) as error:
            log.error("mail %s to %s failed: %s", message_id, to, error)
            _mark(session, message_id, OutboxStatus.FAILED, None, str(error)[:1000])
        else:
            _mark(session, message_id, OutboxStatus.SENT, clock.now_utc(), "")


def _mark(
    session: Session, message_id: int, status: OutboxStatus, sent_at: dt.datetime | None, error: str
) -> None:
    """Record the outcome on the outbox row, in a transaction of its own (the caller's has ended)."""
    with engine_of(session).begin() as connection:
        connection.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id)
            .values(status=status, sent_at=sent_at, error=error)
        )
