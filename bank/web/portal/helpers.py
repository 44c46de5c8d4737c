"""Small helpers shared by the portal views: the logged-in member, 404s, dates from the query string."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from flask import abort, request
from flask_login import current_user

from bank.errors import Message, NotFound, ValidationError, as_message
from bank.statements.builder import parse_date
from bank.web.pagination import page_number

T = TypeVar("T")


def me() -> int:
    """The logged-in person's member id (``member_required`` guarantees there is one)."""
    member_id = current_user.member_id
    if member_id is None:
        abort(403)
    return int(member_id)


def or_404(lookup: Callable[..., T], *args: object) -> T:
    """Run a lookup through the member; anything not theirs is a plain 404."""
    try:
        return lookup(*args)
    except NotFound:
        abort(404)


def date_arg(name: str) -> tuple[dt.date | None, Message | None]:
    """(date, None) for a date in the query string, ISO (a date picker) or as Dutch readers write it
    (31-01-2026), read by the one date reader (``statements.builder.parse_date``); (None, error)
    for junk; (None, None) if absent."""
    try:
        return parse_date(request.args.get(name), field=name), None
    except ValidationError as error:
        return None, as_message(error.fields[name])


def page_arg() -> int:
    return page_number()
