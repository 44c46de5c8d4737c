"""Jinja filters: amounts, dates, IBANs and BSNs formatted the way Dutch users expect."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from babel.dates import format_date, format_datetime
from babel.numbers import format_currency, format_decimal
from flask import Flask, g
from flask_babel import get_locale, gettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

from bank import clock, numbers
from bank.auth import queries as users
from bank.extensions import db


def _locale() -> str:
    locale = get_locale()
    return str(locale) if locale else "nl"


def input_locale() -> str:
    """The locale whose notation the page shows and so reads ("nl": 12.000,50; "en": 12,000.50)."""
    return _locale()


def amount_input(value: Decimal | int | str | None) -> str:
    """An amount as this page's forms show it (``12.000,50``), so what is shown is read back."""
    return "" if value is None or value == "" else numbers.format_amount(value, input_locale())


def number_input(value: Decimal | int | str | None, places: int = 6) -> str:
    """A percentage as this page's forms show it (``3,85``), read back by ``forms.read_number``."""
    return "" if value is None or value == "" else numbers.format_number(value, input_locale(), places=places)


def money_filter(amount: Decimal | None) -> str:
    """``€ 1.234,56`` in Dutch, ``€1,234.56`` in English; None shows as an em dash."""
    if amount is None:
        return "—"
    return format_currency(amount, "EUR", locale=_locale(), format_type="standard")


def rate_filter(rate: Decimal | None) -> str:
    """0.045 → ``4,5 %`` (nl)."""
    if rate is None:
        return "—"
    return format_decimal(rate * 100, format="#,##0.00##", locale=_locale()) + " %"


def seconds_filter(seconds: float | None) -> str:
    """A duration as people read it in their language: ``0,3 s`` (nl), ``0.3 s`` (en)."""
    if seconds is None:
        return ""
    return format_decimal(seconds, format="#,##0.0", locale=_locale()) + " s"


#: How each language writes a date (Babel patterns): Dutch ``28-11-2026``; English keeps the
#: unambiguous ISO form rather than the American ``11/28/26``.
DATE_PATTERNS = {"nl": "dd-MM-yyyy", "en": "yyyy-MM-dd"}


def date_filter(value: dt.date | dt.datetime | None) -> str:
    """A date (or a moment, in the bank's time zone) as the page's readers write it, with Babel."""
    if value is None:
        return "—"
    locale = _locale()
    pattern = DATE_PATTERNS.get(locale.split("_")[0], DATE_PATTERNS["nl"])
    if isinstance(value, dt.datetime):
        local = value.astimezone(clock.BANK_TZ)
        return format_datetime(local, f"{pattern} HH:mm", tzinfo=clock.BANK_TZ, locale=locale)
    return format_date(value, pattern, locale=locale)


def iban_filter(iban: str | None) -> str:
    if not iban:
        return "—"
    compact = iban.replace(" ", "").upper()
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


def bsn_mask_filter(bsn: str | None) -> str:
    if not bsn:
        return "—"
    return "*" * (len(bsn) - 4) + bsn[-4:]


ROLE_LABELS = {
    "admin": _l("Administrator"),
    "teller": _l("Teller"),
    "credit_officer": _l("Credit officer"),
    "committee": _l("Committee member"),
    "compliance": _l("Compliance officer"),
    "member": _l("Member"),
}


def role_label_filter(role: str | None) -> str:
    """A user's role in words (``admin`` shows as "beheerder" in Dutch)."""
    return str(ROLE_LABELS.get(role or "", role or "—"))


def who_filter(label: str | None) -> str:
    """The person behind an actor label, by name: services record who acted by log-in e-mail
    (``Actor.label``), but people know their colleagues and the applicant by name.

    Staff names are read once per request; a member's log-in is looked up when it first shows.
    Labels of the system (``system:close-day``) read as the bank's own automatic work.
    """
    if not label:
        return "—"
    if label.startswith("system"):
        return str(_l("the bank (automatic)"))
    if "@" not in label:
        return label
    names: dict[str, str] | None = g.get("_who_names")
    if names is None:
        names = g._who_names = users.staff_names(db.session)
    if label not in names:
        names[label] = users.name_of(db.session, label) or label
    return names[label] or label


_AGENDA_NOTE = re.compile(r"^agenda of (\d{4}-\d{2}-\d{2})$")
_PAYOUT_NOTE = re.compile(r"^loan (\S+); approved by (\S+), prepared by (\S+)$")
_TALLY_NOTE = re.compile(r"^(\d+) for, (\d+) against, (\d+) abstained(?:; recused: (.*))?$")


def transition_note_filter(note: str | None) -> str:
    """An application's history note in the reader's language.

    The services write three notes themselves, in a fixed English form ("agenda of 2026-12-10",
    "3 for, 0 against, 0 abstained; recused: …", "loan WL-…; approved by …, prepared by …");
    those are read back and said in words of the catalogue, people by name. Notes people typed
    (and any further lines, such as a rejection's reasons) are shown as written.
    """
    if not note:
        return ""
    first, _newline, rest = note.partition("\n")
    if agenda := _AGENDA_NOTE.match(first):
        first = gettext("agenda of %(date)s", date=date_filter(dt.date.fromisoformat(agenda.group(1))))
    elif payout := _PAYOUT_NOTE.match(first):
        loan, checker, maker = payout.groups()
        first = gettext(
            "loan %(loan)s; approved by %(checker)s, prepared by %(maker)s",
            loan=loan,
            checker=who_filter(checker),
            maker=who_filter(maker),
        )
    elif tally := _TALLY_NOTE.match(first):
        approve, reject, abstain, recused = tally.groups()
        first = gettext("%(a)s for, %(r)s against, %(x)s abstained", a=approve, r=reject, x=abstain)
        if recused:
            names = ", ".join(who_filter(label.strip()) for label in recused.split(","))
            first += "; " + gettext("recused: %(names)s", names=names)
    return first + (_newline + rest if rest else "")


def nl2br_filter(text: str | None) -> Markup:
    return Markup("<br>".join(escape(line) for line in (text or "").splitlines()))


def register_filters(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money_filter,
        rate=rate_filter,
        date=date_filter,
        iban=iban_filter,
        bsn_mask=bsn_mask_filter,
        nl2br=nl2br_filter,
        role_label=role_label_filter,
        who=who_filter,
        seconds=seconds_filter,
        transition_note=transition_note_filter,
    )
    app.jinja_env.globals["today"] = clock.today
    app.jinja_env.globals["get_locale"] = get_locale
    # Numbers in form fields and their hints, in the notation the page reads back.
    app.jinja_env.globals.update(amount_input=amount_input, number_input=number_input)
