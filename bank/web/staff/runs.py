"""Runs in the back office: the list (status, counts, amounts, duration, errors, progress), a
run's detail with the loans that were short, and starting a close-day run for a date.

A run never executes inside a web worker: the start button launches ``bank runs close-day``
as its own process (refused at once while another run holds the lock), and the list shows
its progress as the batches commit.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3, not in its stubs

from bank import clock
from bank.day import last_closed_day
from bank.errors import BankError
from bank.extensions import db
from bank.loans import queries as loan_queries
from bank.pools import distribution
from bank.runs import queries as run_queries
from bank.runs.lock import run_in_progress
from bank.runs.models import Run, RunJob, RunStatus
from bank.runs.record import validate_run_date
from bank.web import labels as status_tables
from bank.web.access import staff_required
from bank.web.filters import date_filter
from bank.web.forms import show_errors
from bank.web.pagination import page_count, page_number
from bank.web.staff import bp

VIEW_ROLES = ("admin", "teller", "credit_officer")
START_ROLES = ("admin",)
PER_PAGE = 30

JOB_COMMANDS = {
    RunJob.CLOSE_DAY.value: "close-day",
    RunJob.REPAYMENTS.value: "repayments",
    RunJob.LOAN_ACCRUAL.value: "loan-accrual",
    RunJob.SAVINGS_INTEREST.value: "savings-interest",
    RunJob.EXPIRE_OFFERS.value: "expire-offers",
    RunJob.EXPIRE_MANDATES.value: "expire-mandates",
    RunJob.POOL_WITHDRAWALS.value: "pool-withdrawals",
    RunJob.POOL_DISTRIBUTION.value: "pool-distribution",
    RunJob.MONTH_END_STATEMENTS.value: "month-end-statements",
    RunJob.ARREARS_FOLLOW_UP.value: "arrears-follow-up",
    RunJob.PROVISIONING.value: "provisioning",
    RunJob.MONITORING.value: "monitoring",
}
JOB_LABELS = {
    RunJob.CLOSE_DAY: _l("Close day"),
    RunJob.REPAYMENTS: _l("Repayments"),
    RunJob.LOAN_ACCRUAL: _l("Loan interest accrual"),
    RunJob.SAVINGS_INTEREST: _l("Savings interest"),
    RunJob.EXPIRE_OFFERS: _l("Expire offers"),
    RunJob.EXPIRE_MANDATES: _l("Expire unused mandates"),
    RunJob.POOL_WITHDRAWALS: _l("Pool withdrawals"),
    RunJob.POOL_DISTRIBUTION: _l("Pool distribution"),
    RunJob.MONTH_END_STATEMENTS: _l("Month-end statements"),
    RunJob.ARREARS_FOLLOW_UP: _l("Arrears follow-up: reminders and promises"),
    RunJob.PROVISIONING: _l("Loan-loss provisioning"),
    RunJob.MONITORING: _l("Transaction monitoring"),
    RunJob.RETENTION: _l("Retention: former members anonymised"),
}
STATUS_LABELS = status_tables.RUN_STATUS


class StartRunForm(FlaskForm):
    job = SelectField(
        _l("Job"),
        choices=[SelectChoice(job, JOB_LABELS[RunJob(job)]) for job in JOB_COMMANDS],
        default=RunJob.CLOSE_DAY.value,
    )
    date = DateField(_l("Business date"))


def launch(job: str, run_date: dt.date) -> None:
    """Start ``bank runs <job> --date D`` as a process of its own (never inside the web worker)."""
    bank_command = Path(sys.executable).parent / "bank"
    env = dict(
        os.environ,
        DATABASE_URL=current_app.config["DATABASE_URL"],
        BANK_INSTANCE_PATH=current_app.config["INSTANCE_PATH"],
    )
    subprocess.Popen(
        [str(bank_command), "runs", JOB_COMMANDS[job], "--date", run_date.isoformat()],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


@bp.route("/runs")
@staff_required(*VIEW_ROLES)
def runs() -> ResponseReturnValue:
    return _render_list(StartRunForm(formdata=None, date=clock.today()))


def _render_list(form: StartRunForm, status: int = 200) -> ResponseReturnValue:
    """Runs that did something, newest first (``?all=1`` also lists those that found nothing to do),
    below the runs that failed or were left running, which someone has to look at."""
    session = db.session
    page = page_number()
    include_idle = request.args.get("all") == "1"
    total = run_queries.count_runs(session, include_idle=include_idle)
    offset = (page - 1) * PER_PAGE
    rows = run_queries.list_runs(session, include_idle=include_idle, limit=PER_PAGE, offset=offset)
    # A row still "running" without anyone holding the lock is a run that was killed: say so.
    busy = run_in_progress(db.engine)  # type: ignore[arg-type]  # configured when the app is built
    return (
        render_template(
            "staff/runs/list.html",
            rows=rows,
            attention=run_queries.needing_attention(session),
            include_idle=include_idle,
            idle=run_queries.count_idle(session),
            page=page,
            pages=page_count(total, PER_PAGE),
            form=form,
            busy=busy,
            job_labels=JOB_LABELS,
            status_labels=STATUS_LABELS,
            Status=RunStatus,
            Job=RunJob,
            last_closed=last_closed_day(session),
        ),
        status,
    )


@bp.route("/runs/<int:run_id>")
@staff_required(*VIEW_ROLES)
def run_detail(run_id: int) -> ResponseReturnValue:
    session = db.session
    run = session.get(Run, run_id)
    if run is None:
        abort(404)
    shortfalls = loan_queries.shortfalls_of_run(session, run.id)
    return render_template(
        "staff/runs/detail.html",
        run=run,
        shortfalls=shortfalls,
        job_labels=JOB_LABELS,
        status_labels=STATUS_LABELS,
        Status=RunStatus,
        Job=RunJob,
    )


@bp.route("/runs/start", methods=["POST"])
@staff_required(*START_ROLES)
def start_run() -> ResponseReturnValue:
    form = StartRunForm()
    if not form.validate() or form.date.data is None:
        if not form.date.errors:
            form.date.errors = [_("Enter the business date as YYYY-MM-DD.")]
        return _render_list(form, 422)
    try:
        if form.job.data == RunJob.POOL_DISTRIBUTION.value:
            # The date is the quarter's last day; refusals show here, not in a process's log.
            distribution.pools_to_distribute(db.session, form.date.data, clock.today())
        else:
            validate_run_date(db.session, form.date.data)
    except BankError as error:
        show_errors(form, error)
        return _render_list(form, 422)
    if run_in_progress(db.engine):  # type: ignore[arg-type]  # configured when the app is built
        form.form_errors.append(_("A run is in progress; start again when it has finished."))
        return _render_list(form, 409)
    # End this request's read transaction first: on SQLite it would hold the write lock the run needs.
    db.session.rollback()
    launch(form.job.data, form.date.data)
    flash(
        _(
            "%(job)s for %(date)s started; the list shows its progress.",
            job=JOB_LABELS[RunJob(form.job.data)],
            date=date_filter(form.date.data),
        ),
        "success",
    )
    return redirect(url_for("staff.runs"))
