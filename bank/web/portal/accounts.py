"""A deposit account's transactions, filtered by period and paged, through the logged-in member,
and how to transfer money to it from elsewhere: the bank's settlement IBAN and the account's
structured reference (betalingskenmerk) that the statement matching books it by."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from bank.errors import ValidationError
from bank.extensions import db
from bank.payments import references
from bank.payments.collections import BANK_NAME
from bank.portal import queries
from bank.savings.models import DepositAccount, DepositAccountStatus
from bank.web.access import member_required
from bank.web.forms import form_status
from bank.web.portal import bp
from bank.web.portal.helpers import date_arg, me, or_404, page_arg
from bank.web.portal.labels import labels

PER_PAGE = 25


@dataclass(frozen=True)
class TransferTo:
    """What a member types in their own bank's app to pay into this account."""

    #: The bank's settlement account (the first of ``SETTLEMENT_IBANS``), compact.
    iban: str
    beneficiary: str
    #: The account's reference, compact ("RF74100000016") and in groups of four for reading.
    reference: str
    printed_reference: str


def transfer_to(account: DepositAccount) -> TransferTo | None:
    """Where to transfer money for ``account``; None for a closed account (nothing can be booked
    on it) or when no settlement account is set."""
    ibans = current_app.config.get("SETTLEMENT_IBANS") or ()
    if account.status is DepositAccountStatus.CLOSED or not ibans:
        return None
    reference = references.creditor_reference(account)
    return TransferTo(
        iban=str(ibans[0]),
        beneficiary=str(current_app.config.get("BANK_NAME") or BANK_NAME),
        reference=reference,
        printed_reference=references.format(reference),
    )


@bp.route("/accounts/<int:account_id>")
@member_required
def account(account_id: int) -> ResponseReturnValue:
    session = db.session
    found = or_404(queries.account_for, session, me(), account_id)
    date_from, from_error = date_arg("from")
    date_to, to_error = date_arg("to")
    errors: dict[str, object] = {}
    if from_error:
        errors["date_from"] = from_error
    if to_error:
        errors["date_to"] = to_error
    result = None
    if not errors:
        try:
            result = queries.transactions(
                session,
                found,
                date_from=date_from,
                date_to=date_to,
                page=page_arg(),
                per_page=PER_PAGE,
                language=str(get_locale() or "nl"),
            )
        except ValidationError as error:
            errors = dict(error.fields)
    status = form_status(errors)
    return (
        render_template(
            "portal/account.html",
            account=found,
            transfer=transfer_to(found),
            result=result,
            errors=errors,
            date_from=date_from,
            date_to=date_to,
            raw_from=_raw("from"),
            raw_to=_raw("to"),
            **labels(),
        ),
        status,
    )


def _raw(name: str) -> str:
    from flask import request

    return (request.args.get(name) or "").strip()[:20]
