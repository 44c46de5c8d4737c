"""Small read-only helpers the pool pages share (staff and portal), and the words they show.

The domain's :mod:`bank.pools.queries` gives the figures and the listings (participants paged
and searched, distributions and losses of one pool, the funded loans with what is still
outstanding); what lives here is wording: a borrower that did not consent to be named is
described in the reader's language ("a co-op bakery in 1092"), so the sentence is built here
with translatable words, not in the domain.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from bank.loans.products_models import LoanPurpose
from bank.web import labels as status_tables

#: What a loan purpose is called in a list of a pool's terms.
PURPOSE_LABELS = status_tables.PURPOSE_LABELS
purpose_label = status_tables.purpose_label
#: The noun used for an unnamed borrower whose activity is not recorded ("a co-op start-up in 1092").
PURPOSE_NOUNS = {
    LoanPurpose.COOP_STARTUP: _l("co-op start-up"),
    LoanPurpose.LAND_TRUST_PURCHASE: _l("community land trust"),
    LoanPurpose.ASSOCIATION: _l("association"),
    LoanPurpose.HOUSING_COOP: _l("housing co-op"),
    LoanPurpose.OTHER: _l("local project"),
}
POOL_STATUS_LABELS = status_tables.POOL_STATUS
WITHDRAWAL_STATUS_LABELS = status_tables.POOL_WITHDRAWAL_STATUS
LOAN_STATUS_LABELS = status_tables.LOAN_STATUS


def labels() -> dict[str, Any]:
    return {
        "purpose_labels": PURPOSE_LABELS,
        "pool_status_labels": POOL_STATUS_LABELS,
        "withdrawal_status_labels": WITHDRAWAL_STATUS_LABELS,
        "pool_loan_status_labels": LOAN_STATUS_LABELS,
        "purpose_label": purpose_label,
    }


def anonymous_description(activity: str | None, postcode_area: str | None, purpose: str | None) -> str:
    """How an unnamed borrower is shown to member-investors: "a co-op bakery in 1092".

    The organisation's own activity when recorded, else the noun of the loan's purpose; the
    area is the four digits of the postcode, never the street.
    """
    what = (activity or "").strip()
    if not what:
        try:
            what = str(PURPOSE_NOUNS[LoanPurpose(purpose or "other")])
        except ValueError:
            what = str(PURPOSE_NOUNS[LoanPurpose.OTHER])
    area = (postcode_area or "").strip()
    if area:
        return _("a %(activity)s in %(area)s", activity=what, area=area)
    return _("a %(activity)s", activity=what)
