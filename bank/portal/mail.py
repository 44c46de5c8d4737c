"""The portal's e-mails (invitation, password reset), written to the bank's outbox.

The texts are short and live here in both languages, in the member's language, so the domain
needs no template engine of the web layer. Delivery (SMTP when configured) is the outbox's
business (:mod:`bank.notifications`); without SMTP staff read the message in the back office.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bank.actor import Actor
from bank.notifications import secret_mail
from bank.notifications.models import OutboxMessage, OutboxStatus

TEXTS: dict[str, dict[str, tuple[str, str]]] = {
    "invite": {
        "nl": (
            "Uw toegang tot het ledenportaal van de Wijkbank",
            "Beste {name},\n\nU bent uitgenodigd voor het ledenportaal van de Wijkbank. Daar ziet u uw "
            "rekeningen, aandelen en leningen en downloadt u uw afschriften.\n\n"
            "Kies uw wachtwoord via deze link (geldig gedurende {hours} uur, één keer te gebruiken):\n"
            "{link}\n\nHeeft u dit niet verwacht? Dan kunt u dit bericht negeren.\n\n"
            "Met vriendelijke groet,\nDe Wijkbank",
        ),
        "en": (
            "Your access to the Wijkbank member portal",
            "Dear {name},\n\nYou are invited to the Wijkbank member portal, where you see your accounts, "
            "shares and loans and download your statements.\n\n"
            "Choose your password with this link (valid for {hours} hours, works once):\n{link}\n\n"
            "Not expecting this? Then you can ignore this message.\n\nKind regards,\nWijkbank",
        ),
    },
    "password_reset": {
        "nl": (
            "Nieuw wachtwoord voor het ledenportaal",
            "Beste {name},\n\nU vroeg om een nieuw wachtwoord. Kies het via deze link (geldig gedurende "
            "{minutes} minuten, één keer te gebruiken):\n{link}\n\nVroeg u hier niet om? Dan blijft uw "
            "wachtwoord ongewijzigd en kunt u dit bericht negeren.\n\nMet vriendelijke groet,\nDe Wijkbank",
        ),
        "en": (
            "New password for the member portal",
            "Dear {name},\n\nYou asked for a new password. Choose it with this link (valid for {minutes} "
            "minutes, works once):\n{link}\n\nDid not ask for this? Then your password stays as it is and "
            "you can ignore this message.\n\nKind regards,\nWijkbank",
        ),
    },
}


def render(template: str, language: str, context: dict[str, Any]) -> tuple[str, str]:
    """Subject and body of a portal e-mail in ``language`` (Dutch when unknown)."""
    texts = TEXTS[template]
    subject, body = texts.get(language) or texts["nl"]
    return subject, body.format(**context)


def send(
    session: Session,
    *,
    to: str,
    template: str,
    language: str,
    context: dict[str, Any],
    actor: Actor,
    member_id: int | None,
) -> OutboxMessage:
    """Queue one e-mail in the outbox, in the caller's transaction (it leaves only if that commits)."""
    # The stored copy (the staff outbox) never holds the link; the full text leaves from memory.
    subject, body = render(
        template, language, {**context, "link": secret_mail.MASKS.get(language, secret_mail.MASK)}
    )
    _subject, full_body = render(template, language, context)
    message = OutboxMessage(
        member_id=member_id,
        to_address=to,
        language=language if language in TEXTS[template] else "nl",
        subject=subject,
        body=body,
        object_type=f"portal_{template}",
        object_id=None,
        # Not for the SMTP queue: that would send the masked copy. The transport marks it sent.
        status=OutboxStatus.SENT,
    )
    session.add(message)
    session.flush()
    secret_mail.send_after_commit(session, message, full_body)
    return message
