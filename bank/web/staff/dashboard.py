"""Staff dashboard: the bank at a glance."""

from __future__ import annotations

from flask import render_template

from bank.extensions import db
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.service import account_by_code
from bank.web.access import staff_required
from bank.web.staff import bp


@bp.route("/")
@staff_required()
def dashboard():  # type: ignore[no-untyped-def]
    session = db.session
    figures = {
        code: ledger_queries.balance(session, account_by_code(session, code).id)
        for code in (
            chart.MEMBER_DEPOSITS,
            chart.SHARE_CAPITAL,
            chart.SEED_CAPITAL,
            chart.SETTLEMENT,
            chart.LOAN_PRINCIPAL,
        )
    }
    rows = ledger_queries.trial_balance(session)
    debit_total = sum((r.debit_total for r in rows), start=0)
    credit_total = sum((r.credit_total for r in rows), start=0)
    return render_template(
        "staff/dashboard.html",
        figures=figures,
        chart=chart,
        trial_balance_ok=debit_total == credit_total,
        extra_panels=[],
    )
