"""The bank's reports for staff and the board, each table also as CSV (``?format=csv&table=…``).

A report view turns the query result (``bank.reports.queries``) into a list of
:class:`ReportTable`; the same tables are rendered as HTML and exported as CSV, so every table
on screen can be downloaded and the two never disagree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import abort, make_response, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from markupsafe import Markup

from bank.errors import ValidationError
from bank.extensions import db
from bank.ledger import queries as ledger_queries
from bank.reports import charts
from bank.reports import queries as reports
from bank.reports.csv_export import to_csv
from bank.statements.builder import parse_date, purpose_label
from bank.web.access import staff_required
from bank.web.filters import money_filter
from bank.web.forms import form_status
from bank.web.labels import account_name
from bank.web.staff import bp

REPORT_ROLES = ("admin", "credit_officer")


@dataclass(frozen=True)
class Col:
    title: object
    #: "text", "money", "int", "ratio" (a plain number), "percent" (a number of percent, 56.80),
    #: "date" or "link" (a (text, url) pair).
    kind: str = "text"


@dataclass
class ReportTable:
    name: str
    title: object
    columns: Sequence[Col]
    rows: list[Sequence[Any]] = field(default_factory=list)
    footer: Sequence[Any] | None = None


@dataclass(frozen=True)
class Report:
    endpoint: str
    title: object
    #: "as_of" (one date) or "period" (from/to).
    dates: str


REPORTS = (
    Report("staff.report_trial_balance", lazy_gettext("Trial balance"), "as_of"),
    Report("staff.report_balance_sheet", lazy_gettext("Balance sheet"), "as_of"),
    Report("staff.report_profit_and_loss", lazy_gettext("Profit and loss"), "period"),
    Report("staff.report_portfolio", lazy_gettext("Loan portfolio"), "as_of"),
    Report("staff.report_arrears", lazy_gettext("Portfolio at risk and arrears"), "as_of"),
    Report("staff.report_funding", lazy_gettext("Deposits, loans and seed capital"), "as_of"),
    Report("staff.report_flows", lazy_gettext("New loans and repayments per month"), "period"),
    Report("staff.report_impact", lazy_gettext("Municipal impact report"), "period"),
)


@bp.app_template_filter("report_number")
def report_number(value: Decimal | int | None) -> str:
    """A plain number in the UI language: 1,19 (nl) / 1.19 (en); None shows as an em dash."""
    from babel.numbers import format_decimal
    from flask_babel import get_locale

    if value is None:
        return "—"
    return format_decimal(value, format="#,##0.00##", locale=str(get_locale() or "nl"))


def _month_label(month: str) -> str:
    """ "2026-10" -> "okt 26" (nl) / "Oct 26" (en) for the chart's axis."""
    from babel.dates import format_date
    from flask_babel import get_locale

    year, number = (int(part) for part in month.split("-"))
    return format_date(dt.date(year, number, 1), "MMM yy", locale=str(get_locale() or "nl")).replace(".", "")


def _status_label(status: str) -> str:
    return {
        "active": _("active"),
        "paid_off": _("paid off"),
        "written_off": _("written off"),
    }.get(status, status)


def _language() -> str:
    from flask_babel import get_locale

    locale = str(get_locale() or "nl")
    return "en" if locale.startswith("en") else "nl"


def _percent(value: Decimal | None) -> Decimal | None:
    return None if value is None else (value * 100).quantize(Decimal("0.01"))


def _dates() -> tuple[dict[str, dt.date | None], dict[str, str]]:
    """The report's dates from the query string; errors name the field."""
    values: dict[str, dt.date | None] = {}
    errors: dict[str, str] = {}
    for name in ("as_of", "date_from", "date_to"):
        try:
            values[name] = parse_date(request.args.get(name), field=name)
        except ValidationError as exc:
            errors.update(exc.fields)
            values[name] = None
    return values, errors


def _respond(
    report: Report,
    build: Callable[[dict[str, dt.date | None]], tuple[list[ReportTable], dict[str, Any]]],
) -> ResponseReturnValue:
    """Run the report; HTML by default, one table as CSV with ``format=csv&table=name``."""
    values, errors = _dates()
    tables: list[ReportTable] = []
    extra: dict[str, Any] = {}
    if not errors:
        try:
            tables, extra = build(values)
        except ValidationError as exc:
            errors = exc.fields
    if request.args.get("format") == "csv" and not errors:
        wanted = request.args.get("table") or (tables[0].name if tables else "")
        table = next((t for t in tables if t.name == wanted), None)
        if table is None:
            abort(404)
        return _csv(table, extra.get("stamp", ""))
    status = form_status(errors)
    return (
        render_template(
            "staff/reports/report.html",
            report=report,
            reports=REPORTS,
            tables=tables,
            errors=errors,
            args=request.args,
            **extra,
        ),
        status,
    )


