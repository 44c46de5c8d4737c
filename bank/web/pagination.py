"""Paging a listing: which page was asked for, and how many there are.

Every listing pages the same way, so the query-string rule (a whole number from 1 to
:data:`MAX_PAGE`, else a 400 naming the parameter) and the page count live here once.
"""

from __future__ import annotations

from flask import abort, request
from flask_babel import format_number
from flask_babel import lazy_gettext as _l

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
                max=format_number(MAX_PAGE),
            ),
        )
    return int(raw)


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` rows fill at ``per_page`` a page; an empty listing is one page."""
    return max((total + per_page - 1) // per_page, 1)
