"""Ordering a payment, and what the statement says of it: settled, rejected or returned.

:func:`order_payment` checks every field first (the IBAN by schwifty, the BIC, the amount, a
name and remittance a SEPA file can hold, an execution date not in the past), then books
Dr paying account / Cr 1090 under the caller's key and stores the order; ordering again with
the same key returns the first order and books nothing. The caller's key *is* the ledger key,
so a withdrawal ordered as ``withdrawal:{form key}`` stays a withdrawal in the member's history
and in the 24-hour approval window.

:func:`settle_payment_order` (Dr 1090 / Cr 1000, ``payout-settle:{end_to_end_id}``) and
:func:`reject_payment_order` (back to the paying account, ``payout-refuse:{end_to_end_id}``) are
what a statement matcher calls; both are idempotent, so a statement read twice books once. A
refusal tells the member, in their language, why the money came back (the ISO reason code in
words), and the staff through the rejections list of the payout pages and, when the caller
gives one, a mail to the back office's address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency
from schwifty import BIC
from schwifty.exceptions import SchwiftyException
from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.errors import N_, Message, ValidationError
from bank.ledger import chart
from bank.ledger.models import JournalEntry
from bank.ledger.service import EntryRequest, account_by_code, credit, debit, post
from bank.members import validation
from bank.members.models import Member
from bank.money import parse_amount
from bank.notifications import service as notifications
from bank.payment_orders.models import ORDER_STATE, OrderSource, OrderState, PaymentOrder

#: The longest creditor name and remittance a SEPA credit transfer carries.
MAX_NAME_LENGTH = 70
MAX_REMITTANCE_LENGTH = 140
#: Journal entry kinds of the clearing moments (ordering keeps the caller's kind).
SETTLE_KIND = "payout_settle"
REFUSE_KIND = "payout_refuse"
_REASON_CODE = re.compile(r"[A-Z0-9]{4}")
#: Text a SEPA file carries as it is, or after transliterating accents (é → e).
_SEPA_LETTERS = re.compile(r"[A-Za-z0-9/\-?:().,'+ ]")

#: The ISO 20022 reasons a clearing bank gives for a credit transfer it refuses or that comes
#: back, in words a member understands. Any other code is shown as "reason code XXXX".
REASONS: dict[str, str] = {
    "AC01": N_("the account number is wrong"),
    "AC04": N_("the account is closed"),
    "AC06": N_("the account is blocked"),
    "AG01": N_("the receiving bank does not allow this payment to the account"),
    "AG02": N_("the payment was not valid for the receiving bank"),
    "AM05": N_("the payment was made twice"),
    "BE04": N_("the creditor's address is missing"),
    "MD07": N_("the account holder has died"),
    "MS02": N_("the account holder refused the payment"),
    "MS03": N_("the receiving bank gave no reason"),
    "RC01": N_("the bank code (BIC) is wrong"),
    "RR01": N_("the payment lacks data the rules require"),
    "RR02": N_("the payment lacks the creditor's name or address"),
    "RR03": N_("the payment lacks the payer's name or address"),
    "RR04": N_("the payment was stopped for regulatory reasons"),
    "FOCR": N_("the payment was returned after a cancellation request"),
}


@dataclass(frozen=True)
class Ordered:
    """The order a call made or found, and whether this call made it."""

    order: PaymentOrder
    created: bool


def end_to_end_id_for(key: str) -> str:
    """The order's end-to-end id, derived from its key: the same key gives the same id, and the
    id is a SEPA identifier (letters and digits, at most 35) that says nothing of the member."""
    return "WBP" + hashlib.sha256(key.encode()).hexdigest()[:24].upper()


def order_by_key(session: Session, key: str) -> PaymentOrder | None:
    return session.scalar(select(PaymentOrder).where(PaymentOrder.key == key))


def order_by_end_to_end_id(session: Session, end_to_end_id: str) -> PaymentOrder | None:
    return session.scalar(select(PaymentOrder).where(PaymentOrder.end_to_end_id == end_to_end_id))


def order_payment(
    session: Session,
    *,
    key: str,
    kind: str,
    source: OrderSource,
    paying_account_id: int,
    amount: object,
    creditor_name: str,
    iban: str,
    remittance: str,
    execution_on: dt.date,
    actor: Actor,
    memo: str = "",
    bic: str | None = None,
    member: Member | None = None,
    value_date: dt.date | None = None,
    today: dt.date | None = None,
) -> Ordered:
    """Order a credit transfer: Dr ``paying_account_id`` / Cr 1090 under ``key``, and the order.

    Every field is checked before anything is written; the refusal names each field that
    breaks a rule (``iban``, ``amount``, ``execution_on``, ``creditor_name``, ``remittance``,
    ``bic``). The ledger refuses a paying account without the funds.
    """
    existing = order_by_key(session, key)
    if existing is not None:
        return Ordered(existing, created=False)
    today = today or clock.today()
    fields = check_order_fields(
        amount=amount,
        creditor_name=creditor_name,
        iban=iban,
        bic=bic,
        remittance=remittance,
        execution_on=execution_on,
        today=today,
    )
    in_transit = account_by_code(session, chart.PAYMENTS_IN_TRANSIT).id
    entry = post(
        session,
        key,
        kind,
        [debit(paying_account_id, fields.amount), credit(in_transit, fields.amount)],
        value_date or today,
        actor,
        memo or f"{fields.remittance} · to {fields.iban}",
    )
    order = PaymentOrder(
        key=key,
        end_to_end_id=end_to_end_id_for(key),
        source=source,
        paying_account_id=paying_account_id,
        member_id=member.id if member is not None else None,
        amount=fields.amount,
        creditor_name=fields.creditor_name,
        creditor_iban=fields.iban,
        creditor_bic=fields.bic,
        remittance=fields.remittance,
        execution_on=execution_on,
        state=OrderState.ORDERED,
        order_entry_id=entry.id,
        created_at=clock.now_utc(),
        created_by_id=actor.user_id,
        created_by_label=actor.label,
    )
    session.add(order)
    session.flush()
    audit.record(
        session,
        actor,
        "payout.order",
        "payment_order",
        order.id,
        after={
            "end_to_end_id": order.end_to_end_id,
            "amount": order.amount,
            "iban": order.creditor_iban,
            "execution_on": execution_on,
            "source": source.value,
        },
        detail=order.end_to_end_id,
    )
    return Ordered(order, created=True)


@dataclass(frozen=True)
class OrderFields:
    amount: Decimal
    creditor_name: str
    iban: str
    bic: str | None
    remittance: str


def check_order_fields(
    *,
    amount: object,
    creditor_name: str,
    iban: str,
    bic: str | None,
    remittance: str,
    execution_on: dt.date,
    today: dt.date,
) -> OrderFields:
    """Every field of an order checked at once; one ``ValidationError`` naming each broken one."""
    problems: dict[str, str] = {}
    checked_amount = Decimal("0")
    checked_iban = ""
    checked_bic: str | None = None
    try:
        checked_amount = parse_amount(amount, field="amount")
    except ValidationError as error:
        problems.update(error.fields)
    try:
        checked_iban = validation.iban(iban, field="iban")
    except ValidationError as error:
        problems.update(error.fields)
    if bic:
        try:
            checked_bic = str(BIC("".join(bic.split()).upper()))
        except SchwiftyException:
            problems["bic"] = N_("is not a valid BIC (8 or 11 letters and digits, like ABNANL2A)")
    name = " ".join((creditor_name or "").split())
    text = " ".join((remittance or "").split())
    for field, value, maximum in (
        ("creditor_name", name, MAX_NAME_LENGTH),
        ("remittance", text, MAX_REMITTANCE_LENGTH),
    ):
        if not value:
            problems[field] = N_("is required")
        elif len(value) > maximum:
            problems[field] = Message(N_("must be at most %(max_length)s characters"), max_length=maximum)
        elif bad := _unsendable(value):
            problems[field] = Message(
                N_("contains '%(character)s', which a SEPA file cannot carry"), character=bad
            )
    if execution_on < today:
        problems["execution_on"] = Message(N_("must not be in the past (today is %(today)s)"), today=today)
    if problems:
        raise ValidationError(problems)
    return OrderFields(checked_amount, name, checked_iban, checked_bic, text)


def _unsendable(text: str) -> str | None:
    """The first character a SEPA file can neither carry nor transliterate, or None."""
    for character in text:
        if _SEPA_LETTERS.fullmatch(character):
            continue
        plain = "".join(c for c in unicodedata.normalize("NFKD", character) if not unicodedata.combining(c))
        if not plain or not all(_SEPA_LETTERS.fullmatch(c) for c in plain):
            return character
    return None


# ---------------------------------------------------------------------------------------------
# The batch carries it


def place_in_batch(order: PaymentOrder) -> None:
    """The order is in a prepared pain.001 batch (called by ``bank.payments.payouts``)."""
    ORDER_STATE.require(
        order.state,
        OrderState.IN_BATCH,
        N_("payment %(end_to_end_id)s is %(state)s, not ordered"),
        end_to_end_id=order.end_to_end_id,
        state=order.state,
    )
    order.state = OrderState.IN_BATCH


def mark_exported(order: PaymentOrder) -> None:
    """Its batch's file went to the clearing bank."""
    if order.state is OrderState.IN_BATCH:
        order.state = OrderState.EXPORTED


