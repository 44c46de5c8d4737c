"""Bank statements in the back office: upload and list the imports, an import's lines with what each
matched, the suspense queue (assign a line to an account or send it back), and the daily
reconciliation of the settlement account 1000 against the statements.

The upload is kept under UPLOAD_DIR by the import itself; a refused file is listed with its
reason and booked nothing. Assigning or sending back above PAYMENTS_SUSPENSE_FOUR_EYES_LIMIT asks
a second staff member (the approvals page).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from decimal import Decimal

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from bank.errors import N_, NotFound
from bank.extensions import db
from bank.payments import queries as payment_queries
from bank.payments import reconciliation, statement_import, suspense
from bank.payments.statement_models import ImportStatus, LineStatus
from bank.web.access import staff_required
from bank.web.forms import Attempt
from bank.web.labels import MATCHED_BY, STATEMENT_IMPORT_STATUS, STATEMENT_LINE_STATUS
from bank.web.messages import domain_text
from bank.web.staff import bp

VIEW_ROLES = ("admin", "teller", "credit_officer")
IMPORT_ROLES = statement_import.IMPORT_ROLES
RESOLVE_ROLES = suspense.RESOLVE_ROLES
#: The largest upload taken (the reader's own limit).
MAX_UPLOAD_BYTES = 256 * 1024 * 1024


class ResolveForm(FlaskForm):
    account_number = StringField(_l("Account number"), validators=[Length(max=20)])
    note = StringField(_l("Note"), validators=[Length(max=200)])


def _labels() -> dict[str, object]:
    return {
        "import_status_labels": STATEMENT_IMPORT_STATUS,
        "line_status_labels": STATEMENT_LINE_STATUS,
        "matched_by_labels": MATCHED_BY,
        "Refused": ImportStatus.REFUSED,
        "Suspense": LineStatus.SUSPENSE,
    }


@bp.route("/bank-statements")
@staff_required(*VIEW_ROLES)
def bank_statements() -> ResponseReturnValue:
    imports = payment_queries.statement_imports(db.session)
    refusals = {i.id: domain_text(i.refusal_message) for i in imports if i.refusal_message is not None}
    return render_template(
        "staff/bank_statements/list.html", imports=imports, refusals=refusals, form=FlaskForm(), **_labels()
    )


@bp.route("/bank-statements/upload", methods=["POST"])
@staff_required(*IMPORT_ROLES)
def upload_bank_statement() -> ResponseReturnValue:
    form = FlaskForm()
    upload = request.files.get("statement")
    if not form.validate() or upload is None or not upload.filename:
        flash(_("Choose a statement file (CAMT.053 or MT940) to upload."), "error")
        return redirect(url_for("staff.bank_statements"))
    handle, temporary = tempfile.mkstemp(prefix="statement-")
    try:
        with os.fdopen(handle, "wb") as target:
            upload.save(target)
        attempt = Attempt()
        with attempt as session:
            result = statement_import.import_statement(
                session, temporary, actor=g.actor, settings=current_app.config, original_name=upload.filename
            )
            import_id = result.statement_import.id
            refusal = result.refusal
            already = result.already_imported
            lines, matched, in_suspense = result.lines, result.matched, result.suspense
    finally:
        os.unlink(temporary)
    if not attempt.succeeded:
        return redirect(url_for("staff.bank_statements"))
    if refusal is not None:
        flash(
            _("The statement was refused and nothing was booked: %(reason)s", reason=domain_text(refusal)),
            "error",
        )
    elif already:
        flash(_("This file was imported before; nothing more was booked."), "info")
    else:
        flash(
            _(
                "Statement imported: %(lines)s lines, %(matched)s matched, %(suspense)s in suspense.",
                lines=lines,
                matched=matched,
                suspense=in_suspense,
            ),
            "success",
        )
    return redirect(url_for("staff.bank_statement_import", import_id=import_id))


@bp.route("/bank-statements/<int:import_id>")
@staff_required(*VIEW_ROLES)
def bank_statement_import(import_id: int) -> ResponseReturnValue:
    try:
        record = payment_queries.statement_import(db.session, import_id)
    except NotFound:
        abort(404)
    lines, total = payment_queries.statement_lines(db.session, import_id)
    accounts = payment_queries.deposit_account_numbers(
        db.session,
        {line.matched_id for line in lines if line.matched_type == "deposit_account" and line.matched_id}
        | {line.resolved_account_id for line in lines if line.resolved_account_id},
    )
    refusal = domain_text(record.refusal_message) if record.refusal_message is not None else ""
    return render_template(
        "staff/bank_statements/detail.html",
        record=record,
        lines=lines,
        total=total,
        accounts=accounts,
        refusal=refusal,
        **_labels(),
    )


def _four_eyes_limit() -> Decimal | None:
    limit = current_app.config.get("PAYMENTS_SUSPENSE_FOUR_EYES_LIMIT")
    return None if limit is None else Decimal(str(limit))


@bp.route("/suspense")
@staff_required(*VIEW_ROLES)
def suspense_queue() -> ResponseReturnValue:
    lines = payment_queries.suspense_lines(db.session)
    return render_template(
        "staff/bank_statements/suspense.html",
        lines=lines,
        form=ResolveForm(formdata=None),
        limit=_four_eyes_limit(),
        **_labels(),
    )


def _resolved(outcome: suspense.Resolution, done: str) -> None:
    if outcome.approval is not None:
        flash(_("Above the limit: a second staff member must approve this on the approvals page."), "info")
    else:
        flash(done, "success")


@bp.route("/suspense/<int:line_id>/assign", methods=["POST"])
@staff_required(*RESOLVE_ROLES)
def assign_suspense_line(line_id: int) -> ResponseReturnValue:
    form = ResolveForm()
    if not form.validate():
        flash(_("The account number or note is too long."), "error")
        return redirect(url_for("staff.suspense_queue"))
    attempt = Attempt()
    with attempt as session:
        line = payment_queries.suspense_line(session, line_id)
        account = payment_queries.deposit_account_by_number(session, form.account_number.data or "")
        if account is None:
            raise NotFound(N_("no account has number %(number)s"), number=form.account_number.data or "")
        outcome = suspense.assign_line(
            session,
            line,
            account,
            actor=g.actor,
            four_eyes_limit=_four_eyes_limit(),
            note=form.note.data or "",
        )
        number = account.formatted_number
    if attempt.succeeded:
        _resolved(outcome, _("Assigned to account %(number)s.", number=number))
    return redirect(url_for("staff.suspense_queue"))


@bp.route("/suspense/<int:line_id>/send-back", methods=["POST"])
@staff_required(*RESOLVE_ROLES)
def send_back_suspense_line(line_id: int) -> ResponseReturnValue:
    form = ResolveForm()
    if not form.validate():
        flash(_("The account number or note is too long."), "error")
        return redirect(url_for("staff.suspense_queue"))
    attempt = Attempt()
    with attempt as session:
        line = payment_queries.suspense_line(session, line_id)
        outcome = suspense.send_back_line(
            session, line, actor=g.actor, four_eyes_limit=_four_eyes_limit(), note=form.note.data or ""
        )
    if attempt.succeeded:
        _resolved(outcome, _("Sent back to the sender."))
    return redirect(url_for("staff.suspense_queue"))


@bp.route("/reconciliation")
@staff_required(*VIEW_ROLES)
def reconciliation_page() -> ResponseReturnValue:
    days = reconciliation.statement_days(db.session)
    chosen: dt.date | None = None
    text = request.args.get("on")
    if text:
        try:
            chosen = dt.date.fromisoformat(text)
        except ValueError:
            abort(404)
    elif days:
        chosen = days[0]
    summaries = reconciliation.summaries(db.session, days[:14])
    detail = reconciliation.reconcile(db.session, chosen) if chosen is not None else None
    return render_template("staff/bank_statements/reconciliation.html", summaries=summaries, detail=detail)