def _csv_value(value: Any, kind: str) -> Any:
    if kind == "link" and isinstance(value, tuple):
        return value[0]
    return value


def _csv(table: ReportTable, stamp: str) -> ResponseReturnValue:
    kinds = [c.kind for c in table.columns]
    rows = [[_csv_value(v, k) for v, k in zip(row, kinds, strict=True)] for row in table.rows]
    if table.footer is not None:
        rows.append([_csv_value(v, k) for v, k in zip(table.footer, kinds, strict=True)])
    body = to_csv([str(c.title) for c in table.columns], rows)
    response = make_response("\ufeff" + body)  # the BOM lets Excel read UTF-8 (é, €) correctly
    response.mimetype = "text/csv"  # Werkzeug adds "; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{table.name}-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# ---------------------------------------------------------------------------------------------


def _closed(last_day: dt.date) -> bool:
    """The report's period lies in a closed period (period close): its figures never change."""
    through = ledger_queries.closed_through(db.session)
    return through is not None and last_day <= through


@bp.route("/reports")
@staff_required(*REPORT_ROLES)
def reports_index() -> ResponseReturnValue:
    session = db.session
    funding = reports.deposits_vs_loans(session)
    risk = reports.portfolio_at_risk(session)
    return render_template(
        "staff/reports/index.html",
        reports=REPORTS,
        funding=funding,
        risk=risk,
        ldr=_percent(funding.loan_to_deposit),
        par30=_percent(risk.par30),
        par90=_percent(risk.par90),
    )


@bp.route("/reports/trial-balance")
@staff_required(*REPORT_ROLES)
def report_trial_balance() -> ResponseReturnValue:
    def build(values: dict[str, dt.date | None]) -> tuple[list[ReportTable], dict[str, Any]]:
        result = reports.trial_balance(db.session, values["as_of"])
        table = ReportTable(
            "trial-balance",
            _("Trial balance"),
            [
                Col(_("Code")),
                Col(_("Account")),
                Col(_("Debit"), "money"),
                Col(_("Credit"), "money"),
                Col(_("Balance"), "money"),
            ],
            [[r.code, account_name(r), r.debit_total, r.credit_total, r.balance] for r in result.rows],
            ["", _("Total"), result.debit_total, result.credit_total, None],
        )
        check = _("Debits equal credits.") if result.balanced else _("Debits and credits differ!")
        return [table], {
            "closed": _closed(result.as_of),
            "as_of": result.as_of,
            "stamp": result.as_of.isoformat(),
            "check": check,
            "check_ok": result.balanced,
        }

    return _respond(REPORTS[0], build)


@bp.route("/reports/balance-sheet")
@staff_required(*REPORT_ROLES)
def report_balance_sheet() -> ResponseReturnValue:
    def build(values: dict[str, dt.date | None]) -> tuple[list[ReportTable], dict[str, Any]]:
        sheet = reports.balance_sheet(db.session, values["as_of"])
        columns = [Col(_("Code")), Col(_("Account")), Col(_("Amount"), "money")]
        assets = ReportTable(
            "assets",
            _("Assets"),
            columns,
            [[r.code, account_name(r), r.amount] for r in sheet.assets],
            ["", _("Total assets"), sheet.total_assets],
        )
        liabilities = ReportTable(
            "liabilities",
            _("Liabilities"),
            columns,
            [[r.code, account_name(r), r.amount] for r in sheet.liabilities],
            ["", _("Total liabilities"), sheet.total_liabilities],
        )
        equity_rows: list[Sequence[Any]] = [[r.code, account_name(r), r.amount] for r in sheet.equity]
        equity_rows.append(["", _("Result to date (income minus expenses)"), sheet.result])
        equity = ReportTable(
            "equity", _("Equity"), columns, equity_rows, ["", _("Total equity"), sheet.total_equity]
        )
        check = (
            _("Assets equal liabilities plus equity.")
            if sheet.balanced
            else _("Assets differ from liabilities plus equity!")
        )
        return [assets, liabilities, equity], {
            "closed": _closed(sheet.as_of),
            "as_of": sheet.as_of,
            "stamp": sheet.as_of.isoformat(),
            "check": check,
            "check_ok": sheet.balanced,
        }

    return _respond(REPORTS[1], build)


