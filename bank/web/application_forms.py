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
from bank.loans.products_models import LoanProduct, ProductStatus
from bank.notifications import service as notifications
from bank.savings.models import DepositAccount, DepositAccountStatus
from bank.web import labels as status_tables
from bank.web.forms import amount_input, canonical_numbers, numbers_refused

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
KIND_LABELS = {
    AttachmentKind.BUSINESS_PLAN: _l("business plan"),
    AttachmentKind.STATUTES: _l("statutes"),
    AttachmentKind.PURCHASE_AGREEMENT: _l("purchase agreement"),
    AttachmentKind.ANNUAL_ACCOUNTS: _l("annual accounts"),
    AttachmentKind.APPRAISAL: _l("appraisal report"),
    AttachmentKind.OTHER: _l("other"),
}
CHECK_LABELS = {
    "identity_verified": _l("identity verified"),
    "kvk_extract": _l("KvK extract"),
    "statutes": _l("statutes"),
    "financials": _l("financials"),
    "appraisal": _l("appraisal (land)"),
    "deed": _l("deed (land)"),
}


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
    from sqlalchemy import select

    return list(
        session.scalars(
            select(DepositAccount)
            .where(
                DepositAccount.member_id == application.applicant_id,
                DepositAccount.status == DepositAccountStatus.OPEN,
            )
            .order_by(DepositAccount.id)
        )
    )


def active_products(session: Session) -> list[LoanProduct]:
    from sqlalchemy import select

    return list(
        session.scalars(
            select(LoanProduct).where(LoanProduct.status == ProductStatus.ACTIVE).order_by(LoanProduct.code)
        )
    )


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
    content = attachment_store.read_attachment(attachment, current_app.config["UPLOAD_DIR"])
    response = Response(content, mimetype=attachment.content_type)
    response.headers["Content-Disposition"] = _disposition(attachment.original_name)
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
