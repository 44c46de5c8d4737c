"""Queued messages go out by SMTP once; a refused address fails, an unreachable server keeps them queued."""

from __future__ import annotations

import smtplib

from savings.factories import member as person

from bank.notifications import service as notifications
from bank.notifications.models import OutboxStatus


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout):
        self.host = host

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, mail):
        if mail["To"] == "refuse@example.org":
            raise smtplib.SMTPRecipientsRefused({"refuse@example.org": (550, b"no such user")})
        FakeSMTP.sent.append((mail["To"], mail["Subject"]))


def test_queued_messages_are_sent_by_smtp_once(session, monkeypatch):
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    FakeSMTP.sent = []
    member = person(session, first_name="Bea", last_name="Bakker")
    good = notifications.enqueue(session, member=member, subject="Hallo", body="Tekst")
    bad = notifications.enqueue(
        session, member=None, subject="Hallo", body="Tekst", fallback_address="refuse@example.org"
    )
    assert notifications.deliver_pending(session, smtp_host="mail.test", sender="bank@example.org") == (1, 1)
    assert FakeSMTP.sent == [(member.email, "Hallo")]
    assert good.status is OutboxStatus.SENT and good.sent_at is not None
    assert bad.status is OutboxStatus.FAILED and "no such user" in bad.error
    assert notifications.deliver_pending(session, smtp_host="mail.test", sender="bank@example.org") == (0, 0)


def test_an_unreachable_server_leaves_the_messages_queued(session, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(smtplib, "SMTP", refuse)
    member = person(session, first_name="Bea", last_name="Bakker")
    message = notifications.enqueue(session, member=member, subject="Hallo", body="Tekst")
    assert notifications.deliver_pending(session, smtp_host="mail.test", sender="bank@example.org") == (0, 0)
    assert message.status is OutboxStatus.QUEUED and "connection refused" in message.error
