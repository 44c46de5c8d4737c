"""Chart of accounts, journal entries and the trial balance."""

from __future__ import annotations

import datetime as dt

from flask import abort, flash, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from bank import clock
from bank.errors import ValidationError
from bank.extensions import db
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry, LedgerAccount
from bank.statements.builder import parse_date
from bank.web.access import staff_required
from bank.web.messages import error_text
from bank.web.pagination import page_count, page_number
from bank.web.staff import bp


def _as_of_arg() -> dt.date:
    """The date asked for (a date picker's ISO, or typed as 28-11-2026); if unreadable, today and why."""
    try:
        return parse_date(request.args.get("as_of"), field="as_of") or clock.today()
    except ValidationError as error:
        flash(error_text(error), "error")
        return clock.today()


@bp.route("/ledger/accounts")
@staff_required("admin", "teller", "credit_officer")
def chart_of_accounts() -> ResponseReturnValue:
    session = db.session
    rows = ledger_queries.trial_balance(session)
    return render_template("staff/ledger/accounts.html", rows=rows)


@bp.route("/ledger/accounts/<int:account_id>")
@staff_required("admin", "teller", "credit_officer")
def ledger_account(account_id: int) -> ResponseReturnValue:
    session = db.session
    account = session.get(LedgerAccount, account_id)
    if account is None:
        abort(404)
    page = page_number()
    children = []
    lines: list[ledger_queries.HistoryLine] = []
    total = 0
    if account.is_control:
        children = list(
            session.scalars(
                select(LedgerAccount)
                .where(LedgerAccount.parent_id == account.id)
                .order_by(LedgerAccount.code)
                .limit(200)
            )
        )
    else:
        lines, total, _opening = ledger_queries.history(session, account.id, page=page, per_page=50)
    return render_template(
        "staff/ledger/account.html",
        account=account,
        balance=ledger_queries.balance(session, account.id),
        lines=lines,
        children=children,
        child_balances=ledger_queries.balances(session, [c.id for c in children]),
        page=page,
        pages=page_count(total, 50),
    )


@bp.route("/ledger/entries/<int:entry_id>")
@staff_required("admin", "teller", "credit_officer")
def journal_entry(entry_id: int) -> ResponseReturnValue:
    session = db.session
    entry = session.get(JournalEntry, entry_id)
    if entry is None:
        abort(404)
    reversal = session.scalar(select(JournalEntry).where(JournalEntry.reverses_entry_id == entry.id))
    return render_template("staff/ledger/entry.html", entry=entry, reversal=reversal)


@bp.route("/ledger/trial-balance")
@staff_required("admin", "teller", "credit_officer")
def trial_balance() -> ResponseReturnValue:
    as_of = _as_of_arg()
    rows = ledger_queries.trial_balance(db.session, as_of)
    debit_total = sum((r.debit_total for r in rows), start=0)
    credit_total = sum((r.credit_total for r in rows), start=0)
    return render_template(
        "staff/ledger/trial_balance.html",
        rows=rows,
        as_of=as_of,
        debit_total=debit_total,
        credit_total=credit_total,
    )
