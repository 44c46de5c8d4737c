"""Demo step: the year's payouts paid by batch, and today's batches at each stage.

Runs last. The payment orders of the year (withdrawals to members' own IBANs, the land trust's
loan paid to the notary, redemptions) went out in a pain.001 batch on their execution date and
were seen on the statement that day: Dr 1090 / Cr 1000, so 1090 holds only what is on its way.

Today shows each stage the payout pages know: a batch sent this morning (one transfer came back
with AC04, the member is told; the others wait for the statement), a batch released but not yet
downloaded, and one above the four-eyes limit prepared by the second teller, which the first
teller (or an administrator) releases.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

import config as settings
from bank import clock
from bank.actor import Actor
from bank.auth.service import actor_for
from bank.demo.context import DemoContext
from bank.payment_orders.models import OrderSource, OrderState, PaymentOrder
from bank.payments import payouts
from bank.payments.payout_models import PayoutBatchState
from bank.savings import service as savings
from bank.savings.models import DepositAccount

TELLER = "balie@wijkbank.example"
SECOND_TELLER = "balie2@wijkbank.example"
#: (amount, description) of this morning's withdrawals, and of the ones not yet downloaded.
SENT_TODAY = (("250.00", "Huur december"), ("75.50", "Verjaardag"), ("1200.00", "Nieuwe fiets"))
RELEASED_TODAY = (("320.00", "Tandarts"), ("60.00", "Contributie sportclub"))
#: The batch above the limit is made of withdrawals of at most this much each (below the
#: withdrawal approval threshold, so each is booked at once).
LARGE_WITHDRAWAL = Decimal("4000.00")


def pay_the_year_by_batch(session: Session, context: DemoContext) -> None:
    teller = actor_for(context.users[TELLER])
    second = actor_for(context.users[SECOND_TELLER])
    payer = payouts.payer_from_settings({"SETTLEMENT_IBANS": settings.DEMO_SETTLEMENT_IBANS})
    limit = settings.Config.PAYMENTS_PAYOUT_FOUR_EYES_LIMIT
    today = clock.today()
    days = sorted(
        set(
            session.scalars(
                select(PaymentOrder.execution_on).where(
                    PaymentOrder.state == OrderState.ORDERED, PaymentOrder.execution_on < today
                )
            )
        )
    )
    for day in days:
        with clock.frozen(day):
            batch = payouts.prepare_payouts(session, day, teller, payer=payer, four_eyes_limit=limit).batch
            assert batch is not None
            payouts.release_payout_batch(session, batch, actor=second)
            payouts.export_payout_batch(session, batch, actor=teller)
            for item in batch.items:
                payouts.settle_payment_order(session, item.order, day, teller)

    accounts = _accounts_with_money(session, context)
    sent = _withdraw(session, accounts, SENT_TODAY, "demo:payout:sent", teller)
    batch = payouts.prepare_payouts(session, today, teller, payer=payer, four_eyes_limit=limit).batch
    assert batch is not None
    payouts.export_payout_batch(session, batch, actor=teller)
    if sent:
        payouts.reject_payment_order(session, sent[0], on=today, reason_code="AC04", actor=teller)

    _withdraw(session, accounts, RELEASED_TODAY, "demo:payout:released", teller)
    payouts.prepare_payouts(session, today, teller, payer=payer, four_eyes_limit=limit)

    large: list[tuple[str, str]] = []
    total = Decimal("0.00")
    for account in accounts:
        if total > limit:
            break
        amount = min(
            LARGE_WITHDRAWAL,
            (savings.available_balance(session, account) * Decimal("0.4")).quantize(Decimal("1")),
        )
        if amount < 100:
            continue
        large.append((f"{amount:.2f}", "Verbouwing"))
        total += amount
    if total > limit:
        _withdraw(session, accounts, tuple(large), "demo:payout:large", second)
        waiting = payouts.prepare_payouts(session, today, second, payer=payer, four_eyes_limit=limit).batch
        assert waiting is not None and waiting.state is PayoutBatchState.PREPARED


def _accounts_with_money(session: Session, context: DemoContext) -> list[DepositAccount]:
    """Open accounts of members with a payout IBAN, the most money first."""
    candidates = [
        account
        for member_id, account in context.deposit_accounts.items()
        if account.status.value == "open" and account.member.external_iban and member_id
    ]
    return sorted(candidates, key=lambda a: savings.available_balance(session, a), reverse=True)


def _withdraw(
    session: Session,
    accounts: list[DepositAccount],
    plan: tuple[tuple[str, str], ...],
    key: str,
    teller: Actor,
) -> list[PaymentOrder]:
    """One withdrawal per account (the next ones in ``accounts``), each a payment order."""
    made = []
    used = {
        o.paying_account_id
        for o in session.scalars(
            select(PaymentOrder).where(
                PaymentOrder.source == OrderSource.WITHDRAWAL, PaymentOrder.state == OrderState.ORDERED
            )
        )
    }
    pool = [a for a in accounts if a.ledger_account_id not in used]
    for (amount, description), account in zip(plan, pool, strict=False):
        if savings.available_balance(session, account) < Decimal(amount):
            continue
        savings.withdraw(
            session,
            account,
            Decimal(amount),
            key=f"{key}:{account.number}",
            actor=teller,
            approval_threshold=None,
            description=description,
        )
        order = session.scalar(
            select(PaymentOrder).where(PaymentOrder.key == f"withdrawal:{key}:{account.number}")
        )
        assert order is not None
        made.append(order)
    return made
