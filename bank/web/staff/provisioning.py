"""Provisions for staff: a month-end's allowance (by stage, by purpose, the movement table, the
pools' first-loss buffers, the loans), as HTML, each table as CSV and the whole as PDF; the PD
table the admin sets; the credit officer's watchlist and credit-impaired flags on a loan.

The run itself is started from the runs page (job "Loan-loss provisioning") or by close day at
a month-end; this page reads what the runs stored (``bank.provisioning.queries``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from bank import clock
from bank.errors import ValidationError
from bank.extensions import db
from bank.loans.models import Loan
from bank.provisioning import queries, service
from bank.provisioning.models import GRADES, STAGES, ProvisionMonth
from bank.reports.csv_export import to_csv
from bank.reports.impact_csv import Section
from bank.reports.provisions_pdf import render_provisions_report
from bank.statements.builder import parse_date
from bank.web.access import staff_required
from bank.web.filters import date_filter, money_filter
from bank.web.forms import Attempt, form_status
from bank.web.labels import purpose_label
from bank.web.staff import bp
from bank.web.staff.loan_provision import FLAG_LABELS, REASON_LABELS
from bank.web.staff.loans import _loan_or_404, _render_loan
from bank.web.staff.reports import Col, ReportTable

VIEW_ROLES = ("admin", "credit_officer")
TABLE_ROLES = service.TABLE_ROLES
FLAG_ROLES = service.FLAG_ROLES

MOVEMENT_LABELS = {
    "opening": _l("Opening allowance"),
    "new_loans": _l("New loans"),
    "transfers": _l("Transfers between stages"),
    "remeasurement": _l("Remeasurement"),
    "write_offs": _l("Write-offs"),
    "releases": _l("Releases (loans repaid, allowance not used)"),
    "closing": _l("Closing allowance"),
}


def _language() -> str:
    return "en" if str(get_locale() or "nl").startswith("en") else "nl"


def _percent(value: Decimal | None) -> Decimal | None:
    return None if value is None else (value * 100).quantize(Decimal("0.01"))


def _stage_label(stage: int | str) -> str:
    return _("Stage %(n)s", n=stage)


def build_tables(session: Any, month: ProvisionMonth, opening: ProvisionMonth | None) -> list[ReportTable]:
    """Every table of the report for ``month`` (the movement table from ``opening``)."""
    stage_rows = queries.breakdown(session, month.month_end, "stage")
    by_stage = ReportTable(
        "by_stage",
        _("Allowance by stage"),
        [
            Col(_("Stage")),
            Col(_("Loans"), "int"),
            Col(_("Exposure"), "money"),
            Col(_("Expected credit loss"), "money"),
            Col(_("Coverage"), "percent"),
        ],
        [[_stage_label(r.key), r.loans, r.exposure, r.ecl, _percent(r.coverage)] for r in stage_rows],
    )
    total_exposure = sum((r.exposure for r in stage_rows), Decimal("0.00"))
    total_ecl = sum((r.ecl for r in stage_rows), Decimal("0.00"))
    by_stage.footer = [
        _("Total"),
        sum(r.loans for r in stage_rows),
        total_exposure,
        total_ecl,
        _percent(total_ecl / total_exposure) if total_exposure > 0 else None,
    ]
    purpose_rows = queries.breakdown(session, month.month_end, "purpose")
    by_purpose = ReportTable(
        "by_purpose",
        _("Allowance by loan purpose"),
        [
            Col(_("Purpose")),
            Col(_("Loans"), "int"),
            Col(_("Exposure"), "money"),
            Col(_("Expected credit loss"), "money"),
            Col(_("Coverage"), "percent"),
        ],
        [[purpose_label(r.key), r.loans, r.exposure, r.ecl, _percent(r.coverage)] for r in purpose_rows],
        [_("Total"), sum(r.loans for r in purpose_rows), total_exposure, total_ecl, None],
    )
    move = queries.movement(session, opening.month_end if opening else None, month.month_end)
    movement = ReportTable(
        "movement",
        _(
            "Movement of the allowance from %(start)s to %(end)s",
            start=_date_text(move.opening_on),
            end=_date_text(move.closing_on),
        )
        if move.opening_on
        else _("Movement of the allowance up to %(end)s", end=_date_text(move.closing_on)),
        [Col("")] + [Col(_stage_label(stage), "money") for stage in STAGES] + [Col(_("Total"), "money")],
        [
            [str(MOVEMENT_LABELS[row])] + [move.amount(row, stage) for stage in STAGES] + [move.amount(row)]
            for row in queries.MOVEMENT_ROWS
        ],
    )
    shares = queries.pool_shares(session, month.month_end)
    pools = ReportTable(
        "pools",
        _("What the pools' first-loss buffers would carry"),
        [
            Col(_("Pool")),
            Col(_("Loans funded"), "int"),
            Col(_("Pool's share of the expected loss"), "money"),
            Col(_("Buffer left"), "money"),
            Col(_("Carried by the buffer"), "money"),
            Col(_("Carried by the participants"), "money"),
        ],
        [
            [
                share.pool.name,
                share.loans,
                share.pool_ecl,
                share.buffer_left,
                share.by_buffer,
                share.by_participants,
            ]
            for share in shares
        ],
    )
    loans = ReportTable(
        "loans",
        _("Loans with the largest expected loss"),
        [
            Col(_("Loan"), "link"),
            Col(_("Risk grade")),
            Col(_("Stage")),
            Col(_("Why")),
            Col(_("Days past due"), "int"),
            Col(_("Exposure"), "money"),
            Col(_("Recoverable from collateral"), "money"),
            Col(_("Probability of default"), "percent"),
            Col(_("Loss given default"), "percent"),
            Col(_("Expected credit loss"), "money"),
        ],
        [
            [
                (number, url_for("staff.loan", loan_id=p.loan_id)),
                p.grade + ("*" if p.grade_defaulted else ""),
                _stage_label(p.stage),
                str(REASON_LABELS[p.reason]),
                p.days_past_due,
                p.exposure,
                p.cover,
                _percent(p.probability),
                _percent(p.lgd),
                p.ecl,
            ]
            for p, number in queries.results(session, month.month_end, limit=100)
        ],
    )
    return [by_stage, by_purpose, movement, pools, loans]


def _date_text(day: dt.date | None) -> str:
    return date_filter(day) if day else ""


def _section(table: ReportTable) -> Section:
    def plain(value: Any, kind: str) -> Any:
        return value[0] if kind == "link" and isinstance(value, tuple) else value

    kinds = [c.kind if c.kind != "percent" else "ratio" for c in table.columns]
    return Section(
        table.name,
        str(table.title),
        tuple((str(c.title), kind) for c, kind in zip(table.columns, kinds, strict=True)),
        tuple(tuple(plain(v, k) for v, k in zip(row, kinds, strict=True)) for row in table.rows),
        tuple(plain(v, k) for v, k in zip(table.footer, kinds, strict=True)) if table.footer else None,
    )


def _download(body: bytes | str, mimetype: str, filename: str) -> ResponseReturnValue:
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.route("/provisioning")
@staff_required(*VIEW_ROLES)
def provisioning() -> ResponseReturnValue:
    session = db.session
    months = queries.months(session)
    errors: dict[str, str] = {}
    month: ProvisionMonth | None = months[0] if months else None
    opening: ProvisionMonth | None = None
    try:
        wanted = parse_date(request.args.get("month_end"), field="month_end")
        if wanted is not None:
            month = queries.month_on_or_before(session, wanted)
            if month is None:
                errors["month_end"] = _("no month-end was provisioned on or before this day")
        start = parse_date(request.args.get("from"), field="from")
    except ValidationError as error:
        errors.update({name: str(rule) for name, rule in error.fields.items()})
        start = None
    if month is not None:
        opening = (
            queries.month_on_or_before(session, start)
            if start
            else queries.month_before(session, month.month_end)
        )
        if opening is not None and opening.month_end >= month.month_end:
            errors["from"] = _("must be before the month-end shown")
            opening = queries.month_before(session, month.month_end)
    tables = build_tables(session, month, opening) if month is not None else []
    wanted_format = request.args.get("format")
    if month is not None and not errors and wanted_format in ("csv", "pdf"):
        stamp = month.month_end.isoformat()
        if wanted_format == "csv":
            table = next((t for t in tables if t.name == request.args.get("table", "by_stage")), None)
            if table is None:
                abort(404)
            section = _section(table)
            rows = list(section.rows) + ([list(section.footer)] if section.footer else [])
            return _download(
                "\ufeff" + to_csv([title for title, _kind in section.columns], rows),
                "text/csv",
                f"provisions-{table.name}-{stamp}.csv",
            )
        lines = [
            _(
                "Month-end %(date)s · PD table in force from %(effective)s",
                date=_date_text(month.month_end),
                effective=_date_text(month.pd_table.effective_on),
            ),
            _(
                "Allowance %(amount)s for %(n)s loans",
                amount=money_filter(month.total_ecl),
                n=month.loans_count,
            ),
        ]
        pdf = render_provisions_report(
            _("Loan-loss provisions"), lines, [_section(t) for t in tables], _language()
        )
        return _download(pdf, "application/pdf", f"provisions-{stamp}.pdf")
    return (
        render_template(
            "staff/provisioning/index.html",
            months=months,
            month=month,
            opening=opening,
            tables=tables,
            errors=errors,
            table_in_force=queries.table_in_force(session, month.month_end if month else _today()),
            standing=queries.standing_flags(session),
            flag_labels=FLAG_LABELS,
            can_flag=g.actor.has_role(*FLAG_ROLES),
            can_set_table=g.actor.has_role(*TABLE_ROLES),
        ),
        form_status(errors),
    )


def _today() -> dt.date:
    return clock.today()


@bp.route("/provisioning/pd-table", methods=["GET", "POST"])
@staff_required(*VIEW_ROLES)
def pd_table() -> ResponseReturnValue:
    session = db.session
    errors: dict[str, str] = {}
    current = queries.table_in_force(session, _today())
    values: dict[str, str] = {}
    if current is not None:
        values = {queries.cell_field(r.grade, r.stage): _plain(r.probability) for r in current.rates}
        values.update(default_grade=current.default_grade, unsecured_lgd=_plain(current.unsecured_lgd))
    if request.method == "POST":
        if not g.actor.has_role(*TABLE_ROLES):
            abort(403)
        values = {key: request.form.get(key, "") for key in request.form if key != "csrf_token"}
        attempt = Attempt(errors, general="effective_on")
        with attempt as work:
            effective_on = parse_date(request.form.get("effective_on"), field="effective_on")
            service.set_pd_table(
                work,
                effective_on=effective_on,
                default_grade=request.form.get("default_grade"),
                unsecured_lgd=request.form.get("unsecured_lgd"),
                probabilities={key: request.form.get(key) for key in request.form if key.startswith("pd_")},
                note=request.form.get("note", ""),
                actor=g.actor,
            )
        if attempt.succeeded:
            flash(_("The probability-of-default table is saved."), "success")
            return redirect(url_for("staff.pd_table"))
    return (
        render_template(
            "staff/provisioning/pd_table.html",
            tables=queries.pd_tables(session),
            current=current,
            grades=GRADES,
            stages=STAGES,
            cell_field=queries.cell_field,
            values=values,
            errors=errors,
            can_set_table=g.actor.has_role(*TABLE_ROLES),
        ),
        form_status(errors),
    )


def _plain(value: Decimal) -> str:
    """A probability as the form shows it in the reader's notation (0,0175 in Dutch)."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if _language() == "nl" else text


