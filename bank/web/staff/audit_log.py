"""The audit log, searchable by action, actor, object and period."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask.typing import ResponseReturnValue

from bank.audit import queries as audit_queries
from bank.errors import ValidationError
from bank.extensions import db
from bank.statements.builder import parse_date
from bank.web.access import staff_required
from bank.web.pagination import page_count, page_number
from bank.web.staff import bp

PER_PAGE = 50
#: Who reads the audit log; the compliance officer watches who saw or took personal data out.
LOG_ROLES = ("admin",)
REVEAL_ROLES = ("admin", "compliance")
#: Every action that showed a secret in full or took personal data out of the bank: a BSN or an
#: identity document's number revealed (or refused), a member's data export, a report to FIU-NL,
#: an erasure answered or carried out.
REVEALS_AND_EXPORTS = frozenset(
    {
        "bsn.reveal",
        "bsn.reveal_refused",
        "compliance.document_reveal",
        "portal.data_export",
        "portal.statement",
        "privacy.erasure_request",
        "privacy.anonymise",
        "monitoring.case_exported",
    }
)


def _day(name: str) -> dt.date | None:
    """The day in query parameter ``name``; a date that cannot be read filters nothing."""
    raw = request.args.get(name)
    if not raw:
        return None
    try:
        return parse_date(raw, field=name)
    except ValidationError:
        return None


@bp.route("/audit")
@staff_required(*LOG_ROLES)
def audit_log() -> ResponseReturnValue:
    return _log("staff.audit_log", None)


@bp.route("/audit/reveals-and-exports")
@staff_required(*REVEAL_ROLES)
def audit_reveals() -> ResponseReturnValue:
    """The audit log's reveals and exports only: who saw a BSN or document number, who took data out."""
    return _log("staff.audit_reveals", REVEALS_AND_EXPORTS)


def _log(endpoint: str, actions: frozenset[str] | None) -> ResponseReturnValue:
    page = page_number()
    events, total = audit_queries.search(
        db.session,
        text=(request.args.get("q") or "").strip(),
        object_type=(request.args.get("object_type") or "").strip(),
        object_id=(request.args.get("object_id") or "").strip(),
        date_from=_day("date_from"),
        date_to=_day("date_to"),
        actions=actions,
        page=page,
        per_page=PER_PAGE,
    )
    return render_template(
        "staff/audit.html",
        events=events,
        page=page,
        pages=page_count(total, PER_PAGE),
        total=total,
        endpoint=endpoint,
        reveals_only=actions is not None,
    )
