"""Jinja filters: amounts, dates, IBANs and BSNs formatted the way Dutch users expect."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.numbers import format_currency, format_decimal
from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from bank import clock


def _locale() -> str:
    locale = get_locale()
    return str(locale) if locale else "nl"


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


def date_filter(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, dt.datetime):
        local = value.astimezone(clock.BANK_TZ)
        return local.strftime("%d-%m-%Y %H:%M") if _locale() == "nl" else local.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%d-%m-%Y") if _locale() == "nl" else value.isoformat()


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
    "member": _l("Member"),
}


def role_label_filter(role: str | None) -> str:
    """A user's role in words (``admin`` shows as "beheerder" in Dutch)."""
    return str(ROLE_LABELS.get(role or "", role or "—"))


def nl2br_filter(text: str | None) -> Markup:
    from markupsafe import escape

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
    )
    app.jinja_env.globals["today"] = clock.today
    app.jinja_env.globals["get_locale"] = get_locale
    from bank.web.nav import register_nav

    register_nav(app)