# ---------------------------------------------------------------------------------------------
# The statement


def settlement_request(session: Session, order: PaymentOrder, on: dt.date) -> EntryRequest:
    """The one entry that settles ``order``: Dr 1090 / Cr 1000 under ``payout-settle:{e2e}``.

    :func:`settle_payment_order` and the statement import post exactly this request under the
    same key, so whichever sees the transfer first books it and the other books nothing."""
    return EntryRequest(
        f"payout-settle:{order.end_to_end_id}",
        SETTLE_KIND,
        [
            debit(account_by_code(session, chart.PAYMENTS_IN_TRANSIT), order.amount),
            credit(account_by_code(session, chart.SETTLEMENT), order.amount),
        ],
        on,
        order.end_to_end_id,
    )


def may_settle(order: PaymentOrder) -> bool:
    return ORDER_STATE.allows(order.state, OrderState.SETTLED)


def settle_payment_order(session: Session, order: PaymentOrder, on: dt.date, actor: Actor) -> JournalEntry:
    """The statement of ``on`` shows the transfer left: Dr 1090 / Cr 1000, once."""
    if order.state in (OrderState.SETTLED, OrderState.RETURNED) and order.settle_entry_id is not None:
        entry = session.get(JournalEntry, order.settle_entry_id)
        assert entry is not None
        return entry
    _require_settle(order)
    request = settlement_request(session, order, on)
    entry = post(session, request.key, request.kind, request.lines, on, actor, request.memo)
    mark_settled(session, order, on=on, entry_id=entry.id, actor=actor)
    return entry


