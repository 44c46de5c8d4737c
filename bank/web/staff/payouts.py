"""Payment orders and payout batches in the back office (issue 14).

The list page shows the orders waiting for a batch, the form to prepare a date's batch, the
batches and the orders that came back (rejected or returned, with the reason in words). A
batch's page releases it (a second staff member, above the limit), hands out its stored pain.001
and lets staff record what the statement said of each order (seen, or come back with its ISO
reason code) until the statement import matches them by itself.

Releasing and downloading are POSTs: each changes the batch and is recorded, so a link followed
by a crawler or a prefetch never releases or exports a file.
"""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import DateField

from bank import clock
from bank.errors import NotFound
from bank.extensions import db
from bank.payment_orders import service as orders
from bank.payment_orders.models import OrderState, PaymentOrder
from bank.payments import payouts
from bank.payments import queries as payment_queries
from bank.payments.payout_models import PayoutBatch, PayoutBatchState
from bank.web.access import staff_required
from bank.web.filters import date_filter
from bank.web.forms import Attempt, form_status
from bank.web.labels import PAYMENT_ORDER_SOURCE, PAYMENT_ORDER_STATE, PAYOUT_BATCH_STATE
from bank.web.staff import bp

VIEW_ROLES = ("admin", "teller", "credit_officer")
ACT_ROLES = payouts.PAYOUT_ROLES
WAITING = (OrderState.ORDERED, OrderState.IN_BATCH, OrderState.EXPORTED)
CAME_BACK = (OrderState.REJECTED, OrderState.RETURNED)


class PrepareForm(FlaskForm):
    execution_on = DateField(_l("Execution date"))


def _labels() -> dict[str, object]:
    return {
        "batch_state_labels": PAYOUT_BATCH_STATE,
        "order_state_labels": PAYMENT_ORDER_STATE,
        "source_labels": PAYMENT_ORDER_SOURCE,
        "reason_words": orders.reason_words,
        "Prepared": PayoutBatchState.PREPARED,
        "Released": PayoutBatchState.RELEASED,
        "Exported": OrderState.EXPORTED,
        "Settled": OrderState.SETTLED,
        "may_act": g.actor.has_role(*ACT_ROLES),
    }


def _render_list(form: PrepareForm) -> ResponseReturnValue:
    session = db.session
    return (
        render_template(
            "staff/payouts/list.html",
            waiting=payment_queries.payment_orders(session, states=WAITING),
            came_back=payment_queries.payment_orders(session, states=CAME_BACK, limit=50),
            batches=payment_queries.payout_batches(session),
            limit=payouts.four_eyes_limit_from_settings(current_app.config),
            form=form,
            **_labels(),
        ),
        form_status(form),
    )


@bp.route("/payouts")
@staff_required(*VIEW_ROLES)
def payouts_overview() -> ResponseReturnValue:
    return _render_list(PrepareForm(formdata=None, execution_on=clock.today()))


@bp.route("/payouts/prepare", methods=["POST"])
@staff_required(*ACT_ROLES)
def prepare_payout_batch() -> ResponseReturnValue:
    form = PrepareForm()
    if not form.validate() or form.execution_on.data is None:
        form.execution_on.errors = [_("Enter the execution date as YYYY-MM-DD.")]
        return _render_list(form)
    execution_on: dt.date = form.execution_on.data
    attempt = Attempt(form)
    with attempt as session:
        done = payouts.prepare_payouts(
            session,
            execution_on,
            g.actor,
            payer=payouts.payer_from_settings(current_app.config),
            four_eyes_limit=payouts.four_eyes_limit_from_settings(current_app.config),
        )
        prepared = (done.batch.id, done.batch.number_of_transactions) if done.batch is not None else None
    if not attempt.succeeded:
        return _render_list(form)
    if prepared is None:
        day = date_filter(execution_on)
        flash(_("Nothing to prepare for %(date)s: no payment order is waiting.", date=day), "info")
        return redirect(url_for("staff.payouts_overview"))
    flash(
        _(
            "Batch prepared for %(date)s with %(count)s transfers.",
            date=date_filter(execution_on),
            count=prepared[1],
        ),
        "success",
    )
    return redirect(url_for("staff.payout_batch", batch_id=prepared[0]))


