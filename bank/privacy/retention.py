"""The retention periods (pure): what the bank must keep about a former member, and until when.

Two laws set how long, counted from the end of the relationship (the day the member left):

- **Wwft art. 33**: the customer-due-diligence records — identity documents, the due-diligence
  file, beneficial owners, screening — five years after the business relationship ended.
- **AWR art. 52 / BW 2:10**: the accounting records — the ledger, contracts, statements, payment
  data with the IBANs and names on them — seven years; the year is the bookkeeping year, so the
  seven years run from the end of the calendar year in which the relationship ended.

Contact details (e-mail, telephone, the portal log-in) fall under neither: once the relationship
has ended they are kept for no law and are erased when the member asks.

A registration that never became a relationship (no member share paid, no account, no identity
checked, no money moved) leaves nothing any law asks to keep: it is erasable the day after it was
withdrawn. The ledger, the amounts and the decisions are kept for good (anonymised: they name the
member by number only).
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

#: Years after the end of the relationship (Wwft art. 33 lid 3).
WWFT_YEARS = 5
#: Years after the end of the bookkeeping year in which the relationship ended (AWR art. 52 lid 4).
TAX_YEARS = 7


class Category(enum.StrEnum):
    """What a member's data is, for retention."""

    #: Identity documents, the due-diligence file, beneficial owners, screening (Wwft).
    DUE_DILIGENCE = "due_diligence"
    #: Names, addresses, BSN and IBANs on contracts, statements and payments (tax).
    ACCOUNTING = "accounting"
    #: E-mail, telephone, the portal log-in: no law asks to keep them after the relationship.
    CONTACT = "contact"


class Law(enum.StrEnum):
    WWFT = "wwft"
    TAX = "tax"
    NONE = "none"


@dataclass(frozen=True)
class Kept:
    """One category of data: the law that keeps it and the last day it must be kept (None: erasable
    now, or — for a member whose relationship has not ended — from an end not yet known)."""

    category: Category
    law: Law
    kept_until: dt.date | None


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def wwft_until(left_on: dt.date) -> dt.date:
    """The last day the due-diligence records must be kept."""
    return _add_years(left_on, WWFT_YEARS)


def tax_until(left_on: dt.date) -> dt.date:
    """The last day the accounting records must be kept: 31 December, seven years on."""
    return dt.date(left_on.year + TAX_YEARS, 12, 31)


def retention_of(left_on: dt.date, *, had_relationship: bool) -> list[Kept]:
    """What is kept until when for a member who left on ``left_on``.

    Without a relationship (``had_relationship`` False) nothing is kept past the day it ended.
    """
    if not had_relationship:
        return [Kept(category, Law.NONE, left_on) for category in Category]
    return [
        Kept(Category.DUE_DILIGENCE, Law.WWFT, wwft_until(left_on)),
        Kept(Category.ACCOUNTING, Law.TAX, tax_until(left_on)),
        Kept(Category.CONTACT, Law.NONE, left_on),
    ]


def erasable_on(left_on: dt.date, *, had_relationship: bool) -> dt.date:
    """The first day everything may be anonymised: the day after the longest period."""
    if not had_relationship:
        return left_on + dt.timedelta(days=1)
    return max(wwft_until(left_on), tax_until(left_on)) + dt.timedelta(days=1)


def retention_while_member() -> list[Kept]:
    """For a member whose relationship has not ended: every period runs from an end not yet known."""
    return [
        Kept(Category.DUE_DILIGENCE, Law.WWFT, None),
        Kept(Category.ACCOUNTING, Law.TAX, None),
        Kept(Category.CONTACT, Law.NONE, None),
    ]
