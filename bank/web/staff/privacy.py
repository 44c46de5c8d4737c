"""Privacy in the back office: erasure requests made at the bank, and the retention overview.

A teller, compliance officer or administrator records a member's request to be forgotten from the
member page; the answer (what is kept, by which law, until when) is shown at once and can be
printed for the member. Compliance officers and administrators see every former member still
kept and from when the retention job anonymises them, the requests received and the erasures done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from bank import clock
from bank.extensions import db
from bank.members.models import Member, MemberStatus
from bank.privacy import queries
from bank.privacy import service as privacy
from bank.privacy.models import ErasureRequest, RequestChannel
from bank.privacy.retention import Category, Law
from bank.web.access import staff_required
from bank.web.forms import Attempt
from bank.web.labels import ERASURE_CHANNEL_LABELS, RETENTION_CATEGORY_LABELS, RETENTION_LAW_LABELS
from bank.web.staff import bp

OVERVIEW_ROLES = privacy.PRIVACY_ROLES
REQUEST_ROLES = privacy.REQUEST_ROLES


class ErasureRequestForm(FlaskForm):
    """No fields: the member asked; the answer is computed."""


@dataclass(frozen=True)
class AnswerRow:
    """One line of an answer, in words: what, why it is kept, and until when."""

    category: object
    law: object
    kept_until: dt.date | None
    #: What the line says when there is no date: erased now, or counted from a future end.
    note: object


#: Until when, for a member whose relationship has not ended (the periods count from its end).
WHILE_MEMBER = {
    Law.WWFT: _l("until five years after the membership ends"),
    Law.TAX: _l("until 31 December, seven years after the year the membership ends"),
    Law.NONE: _l("while you are a member"),
}


def answer_rows(request: ErasureRequest) -> list[AnswerRow]:
    """The stored answer as lines to show (the same on the staff page and in the portal)."""
    rows = []
    everything = "everything" in request.erased_now
    for item in request.answer:
        category, law = Category(item["category"]), Law(item["law"])
        until = dt.date.fromisoformat(item["kept_until"]) if item["kept_until"] else None
        note: object = ""
        if everything or (law is Law.NONE and until is not None and request.erased_now):
            until, note = None, _l("erased")
        elif until is None:
            note = WHILE_MEMBER[law]
        elif law is Law.NONE:
            until, note = None, _l("nothing kept")
        rows.append(AnswerRow(RETENTION_CATEGORY_LABELS[category], RETENTION_LAW_LABELS[law], until, note))
    return rows


def files() -> privacy.Files:
    """Where this app keeps uploads and statements (the retention deletes its files there)."""
    config = current_app.config
    return privacy.Files(upload_dir=Path(config["UPLOAD_DIR"]), statement_dir=Path(config["STATEMENT_DIR"]))


def member_panel_context(session: Session, member: Member) -> dict[str, Any]:
    """The member page's privacy panel: retention, requests, the erasure, the request form."""
    may_record = g.actor.has_role(*REQUEST_ROLES)
    erasable_on = privacy.erasable_on(session, member)
    return {
        "privacy_requests": queries.requests_of(session, member.id),
        "privacy_erasure": queries.erasure_of(session, member.id),
        "privacy_erasable_on": erasable_on,
        "privacy_last_kept_on": erasable_on - dt.timedelta(days=1) if erasable_on else None,
        "privacy_left": member.status is MemberStatus.LEFT,
        "privacy_form": (
            ErasureRequestForm(formdata=None) if may_record and member.anonymised_on is None else None
        ),
        "erasure_channel_labels": ERASURE_CHANNEL_LABELS,
    }


@bp.route("/members/<int:member_id>/erasure-request", methods=["POST"])
@staff_required(*REQUEST_ROLES)
def record_erasure_request(member_id: int) -> ResponseReturnValue:
    """The member asked at the bank to be forgotten: record it and show the answer."""
    member = db.session.get(Member, member_id)
    if member is None:
        abort(404)
    form = ErasureRequestForm()
    if not form.validate():
        abort(400)
    attempt = Attempt()
    with attempt as session:
        answered = privacy.request_erasure(
            session, member, actor=g.actor, channel=RequestChannel.STAFF, on=clock.today(), files=files()
        )
        request_id = answered.id
    if attempt.succeeded:
        flash(_("The request is recorded; give the member this answer."), "success")
        return redirect(url_for("staff.erasure_request", request_id=request_id))
    return redirect(url_for("staff.member", member_id=member_id) + "#privacy")


@bp.route("/privacy/requests/<int:request_id>")
@staff_required(*REQUEST_ROLES)
def erasure_request(request_id: int) -> ResponseReturnValue:
    answered = db.session.get(ErasureRequest, request_id)
    if answered is None:
        abort(404)
    return render_template(
        "staff/privacy/request.html",
        answered=answered,
        rows=answer_rows(answered),
        erasure_channel_labels=ERASURE_CHANNEL_LABELS,
    )


@bp.route("/privacy")
@staff_required(*OVERVIEW_ROLES)
def privacy_overview() -> ResponseReturnValue:
    session = db.session
    return render_template(
        "staff/privacy/overview.html",
        kept=queries.former_members_kept(session),
        requests=queries.recent_requests(session),
        erasures=queries.erasures(session),
        today=clock.today(),
        erasure_channel_labels=ERASURE_CHANNEL_LABELS,
    )