@bp.route("/reports/profit-and-loss")
@staff_required(*REPORT_ROLES)
def report_profit_and_loss() -> ResponseReturnValue:
    def build(values: dict[str, dt.date | None]) -> tuple[list[ReportTable], dict[str, Any]]:
        result = reports.profit_and_loss(db.session, values["date_from"], values["date_to"])
        columns = [Col(_("Code")), Col(_("Account")), Col(_("Amount"), "money")]
        income = ReportTable(
            "income",
            _("Income"),
            columns,
            [[r.code, account_name(r), r.amount] for r in result.income],
            ["", _("Total income"), result.total_income],
        )
        expenses = ReportTable(
            "expenses",
            _("Expenses"),
            columns,
            [[r.code, account_name(r), r.amount] for r in result.expenses],
            ["", _("Total expenses"), result.total_expenses],
        )
        summary = ReportTable(
            "result", _("Result"), columns, [], ["", _("Result for the period"), result.result]
        )
        return [income, expenses, summary], {
            "closed": _closed(result.date_to),
            "date_from": result.date_from,
            "date_to": result.date_to,
            "stamp": f"{result.date_from}_{result.date_to}",
        }

    return _respond(REPORTS[2], build)


@bp.route("/reports/portfolio")
@staff_required(*REPORT_ROLES)
def report_portfolio() -> ResponseReturnValue:
    def build(values: dict[str, dt.date | None]) -> tuple[list[ReportTable], dict[str, Any]]:
        result = reports.loan_portfolio(db.session, values["as_of"])
        language = _language()
        columns = [
            Col(_("Loans"), "int"),
            Col(_("Outstanding principal"), "money"),
            Col(_("Share"), "percent"),
        ]

        def share(amount: Decimal) -> Decimal | None:
            return _percent(amount / result.outstanding) if result.outstanding else None

        def table(
            name: str,
            title: str,
            heading: str,
            groups: Sequence[reports.PortfolioGroup],
            label: Callable[[str], str],
        ) -> ReportTable:
            return ReportTable(
                name,
                title,
                [Col(heading), *columns],
                [[label(g.key), g.loans, g.outstanding, share(g.outstanding)] for g in groups],
                [
                    _("Total"),
                    result.loans,
                    result.outstanding,
                    Decimal("100.00") if result.outstanding else None,
                ],
            )

        return [
            table(
                "by-purpose",
                _("By purpose"),
                _("Purpose"),
                result.by_purpose,
                lambda k: purpose_label(k, language),
            ),
            table("by-status", _("By status"), _("Status"), result.by_status, _status_label),
            table(
                "by-neighbourhood",
                _("By neighbourhood (postcode area)"),
                _("Postcode area"),
                result.by_area,
                lambda k: k,
            ),
        ], {"as_of": result.as_of, "stamp": result.as_of.isoformat()}

    return _respond(REPORTS[3], build)


