"""Statements in the back office: staff produce and download statements for any account.

* ``/staff/statements``: an account statement for any past period (PDF), the stored monthly
  statements, and (admins) producing a month's statements by hand;
* ``/staff/statements/<id>.pdf``: a stored statement, checked against its checksum;
* ``/staff/accounts/<id>/statement.pdf``, ``/staff/loans/<id>/statement.pdf`` and
  ``/staff/members/<id>/annual-statement.pdf``: on-demand statements.

Every download of a statement (personal data) is written to the audit log.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date
from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from bank import audit, clock
from bank.errors import N_, ValidationError
from bank.extensions import db
from bank.loans.models import Loan
from bank.members.models import Member
from bank.savings import service as savings
from bank.savings.models import DepositAccount
from bank.statements import builder
from bank.statements import queries as statement_queries
from bank.statements import service as statement_service
from bank.statements.models import StoredStatement
from bank.web.access import staff_required
from bank.web.forms import Attempt, form_status
from bank.web.labels import month_label
from bank.web.messages import error_text
from bank.web.staff import bp

VIEW_ROLES = ("admin", "teller", "credit_officer")
PRODUCE_ROLES = ("admin",)


def _pdf(body: bytes, name: str) -> ResponseReturnValue:
    response = make_response(body)
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _statement_dir() -> str:
    return current_app.config["STATEMENT_DIR"]


def _language_arg() -> str | None:
    language = request.args.get("language")
    return language if language in ("nl", "en") else None


def _last_month() -> tuple[dt.date, dt.date]:
    end = clock.today().replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


def _record_download(what: str, object_type: str, object_id: int, detail: str) -> None:
    with db.unit_of_work() as session:
        audit.record(session, g.actor, f"statement.download.{what}", object_type, object_id, detail=detail)


#: How many years back the monthly form offers: statements are kept for years, not forever.
MONTH_FORM_YEARS = 6


def month_choices() -> list[tuple[int, str]]:
    """The twelve months by number with their names in the page's language ("oktober")."""
    locale = str(get_locale() or "nl")
    return [(number, format_date(dt.date(2000, number, 1), "LLLL", locale=locale)) for number in range(1, 13)]


def year_choices(today: dt.date) -> list[int]:
    """The years the monthly form offers, this year first."""
    return list(range(today.year, today.year - MONTH_FORM_YEARS, -1))


def read_month(month_text: str | None, year_text: str | None, today: dt.date) -> dt.date:
    """The last day of the month chosen as a month (1-12) and a year from the form's lists.

    The form offers a month by name and a year, so staff never type "2026-10"; anything else
    (a hand-made request) is refused naming the field, in the page's language.
    """
    errors: dict[str, str] = {}
    month_text, year_text = (month_text or "").strip(), (year_text or "").strip()
    month = int(month_text) if month_text.isdigit() else 0
    year = int(year_text) if year_text.isdigit() else 0
    if not 1 <= month <= 12:
        errors["month"] = N_("choose a month from the list")
    if year not in year_choices(today):
        errors["year"] = N_("choose a year from the list")
    if errors:
        raise ValidationError(errors)
    return statement_service.month_end_of(dt.date(year, month, 1))


def _render_index(
    form: dict[str, str],
    errors: dict[str, object] | None = None,
    month_errors: dict[str, object] | None = None,
    chosen: tuple[str, str] | None = None,
) -> ResponseReturnValue:
    session = db.session
    today = clock.today()
    _default_from, default_to = _last_month()
    recent = statement_queries.recent_statements(session, limit=50)
    month, year = chosen or (str(default_to.month), str(default_to.year))
    return (
        render_template(
            "staff/statements/index.html",
            form=form,
            errors=errors or {},
            month_errors=month_errors or {},
            months=month_choices(),
            years=year_choices(today),
            chosen_month=month,
            chosen_year=year,
            recent=recent,
            can_produce=g.actor.has_role(*PRODUCE_ROLES),
        ),
        form_status(errors or month_errors),
    )


@bp.route("/statements")
@staff_required(*VIEW_ROLES)
def statements() -> ResponseReturnValue:
    """The on-demand form; with ``account`` given, the PDF itself (or the form with the error)."""
    session = db.session
    default_from, default_to = _last_month()
    form = {
        "account": request.args.get("account", ""),
        "date_from": request.args.get("date_from", default_from.isoformat()),
        "date_to": request.args.get("date_to", default_to.isoformat()),
    }
    errors: dict[str, object] = {}
    if request.args.get("account") is not None:
        try:
            account = savings.lookup_account(session, form["account"], field="account")
            date_from = builder.parse_date(form["date_from"], field="date_from")
            date_to = builder.parse_date(form["date_to"], field="date_to")
            builder.check_period(date_from, date_to)
            assert date_from is not None and date_to is not None
            body = statement_service.account_statement_pdf(
                session, account, date_from, date_to, language=_language_arg()
            )
        except ValidationError as exc:
            errors = dict(exc.fields)
        else:
            _record_download("account", "deposit_account", account.id, f"{date_from} – {date_to}")
            return _pdf(body, f"statement-{account.number}-{date_from}-{date_to}.pdf")
    return _render_index(form, errors)


