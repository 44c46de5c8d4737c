"""Typed errors of the domain (L0, stdlib only).

Each carries a stable machine code (used as the JSON ``error`` field and for the HTTP status)
and a message for people. The domain knows no locale, so a message is kept as its English
catalogue id (``template``) with its values (``params``): the API shows it in English with
canonical values, the web translates the template and formats the values for the reader.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


def N_(message: str) -> str:
    """Mark a literal for the catalogue without translating it (the domain has no locale)."""
    return message


@dataclass(frozen=True)
class Names:
    """Words people typed in each language, such as a loan product's Dutch and English name.

    The domain knows no locale, so a message carries both: its English text shows ``en``, a
    page the reader's (``bank.web.messages``). Never a code: codes are translated by the web.
    """

    nl: str
    en: str

    def __str__(self) -> str:
        return self.en

    def in_language(self, language: str) -> str:
        return self.en if language == "en" else self.nl


def _canonical(value: object) -> object:
    """Values in the English text: amounts with two places, dates in ISO form, enums by their
    code, several values joined by commas (the web formats each per locale instead)."""
    if isinstance(value, Names):
        return value.en
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return ", ".join(str(_canonical(item)) for item in value)
    if isinstance(value, Decimal):
        return f"{value:.2f}" if value == value.quantize(Decimal("0.01")) else str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class Message(str):
    """A catalogue id with its values; as a ``str`` it is the English text with canonical values.

    Being a ``str`` keeps every place that treats a rule as text working, while the web can still
    translate ``template`` and format ``params`` per locale (``bank.web.i18n``).
    """

    template: str
    params: Mapping[str, object]
    #: A ValidationError's summary keeps its rules by field, so a page can name each field by its label.
    fields: Mapping[str, Message] | None = None

    def __new__(cls, template: str, /, **params: object) -> Message:
        text = template % {k: _canonical(v) for k, v in params.items()} if params else template
        instance = super().__new__(cls, text)
        instance.template = template
        instance.params = params
        return instance

    def __reduce__(self) -> tuple[object, ...]:  # pickling keeps template and values
        return (_rebuild_message, (self.template, dict(self.params)))


def _rebuild_message(template: str, params: dict[str, object]) -> Message:
    return Message(template, **params)


def as_message(text: str | Message, **params: object) -> Message:
    """``text`` as a Message (a plain literal becomes one with no values)."""
    if isinstance(text, Message) and not params:
        return text
    return Message(str(getattr(text, "template", text)), **params)


class BankError(Exception):
    """Base of every refusal the domain makes on purpose.

    ``message`` is an English catalogue id, with ``%(name)s`` placeholders filled from
    ``params``; never an f-string, so that it can be translated (a test checks every raise).
    """

    code = "bank_error"
    http_status = 400

    def __init__(self, message: str, *, fields: Mapping[str, str] | None = None, **params: object) -> None:
        self.message: Message = as_message(message, **params)
        super().__init__(str(self.message))
        self.fields: dict[str, str] = {name: as_message(rule) for name, rule in (fields or {}).items()}

    def to_json(self) -> dict[str, object]:
        return {
            "error": self.code,
            "message": str(self.message),
            "fields": {name: str(rule) for name, rule in self.fields.items()},
        }


class ValidationError(BankError):
    """Input that breaks a rule; ``field`` names it so the form can show the message beside it.

    ``ValidationError("amount", "must not exceed %(maximum)s", maximum=limit)``, or a dict of
    field → rule (each rule a literal or a ``Message``) for several fields at once.
    """

    code = "validation_failed"
    http_status = 422

    def __init__(self, field: str | Mapping[str, str], message: str | None = None, **params: object) -> None:
        if isinstance(field, Mapping):
            fields = {name: as_message(rule) for name, rule in field.items()}
        else:
            fields = {field: as_message(message or N_("is invalid"), **params)}
        text = "; ".join(f"{name}: {rule}" for name, rule in fields.items())
        super().__init__(text, fields=fields)
        # The summary is English text built from the rules, not a catalogue id of its own.
        self.message = Message("%(summary)s", summary=text)
        self.message.fields = fields  # the same rules, as Messages


class NotFound(BankError):
    code = "not_found"
    http_status = 404


class PermissionDenied(BankError):
    code = "forbidden"
    http_status = 403


class InsufficientFunds(BankError):
    code = "insufficient_funds"
    http_status = 409


class AccountClosed(BankError):
    code = "account_not_open"
    http_status = 409


class IdempotencyConflict(BankError):
    """The same idempotency key was used before for different content."""

    code = "idempotency_conflict"
    http_status = 409


class UnbalancedEntry(BankError):
    code = "unbalanced_entry"
    http_status = 422


class InvalidTransition(BankError):
    """A state machine refused a move; nothing was changed."""

    code = "invalid_transition"
    http_status = 409


class Conflict(BankError):
    """The request collides with the current state (e.g. a run already in progress)."""

    code = "conflict"
    http_status = 409