@bp.route("/loans/<int:loan_id>/risk-flags", methods=["POST"])
@staff_required(*FLAG_ROLES)
def loan_risk_flag(loan_id: int) -> ResponseReturnValue:
    loan: Loan = _loan_or_404(loan_id)
    errors: dict[str, str] = {}
    attempt = Attempt(errors, general="kind")
    with attempt as session:
        service.flag_loan(
            session,
            loan.id,
            request.form.get("kind", ""),
            reason=request.form.get("reason", ""),
            actor=g.actor,
        )
    if attempt.succeeded:
        flash(_("The flag is set; the next month-end stages the loan with it."), "success")
        return redirect(url_for("staff.loan", loan_id=loan.id) + "#provision")
    return _render_loan(_loan_or_404(loan_id), status=422, flag_errors=errors, flag_values=dict(request.form))


@bp.route("/loans/<int:loan_id>/risk-flags/<int:flag_id>/clear", methods=["POST"])
@staff_required(*FLAG_ROLES)
def loan_clear_risk_flag(loan_id: int, flag_id: int) -> ResponseReturnValue:
    loan: Loan = _loan_or_404(loan_id)
    flags = {flag.id for flag in queries.flag_history(db.session, loan.id)}
    if flag_id not in flags:
        abort(404)
    attempt = Attempt(say=lambda line: _("The flag was not lifted: %(reason)s", reason=line))
    with attempt as session:
        service.clear_flag(session, flag_id, reason=request.form.get("reason", ""), actor=g.actor)
    if attempt.succeeded:
        flash(_("The flag is lifted."), "success")
    if request.form.get("back") == "provisioning":
        return redirect(url_for("staff.provisioning") + "#standing-flags")
    return redirect(url_for("staff.loan", loan_id=loan.id) + "#provision")
