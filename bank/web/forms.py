"""Form helpers shared by every blueprint."""

from __future__ import annotations

import secrets

from flask import abort, request
from flask_babel import lazy_gettext as _l
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


#: Listings page at most this far; a bigger number is a 400 naming the parameter.
MAX_PAGE = 100_000


def page_number(name: str = "page") -> int:
    """The page asked for in the query string: a whole number from 1 to :data:`MAX_PAGE`.

    Anything else answers 400 with a message naming the parameter (a 20-digit page overflowed
    the database's integer and answered 500).
    """
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return 1
    if not raw.isdigit() or len(raw) > 6 or not 1 <= int(raw) <= MAX_PAGE:
        abort(
            400,
            description=_l(
                "%(field)s must be a whole number from 1 to %(max)s.",
                field=name,
                max=f"{MAX_PAGE:,}".replace(",", "."),
            ),
        )
    return int(raw)


#: The largest id or number a column holds (INTEGER on PostgreSQL; SQLite's is bigger).
MAX_ID = 2**31 - 1


def whole_number(text: str | None, *, maximum: int = MAX_ID) -> int | None:
    """``text`` as a whole number from 1 to ``maximum``, else None (the caller says what is wrong).

    A 20-digit id typed into a form overflowed the database's integer (a 500, not "not found");
    digits other than 0-9 (``²``, full-width) count as not a number.
    """
    raw = (text or "").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > len(str(maximum)):
        return None
    value = int(raw)
    return value if 1 <= value <= maximum else None


def form_id(name: str) -> int | None:
    """The id a form sent in ``name`` (a select or hidden field), or None when it is no usable id."""
    return whole_number(request.form.get(name))