def _require_settle(order: PaymentOrder) -> None:
    ORDER_STATE.require(
        order.state,
        OrderState.SETTLED,
        N_("payment %(end_to_end_id)s is %(state)s; only an exported payment can be settled"),
        end_to_end_id=order.end_to_end_id,
        state=order.state,
    )


def mark_settled(session: Session, order: PaymentOrder, *, on: dt.date, entry_id: int, actor: Actor) -> None:
    """Record that ``order`` left the bank (its entry, :func:`settlement_request`, is posted)."""
    _require_settle(order)
    order.state = OrderState.SETTLED
    order.settled_on = on
    order.settle_entry_id = entry_id
    session.flush()
    audit.record(
        session,
        actor,
        "payout.settle",
        "payment_order",
        order.id,
        before={"status": OrderState.EXPORTED.value},
        after={"status": OrderState.SETTLED.value, "on": on, "amount": order.amount},
        detail=order.end_to_end_id,
    )


def reject_payment_order(
    session: Session,
    order: PaymentOrder,
    *,
    on: dt.date,
    reason_code: str,
    actor: Actor,
    staff_address: str | None = None,
) -> JournalEntry:
    """The transfer was refused (before it left: Dr 1090) or came back (after: Dr 1000); the
    amount returns to the paying account (Cr) and the member is told why, once."""
    if order.state in (OrderState.REJECTED, OrderState.RETURNED) and order.refuse_entry_id is not None:
        entry = session.get(JournalEntry, order.refuse_entry_id)
        assert entry is not None
        return entry
    code = clean_reason_code(reason_code)
    _require_refuse(order)
    request = refusal_request(session, order, on, code)
    entry = post(session, request.key, request.kind, request.lines, on, actor, request.memo)
    mark_refused(
        session, order, on=on, reason_code=code, entry_id=entry.id, actor=actor, staff_address=staff_address
    )
    return entry


def clean_reason_code(reason_code: str) -> str:
    code = "".join((reason_code or "").split()).upper()
    if not _REASON_CODE.fullmatch(code):
        raise ValidationError(
            "reason_code", N_("must be an ISO reason code of four letters or digits, like AC04")
        )
    return code


