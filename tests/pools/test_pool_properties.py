"""Hypothesis: random subscriptions, withdrawal requests, payouts and loans keep the pool sound.

A small model says what each step must do (succeed, or be refused and change nothing). After
every step: no participation is negative, 2100 equals the sum of the participation balances
and the pool's capital, every balance matches the model to the cent, the uncommitted capital
never goes below 0 and the ledger verifies. Every example runs in one transaction that is
rolled back at its end, so examples do not see each other.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bank.errors import InsufficientFunds, ValidationError
from bank.ledger import queries as ledger_queries
from bank.money import ZERO, from_cents
from bank.pools import queries, service
from bank.pools.models import LoanFunding, WithdrawalStatus

from .factories import ADMIN, TELLER, disburse_pool_loan, investor, make_pool, participations_total

MINIMUM = Decimal("50.00")
PEOPLE = 3
amounts = st.integers(min_value=1, max_value=120_000).map(from_cents)
steps = st.lists(
    st.one_of(
        st.tuples(st.just("subscribe"), st.integers(0, PEOPLE - 1), amounts),
        st.tuples(st.just("request"), st.integers(0, PEOPLE - 1), amounts),
        st.tuples(st.just("request_all"), st.integers(0, PEOPLE - 1), st.just(ZERO)),
        st.tuples(st.just("pay_due"), st.just(0), st.just(ZERO)),
        st.tuples(st.just("loan"), st.just(0), st.integers(1_000, 3_000).map(lambda e: Decimal(e))),
        st.tuples(st.just("cancel"), st.integers(0, PEOPLE - 1), st.just(ZERO)),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_random_pool_activity_keeps_every_participation_sound(session, steps):
    try:
        _run(session, steps)
    finally:
        session.rollback()


def _run(session, steps) -> None:
    pool = make_pool(session, notice_months=1)
    people = [investor(session, name, "Test", money="1000.00") for name in ("Anna", "Bram", "Cees")]
    deposits = {i: Decimal("1000.00") for i in range(PEOPLE)}
    held: dict[int, Decimal] = {}
    participations: dict[int, object] = {}
    funded = ZERO
    day = dt.date(2027, 1, 10)
    for number, (action, who, amount) in enumerate(steps):
        day = day + dt.timedelta(days=10)
        member, account = people[who]
        part = participations.get(who)
        waiting = queries.waiting_amount_of(session, part) if part is not None else ZERO
        if action == "subscribe":
            allowed = amount <= deposits[who] and held.get(who, ZERO) + amount >= MINIMUM
            try:
                participations[who] = service.subscribe(
                    session,
                    pool=pool,
                    member=member,
                    deposit_account=account,
                    amount=amount,
                    key=f"s{number}",
                    actor=TELLER,
                    on=day,
                )
            except (ValidationError, InsufficientFunds):
                assert not allowed
            else:
                assert allowed
                deposits[who] -= amount
                held[who] = held.get(who, ZERO) + amount
        elif action in ("request", "request_all"):
            if part is None:
                continue
            free = held[who] - waiting
            amount = free if action == "request_all" else amount
            allowed = 0 < amount <= free and not (0 < free - amount < MINIMUM)
            try:
                service.request_withdrawal(
                    session, participation=part, amount=amount, key=f"r{number}", actor=TELLER, on=day
                )
            except ValidationError:
                assert not allowed
            else:
                assert allowed
        elif action == "cancel":
            if part is None:
                continue
            for request in queries.withdrawal_queue(session, pool):
                if request.participation_id == part.id:
                    service.cancel_withdrawal(session, request, reason="changed plans", actor=TELLER)
                    break
        elif action == "pay_due":
            expected = _expected_payout(session, pool, day, sum(held.values(), ZERO) - funded)
            outcome = service.pay_due_withdrawals(session, day, actor=ADMIN)
            assert (outcome.paid_count, outcome.paid_amount) == (len(expected), sum(expected.values(), ZERO))
            for participation_id, paid in expected.items():
                owner = next(w for w, p in participations.items() if p.id == participation_id)
                held[owner] -= paid
                deposits[owner] += paid
        elif action == "loan":
            due = sum((r.amount for r in queries.waiting_withdrawals(session, pool, due_on=day)), ZERO)
            lendable = max(sum(held.values(), ZERO) - funded - due, ZERO)
            loan = disburse_pool_loan(session, on=day, principal=amount)
            funding = session.scalar(select(LoanFunding).where(LoanFunding.loan_id == loan.id))
            expected = min(lendable, amount)
            assert (funding.amount_funded if funding else ZERO) == expected
            funded += expected
        _check(session, pool, people, participations, held, deposits, funded)


def _expected_payout(session, pool, day, uncommitted) -> dict[int, Decimal]:
    """FIFO until the first request that does not fit."""
    paid: dict[int, Decimal] = {}
    for request in queries.waiting_withdrawals(session, pool, due_on=day):
        if request.amount > uncommitted:
            break
        uncommitted -= request.amount
        paid[request.participation_id] = paid.get(request.participation_id, ZERO) + request.amount
    return paid


def _check(session, pool, people, participations, held, deposits, funded) -> None:
    balances = {who: queries.participation_balance(session, p) for who, p in participations.items()}
    assert all(b >= 0 for b in balances.values())
    assert balances == {who: held[who] for who in participations}
    assert (
        participations_total(session) == sum(balances.values(), ZERO) == queries.pool_capital(session, pool)
    )
    for who, (_member, account) in enumerate(people):
        assert ledger_queries.balance(session, account.ledger_account_id) == deposits[who]
    assert queries.committed_capital(session, pool) == funded
    assert queries.uncommitted_capital(session, pool) >= 0
    for who, part in participations.items():
        waiting = queries.waiting_amount_of(session, part)
        assert waiting <= balances[who]
        assert all(r.status is WithdrawalStatus.WAITING for r in queries.withdrawal_queue(session, pool))
    assert ledger_queries.verify(session) == []
