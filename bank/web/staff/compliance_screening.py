"""Screening in the back office (compliance officers and administrators).

``/staff/compliance/hits`` is the queue: proposed clearings and open hits first (best score
first), then what was decided lately. A hit's page sets the member as screened beside the list
entry, says in words why the engine found it, and carries the forms: propose clearing (with a
reason), confirm a clearing someone else proposed (four eyes), confirm the match, and for an
administrator lift a confirmed match. ``/staff/compliance/lists`` shows the list loads, takes a
new list file with its kind, and screens everyone on demand.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flask import abort, flash, g, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from sqlalchemy.orm import Session
from wtforms import SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3, not in its stubs
from wtforms.validators import Length

from bank.compliance import screening_queries, screening_service
from bank.compliance.models import HIT_STATUS, HitStatus, ListFileKind, ScreeningHit
from bank.extensions import db
from bank.web.access import staff_required
from bank.web.forms import Attempt, form_status
from bank.web.labels import HIT_STATUS_LABELS
from bank.web.staff import bp

ROLES = screening_service.COMPLIANCE_ROLES

LIST_KIND_LABELS = {
    ListFileKind.EU.value: _l("EU consolidated sanctions list"),
    ListFileKind.FTM.value: _l("OpenSanctions (FollowTheMoney)"),
}
DATE_REASONS = {
    "same_date": _l("the same date of birth (+8)"),
    "same_year": _l("the same year of birth (+3)"),
    "near_year": _l("a year of birth one year off (−10)"),
    "other_year": _l("another year of birth (−30)"),
    "unknown": _l("no date of birth to compare"),
}
NATIONALITY_REASONS = {
    "same": _l("the same nationality (+3)"),
    "other": _l("another nationality (−3)"),
    "unknown": _l("no nationality to compare"),
}


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Length(max=screening_service.REASON_MAX)])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Remarks (optional)"), validators=[Length(max=screening_service.REASON_MAX)])


class UploadForm(FlaskForm):
    file = FileField(_l("List file"))
    kind = SelectField(
        _l("Kind of list"), choices=[SelectChoice(key, label) for key, label in LIST_KIND_LABELS.items()]
    )


def _hit_or_404(hit_id: int) -> ScreeningHit:
    hit = db.session.get(ScreeningHit, hit_id)
    if hit is None:
        abort(404)
    return hit


def _entry_dates(values: list[str]) -> list[dt.date | str]:
    """The list's birth dates as dates (shown per locale) or a year alone."""
    found: list[dt.date | str] = []
    for value in values:
        try:
            found.append(dt.date.fromisoformat(value))
        except ValueError:
            found.append(value)
    return found


def _labels() -> dict[str, Any]:
    return {
        "hit_status_labels": HIT_STATUS_LABELS,
        "list_kind_labels": LIST_KIND_LABELS,
        "date_reasons": DATE_REASONS,
        "nationality_reasons": NATIONALITY_REASONS,
        "HitStatus": HitStatus,
    }


@bp.route("/compliance/hits")
@staff_required(*ROLES)
def screening_hits() -> ResponseReturnValue:
    session = db.session
    return render_template(
        "staff/compliance/hits.html",
        undecided=screening_queries.undecided_hits(session),
        decided=screening_queries.decided_hits(session),
        **_labels(),
    )


@bp.route("/compliance/hits/<int:hit_id>")
@staff_required(*ROLES)
def screening_hit(hit_id: int) -> ResponseReturnValue:
    return _render_hit(_hit_or_404(hit_id))


def _refusals(form: FlaskForm) -> list[str]:
    """A posted form's errors in words (field errors and those above it)."""
    found = [str(error) for error in form.form_errors]
    for name, errors in form.errors.items():
        if name is not None:
            found += [str(error) for error in errors]
    return found


def _render_hit(hit: ScreeningHit, *, status: int = 200, **forms: FlaskForm) -> ResponseReturnValue:
    actor = g.actor
    refusal = screening_service.clearing_refusal(hit, actor)
    shown = {
        "propose": hit.status is HitStatus.OPEN,
        "clear": hit.status is HitStatus.CLEARING_PROPOSED and refusal is None,
        "confirm": HIT_STATUS.allows(hit.status, HitStatus.CONFIRMED),
        "lift": hit.status is HitStatus.CONFIRMED and actor.role == "admin",
    }
    # A refused form the hit's state no longer offers (decided meanwhile by someone else) still
    # says why, above the forms.
    refused = [line for name, form in forms.items() if not shown[name] for line in _refusals(form)]
    return (
        render_template(
            "staff/compliance/hit.html",
            hit=hit,
            entry=hit.entry,
            entry_dates=_entry_dates(hit.entry.birth_dates),
            other_hits=[
                other
                for other in screening_queries.hits_of_member(db.session, hit.member_id)
                if other.id != hit.id
            ],
            may_propose=shown["propose"],
            may_clear=shown["clear"],
            clear_refusal=refusal if hit.status is HitStatus.CLEARING_PROPOSED else None,
            may_confirm=shown["confirm"],
            may_lift=shown["lift"],
            refused=refused,
            propose_form=forms.get("propose") or ReasonForm(formdata=None, prefix="propose"),
            clear_form=forms.get("clear") or NoteForm(formdata=None, prefix="clear"),
            confirm_form=forms.get("confirm") or ReasonForm(formdata=None, prefix="confirm"),
            lift_form=forms.get("lift") or ReasonForm(formdata=None, prefix="lift"),
            **_labels(),
        ),
        status,
    )