def _batch_or_404(batch_id: int) -> PayoutBatch:
    try:
        return payment_queries.payout_batch(db.session, batch_id)
    except NotFound:
        abort(404)


@bp.route("/payouts/batches/<int:batch_id>")
@staff_required(*VIEW_ROLES)
def payout_batch(batch_id: int) -> ResponseReturnValue:
    batch = _batch_or_404(batch_id)
    may_release = (
        batch.state is PayoutBatchState.PREPARED
        and g.actor.has_role(*ACT_ROLES)
        and g.actor.user_id != batch.created_by_id
    )
    return render_template(
        "staff/payouts/detail.html", batch=batch, may_release=may_release, today=clock.today(), **_labels()
    )


@bp.route("/payouts/batches/<int:batch_id>/release", methods=["POST"])
@staff_required(*ACT_ROLES)
def release_payout_batch(batch_id: int) -> ResponseReturnValue:
    _batch_or_404(batch_id)
    attempt = Attempt()
    with attempt as session:
        payouts.release_payout_batch(session, payment_queries.payout_batch(session, batch_id), actor=g.actor)
    if attempt.succeeded:
        flash(_("Batch released: it can now be downloaded and sent."), "success")
    return redirect(url_for("staff.payout_batch", batch_id=batch_id))


@bp.route("/payouts/batches/<int:batch_id>/download", methods=["POST"])
@staff_required(*ACT_ROLES)
def download_payout_batch(batch_id: int) -> ResponseReturnValue:
    _batch_or_404(batch_id)
    attempt = Attempt()
    with attempt as session:
        batch = payment_queries.payout_batch(session, batch_id)
        xml = payouts.export_payout_batch(session, batch, actor=g.actor)
        name = batch.file_name
    if not attempt.succeeded:
        return redirect(url_for("staff.payout_batch", batch_id=batch_id))
    response = make_response(xml)
    response.mimetype = "application/xml"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/payouts/orders/<int:order_id>/settle", methods=["POST"])
@staff_required(*ACT_ROLES)
def settle_payment_order(order_id: int) -> ResponseReturnValue:
    """The statement shows the transfer left (until the statement import matches it itself)."""
    batch_id = request.form.get("batch_id", type=int)
    attempt = Attempt()
    with attempt as session:
        order = _order_or_404(session, order_id)
        payouts.settle_payment_order(session, order, clock.today(), g.actor)
    if attempt.succeeded:
        flash(_("Payment recorded as settled."), "success")
    return redirect(_back(batch_id))


@bp.route("/payouts/orders/<int:order_id>/reject", methods=["POST"])
@staff_required(*ACT_ROLES)
def reject_payment_order(order_id: int) -> ResponseReturnValue:
    """The transfer came back with an ISO reason code: the money goes back, the member is told."""
    batch_id = request.form.get("batch_id", type=int)
    attempt = Attempt()
    with attempt as session:
        order = _order_or_404(session, order_id)
        payouts.reject_payment_order(
            session,
            order,
            on=clock.today(),
            reason_code=request.form.get("reason_code", ""),
            actor=g.actor,
            staff_address=current_app.config.get("PAYMENTS_STAFF_ADDRESS"),
        )
    if attempt.succeeded:
        flash(_("Payment recorded as come back; the amount is back on the paying account."), "success")
    return redirect(_back(batch_id))


def _order_or_404(session: Session, order_id: int) -> PaymentOrder:
    try:
        return payment_queries.payment_order(session, order_id)
    except NotFound:
        abort(404)


def _back(batch_id: int | None) -> str:
    if batch_id:
        return url_for("staff.payout_batch", batch_id=batch_id)
    return url_for("staff.payouts_overview")
