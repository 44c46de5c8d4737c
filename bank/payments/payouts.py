"""Payout batches: the payment orders of an execution date, paid by SEPA credit transfer (issue 14).

``prepare_payouts`` takes every order still waiting (state ordered) whose requested execution
date is on or before the date, builds one pain.001 file for the date (XSD-checked by
``build_pain001``) and stores it with its checksum; each order moves to "in batch". Preparing
the same date again takes only orders not yet in a batch, so a second call prepares nothing
more. Preparing moves no money: the orders were booked Dr paying account / Cr 1090 when they
were ordered (``bank.payment_orders``).

Four eyes: a batch whose total is above ``four_eyes_limit`` (the setting
``PAYMENTS_PAYOUT_FOUR_EYES_LIMIT``) waits for :func:`release_payout_batch` by a second staff
member; whoever prepared it cannot release it. A batch at or below the limit is released when
it is prepared. Only a released batch's file is handed out (:func:`export_payout_batch`), after
its bytes are checked against their checksum and their schema again; the first download marks
the batch and its orders exported.

What the statement says of each order is booked by :func:`settle_payment_order` (Dr 1090 /
Cr 1000) and :func:`reject_payment_order` (back to the paying account), re-exported here for the
statement matcher.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.compliance import gate
from bank.errors import N_, PermissionDenied, ValidationError
from bank.payment_orders import service as orders
from bank.payment_orders.models import OrderState, PaymentOrder
from bank.payments import collections, sepa_files, sepa_schemas
from bank.payments.payout_models import PAYOUT_BATCH_STATE, PayoutBatch, PayoutBatchItem, PayoutBatchState

#: The message version of the files, unless the clearing bank asks for ``pain.001.001.09``.
PAIN_VERSION = "pain.001.001.03"
PAIN_VERSIONS = sepa_schemas.PAIN_001_VERSIONS
#: Who may prepare, release and download payout batches: tellers pay money out.
PAYOUT_ROLES = ("teller", "admin")
#: Above this batch total a second staff member releases the batch (Config overrides it).
FOUR_EYES_LIMIT = Decimal("10000.00")

settle_payment_order = orders.settle_payment_order
reject_payment_order = orders.reject_payment_order


@dataclass(frozen=True)
class PayoutPreparation:
    """What one call of :func:`prepare_payouts` did for its date."""

    execution_on: dt.date
    #: The batch prepared by this call, or None when no order was waiting.
    batch: PayoutBatch | None
    #: The batches of the same date prepared before.
    earlier: tuple[PayoutBatch, ...]

    @property
    def nothing_new(self) -> bool:
        return self.batch is None


def payer_from_settings(settings: Mapping[str, object]) -> sepa_files.Payer:
    """The bank as payer: its name and settlement account (the first of ``SETTLEMENT_IBANS``)."""
    bank = collections.creditor_from_settings(settings)
    return sepa_files.Payer(name=bank.name, iban=bank.iban, bic=bank.bic)


def four_eyes_limit_from_settings(settings: Mapping[str, object]) -> Decimal:
    value = settings.get("PAYMENTS_PAYOUT_FOUR_EYES_LIMIT")
    return Decimal(str(value)) if value is not None else FOUR_EYES_LIMIT


def _require_role(actor: Actor) -> None:
    if not actor.has_role(*PAYOUT_ROLES):
        raise PermissionDenied(
            N_("only a teller or an administrator may prepare, release or download payouts")
        )


def waiting_orders(session: Session, execution_on: dt.date) -> list[PaymentOrder]:
    """Orders not yet in a batch whose requested execution date is on or before ``execution_on``.

    An order for a member whom compliance stops from receiving money (a confirmed sanctions hit)
    is held back: it stays ordered, out of every batch, until compliance lifts the stop.
    """
    orders_due = list(
        session.scalars(
            select(PaymentOrder)
            .where(PaymentOrder.state == OrderState.ORDERED, PaymentOrder.execution_on <= execution_on)
            .order_by(PaymentOrder.execution_on, PaymentOrder.id)
        )
    )
    stopped = held_back_member_ids(session, orders_due)
    return [order for order in orders_due if order.member_id not in stopped]


def held_back_member_ids(session: Session, orders_due: list[PaymentOrder]) -> set[int]:
    """The members among the orders' whom compliance stops from receiving money."""
    member_ids = {order.member_id for order in orders_due if order.member_id is not None}
    found = gate.hindrances(session, member_ids)
    return {
        member_id
        for member_id, items in found.items()
        if any(gate.Purpose.MONEY_OUT in hindrance.purposes for hindrance in items)
    }


