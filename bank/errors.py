"""Typed errors of the domain (L0, stdlib only).

Each carries a stable machine code (used as the JSON ``error`` field and for the HTTP status)
and a message for people; the web shows it next to the field, the API returns it as JSON.
"""

from __future__ import annotations


class BankError(Exception):
    """Base of every refusal the domain makes on purpose."""

    code = "bank_error"
    http_status = 400

    def __init__(self, message: str, *, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def to_json(self) -> dict[str, object]:
        return {"error": self.code, "message": self.message, "fields": self.fields}


class ValidationError(BankError):
    """Input that breaks a rule; ``field`` names it so the form can show the message beside it."""

    code = "validation_failed"
    http_status = 422

    def __init__(self, field: str | dict[str, str], message: str | None = None) -> None:
        if isinstance(field, dict):
            fields = field
            text = "; ".join(f"{name}: {rule}" for name, rule in fields.items())
        else:
            fields = {field: message or "is invalid"}
            text = f"{field}: {message}"
        super().__init__(text, fields=fields)


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