@bp.route("/statements/monthly", methods=["POST"])
@staff_required(*PRODUCE_ROLES)
def produce_monthly() -> ResponseReturnValue:
    """Produce a month's stored statements; a refused month shows the form again with the reason."""
    month_text, year_text = request.form.get("month", ""), request.form.get("year", "")
    # A month the form cannot name shows the form again; any other refusal is flashed.
    attempt = Attempt(show=False)
    with attempt as session:
        month_end = read_month(month_text, year_text, clock.today())
        run = statement_service.produce_monthly_statements(
            session, month_end, actor=g.actor, statement_dir=_statement_dir()
        )
    if isinstance(attempt.error, ValidationError):
        default_from, default_to = _last_month()
        form = {"account": "", "date_from": default_from.isoformat(), "date_to": default_to.isoformat()}
        return _render_index(form, month_errors=dict(attempt.error.fields), chosen=(month_text, year_text))
    if attempt.error is not None:
        flash(error_text(attempt.error), "error")
        return redirect(url_for("staff.statements"))
    flash(
        _(
            "Statements for %(month)s: %(created)s produced, %(stored)s were already stored.",
            month=month_label(run.month_start),
            created=run.created,
            stored=run.already_stored,
        ),
        "info",
    )
    return redirect(url_for("staff.statements"))


@bp.route("/statements/<int:statement_id>.pdf")
@staff_required(*VIEW_ROLES)
def stored_statement(statement_id: int) -> ResponseReturnValue:
    statement = db.session.get(StoredStatement, statement_id)
    if statement is None:
        abort(404)
    try:
        body = statement_service.read_stored_statement(statement, _statement_dir())
    except statement_service.StatementDamaged as exc:
        current_app.logger.error("stored statement %s refused: %s", statement.id, exc.message)
        abort(500, description=_l("This statement's file is missing or damaged; it was not shown."))
    _record_download("stored", "stored_statement", statement.id, statement.relative_path)
    return _pdf(body, statement.download_name)


@bp.route("/accounts/<int:account_id>/statements")
@staff_required(*VIEW_ROLES)
def account_statements(account_id: int) -> ResponseReturnValue:
    session = db.session
    account = session.get(DepositAccount, account_id)
    if account is None:
        abort(404)
    default_from, default_to = _last_month()
    return render_template(
        "staff/statements/account.html",
        account=account,
        stored=statement_service.stored_statements_for(session, account),
        default_from=default_from,
        default_to=default_to,
    )


@bp.route("/loans/<int:loan_id>/statement.pdf")
@staff_required(*VIEW_ROLES)
def loan_statement(loan_id: int) -> ResponseReturnValue:
    session = db.session
    loan = session.get(Loan, loan_id)
    if loan is None:
        abort(404)
    try:
        as_of = builder.parse_date(request.args.get("as_of"), field="as_of") or clock.today()
        body = statement_service.loan_statement_pdf(session, loan, as_of, language=_language_arg())
    except ValidationError as exc:
        # The loan's page is where the statement is asked for: back there, the reason in words.
        db.session.rollback()
        flash(error_text(exc), "error")
        return redirect(url_for("staff.loan", loan_id=loan.id))
    _record_download("loan", "loan", loan.id, as_of.isoformat())
    return _pdf(body, f"loan-{loan.number}-{as_of}.pdf")


@bp.route("/members/<int:member_id>/annual-statement.pdf")
@staff_required(*VIEW_ROLES)
def annual_statement(member_id: int) -> ResponseReturnValue:
    session = db.session
    member = session.get(Member, member_id)
    if member is None:
        abort(404)
    year_text = request.args.get("year") or str(clock.today().year - 1)
    try:
        if not year_text.isdigit():
            raise ValidationError("year", N_("must be a year like 2025"))
        year = int(year_text)
        body = statement_service.annual_statement_pdf(session, member, year, language=_language_arg())
    except ValidationError as exc:
        db.session.rollback()
        flash(error_text(exc), "error")
        return redirect(url_for("staff.member", member_id=member.id))
    _record_download("annual", "member", member.id, str(year))
    prefix = "jaaroverzicht" if member.language != "en" else "annual-statement"
    return _pdf(body, f"{prefix}-{member.number}-{year}.pdf")
