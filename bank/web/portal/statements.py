"""Statements in the portal: the stored monthly ones, and on demand for any past period, a loan
or a year. Everything is looked up through the logged-in member; the PDFs are the statements
engineer's (:mod:`bank.statements.service`)."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, g, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from bank import audit, clock
from bank.errors import N_, ValidationError
from bank.extensions import db
from bank.members import queries as member_queries
from bank.portal import queries
from bank.statements import builder as statement_builder
from bank.statements import service as statements
from bank.statements.models import StoredStatement
from bank.web.access import member_required
from bank.web.forms import whole_number
from bank.web.portal import bp
from bank.web.portal.helpers import me, or_404


def _language() -> str:
    locale = str(get_locale() or "nl")
    return locale if locale in ("nl", "en") else "nl"


def _pdf(body: bytes, name: str) -> ResponseReturnValue:
    response = make_response(body)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _statement_years(view: queries.MemberView, today: dt.date) -> list[int]:
    """The years with an account or a loan, newest first: none before the member's first account."""
    starts = [line.account.opened_on.year for line in view.accounts]
    starts += [line.loan.disbursed_on.year for line in view.loans if line.loan.disbursed_on]
    if not starts:
        return []
    return list(range(today.year, min(starts) - 1, -1))


def _page(errors: dict[str, str] | None = None, status: int = 200) -> ResponseReturnValue:
    session = db.session
    views = queries.dashboard(session, me())
    stored: list[StoredStatement] = []
    for view in views:
        stored += statements.stored_statements_for_member(session, view.member.id)
    stored.sort(key=lambda s: (s.period_start, s.deposit_account_id), reverse=True)
    today = clock.today()
    first_of_month = today.replace(day=1)
    last_month_end = first_of_month - dt.timedelta(days=1)
    return (
        render_template(
            "portal/statements.html",
            views=views,
            stored=stored,
            owners={line.account.id: view.member.full_name for view in views for line in view.accounts},
            errors=errors or {},
            form={
                "account": request.args.get("account", ""),
                "from": request.args.get("from") or last_month_end.replace(day=1).isoformat(),
                "to": request.args.get("to") or last_month_end.isoformat(),
            },
            years={view.member.id: _statement_years(view, today) for view in views},
            today=today,
        ),
        status,
    )


@bp.route("/statements", endpoint="statements")
@member_required
def statements_page() -> ResponseReturnValue:
    return _page()


@bp.route("/statements/<int:statement_id>.pdf")
@member_required
def stored_statement(statement_id: int) -> ResponseReturnValue:
    session = db.session
    found = None
    for member_id in member_queries.visible_member_ids(session, me()):
        found = statements.stored_statement_of_member(session, member_id, statement_id)
        if found is not None:
            break
    if found is None:
        abort(404)
    body = statements.read_stored_statement(found, current_app.config["STATEMENT_DIR"])
    return _pdf(body, found.download_name)


@bp.route("/statements/period")
@member_required
def period_statement() -> ResponseReturnValue:
    """The statements page's form: the account comes as a parameter, looked up through the member."""
    account_id = whole_number(request.args.get("account"))
    if account_id is None:
        return _page({"account": "choose an account"}, status=422)
    return account_statement(account_id)


@bp.route("/accounts/<int:account_id>/statement.pdf")
@member_required
def account_statement(account_id: int) -> ResponseReturnValue:
    session = db.session
    account = or_404(queries.account_for, session, me(), account_id)
    try:
        date_from = statement_builder.parse_date(request.args.get("from"), field="date_from")
        date_to = statement_builder.parse_date(request.args.get("to"), field="date_to")
        queries.check_period(date_from, date_to, required=True)
        assert date_from is not None and date_to is not None
        body = statements.account_statement_pdf(session, account, date_from, date_to, language=_language())
    except ValidationError as error:
        session.rollback()
        return _page(dict(error.fields), status=422)
    with db.unit_of_work() as s:
        audit.record(
            s, g.actor, "portal.statement", "deposit_account", account.id, detail=f"{date_from} to {date_to}"
        )
    prefix = "rekeningafschrift" if _language() == "nl" else "statement"
    return _pdf(body, f"{prefix}-{account.number}-{date_from.isoformat()}-{date_to.isoformat()}.pdf")


@bp.route("/loans/<int:loan_id>/statement.pdf")
@member_required
def loan_statement(loan_id: int) -> ResponseReturnValue:
    session = db.session
    loan = or_404(queries.loan_for, session, me(), loan_id)
    today = clock.today()
    body = statements.loan_statement_pdf(session, loan, today, language=_language())
    prefix = "leningoverzicht" if _language() == "nl" else "loan-statement"
    return _pdf(body, f"{prefix}-{loan.number}-{today.isoformat()}.pdf")


@bp.route("/members/<int:member_id>/annual-statement.pdf")
@member_required
def annual_statement(member_id: int) -> ResponseReturnValue:
    session = db.session
    if member_id not in member_queries.visible_member_ids(session, me()):
        abort(404)
    member = member_queries.member_detail(session, member_id)
    year_text = (request.args.get("year") or "").strip()
    try:
        if not year_text.isdigit():
            raise ValidationError("year", N_("must be a year like 2025"))
        year = int(year_text)
        body = statements.annual_statement_pdf(session, member, year, language=_language())
    except ValidationError as error:
        session.rollback()
        return _page(dict(error.fields), status=422)
    prefix = "jaaroverzicht" if _language() == "nl" else "annual-statement"
    return _pdf(body, f"{prefix}-{member.number}-{year}.pdf")