#: What a decision form does to the hit: the service call with the form's text.
Decide = Callable[[Session, ScreeningHit, str], object]


def _decide(hit_id: int, form: FlaskForm, key: str, act: Decide, done: str) -> ResponseReturnValue:
    """Every decision on a hit: the form checked, the service called in one unit of work, the
    hit's page again (with the refusal next to the form's field when refused)."""
    hit = _hit_or_404(hit_id)
    if form.validate():
        attempt = Attempt(form, expire=True)
        with attempt as session:
            act(session, hit, form.data.get("reason") or form.data.get("note") or "")
        if attempt.succeeded:
            flash(done, "success")
            return redirect(url_for("staff.screening_hit", hit_id=hit_id))
    return _render_hit(_hit_or_404(hit_id), status=form_status(form), **{key: form})


@bp.route("/compliance/hits/<int:hit_id>/propose-clearing", methods=["POST"])
@staff_required(*ROLES)
def propose_hit_clearing(hit_id: int) -> ResponseReturnValue:
    return _decide(
        hit_id,
        ReasonForm(prefix="propose"),
        "propose",
        lambda session, hit, text: screening_service.propose_clearing(
            session, hit, reason=text, actor=g.actor
        ),
        _("Clearing proposed: a second compliance officer confirms it."),
    )


@bp.route("/compliance/hits/<int:hit_id>/clear", methods=["POST"])
@staff_required(*ROLES)
def clear_hit(hit_id: int) -> ResponseReturnValue:
    return _decide(
        hit_id,
        NoteForm(prefix="clear"),
        "clear",
        lambda session, hit, text: screening_service.confirm_clearing(session, hit, note=text, actor=g.actor),
        _("Hit cleared: not the listed person or organisation."),
    )


@bp.route("/compliance/hits/<int:hit_id>/confirm", methods=["POST"])
@staff_required(*ROLES)
def confirm_hit(hit_id: int) -> ResponseReturnValue:
    return _decide(
        hit_id,
        ReasonForm(prefix="confirm"),
        "confirm",
        lambda session, hit, text: screening_service.confirm_match(session, hit, reason=text, actor=g.actor),
        _("Match confirmed."),
    )


@bp.route("/compliance/hits/<int:hit_id>/lift", methods=["POST"])
@staff_required("admin")
def lift_hit(hit_id: int) -> ResponseReturnValue:
    return _decide(
        hit_id,
        ReasonForm(prefix="lift"),
        "lift",
        lambda session, hit, text: screening_service.lift(session, hit, reason=text, actor=g.actor),
        _("Confirmed match lifted."),
    )


@bp.route("/compliance/lists")
@staff_required(*ROLES)
def screening_lists() -> ResponseReturnValue:
    return _render_lists()


def _render_lists(form: UploadForm | None = None, status: int = 200) -> ResponseReturnValue:
    return (
        render_template(
            "staff/compliance/lists.html",
            loads=screening_queries.loads(db.session),
            form=form or UploadForm(formdata=None),
            screen_form=FlaskForm(formdata=None),
            **_labels(),
        ),
        status,
    )


@bp.route("/compliance/lists/upload", methods=["POST"])
@staff_required(*ROLES)
def upload_screening_list() -> ResponseReturnValue:
    form = UploadForm()
    if not form.validate():
        return _render_lists(form, form_status(form))
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        form.file.errors = [_("Choose a list file to load.")]
        return _render_lists(form, 422)
    attempt = Attempt(form)
    with attempt as session:
        load = screening_service.load_list(session, upload.read(), upload.filename, form.kind.data, g.actor)
        result = screening_service.screen_everyone(session, g.actor)
        counts = (load.entry_count, result.subjects, len(result.new_hits))
    if not attempt.succeeded:
        return _render_lists(form, 422)
    entries, subjects, new_hits = counts
    flash(
        _(
            "List loaded: %(entries)s entries; %(subjects)s members screened, %(hits)s new hits.",
            entries=entries,
            subjects=subjects,
            hits=new_hits,
        ),
        "success",
    )
    return redirect(url_for("staff.screening_lists"))


@bp.route("/compliance/lists/screen", methods=["POST"])
@staff_required(*ROLES)
def screen_everyone_now() -> ResponseReturnValue:
    form = FlaskForm()
    if not form.validate():
        abort(400)
    attempt = Attempt()
    with attempt as session:
        result = screening_service.screen_everyone(session, g.actor)
        counts = (result.subjects, len(result.new_hits))
    if attempt.succeeded:
        flash(
            _("%(subjects)s members screened, %(hits)s new hits.", subjects=counts[0], hits=counts[1]),
            "success",
        )
    return redirect(url_for("staff.screening_lists"))
