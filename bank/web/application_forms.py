"""What the staff, committee and portal application pages share: form parsing, page data, downloads.

The application form has a variable cost breakdown and purpose-specific fields, so it is read
from ``request.form`` directly (CSRF is checked globally by Flask-WTF's CSRFProtect) and the
domain's ValidationError fields are shown beside the inputs of the same name.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from bank.actor import Actor
from bank.applications import attachments as attachment_store
from bank.applications import service as applications
from bank.applications.models import (
    CHECKLIST_ITEMS,
    ApplicationStatus,
    Attachment,
    AttachmentKind,
    LoanApplication,
)
from bank.committee import service as committee
from bank.errors import ValidationError
from bank.extensions import db
from bank.loans import queries as loan_queries
from bank.loans.products_models import LoanProduct
from bank.notifications import service as notifications
from bank.savings import queries as savings_queries
from bank.savings.models import DepositAccount
from bank.web import labels as status_tables
from bank.web.filters import amount_input
from bank.web.forms import canonical_numbers, numbers_refused

COST_ROWS = 8
DRAFT_FIELDS = (
    "amount",
    "term_months",
    "grace_periods",
    "purpose_text",
    "own_contribution",
    "repayment_account_id",
    "property_address",
    "cadastral_reference",
    "purchase_price",
    "appraisal_value",
    "own_funds",
    "notary_iban",
    "notary_name",
    "worker_members",
    "expected_monthly_revenue",
    "expected_monthly_costs",
    "jobs_created_expected",
    "jobs_kept_expected",
    "homes_expected",
    "land_area_m2",
)
#: The draft's amounts: typed in the page's notation ("12.000" in Dutch), shown back in it.
DRAFT_AMOUNTS = (
    "amount",
    "own_contribution",
    "purchase_price",
    "appraisal_value",
    "own_funds",
    "expected_monthly_revenue",
    "expected_monthly_costs",
)
S = ApplicationStatus
STATUS_LABELS = status_tables.APPLICATION_STATUS
#: The button text for each move a person can make.
MOVE_LABELS = {
    S.SUBMITTED: _l("Submit"),
    S.WITHDRAWN: _l("Withdraw"),
    S.IN_REVIEW: _l("Take for review"),
    S.RETURNED: _l("Return for information"),
}
KIND_LABELS = status_tables.ATTACHMENT_KIND_LABELS
CHECK_LABELS = status_tables.CHECK_LABELS


def draft_data(form: MultiDict[str, str]) -> dict[str, Any]:
    """The draft fields present in the posted form, with the cost rows as (description, amount)."""
    data: dict[str, Any] = {name: form.get(name, "") for name in DRAFT_FIELDS if name in form}
    if any(f"cost_description_{i}" in form for i in range(1, COST_ROWS + 1)):
        data["cost_lines"] = [
            (form.get(f"cost_description_{i}", ""), form.get(f"cost_amount_{i}", ""))
            for i in range(1, COST_ROWS + 1)
        ]
    return data


def form_values(application: LoanApplication) -> dict[str, str]:
    """The saved values as the form shows them: amounts in the page's notation, which it reads back."""
    values: dict[str, str] = {}
    for name in DRAFT_FIELDS:
        value = getattr(application, name)
        if value is None:
            values[name] = ""
        else:
            values[name] = amount_input(value) if name in DRAFT_AMOUNTS else str(value)
    for index, line in enumerate(application.cost_lines, start=1):
        values[f"cost_description_{index}"] = line.description
        values[f"cost_amount_{index}"] = amount_input(line.amount)
    return values


def save_draft(session: Session, application: LoanApplication, form: MultiDict[str, str]) -> None:
    """Save the posted draft; its amounts are read in the page's notation, every mistake at once."""
    data, refused = canonical_numbers(
        draft_data(form),
        amounts=DRAFT_AMOUNTS,
        wholes=(
            "term_months",
            "grace_periods",
            "worker_members",
            "jobs_created_expected",
            "jobs_kept_expected",
            "homes_expected",
            "land_area_m2",
        ),
    )
    if "cost_lines" in data:
        lines = []
        for index, (description, amount) in enumerate(data["cost_lines"], start=1):
            name = f"cost_lines-{index}"
            row, row_refused = canonical_numbers({name: amount}, amounts=(name,))
            refused.update(row_refused)
            lines.append((description, row[name]))
        data["cost_lines"] = lines
    try:
        applications.update_draft(session, application, data, actor=_actor())
    except ValidationError as error:
        numbers_refused(refused, error)
        raise
    numbers_refused(refused)


def accounts_for(session: Session, application: LoanApplication) -> list[DepositAccount]:
    """The applicant's open accounts, one of which the loan is repaid from."""
    return savings_queries.open_accounts_of(session, application.applicant_id)


def active_products(session: Session) -> list[LoanProduct]:
    """The loan products an application may be made for, by code."""
    return loan_queries.active_products_by_code(session)


def page_data(session: Session, application: LoanApplication) -> dict[str, Any]:
    """Schedule preview, figures, what is missing, the decision and its conditions."""
    schedule = applications.preview_schedule(application)
    decision = committee.decision_of(session, application)
    return {
        "application": application,
        "schedule": schedule,
        "figures": applications.figures(application, schedule),
        "missing": applications.completeness_errors(application) if application.is_editable else {},
        "decision": decision,
        "status_labels": STATUS_LABELS,
        "move_labels": MOVE_LABELS,
        "kind_labels": KIND_LABELS,
        "check_labels": CHECK_LABELS,
        "checklist_items": CHECKLIST_ITEMS,
        "attachment_kinds": list(AttachmentKind),
        "cost_rows": COST_ROWS,
    }


def store_upload(session: Session, application: LoanApplication) -> Attachment:
    """Store the posted file (field ``file``) for ``application``; ValidationError says why not."""
    upload = request.files.get("file")
    content = upload.stream.read(attachment_store.MAX_BYTES + 1) if upload else b""
    return attachment_store.store_attachment(
        session,
        application,
        filename=(upload.filename or "") if upload else "",
        content=content,
        kind=request.form.get("kind", "other"),
        upload_dir=current_app.config["UPLOAD_DIR"],
        actor=_actor(),
    )


def _actor() -> Actor:
    from flask import g

    return g.actor


def attachment_response(attachment: Attachment) -> Response:
    """The stored bytes as a download (never rendered inline), with the sniffed type."""
    return file_response(attachment.stored_name, attachment.original_name, attachment.content_type)


def file_response(stored_name: str, original_name: str, content_type: str) -> Response:
    """A file stored by ``attachments.write_upload`` (an attachment, a collateral deed) as a download."""
    content = attachment_store.read_upload(stored_name, current_app.config["UPLOAD_DIR"])
    response = Response(content, mimetype=content_type)
    response.headers["Content-Disposition"] = _disposition(original_name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def pdf_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = _disposition(filename)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _disposition(filename: str) -> str:
    from urllib.parse import quote

    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def send_queued_mail() -> None:
    """After a commit: send the outbox by SMTP when MAIL_SMTP_HOST is set (else it stays in the outbox)."""
    host = current_app.config.get("MAIL_SMTP_HOST")
    if not host:
        return
    with db.unit_of_work(db.new_session()) as session:
        notifications.deliver_pending(
            session,
            smtp_host=host,
            sender=current_app.config["MAIL_FROM"],
            smtp_port=int(current_app.config.get("MAIL_SMTP_PORT", 25)),
        )
