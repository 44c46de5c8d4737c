"""The portal's e-mails (invitation, password reset), written to the bank's outbox.

The texts are short and live here in both languages, in the member's language, so the domain
needs no template engine of the web layer. Delivery (SMTP when configured) is the outbox's
business (:mod:`bank.notifications`); without SMTP staff read the message in the back office.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bank.actor import Actor
from bank.members.models import Member
from bank.notifications import secret_mail
from bank.notifications import service as notifications
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
    "email_confirm": {
        "nl": (
            "Bevestig uw nieuwe e-mailadres voor de Wijkbank",
            "Beste {name},\n\nU vroeg dit adres te gebruiken als e-mailadres en inlognaam voor het "
            "ledenportaal. Bevestig het via deze link (geldig gedurende {hours} uur, één keer te "
            "gebruiken):\n{link}\n\nVroeg u hier niet om? Dan kunt u dit bericht negeren.\n\n"
            "Met vriendelijke groet,\nDe Wijkbank",
        ),
        "en": (
            "Confirm your new e-mail address for Wijkbank",
            "Dear {name},\n\nYou asked to use this address as your e-mail address and log-in for the member "
            "portal. Confirm it with this link (valid for {hours} hours, works once):\n{link}\n\n"
            "Did not ask for this? Then you can ignore this message.\n\nKind regards,\nWijkbank",
        ),
    },
    "second_factor": {
        "nl": (
            "Stel uw tweede factor in voor de Wijkbank",
            "Beste {name},\n\nEen beheerder heeft een link gemaakt waarmee u uw authenticator-app "
            "instelt voor de backoffice (geldig gedurende {hours} uur, één keer te gebruiken):\n{link}\n\n"
            "Verwachtte u dit niet? Meld het dan meteen bij de beheerder.\n\n"
            "Met vriendelijke groet,\nDe Wijkbank",
        ),
        "en": (
            "Set up your second factor for Wijkbank",
            "Dear {name},\n\nAn administrator made a link for you to set up your authenticator app for the "
            "back office (valid for {hours} hours, works once):\n{link}\n\n"
            "Not expecting this? Then tell the administrator at once.\n\nKind regards,\nWijkbank",
        ),
    },
}


#: Notices without a secret, to the address the bank already knows (a payout IBAN change).
NOTICES: dict[str, dict[str, tuple[str, str]]] = {
    "iban_requested": {
        "nl": (
            "Wijziging van uw uitbetalingsrekening aangevraagd",
            "Beste {name},\n\nEr is gevraagd uw uitbetalingsrekening (IBAN) te wijzigen in een rekening "
            "eindigend op {iban}. Een tweede medewerker van de bank controleert dit eerst met u.\n\n"
            "Heeft u hier niet om gevraagd? Bel de bank dan meteen.\n\nMet vriendelijke groet,\nDe Wijkbank",
        ),
        "en": (
            "Change of your payout account requested",
            "Dear {name},\n\nSomeone asked to change your payout account (IBAN) to an account ending in "
            "{iban}. A second member of staff checks this with you first.\n\n"
            "Did you not ask for this? Then call the bank at once.\n\nKind regards,\nWijkbank",
        ),
    },
    "email_requested": {
        "nl": (
            "Wijziging van uw e-mailadres aangevraagd",
            "Beste {name},\n\nEr is gevraagd uw e-mailadres en inlognaam voor het ledenportaal te wijzigen "
            "in {new}. Het nieuwe adres moet dit eerst bevestigen.\n\n"
            "Heeft u hier niet om gevraagd? Bel de bank dan meteen.\n\nMet vriendelijke groet,\nDe Wijkbank",
        ),
        "en": (
            "Change of your e-mail address requested",
            "Dear {name},\n\nSomeone asked to change your e-mail address and portal log-in to {new}. "
            "The new address must confirm it first.\n\n"
            "Did you not ask for this? Then call the bank at once.\n\nKind regards,\nWijkbank",
        ),
    },
    "email_changed": {
        "nl": (
            "Uw e-mailadres is gewijzigd",
            "Beste {name},\n\nUw e-mailadres en inlognaam voor het ledenportaal zijn gewijzigd in {new}. "
            "U bent overal uitgelogd.\n\n"
            "Klopt dit niet? Bel de bank dan meteen.\n\nMet vriendelijke groet,\nDe Wijkbank",
        ),
        "en": (
            "Your e-mail address was changed",
            "Dear {name},\n\nYour e-mail address and portal log-in were changed to {new}. "
            "You were logged out everywhere.\n\n"
            "Is this not right? Then call the bank at once.\n\nKind regards,\nWijkbank",
        ),
    },
    "iban_changed": {
        "nl": (
            "Uw uitbetalingsrekening is gewijzigd",
            "Beste {name},\n\nUw uitbetalingsrekening (IBAN) is gewijzigd in de rekening eindigend op "
            "{iban}. Opnames worden voortaan daarheen betaald.\n\n"
            "Klopt dit niet? Bel de bank dan meteen.\n\nMet vriendelijke groet,\nDe Wijkbank",
        ),
        "en": (
            "Your payout account was changed",
            "Dear {name},\n\nYour payout account (IBAN) was changed to the account ending in {iban}. "
            "Withdrawals are paid there from now on.\n\n"
            "Is this not right? Then call the bank at once.\n\nKind regards,\nWijkbank",
        ),
    },
}


def notify(session: Session, member: Member, *, template: str, context: dict[str, Any]) -> OutboxMessage:
    """Queue a notice without secrets to the member's known address (in their language)."""
    texts = NOTICES[template]
    subject, body = texts.get(member.language) or texts["nl"]
    return notifications.enqueue(
        session,
        member=member,
        subject=subject,
        body=body.format(name=member.full_name, **context),
        object_type=f"portal_{template}",
    )


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
