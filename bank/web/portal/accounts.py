"""A deposit account's transactions, filtered by period and paged, through the logged-in member."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from bank.errors import ValidationError
from bank.extensions import db
from bank.portal import queries
from bank.web.access import member_required
from bank.web.forms import form_status
from bank.web.portal import bp
from bank.web.portal.helpers import date_arg, me, or_404, page_arg
from bank.web.portal.labels import labels

PER_PAGE = 25


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