@bp.route("/reports/arrears")
@staff_required(*REPORT_ROLES)
def report_arrears() -> ResponseReturnValue:
    def build(values: dict[str, dt.date | None]) -> tuple[list[ReportTable], dict[str, Any]]:
        risk = reports.portfolio_at_risk(db.session, values["as_of"])
        par = ReportTable(
            "portfolio-at-risk",
            _("Portfolio at risk"),
            [
                Col(_("Measure")),
                Col(_("Outstanding principal"), "money"),
                Col(_("Share of portfolio"), "percent"),
            ],
            [
                [
                    _("Portfolio (outstanding principal)"),
                    risk.outstanding,
                    Decimal("100.00") if risk.outstanding else None,
                ],
                [_("PAR30: more than 30 days past due"), risk.at_risk_30, _percent(risk.par30)],
                [_("PAR90: more than 90 days past due"), risk.at_risk_90, _percent(risk.par90)],
            ],
        )
        buckets = ReportTable(
            "arrears-buckets",
            _("Arrears by days past due"),
            [Col(_("Days past due")), Col(_("Loans"), "int"), Col(_("Outstanding principal"), "money")],
            [list(row) for row in risk.bucket_totals],
            [
                _("Total"),
                len(risk.arrears),
                sum((r.outstanding_principal for r in risk.arrears), Decimal("0.00")),
            ],
        )
        arrears = ReportTable(
            "arrears",
            _("Arrears list"),
            [
                Col(_("Loan")),
                Col(_("Borrower"), "link"),
                Col(_("Oldest unpaid due date"), "date"),
                Col(_("Days past due"), "int"),
                Col(_("Bucket")),
                Col(_("In arrears"), "money"),
                Col(_("Outstanding principal"), "money"),
            ],
            [
                [
                    r.loan_number,
                    (r.borrower_name, _member_url(r.borrower_id)),
                    r.oldest_due_on,
                    r.days_past_due,
                    r.bucket,
                    r.amount_in_arrears,
                    r.outstanding_principal,
                ]
                for r in risk.arrears
            ],
            [
                _("Total"),
                "",
                None,
                None,
                "",
                sum((r.amount_in_arrears for r in risk.arrears), Decimal("0.00")),
                sum((r.outstanding_principal for r in risk.arrears), Decimal("0.00")),
            ],
        )
        return [par, buckets, arrears], {"as_of": risk.as_of, "stamp": risk.as_of.isoformat()}

    return _respond(REPORTS[4], build)


def _member_url(member_id: int) -> str | None:
    try:
        return url_for("staff.member", member_id=member_id)
    except Exception:  # the members pages may not be registered in every app configuration
        return None


@bp.route("/reports/funding")
@staff_required(*REPORT_ROLES)
def report_funding() -> ResponseReturnValue:
    def build(values: dict[str, dt.date | None]) -> tuple[list[ReportTable], dict[str, Any]]:
        funding = reports.deposits_vs_loans(db.session, values["as_of"])
        balances = ReportTable(
            "funding",
            _("Deposits, loans and capital"),
            [Col(_("Account")), Col(_("Amount"), "money")],
            [
                [_("Member deposits (2000)"), funding.deposits],
                [_("Loans outstanding, principal (1100)"), funding.loans],
                [_("Member share capital (3000)"), funding.share_capital],
                [_("Municipal seed capital (3100)"), funding.seed_capital],
                [_("Reserves (3200)"), funding.reserves],
            ],
        )
        ratios = ReportTable(
            "ratios",
            _("Ratios"),
            [Col(_("Measure")), Col(_("Value"), "ratio")],
            [
                [_("Loan-to-deposit ratio (loans / deposits, per cent)"), _percent(funding.loan_to_deposit)],
                [_("Seed capital leverage (euros lent per euro of seed capital)"), funding.seed_leverage],
            ],
        )
        return [balances, ratios], {"as_of": funding.as_of, "stamp": funding.as_of.isoformat()}

    return _respond(REPORTS[5], build)


@bp.route("/reports/flows")
@staff_required(*REPORT_ROLES)
def report_flows() -> ResponseReturnValue:
    def build(values: dict[str, dt.date | None]) -> tuple[list[ReportTable], dict[str, Any]]:
        flows = reports.monthly_flows(db.session, values["date_from"], values["date_to"])
        table = ReportTable(
            "monthly-flows",
            _("Per month"),
            [
                Col(_("Month"), "month"),
                Col(_("New loans"), "int"),
                Col(_("Lent (principal)"), "money"),
                Col(_("Repaid (principal)"), "money"),
                Col(_("Written off"), "money"),
            ],
            [[m.month, m.new_loan_count, m.new_loans, m.repayments, m.written_off] for m in flows.months],
            [
                _("Total"),
                sum(m.new_loan_count for m in flows.months),
                flows.total_new_loans,
                flows.total_repayments,
                flows.total_written_off,
            ],
        )
        chart = charts.bar_chart(
            [_month_label(m.month) for m in flows.months],
            [
                charts.Series(_("Lent"), [m.new_loans for m in flows.months]),
                charts.Series(_("Repaid"), [m.repayments for m in flows.months]),
            ],
            title=_("New loans and repayments per month"),
            format_value=money_filter,
        )
        return [table], {
            "date_from": flows.date_from,
            "date_to": flows.date_to,
            "stamp": f"{flows.date_from}_{flows.date_to}",
            "chart": Markup(chart),  # built from numbers and escaped labels only
        }

    return _respond(REPORTS[6], build)
