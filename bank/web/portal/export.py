"""The member's own data export (AVG/GDPR): JSON and PDF, of the logged-in person only."""

from __future__ import annotations

import json

from flask import abort, flash, g, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from bank import audit, clock
from bank.extensions import db
from bank.portal import export as data_export
from bank.privacy import queries as privacy_queries
from bank.privacy import service as privacy
from bank.privacy.models import ErasureRequest, RequestChannel
from bank.web.access import member_required
from bank.web.forms import Attempt
from bank.web.portal import bp
from bank.web.portal.helpers import me
from bank.web.staff.privacy import answer_rows, files


class ErasureForm(FlaskForm):
    """No fields: asking is enough; the answer is computed."""


@bp.route("/my-data")
@member_required
def export_page() -> ResponseReturnValue:
    return render_template(
        "portal/export.html",
        erasure_requests=privacy_queries.requests_of(db.session, me()),
        erasure_form=ErasureForm(formdata=None),
    )


@bp.route("/my-data/erasure", methods=["POST"])
@member_required
def request_erasure() -> ResponseReturnValue:
    """The member asks to be forgotten; the answer says what the bank keeps, why and until when."""
    form = ErasureForm()
    if not form.validate():
        abort(400)
    attempt = Attempt()
    with attempt as session:
        member = privacy_queries.member(session, me())
        answered = privacy.request_erasure(
            session, member, actor=g.actor, channel=RequestChannel.PORTAL, on=clock.today(), files=files()
        )
        request_id = answered.id
    if attempt.succeeded:
        flash(
            _("We have received your request. Below is what we erase and what the law makes us keep."),
            "success",
        )
        return redirect(url_for("portal.erasure_answer", request_id=request_id))
    return redirect(url_for("portal.export_page"))


@bp.route("/my-data/erasure/<int:request_id>")
@member_required
def erasure_answer(request_id: int) -> ResponseReturnValue:
    answered = db.session.get(ErasureRequest, request_id)
    if answered is None or answered.member_id != me():
        abort(404)
    return render_template("portal/erasure_answer.html", answered=answered, rows=answer_rows(answered))


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
