"""Collection batches in the back office: the list with a form to prepare a date, a batch's page
(its items and totals) and the download of its stored pain.008, which marks it exported.

The download is a POST: it changes the batch (prepared → exported) and is recorded, so a link
followed by a crawler or a prefetch never exports a file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # new in WTForms 3.3, not in its stubs
from wtforms.validators import Length

from bank import clock
from bank.errors import NotFound
from bank.extensions import db
from bank.members.models import Member
from bank.payments import collections, returns
from bank.payments import queries as payment_queries
from bank.payments.batch_models import BatchState, ItemState, PaymentBatch
from bank.web.access import staff_required
from bank.web.filters import date_filter
from bank.web.forms import Attempt, form_status
from bank.web.labels import BATCH_ITEM_STATE, BATCH_STATE, COLLECTION_SCHEME, COLLECTION_SEQUENCE
from bank.web.staff import bp

VIEW_ROLES = ("admin", "teller", "credit_officer")
#: The member page shows this many of a member's latest collections.
MEMBER_PANEL_ITEMS = 10
PREPARE_ROLES = collections.PREPARE_ROLES
EXPORT_ROLES = collections.EXPORT_ROLES
RETURN_ROLES = returns.RETURN_ROLES


class PrepareForm(FlaskForm):
    collection_on = DateField(_l("Collection date"))
    #: The message version; the domain refuses any other with the allowed ones named.
    version = SelectField(
        _l("File format"),
        choices=[SelectChoice(version, version) for version in collections.PAIN_VERSIONS],
        default=collections.PAIN_VERSION,
        validate_choice=False,
    )


class ReturnForm(FlaskForm):
    """A return (or refund claim) recorded by hand, from the clearing bank's advice."""

    end_to_end_id = StringField(_l("End-to-end id"), validators=[Length(max=35)])
    reason_code = SelectField(_l("Reason"), choices=[])
    returned_on = DateField(_l("Date of the return"))


def _return_form(formdata: object = None) -> ReturnForm:
    form = ReturnForm(formdata=formdata) if formdata is not None else ReturnForm(formdata=None)
    form.reason_code.choices = [
        (code, f"{code} – {_(reason.label)}") for code, reason in returns.REASONS.items()
    ]
    if form.returned_on.data is None and formdata is None:
        form.returned_on.data = clock.today()
    return form


def _reason_words() -> dict[str, str]:
    return {code: _(reason.label) for code, reason in returns.REASONS.items()}


def _labels() -> dict[str, object]:
    return {
        "state_labels": BATCH_STATE,
        "item_state_labels": BATCH_ITEM_STATE,
        "scheme_labels": COLLECTION_SCHEME,
        "sequence_labels": COLLECTION_SEQUENCE,
        "Prepared": BatchState.PREPARED,
    }


def _render_list(form: PrepareForm) -> ResponseReturnValue:
    return (
        render_template(
            "staff/collections/list.html",
            batches=payment_queries.collection_batches(db.session),
            form=form,
            earliest=collections.earliest_collection_on(clock.today()),
            notice_days=collections.PRE_NOTIFICATION_DAYS,
            **_labels(),
        ),
        form_status(form),
    )


@bp.route("/collections")
@staff_required(*VIEW_ROLES)
def collection_batches() -> ResponseReturnValue:
    form = PrepareForm(formdata=None, collection_on=collections.earliest_collection_on(clock.today()))
    return _render_list(form)


@bp.route("/collections/prepare", methods=["POST"])
@staff_required(*PREPARE_ROLES)
def prepare_collection_batch() -> ResponseReturnValue:
    form = PrepareForm()
    if not form.validate() or form.collection_on.data is None:
        form.collection_on.errors = [_("Enter the collection date as YYYY-MM-DD.")]
        return _render_list(form)
    collection_on: dt.date = form.collection_on.data
    creditor = collections.creditor_from_settings(current_app.config)
    attempt = Attempt(form)
    with attempt as session:
        done = collections.prepare_collections(
            session, g.actor, collection_on, creditor=creditor, version=form.version.data or ""
        )
        prepared = [(b.id, b.number_of_transactions) for b in done.prepared]
    if not attempt.succeeded:
        return _render_list(form)
    if not prepared:
        flash(_("Nothing more to prepare for %(date)s: every instalment due by mandate is in a batch.",
                date=date_filter(collection_on)), "info")  # fmt: skip
        return redirect(url_for("staff.collection_batches"))
    count = sum(n for _id, n in prepared)
    flash(
        _(
            "%(batches)s batches prepared for %(date)s with %(count)s collections; "
            "the borrowers have been notified.",
            batches=len(prepared),
            date=date_filter(collection_on),
            count=count,
        ),
        "success",
    )
    return redirect(url_for("staff.collection_batch", batch_id=prepared[0][0]))


