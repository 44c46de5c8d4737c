"""Form helpers shared by every blueprint."""

from __future__ import annotations

import secrets

from flask_wtf import FlaskForm

from bank.errors import BankError


def show_errors(form: FlaskForm, error: BankError) -> None:
    """Put a domain refusal next to the field it names (or on the form when it names none)."""
    placed = False
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), message]
            placed = True
    if not placed:
        form.form_errors.append(error.message)


def new_form_key() -> str:
    """A one-time key rendered into a money form; a resubmission reuses it and books once."""
    return secrets.token_urlsafe(16)
