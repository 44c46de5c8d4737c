"""Form helpers shared by every blueprint."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Mapping
from contextlib import AbstractContextManager
from decimal import Decimal
from types import TracebackType
from typing import Any

from flask import flash, request
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from bank import numbers
from bank.errors import BankError, Message, ValidationError
from bank.extensions import db
from bank.money import MAX_AMOUNT, NOT_ASCII_DIGITS, has_foreign_digits
from bank.web.filters import input_locale
from bank.web.messages import error_text, field_label, form_labels, render


def show_errors(form: FlaskForm, error: BankError) -> None:
    """Put a domain refusal next to the field it names, in the page's language.

    A rule for a field the form does not show goes above the form, named by the bank's word for
    the field ("Doel: is verplicht"), never by its code; a refusal that names no field too.
    """
    labels = form_labels(form)
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), render(message)]
        else:
            form.form_errors.append(f"{field_label(name, labels)}: {render(message)}")
    if not error.fields:
        form.form_errors.append(render(error.message))


class Attempt:
    """One unit of work whose domain refusal is shown to the person instead of raised.

    The shape every view repeated (open the unit of work, call a service; on a ``BankError`` roll
    back and show it, else go on) in one place. Where the refusal goes depends on the page:

    - ``form`` a WTForms form: next to the field it names (:func:`show_errors`);
    - ``form`` a dict of errors (pages that render an ``errors`` mapping themselves): the dict is
      filled with the refusal's fields, or ``{general: message}`` for a refusal naming none;
    - no form: flashed as one line in the reader's language (:func:`bank.web.messages.error_text`),
      or as ``say(line)`` when the page frames it ("No invitation sent: …");
    - ``show=False``: nowhere; the caller reads :attr:`error` and answers its own way.

    ``rename`` maps a service's field names onto the form's (``from_account`` -> ``source``);
    ``expire`` forgets what the session had loaded, for a page that is rendered again from
    objects the rolled-back service had changed::

        attempt = Attempt(form)
        with attempt as session:
            member = service.register(session, ..., actor=g.actor)
        if attempt.succeeded:
            flash(...)
            return redirect(...)

    Any other exception is not caught: it rolls the work back and answers an error page.
    """

    def __init__(
        self,
        form: FlaskForm | dict[str, Any] | None = None,
        *,
        expire: bool = False,
        general: str = "form",
        rename: Mapping[str, str] | None = None,
        say: Callable[[str], str] | None = None,
        show: bool = True,
    ) -> None:
        self.form = form
        self.expire = expire
        self.general = general
        self.rename = rename
        self.say = say
        self.show = show
        #: The refusal the block ended with, or None while it has not been refused.
        self.error: BankError | None = None
        self._work: AbstractContextManager[Session] | None = None
        self._committed = False

    @property
    def succeeded(self) -> bool:
        """The block ran to its end and its work was committed."""
        return self._committed

    def __enter__(self) -> Session:
        self._work = db.unit_of_work()
        return self._work.__enter__()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> bool:
        assert self._work is not None, "Attempt used without entering it"
        self._work.__exit__(kind, error, traceback)  # commits, or rolls back (and lets go of error)
        self._committed = kind is None
        if not isinstance(error, BankError):
            return False
        if self.rename:
            error.fields = {self.rename.get(name, name): rule for name, rule in error.fields.items()}
        self.error = error
        if self.expire:
            db.session.expire_all()
        if not self.show:
            return True
        if isinstance(self.form, dict):
            self.form.clear()
            self.form.update(error.fields or {self.general: error.message})
        elif self.form is not None:
            show_errors(self.form, error)
        else:
            line = error_text(error)
            flash(self.say(line) if self.say is not None else line, "error")
        return True


def form_status(form: Any) -> int:
    """The status of a page that shows ``form`` again: 422 when it carries errors, else 200.

    ``form`` is a WTForms form (its field errors and the errors above it count) or the errors
    themselves (a mapping or list of them), for pages that collect errors without a form object.
    """
    if hasattr(form, "form_errors"):
        return 422 if form.errors or form.form_errors else 200
    return 422 if form else 200


def new_form_key() -> str:
    """A one-time key rendered into a money form; a resubmission reuses it and books once."""
    return secrets.token_urlsafe(16)


# ---------------------------------------------------------------------------------------------
# Numbers typed into forms: read in the page's language, handed to the domain exact.


def read_amount(
    text: object, *, field: str, allow_zero: bool = False, maximum: Decimal = MAX_AMOUNT
) -> Decimal:
    """An amount typed on this page ("12.000" is twelve thousand in Dutch); an error names ``field``."""
    return numbers.parse_amount(
        text, field=field, locale=input_locale(), allow_zero=allow_zero, maximum=maximum
    )


def read_number(text: object, *, field: str, places: int | None = None) -> Decimal:
    """A percentage or other decimal typed on this page ("3,85" in Dutch, "3.85" in English)."""
    return numbers.parse_number(text, field=field, locale=input_locale(), places=places)


def read_percent(
    text: object, *, field: str, maximum_percent: Decimal | None = None, places: int = 6
) -> Decimal:
    """A percentage typed on this page ("4,5" in Dutch) as the stored fraction (0.045)."""
    return numbers.parse_percent(
        text, field=field, locale=input_locale(), maximum_percent=maximum_percent, places=places
    )


def canonical_numbers(
    data: Mapping[str, Any],
    *,
    amounts: Iterable[str] = (),
    decimals: Iterable[str] = (),
    wholes: Iterable[str] = (),
) -> tuple[dict[str, Any], dict[str, str]]:
    """``data`` with the typed ``amounts`` and ``decimals`` in the canonical notation the domain reads.

    Services that read a whole form at once (products, the calculator, applications) take text
    in the API's notation; this turns the page's notation into it first. Empty fields stay as
    they are (the service knows whether they may be). A field that cannot be read keeps its text
    and its refusal is returned by name: the caller reports it with the service's verdict on the
    other fields (see :func:`numbers_refused`). ``wholes`` (months, counts) go on as typed, but
    digits other than 0-9 are refused here, as Python's ``int()`` would read "١٢" as 12.
    """
    result = dict(data)
    errors: dict[str, str] = {}
    for name in wholes:
        value = result.get(name)
        if isinstance(value, str) and has_foreign_digits(value):
            errors[name] = Message(NOT_ASCII_DIGITS, example="12")
    for names, read in ((amounts, _read_any_amount), (decimals, read_number)):
        for name in names:
            value = result.get(name)
            if not isinstance(value, str) or not value.strip():
                continue
            try:
                result[name] = numbers.canonical(read(value, field=name))
            except ValidationError as error:
                errors.update(error.fields)
    return result, errors


def _read_any_amount(text: object, *, field: str) -> Decimal:
    """An amount's notation only (two decimals at most); its limits are the service's to check."""
    return numbers.read_decimal(text, field=field, locale=input_locale(), places=2)


def numbers_refused(refused: Mapping[str, str], error: BankError | None = None) -> None:
    """Raise what could not be read together with the service's refusal of the rest, if any.

    The page's own reading of a number wins over what the service made of its text.
    """
    if error is not None and not refused:
        raise error
    if refused or error is not None:
        fields = dict(error.fields) if error is not None else {}
        raise ValidationError({**fields, **refused})


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