def _target(order: PaymentOrder) -> OrderState:
    return OrderState.RETURNED if order.state is OrderState.SETTLED else OrderState.REJECTED


def _require_refuse(order: PaymentOrder) -> None:
    ORDER_STATE.require(
        order.state,
        _target(order),
        N_("payment %(end_to_end_id)s is %(state)s; it has not been sent, so it cannot be refused"),
        end_to_end_id=order.end_to_end_id,
        state=order.state,
    )


def refusal_request(session: Session, order: PaymentOrder, on: dt.date, reason_code: str) -> EntryRequest:
    """The entry that gives the money back to the paying account, under ``payout-refuse:{e2e}``:
    from 1090 while the transfer had not left (rejected), from 1000 once it had (returned)."""
    returned = order.state is OrderState.SETTLED
    source = account_by_code(session, chart.SETTLEMENT if returned else chart.PAYMENTS_IN_TRANSIT)
    return EntryRequest(
        f"payout-refuse:{order.end_to_end_id}",
        REFUSE_KIND,
        [debit(source, order.amount), credit(order.paying_account_id, order.amount)],
        on,
        f"{order.end_to_end_id} {reason_code}",
    )


def mark_refused(
    session: Session,
    order: PaymentOrder,
    *,
    on: dt.date,
    reason_code: str,
    entry_id: int,
    actor: Actor,
    staff_address: str | None = None,
) -> None:
    """Record the rejection or return (its entry, :func:`refusal_request`, is posted) and tell
    the member and, given an address, the back office."""
    _require_refuse(order)
    before = order.state
    target = _target(order)
    order.state = target
    order.refused_on = on
    order.reason_code = reason_code
    order.refuse_entry_id = entry_id
    session.flush()
    audit.record(
        session,
        actor,
        "payout.return" if target is OrderState.RETURNED else "payout.reject",
        "payment_order",
        order.id,
        before={"status": before.value},
        after={"status": target.value, "on": on, "reason_code": reason_code, "amount": order.amount},
        detail=order.end_to_end_id,
    )
    _tell(session, order, staff_address)


def reason_words(code: str) -> str:
    """The catalogue id of a reason code's words (translate it where it is shown)."""
    return REASONS.get(code, N_("reason code %(code)s"))


REFUSAL_SUBJECT = N_("Your payment of %(amount)s has come back")
REFUSAL_BODY = N_(
    "Dear %(name)s,\n\n"
    "The payment of %(amount)s to %(creditor)s (%(iban)s), ordered for %(date)s, has come back: "
    "%(reason)s (%(code)s).\n\n"
    "The amount has been credited back to your account. Please check the details and let us know "
    "where the money should go. Questions? Reply to this message.\n\n"
    "Kind regards,\nWijkbank\n"
)
STAFF_SUBJECT = N_("Payment %(end_to_end_id)s came back: %(code)s")


def refusal_mail(language: str, order: PaymentOrder, name: str) -> tuple[str, str]:
    """(subject, body) telling ``name`` in ``language`` (Dutch unless English) why the order came back."""
    lang = "en" if language == "en" else "nl"
    translations = notifications.translations(lang)
    code = order.reason_code or ""
    values = {
        "name": name,
        "amount": format_currency(order.amount, "EUR", locale=lang),
        "creditor": order.creditor_name,
        "iban": order.creditor_iban,
        "date": format_date(order.execution_on, format="long", locale=lang),
        "reason": translations.gettext(reason_words(code)) % {"code": code},
        "code": code,
        "end_to_end_id": order.end_to_end_id,
    }
    return translations.gettext(REFUSAL_SUBJECT) % values, translations.gettext(REFUSAL_BODY) % values


def _tell(session: Session, order: PaymentOrder, staff_address: str | None) -> None:
    member = order.member
    if member is not None:
        subject, body = refusal_mail(member.language or "nl", order, member.full_name)
        notifications.enqueue(
            session,
            member=member,
            subject=subject,
            body=body,
            object_type="payment_order",
            object_id=order.id,
        )
    if staff_address:
        subject, body = refusal_mail("nl", order, "Wijkbank")
        staff_subject = notifications.translations("nl").gettext(STAFF_SUBJECT) % {
            "end_to_end_id": order.end_to_end_id,
            "code": order.reason_code,
        }
        notifications.enqueue(
            session,
            member=None,
            subject=staff_subject or subject,
            body=body,
            object_type="payment_order",
            object_id=order.id,
            fallback_address=staff_address,
        )