def prepare_payouts(
    session: Session,
    execution_on: dt.date,
    actor: Actor,
    *,
    payer: sepa_files.Payer,
    four_eyes_limit: Decimal = FOUR_EYES_LIMIT,
    version: str = PAIN_VERSION,
    today: dt.date | None = None,
) -> PayoutPreparation:
    """Prepare the payout batch of ``execution_on``: one stored pain.001 of the waiting orders."""
    _require_role(actor)
    today = today or clock.today()
    if execution_on < today:
        raise ValidationError("execution_on", N_("must not be in the past (today is %(today)s)"), today=today)
    earlier = tuple(
        session.scalars(
            select(PayoutBatch).where(PayoutBatch.execution_on == execution_on).order_by(PayoutBatch.id)
        )
    )
    waiting = waiting_orders(session, execution_on)
    if not waiting:
        return PayoutPreparation(execution_on, None, earlier)
    count = session.scalar(
        select(func.count()).select_from(PayoutBatch).where(PayoutBatch.execution_on == execution_on)
    )
    batch_id = f"WBP-{execution_on:%Y%m%d}-{(count or 0) + 1}"
    created_at = clock.now_utc()
    built = sepa_files.build_pain001(
        payer,
        [
            sepa_files.CreditTransfer(
                end_to_end_id=order.end_to_end_id,
                amount=order.amount,
                creditor_name=order.creditor_name,
                creditor_iban=order.creditor_iban,
                creditor_bic=order.creditor_bic,
                remittance=order.remittance,
                execution_date=execution_on,
            )
            for order in waiting
        ],
        batch_id=batch_id,
        created_at=created_at,
        version=version,
    )
    assert built.control_sum == sum((order.amount for order in waiting), Decimal("0.00"))
    needs_second_person = built.control_sum > four_eyes_limit
    batch = PayoutBatch(
        pain_version=built.version,
        execution_on=execution_on,
        state=PayoutBatchState.PREPARED if needs_second_person else PayoutBatchState.RELEASED,
        batch_id=batch_id,
        message_id=built.message_id,
        xml_bytes=built.xml_bytes,
        sha256=built.sha256,
        number_of_transactions=built.number_of_transactions,
        control_sum=built.control_sum,
        needs_second_person=needs_second_person,
        created_at=created_at,
        created_by_id=actor.user_id,
        created_by_label=actor.label,
        released_at=None if needs_second_person else created_at,
        released_by_id=None if needs_second_person else actor.user_id,
        released_by_label="" if needs_second_person else actor.label,
        exported_by_label="",
    )
    session.add(batch)
    for order in waiting:
        orders.place_in_batch(order)
        batch.items.append(PayoutBatchItem(order_id=order.id))
    session.flush()
    audit.record(
        session,
        actor,
        "payouts.prepare",
        "payout_batch",
        batch.id,
        after={
            "batch_id": batch.batch_id,
            "execution_on": execution_on,
            "transactions": batch.number_of_transactions,
            "control_sum": batch.control_sum,
            "sha256": batch.sha256,
            "needs_second_person": needs_second_person,
        },
        detail=batch.batch_id,
    )
    return PayoutPreparation(execution_on, batch, earlier)


def release_payout_batch(session: Session, batch: PayoutBatch, *, actor: Actor) -> PayoutBatch:
    """A second staff member releases a batch above the limit; its preparer cannot."""
    _require_role(actor)
    if batch.state is not PayoutBatchState.PREPARED:
        return batch  # released already (by someone, or on preparation): nothing to do twice
    if actor.user_id is None or actor.user_id == batch.created_by_id:
        raise PermissionDenied(
            N_("batch %(batch)s must be released by another staff member than the one who prepared it"),
            batch=batch.batch_id,
        )
    PAYOUT_BATCH_STATE.require(
        batch.state,
        PayoutBatchState.RELEASED,
        N_("batch %(batch)s is %(state)s"),
        batch=batch.batch_id,
        state=batch.state,
    )
    batch.state = PayoutBatchState.RELEASED
    batch.released_at = clock.now_utc()
    batch.released_by_id = actor.user_id
    batch.released_by_label = actor.label
    session.flush()
    audit.record(
        session,
        actor,
        "payouts.release",
        "payout_batch",
        batch.id,
        before={"status": PayoutBatchState.PREPARED.value},
        after={"status": PayoutBatchState.RELEASED.value, "control_sum": batch.control_sum},
        detail=batch.batch_id,
    )
    return batch


def export_payout_batch(session: Session, batch: PayoutBatch, *, actor: Actor) -> bytes:
    """The released file's checked bytes; the first download marks the batch and its orders exported."""
    _require_role(actor)
    PAYOUT_BATCH_STATE.require_action(
        "download",
        batch.state,
        N_("batch %(batch)s is %(state)s; it must be released by a second staff member before it is sent"),
        batch=batch.batch_id,
        state=batch.state,
    )
    xml = collections.verified_xml(batch)
    if batch.state is PayoutBatchState.RELEASED:
        PAYOUT_BATCH_STATE.require(
            batch.state,
            PayoutBatchState.EXPORTED,
            N_("batch %(batch)s is %(state)s"),
            batch=batch.batch_id,
            state=batch.state,
        )
        batch.state = PayoutBatchState.EXPORTED
        batch.exported_at = clock.now_utc()
        batch.exported_by_id = actor.user_id
        batch.exported_by_label = actor.label
        for item in batch.items:
            orders.mark_exported(item.order)
        session.flush()
        audit.record(
            session,
            actor,
            "payouts.export",
            "payout_batch",
            batch.id,
            before={"status": PayoutBatchState.RELEASED.value},
            after={"status": PayoutBatchState.EXPORTED.value, "sha256": batch.sha256},
            detail=batch.batch_id,
        )
    return xml
