"""The audit log, searchable by action, actor, object and period."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy import func, select

from bank.audit.models import AuditEvent
from bank.errors import ValidationError
from bank.extensions import db
from bank.statements.builder import parse_date
from bank.web.access import staff_required
from bank.web.pagination import page_count, page_number
from bank.web.staff import bp

PER_PAGE = 50


@bp.route("/audit")
@staff_required("admin")
def audit_log() -> ResponseReturnValue:
    query = select(AuditEvent)
    text = (request.args.get("q") or "").strip()
    if text:
        # autoescape: "%" and "_" are searched for literally (a wildcard would list everything).
        needle = text.lower()
        query = query.where(
            func.lower(AuditEvent.action).contains(needle, autoescape=True)
            | func.lower(AuditEvent.actor_label).contains(needle, autoescape=True)
            | func.lower(AuditEvent.detail).contains(needle, autoescape=True)
        )
    object_type = (request.args.get("object_type") or "").strip()
    if object_type:
        query = query.where(AuditEvent.object_type == object_type)
    object_id = (request.args.get("object_id") or "").strip()
    if object_id:
        query = query.where(AuditEvent.object_id == object_id)
    for name, op in (("date_from", ">="), ("date_to", "<=")):
        raw = request.args.get(name)
        if raw:
            try:
                day = parse_date(raw, field=name)
            except ValidationError:
                continue
            if day is None:
                continue
            bound = dt.datetime.combine(
                day if op == ">=" else day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC
            )
            query = query.where(AuditEvent.at >= bound if op == ">=" else AuditEvent.at < bound)
    page = page_number()
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    events = db.session.scalars(
        query.order_by(AuditEvent.id.desc()).offset((page - 1) * PER_PAGE).limit(PER_PAGE)
    ).all()
    return render_template(
        "staff/audit.html",
        events=events,
        page=page,
        pages=page_count(total, PER_PAGE),
        total=total,
    )
