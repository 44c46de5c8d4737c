"""Period close (periodeafsluiting): the months and years of the books, closing the next one.

Admins only. The overview lists every year of the books with its twelve months (closed by whom
and when, the next to close, open, still running); closing a month or a year asks for
confirmation on a page of its own first (no script: the CSP forbids it), then calls
:func:`bank.day.close_month` (the month's close days must have run) or
:func:`bank.ledger.periods.close_year`. A refusal is flashed with its rule.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from bank import clock
from bank import day as business_day
from bank.errors import ValidationError
from bank.extensions import db
from bank.ledger import periods
from bank.ledger import queries as ledger_queries
from bank.web.access import staff_required
from bank.web.forms import Attempt
from bank.web.labels import month_label
from bank.web.messages import error_text
from bank.web.staff import bp

ROLES = ("admin",)


@bp.route("/periods")
@staff_required(*ROLES)
def period_close() -> ResponseReturnValue:
    session = db.session
    today = clock.today()
    return render_template(
        "staff/periods/overview.html",
        years=periods.overview(session, today=today),
        closed_through=ledger_queries.closed_through(session),
        next_month=periods.next_month_to_close(session),
        today=today,
    )


def _month_arg() -> str:
    return (request.values.get("month") or "").strip()


@bp.route("/periods/close-month", methods=["GET"])
@staff_required(*ROLES)
def confirm_close_month() -> ResponseReturnValue:
    try:
        month = periods.parse_month(_month_arg())
    except ValidationError as error:
        flash(error_text(error), "error")
        return redirect(url_for("staff.period_close"))
    return render_template(
        "staff/periods/confirm_month.html",
        month=month,
        month_text=periods.month_label(month),
        last_day=periods.month_end(month),
    )


@bp.route("/periods/close-month", methods=["POST"])
@staff_required(*ROLES)
def close_month() -> ResponseReturnValue:
    attempt = Attempt(say=lambda line: _("The month was not closed: %(reason)s", reason=line))
    with attempt as session:
        month = periods.parse_month(_month_arg())
        closed = business_day.close_month(session, month, actor=g.actor, today=clock.today())
        first_day = closed.first_day
    if attempt.succeeded:
        flash(
            _(
                "%(month)s is closed: no entry may be dated in it any more.",
                month=month_label(first_day).capitalize(),
            ),
            "success",
        )
    return redirect(url_for("staff.period_close"))


def _year_arg() -> int:
    text = (request.values.get("year") or "").strip()
    if not (text.isdigit() and len(text) == 4):
        abort(404)
    return int(text)


@bp.route("/periods/close-year", methods=["GET"])
@staff_required(*ROLES)
def confirm_close_year() -> ResponseReturnValue:
    year = _year_arg()
    session = db.session
    state = next((y for y in periods.overview(session, today=clock.today()) if y.year == year), None)
    if state is None:
        abort(404)
    return render_template(
        "staff/periods/confirm_year.html",
        year=year,
        state=state,
        open_months=[m.first_day for m in state.months if m.closed is None],
        result=periods.year_result(session, year),
    )


@bp.route("/periods/close-year", methods=["POST"])
@staff_required(*ROLES)
def close_year() -> ResponseReturnValue:
    year = _year_arg()
    attempt = Attempt(say=lambda line: _("The year was not closed: %(reason)s", reason=line))
    with attempt as session:
        business_day.close_year(session, year, actor=g.actor)
    if attempt.succeeded:
        flash(
            _("%(year)s is closed: its result was moved to the reserves (3200).", year=str(year)), "success"
        )
    return redirect(url_for("staff.period_close"))
