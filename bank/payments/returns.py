"""Returned direct debits (R-transactions) and refund claims (issue 14).

A settled direct debit can come back: a return within days (the debtor's account is closed,
AC04; there is not enough money, AM04), a refund the debtor claims within 8 weeks of the debit
date without giving a reason (MD06, SEPA Core only), or a refund of a debit the debtor says
they never authorised (MD01), honoured within 13 months and flagged for staff to look into.

:func:`record_return` books it:

1. if the repayment run already applied the money, the payment is taken back from the loan
   exactly (:func:`bank.loans.servicing.unapply_payment`: the instalment is open again with the
   same interest/principal split, the loan's outstanding restored to the cent), so the
   repayment account holds the money again and never goes negative;
2. Dr the borrower's repayment account / Cr 1000 for the item's amount, key
   ``collection-return:{end_to_end_id}`` (recording the same return twice books nothing more);
3. the product's return fee, when it has one: Dr the loan's fees receivable / Cr 4100 and added
   to the instalment's fees, key ``collection-return-fee:{end_to_end_id}``; the run collects it
   like a late fee;
4. the item is returned with its reason and date, the batch partly returned; the borrower is
   told in their language and staff get a notice in the outbox.

The instalment is unpaid again, so the next repayment runs charge arrears, late fee and penalty
interest as for any unpaid instalment, and the next collection batch may collect it again
(``bank.payments.collections.prepare_collections``), as a recurring debit.

What happens to the mandate depends on the reason (:data:`REASONS`): where the debtor's account
is gone or blocked (AC01, AC04, AC06, AG01), the debtor is deceased (MD07), the debtor's bank
refuses our debits (SL01) or there is no valid mandate (MD01), the mandate is revoked (its loans
fall back to their repayment accounts and staff arrange a new mandate); for the others (AM04
not enough money, MD06 a refund, MS02/MS03 refused by the debtor, …) the mandate stays and the
instalment is collected again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import audit
from bank.actor import Actor
from bank.calendar import add_months
from bank.errors import N_, NotFound, PermissionDenied, ValidationError
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry
from bank.ledger.service import account_by_code, credit, debit, post
from bank.loans import servicing
from bank.loans.models import InstalmentStatus, LoanStatus
from bank.money import ZERO
from bank.notifications import service as notifications
from bank.payments import mandates as mandate_rules
from bank.payments.batch_models import (
    BATCH_STATE,
    ITEM_STATE,
    BatchState,
    ItemState,
    PaymentBatchItem,
)
from bank.payments.models import MANDATE_STATUS, MandateScheme, MandateStatus

#: Who may record a return by hand (statement matching records them as the system).
RETURN_ROLES = ("admin", "credit_officer")
#: A refund without reason (MD06) may be claimed up to 8 weeks after the debit date.
REFUND_DAYS = 56
#: A refund of an unauthorised debit (MD01) may be claimed up to 13 months after the debit date.
UNAUTHORISED_MONTHS = 13
RETURN_KIND = "direct_debit_return"
RETURN_FEE_KIND = "direct_debit_return_fee"


@dataclass(frozen=True)
class Reason:
    """An ISO 20022 return reason as the bank treats it."""

    code: str
    #: What it means, in English (the catalogue has the Dutch).
    label: str
    #: Whether the mandate is revoked: collecting on it again would fail again or is not allowed.
    stops_mandate: bool


#: The return reasons the bank knows, in the order the staff form lists them.
REASONS: dict[str, Reason] = {
    reason.code: reason
    for reason in (
        Reason("AC01", N_("account number incorrect"), True),
        Reason("AC04", N_("account closed"), True),
        Reason("AC06", N_("account blocked"), True),
        Reason("AG01", N_("direct debits not allowed on this account"), True),
        Reason("AG02", N_("invalid operation code"), False),
        Reason("AM04", N_("insufficient funds"), False),
        Reason("AM05", N_("duplicate collection"), False),
        Reason("BE05", N_("creditor not recognised"), False),
        Reason("FF01", N_("invalid file format"), False),
        Reason("MD01", N_("no mandate (unauthorised debit)"), True),
        Reason("MD02", N_("mandate data missing or wrong"), False),
        Reason("MD06", N_("refund requested by the debtor"), False),
        Reason("MD07", N_("debtor deceased"), True),
        Reason("MS02", N_("refused by the debtor"), False),
        Reason("MS03", N_("reason not specified"), False),
        Reason("RC01", N_("bank identifier incorrect"), False),
        Reason("RR04", N_("regulatory reason"), False),
        Reason("SL01", N_("specific service of the debtor's bank"), True),
    )
}
REFUND = "MD06"
UNAUTHORISED = "MD01"


@dataclass(frozen=True)
class ReturnOutcome:
    """What :func:`record_return` did (or found done before)."""

    item: PaymentBatchItem
    #: False when the return had been recorded before: nothing was booked this time.
    recorded: bool
    #: What was taken back from the loan's instalments (empty when the money was still there).
    unapplied: tuple[servicing.Unapplied, ...] = ()
    fee: Decimal = ZERO
    mandate_revoked: bool = False


def reason_label(code: str) -> str:
    """The English words of a reason code (translate them with gettext), or the code itself."""
    reason = REASONS.get(code)
    return reason.label if reason is not None else code


def record_return(
    session: Session,
    *,
    end_to_end_id: str,
    reason_code: str,
    returned_on: dt.date,
    actor: Actor,
    staff_address: str | None = None,
    counter_account_id: int | None = None,
    from_statement: bool = False,
) -> ReturnOutcome:
    """Book the return of the settled direct debit ``end_to_end_id`` (see the module's text).

    Recording the same return again books nothing and says so (``recorded`` False). A refund
    claim outside its window is refused with the window named, and nothing is written.
    ``counter_account_id`` is the account the money leaves through: 1000 when staff record a
    return by hand; the statement import books the line's own entry (Dr 1095 / Cr 1000) and
    passes 1095, so the two entries together are Dr repayment account / Cr 1000.
    """
    # The clearing bank's statement is evidence enough: whoever may import it books its returns.
    if not from_statement and not actor.has_role(*RETURN_ROLES):
        raise PermissionDenied(N_("only a credit officer or an administrator may record a return"))
    code = (reason_code or "").strip().upper()
    reason = REASONS.get(code)
    if reason is None:
        raise ValidationError("reason_code", N_("must be one of %(codes)s"), codes=", ".join(REASONS))
    e2e = (end_to_end_id or "").strip()
    item = session.scalar(select(PaymentBatchItem).where(PaymentBatchItem.end_to_end_id == e2e))
    if item is None:
        raise NotFound(N_("there is no direct debit with end-to-end id %(end_to_end_id)s"), end_to_end_id=e2e)
    if item.state is ItemState.RETURNED:
        return ReturnOutcome(item=item, recorded=False)
    if item.state is not ItemState.SETTLED:
        raise ValidationError(
            "end_to_end_id",
            N_("direct debit %(end_to_end_id)s is %(state)s; only a settled one can come back"),
            end_to_end_id=e2e,
            state=item.state,
        )
    batch = item.batch
    debited_on = batch.collection_on
    _check_window(code, debited_on, returned_on, batch.scheme)

    loan = item.loan
    repayment = loan.repayment_account.ledger_account_id
    instalment = item.instalment
    # Take back what was applied: first what this debit paid on its instalment, then whatever
    # else the repayment account lacks (the run may have paid older arrears with it).
    available = ledger_queries.balance(session, repayment)
    paid_here = min(item.amount, instalment.total_paid)
    to_take_back = max(paid_here, item.amount - available)
    unapplied: list[servicing.Unapplied] = []
    if to_take_back > ZERO:
        unapplied = servicing.unapply_payment(
            session,
            loan,
            to_take_back,
            instalment=instalment,
            key=f"collection-unapply:{e2e}",
            on=returned_on,
            actor=actor,
        )
    settlement = counter_account_id or account_by_code(session, chart.SETTLEMENT).id
    post(
        session,
        f"collection-return:{e2e}",
        RETURN_KIND,
        [debit(repayment, item.amount), credit(settlement, item.amount)],
        returned_on,
        actor,
        f"{e2e} {code}",
    )
    fee = loan.product.return_fee or ZERO
    if fee > ZERO:
        post(
            session,
            f"collection-return-fee:{e2e}",
            RETURN_FEE_KIND,
            [debit(loan.fees_account_id, fee), credit(account_by_code(session, chart.FEE_INCOME).id, fee)],
            returned_on,
            actor,
            f"{e2e} {code}",
        )
        instalment.fees_due += fee
        if instalment.status is InstalmentStatus.PAID:
            instalment.status = InstalmentStatus.OPEN
            instalment.paid_on = None

    ITEM_STATE.require(
        item.state,
        ItemState.RETURNED,
        N_("collection %(end_to_end_id)s is %(state)s"),
        end_to_end_id=e2e,
        state=item.state,
    )
    item.state = ItemState.RETURNED
    item.return_reason = code
    item.returned_on = returned_on
    item.unauthorised_claim = code == UNAUTHORISED
    if batch.state is not BatchState.PARTLY_RETURNED:
        BATCH_STATE.require(
            batch.state,
            BatchState.PARTLY_RETURNED,
            N_("batch %(batch)s is %(state)s"),
            batch=batch.batch_id,
            state=batch.state,
        )
        batch.state = BatchState.PARTLY_RETURNED
    mandate = item.mandate
    if code == UNAUTHORISED:
        mandate.unauthorised_claim_on = returned_on
    session.flush()
    audit.record(
        session,
        actor,
        "collections.return",
        "payment_batch_item",
        item.id,
        before={"status": ItemState.SETTLED.value},
        after={
            "status": ItemState.RETURNED.value,
            "reason": code,
            "on": returned_on,
            "amount": item.amount,
            "fee": fee,
            "unapplied": sum((u.total for u in unapplied), ZERO),
            "unauthorised": code == UNAUTHORISED,
        },
        detail=e2e,
    )
    if code == UNAUTHORISED:
        audit.record(
            session,
            actor,
            "mandate.unauthorised_claim",
            "mandate",
            mandate.id,
            after={"on": returned_on, "end_to_end_id": e2e, "debited_on": debited_on},
            detail=mandate.reference,
        )
    revoked = False
    if reason.stops_mandate and MANDATE_STATUS.allows(mandate.status, MandateStatus.REVOKED):
        mandate_rules.revoke_mandate(
            session,
            mandate,
            actor=actor,
            on=returned_on,
            reason=f"{code}: {reason.label} ({e2e})",
        )
        revoked = True
    _tell(session, item, code, fee, revoked, staff_address)
    return ReturnOutcome(
        item=item, recorded=True, unapplied=tuple(unapplied), fee=fee, mandate_revoked=revoked
    )


def check_return(item: PaymentBatchItem, reason_code: str, returned_on: dt.date) -> None:
    """Raise the ValidationError :func:`record_return` would raise for the reason and date
    (an unknown code, a date before the debit, a refund claim outside its window), or when the
    loan is written off (a return on it needs a person); reads only. The statement's matcher
    asks this first, so a line it cannot book waits in suspense instead of failing the import."""
    code = (reason_code or "").strip().upper()
    if code not in REASONS:
        raise ValidationError("reason_code", N_("must be one of %(codes)s"), codes=", ".join(REASONS))
    _check_window(code, item.batch.collection_on, returned_on, item.batch.scheme)
    if item.loan.status is LoanStatus.WRITTEN_OFF:
        raise ValidationError(
            "end_to_end_id",
            N_("loan %(number)s is written off; a return on it is booked by staff"),
            number=item.loan.number,
        )


def _check_window(code: str, debited_on: dt.date, returned_on: dt.date, scheme: MandateScheme) -> None:
    """Refuse a return dated before the debit, and a refund claim outside its window."""
    if returned_on < debited_on:
        raise ValidationError(
            "returned_on", N_("cannot be before the debit date %(debited_on)s"), debited_on=debited_on
        )
    if code == REFUND:
        if scheme is MandateScheme.B2B:
            raise ValidationError(
                "reason_code", N_("a B2B direct debit carries no refund right; MD06 is refused")
            )
        last = debited_on + dt.timedelta(days=REFUND_DAYS)
        if returned_on > last:
            raise ValidationError(
                "returned_on",
                N_(
                    "a refund (MD06) must be claimed within 8 weeks of the debit date %(debited_on)s, "
                    "by %(last)s at the latest"
                ),
                debited_on=debited_on,
                last=last,
            )
    if code == UNAUTHORISED:
        last = add_months(debited_on, UNAUTHORISED_MONTHS)
        if returned_on > last:
            raise ValidationError(
                "returned_on",
                N_(
                    "an unauthorised debit (MD01) must be claimed within 13 months of the debit date "
                    "%(debited_on)s, by %(last)s at the latest"
                ),
                debited_on=debited_on,
                last=last,
            )


# ---------------------------------------------------------------------------------------------
# Telling the borrower and staff

RETURN_SUBJECT = N_("Direct debit for loan %(loan)s returned")
RETURN_BODY = N_(
    "Dear %(name)s,\n\n"
    "The direct debit of %(amount)s of %(date)s for instalment %(number)s of loan %(loan)s has come "
    "back from your bank (%(code)s: %(reason)s). The instalment is open again; please make sure it "
    "is paid, or we will collect it again.\n\n"
    "%(fee_line)s"
    "Questions? Reply to this message.\n\n"
    "Kind regards,\nWijkbank\n"
)
RETURN_FEE_LINE = N_("We charge %(fee)s in return costs, collected with the instalment.\n\n")
STAFF_SUBJECT = N_("Direct debit %(end_to_end_id)s returned (%(code)s)")
STAFF_BODY = N_(
    "The direct debit %(end_to_end_id)s of %(amount)s on loan %(loan)s came back on %(date)s: "
    "%(code)s, %(reason)s.\n"
)
STAFF_UNAUTHORISED = N_(
    "The debtor claims it was not authorised (MD01): look into mandate %(mandate)s; it is flagged.\n"
)
STAFF_REVOKED = N_(
    "Mandate %(mandate)s has been revoked; the loan is collected from its repayment account.\n"
)


def return_notice(
    language: str,
    *,
    name: str,
    amount: Decimal,
    on: dt.date,
    number: int,
    loan: str,
    code: str,
    fee: Decimal,
) -> tuple[str, str]:
    """(subject, body) of the borrower's notice of a return in ``language`` (Dutch unless English)."""
    lang = "en" if language == "en" else "nl"
    translations = notifications.translations(lang)
    values: dict[str, object] = {
        "name": name,
        "amount": format_currency(amount, "EUR", locale=lang),
        "date": format_date(on, format="long", locale=lang),
        "number": number,
        "loan": loan,
        "code": code,
        "reason": translations.gettext(reason_label(code)),
        "fee_line": "",
    }
    if fee > ZERO:
        values["fee_line"] = translations.gettext(RETURN_FEE_LINE) % {
            "fee": format_currency(fee, "EUR", locale=lang)
        }
    return translations.gettext(RETURN_SUBJECT) % values, translations.gettext(RETURN_BODY) % values


def _tell(
    session: Session,
    item: PaymentBatchItem,
    code: str,
    fee: Decimal,
    revoked: bool,
    staff_address: str | None,
) -> None:
    borrower = item.loan.borrower
    subject, body = return_notice(
        borrower.language or "nl",
        name=borrower.full_name,
        amount=item.amount,
        on=item.batch.collection_on,
        number=item.instalment.number,
        loan=item.loan.number,
        code=code,
        fee=fee,
    )
    notifications.enqueue(
        session,
        member=borrower,
        subject=subject,
        body=body,
        object_type="payment_batch_item",
        object_id=item.id,
    )
    # Staff read Dutch first.
    nl = notifications.translations("nl")
    values = {
        "end_to_end_id": item.end_to_end_id,
        "amount": format_currency(item.amount, "EUR", locale="nl"),
        "loan": item.loan.number,
        "date": format_date(item.returned_on or item.batch.collection_on, format="long", locale="nl"),
        "code": code,
        "reason": nl.gettext(reason_label(code)),
        "mandate": item.mandate.reference,
    }
    staff_body = nl.gettext(STAFF_BODY) % values
    if item.unauthorised_claim:
        staff_body += nl.gettext(STAFF_UNAUTHORISED) % values
    if revoked:
        staff_body += nl.gettext(STAFF_REVOKED) % values
    notifications.enqueue(
        session,
        member=None,
        subject=nl.gettext(STAFF_SUBJECT) % values,
        body=staff_body,
        object_type="payment_batch_item",
        object_id=item.id,
        fallback_address=staff_address,
    )


def returns_of_batch(session: Session, batch_id: int) -> list[PaymentBatchItem]:
    """The returned items of a batch (for its page), in item order."""
    return list(
        session.scalars(
            select(PaymentBatchItem)
            .where(PaymentBatchItem.batch_id == batch_id, PaymentBatchItem.state == ItemState.RETURNED)
            .order_by(PaymentBatchItem.id)
        )
    )


def return_entry(session: Session, end_to_end_id: str) -> JournalEntry | None:
    """The ledger entry of a return, if booked."""
    return session.scalar(
        select(JournalEntry).where(JournalEntry.idempotency_key == f"collection-return:{end_to_end_id}")
    )


# ---------------------------------------------------------------------------------------------
# The statement's side (for the statement import's matchers, ``bank.payments.matching``)


def returned_item(
    session: Session, *, end_to_end_id: str | None, return_reason: str | None
) -> PaymentBatchItem | None:
    """The settled direct debit of ours that a statement's debit line with a return reason
    gives back, or None when the line is not such a return. Reads only: a matcher asks this,
    and the import calls :func:`record_return_from_statement` once it books the line.

    A line already recorded as returned (the same statement read twice, or a return staff keyed
    in by hand) is found too, so that matching it books nothing more.
    """
    if not end_to_end_id or not return_reason:
        return None
    item = session.scalar(
        select(PaymentBatchItem).where(PaymentBatchItem.end_to_end_id == end_to_end_id.strip())
    )
    if item is None or item.state is ItemState.PENDING:
        return None
    return item


def record_return_from_statement(
    session: Session,
    *,
    end_to_end_id: str,
    return_reason: str,
    booked_on: dt.date,
    actor: Actor,
    counter_account_id: int | None = None,
) -> ReturnOutcome:
    """Book a return the clearing bank's statement shows (a debit with our end-to-end id and an
    ISO return reason): :func:`record_return`, dated the statement's booking date. A reason code
    the bank does not list is booked as MS03 (reason not specified): the money left either way."""
    code = (return_reason or "").strip().upper()
    if code not in REASONS:
        code = "MS03"
    return record_return(
        session,
        end_to_end_id=end_to_end_id,
        reason_code=code,
        returned_on=booked_on,
        actor=actor,
        counter_account_id=counter_account_id,
        from_statement=True,
    )
