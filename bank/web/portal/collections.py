"""My collections ("Mijn incasso's"): the direct debits on the loans of the member and of the
organisations they represent (the portal's rule, as for loans and mandates), with the date, the
amount, the mandate reference and what became of each, in words: announced, sent to the bank,
collected, or returned (with the reason the bank gave).

There is no id in the URL; every item is found through the logged-in member's loans, so another
member's direct debit is never listed.
"""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from bank.extensions import db
from bank.payments import queries, returns
from bank.payments.batch_models import BatchState, ItemState, PaymentBatchItem
from bank.portal import queries as portal_queries
from bank.web.access import member_required
from bank.web.labels import BATCH_ITEM_STATE, MEMBER_COLLECTION_STATE
from bank.web.portal import bp
from bank.web.portal.helpers import me, page_arg

PER_PAGE = 25


def member_state(item: PaymentBatchItem) -> str:
    """The code of :data:`MEMBER_COLLECTION_STATE` for an item: a pending one is announced until
    its batch leaves the bank, then sent; any other state is the item's own."""
    if item.state is ItemState.PENDING:
        return "announced" if item.batch.state is BatchState.PREPARED else "sent"
    return item.state.value


def state_label(code: str) -> str:
    """The member's words for a state code; a state added later still reads in words (the staff
    word), and an unknown code as itself rather than an error page."""
    label = MEMBER_COLLECTION_STATE.get(code) or BATCH_ITEM_STATE.get(code)
    return str(label) if label is not None else code


def return_reason_text(code: str) -> str:
    """The return reason as the member reads it: the ISO code their bank gave and what it means
    ("AM04 onvoldoende saldo"); a code the bank does not know, as the code."""
    words = returns.reason_label(code)
    return code if words == code else f"{code} {_(words)}"


@bp.route("/collections")
@member_required
def collections() -> ResponseReturnValue:
    session = db.session
    acting_for = [member.id for member, _role in portal_queries.visible_members(session, me())]
    items = queries.collection_items_of_members(session, acting_for, page=page_arg(), per_page=PER_PAGE)
    return render_template(
        "portal/collections.html",
        items=items,
        several_members=len(acting_for) > 1,
        member_state=member_state,
        state_label=state_label,
        return_reason_text=return_reason_text,
    )
