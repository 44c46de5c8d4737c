"""Form helpers shared by every blueprint."""

from __future__ import annotations

import secrets

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from bank.errors import BankError


def show_errors(form: FlaskForm, error: BankError) -> None:
    """Put a domain refusal next to the field it names, in the page's language.

    A rule for a field the form does not show goes above the form, named by the bank's word for
    the field ("Doel: is verplicht"), never by its code; a refusal that names no field too.
    """
    from bank.web.messages import field_label, form_labels, render

    labels = form_labels(form)
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), render(message)]
        else:
            form.form_errors.append(f"{field_label(name, labels)}: {render(message)}")
    if not error.fields:
        form.form_errors.append(render(error.message))


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