def _batch_or_404(batch_id: int) -> PaymentBatch:
    try:
        return payment_queries.collection_batch(db.session, batch_id)
    except NotFound:
        abort(404)


def _render_batch(batch: PaymentBatch, form: ReturnForm) -> ResponseReturnValue:
    return (
        render_template(
            "staff/collections/detail.html",
            batch=batch,
            return_form=form,
            reason_words=_reason_words(),
            Returned=ItemState.RETURNED,
            **_labels(),
        ),
        form_status(form),
    )


@bp.route("/collections/<int:batch_id>")
@staff_required(*VIEW_ROLES)
def collection_batch(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    return _render_batch(batch, _return_form())


@bp.route("/collections/<int:batch_id>/returns", methods=["POST"])
@staff_required(*RETURN_ROLES)
def record_collection_return(batch_id: int) -> ResponseReturnValue:
    """A return of one of the batch's direct debits, keyed in from the clearing bank's advice."""
    batch = _batch_or_404(batch_id)
    form = _return_form(request.form)
    if not form.validate():
        return _render_batch(batch, form)
    end_to_end_id = (form.end_to_end_id.data or "").strip()
    if form.returned_on.data is None:
        form.returned_on.errors = [_("Enter the date as YYYY-MM-DD.")]
        return _render_batch(batch, form)
    if end_to_end_id not in {item.end_to_end_id for item in batch.items}:
        form.end_to_end_id.errors = [_("is not a direct debit of batch %(batch)s", batch=batch.batch_id)]
        return _render_batch(batch, form)
    returned_on: dt.date = form.returned_on.data
    attempt = Attempt(form, expire=True)
    with attempt as session:
        outcome = returns.record_return(
            session,
            end_to_end_id=end_to_end_id,
            reason_code=form.reason_code.data or "",
            returned_on=returned_on,
            actor=g.actor,
            staff_address=current_app.config.get("STAFF_NOTICE_ADDRESS"),
        )
        recorded = outcome.recorded
    if not attempt.succeeded:
        return _render_batch(_batch_or_404(batch_id), form)
    if recorded:
        message = _(
            "Return of %(end_to_end_id)s recorded; the instalment is open again "
            "and the borrower has been told.",
            end_to_end_id=end_to_end_id,
        )
        flash(message, "success")
    else:
        message = _(
            "The return of %(end_to_end_id)s was recorded before; nothing more was booked.",
            end_to_end_id=end_to_end_id,
        )
        flash(message, "info")
    return redirect(url_for("staff.collection_batch", batch_id=batch_id))


def member_panel_context(session: Session, member: Member) -> dict[str, Any]:
    """The member page's direct-debit panel (``bank.web.nav.MEMBER_PANELS``): the latest
    collections on the member's own loans, with any return and its reason."""
    latest = payment_queries.collection_items_of_members(session, [member.id], per_page=MEMBER_PANEL_ITEMS)
    return {
        "member_collections": latest.items,
        "member_collections_total": latest.total,
        "collection_labels": {**_labels(), "reason_label": returns.reason_label, "view_roles": VIEW_ROLES},
    }


@bp.route("/collections/<int:batch_id>/download", methods=["POST"])
@staff_required(*EXPORT_ROLES)
def download_collection_batch(batch_id: int) -> ResponseReturnValue:
    _batch_or_404(batch_id)
    attempt = Attempt()
    with attempt as session:
        batch = payment_queries.collection_batch(session, batch_id)
        xml = collections.mark_exported(session, batch, actor=g.actor)
        name = batch.file_name
    if not attempt.succeeded:
        return redirect(url_for("staff.collection_batch", batch_id=batch_id))
    response = make_response(xml)
    response.mimetype = "application/xml"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
