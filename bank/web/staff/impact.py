"""Impact: the borrowers' yearly reports on a loan, and the municipal impact report (PDF, CSV).

The report is written for the municipality, in Dutch or English whatever the page's language,
so the PDF and CSV take ``lang``; the page shows the same tables (bank.reports.impact_csv) in
the page's language.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from bank import clock
from bank.errors import ValidationError
from bank.extensions import db
from bank.loans import impact as loan_impact
from bank.loans.models import Loan
from bank.loans.products_models import LoanPurpose
from bank.reports.impact import impact_report
from bank.reports.impact_csv import impact_csv, sections, source_label
from bank.reports.impact_pdf import render_impact_report
from bank.statements.builder import parse_date
from bank.web.access import staff_required
from bank.web.forms import Attempt, form_status
from bank.web.staff import bp
from bank.web.staff.reports import REPORT_ROLES, REPORTS

VIEW_ROLES = ("admin", "teller", "credit_officer")

#: The domain's period fields as the page's query string names them.
PERIOD_FIELDS = {"period_start": "from", "period_end": "to"}


class AnnualReportForm(FlaskForm):
    year = StringField(_l("Year"), validators=[Length(max=4)])
    jobs_created = StringField(_l("Jobs created"), validators=[Length(max=12)])
    jobs_kept = StringField(_l("Jobs kept"), validators=[Length(max=12)])
    homes_secured = StringField(_l("Homes secured"), validators=[Length(max=12)])
    land_area_m2 = StringField(_l("Land area (m²)"), validators=[Length(max=12)])
    notes = TextAreaField(_l("Notes"), validators=[Length(max=2000)])


def _language() -> str:
    return "en" if str(get_locale() or "nl").startswith("en") else "nl"


def _loan_or_404(loan_id: int) -> Loan:
    loan = db.session.get(Loan, loan_id)
    if loan is None:
        abort(404)
    return loan


def _render_loan_impact(loan: Loan, form: AnnualReportForm, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "staff/loans/impact.html",
            loan=loan,
            form=form,
            records=loan_impact.reports_for_loan(db.session, loan),
            is_land=loan.purpose is LoanPurpose.LAND_TRUST_PURCHASE,
            can_record=g.actor.has_role(*loan_impact.RECORD_ROLES),
        ),
        status,
    )


@bp.route("/loans/<int:loan_id>/impact")
@staff_required(*VIEW_ROLES)
def loan_impact_reports(loan_id: int) -> ResponseReturnValue:
    loan = _loan_or_404(loan_id)
    form = AnnualReportForm(formdata=None)
    form.year.data = str(
        clock.today().year - 1 if clock.today().year > loan.disbursed_on.year else loan.disbursed_on.year
    )
    return _render_loan_impact(loan, form)


@bp.route("/loans/<int:loan_id>/impact", methods=["POST"])
@staff_required(*loan_impact.RECORD_ROLES)
def loan_impact_record(loan_id: int) -> ResponseReturnValue:
    loan = _loan_or_404(loan_id)
    form = AnnualReportForm()
    if form.validate():
        attempt = Attempt(form)
        with attempt as session:
            record = loan_impact.record_annual_report(
                session,
                session.get_one(Loan, loan.id),
                year=form.year.data,
                jobs_created=form.jobs_created.data,
                jobs_kept=form.jobs_kept.data,
                homes_secured=form.homes_secured.data,
                land_area_m2=form.land_area_m2.data,
                notes=form.notes.data or "",
                actor=g.actor,
            )
            year = record.year
        if attempt.succeeded:
            flash(_("Impact report for %(year)s recorded.", year=year), "success")
            return redirect(url_for("staff.loan_impact_reports", loan_id=loan.id))
    return _render_loan_impact(_loan_or_404(loan_id), form, status=422)


# ---------------------------------------------------------------------------------------------
# The municipal impact report


def _period() -> tuple[dt.date | None, dt.date | None, dict[str, str]]:
    """``from`` and ``to`` from the query string (this year so far when absent); errors name the field."""
    errors: dict[str, str] = {}
    values: dict[str, dt.date | None] = {}
    for name in ("from", "to"):
        try:
            values[name] = parse_date(request.args.get(name), field=name)
        except ValidationError as error:
            errors.update(error.fields)
            values[name] = None
    today = clock.today()
    end = values["to"] or (today if "to" not in errors else None)
    start = values["from"] or (end.replace(month=1, day=1) if end and "from" not in errors else None)
    return start, end, errors


@bp.route("/reports/impact")
@staff_required(*REPORT_ROLES)
def report_impact() -> ResponseReturnValue:
    start, end, errors = _period()
    report = None
    if not errors and start is not None and end is not None:
        try:
            report = impact_report(db.session, start, end)
        except ValidationError as error:
            errors = {PERIOD_FIELDS.get(name, name): rule for name, rule in error.fields.items()}
    wanted = request.args.get("format")
    language = request.args.get("lang", "")
    if language not in ("nl", "en"):
        language = _language()
    if report is not None and wanted in ("csv", "pdf"):
        stamp = f"{report.period_start.isoformat()}_{report.period_end.isoformat()}"
        if wanted == "csv":
            response = make_response("\ufeff" + impact_csv(report, language))
            response.mimetype = "text/csv"  # Werkzeug adds "; charset=utf-8"
            filename = f"impact-{stamp}-{language}.csv"
        else:
            response = make_response(render_impact_report(report, language))
            response.mimetype = "application/pdf"
            filename = f"impact-{stamp}-{language}.pdf"
        response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response
    page_language = _language()
    return (
        render_template(
            "staff/reports/impact.html",
            report=report,
            sections=sections(report, page_language) if report is not None else [],
            reports=REPORTS,
            errors=errors,
            date_from=start,
            date_to=end,
            args=request.args,
            source_label=source_label,
        ),
        form_status(errors),
    )


def download_args(args: Any, **extra: str) -> dict[str, str]:
    """The page's query string with the download's format and language."""
    values = {k: v for k, v in args.items() if k in ("from", "to")}
    values.update(extra)
    return values


bp.add_app_template_global(download_args, "impact_download_args")
