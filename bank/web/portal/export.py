"""The member's own data export (AVG/GDPR): JSON and PDF, of the logged-in person only."""

from __future__ import annotations

import json

from flask import g, make_response, render_template
from flask.typing import ResponseReturnValue
from flask_babel import get_locale

from bank import audit, clock
from bank.extensions import db
from bank.portal import export as data_export
from bank.web.access import member_required
from bank.web.portal import bp
from bank.web.portal.helpers import me


@bp.route("/my-data")
@member_required
def export_page() -> ResponseReturnValue:
    return render_template("portal/export.html")


@bp.route("/my-data.json")
@member_required
def export_json() -> ResponseReturnValue:
    with db.unit_of_work() as session:
        data = data_export.collect(session, me())
        audit.record(session, g.actor, "portal.data_export", "member", me(), detail="json")
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return _download(body.encode("utf-8"), "application/json", "json")


@bp.route("/my-data.pdf")
@member_required
def export_pdf() -> ResponseReturnValue:
    with db.unit_of_work() as session:
        data = data_export.collect(session, me())
        audit.record(session, g.actor, "portal.data_export", "member", me(), detail="pdf")
    return _download(data_export.render_pdf(data, str(get_locale() or "nl")), "application/pdf", "pdf")


def _download(body: bytes, mimetype: str, extension: str) -> ResponseReturnValue:
    response = make_response(body)
    response.mimetype = mimetype
    name = f"wijkbank-mijn-gegevens-{clock.today().isoformat()}.{extension}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
