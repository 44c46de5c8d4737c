"""Withdrawals: asked for, waiting out the notice period, paid first come first served."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bank.actor import Actor
from bank.errors import IdempotencyConflict, InsufficientFunds, InvalidTransition, ValidationError
from bank.pools import queries, service
from bank.pools.models import WithdrawalStatus

from .factories import (
    ADMIN,
    TELLER,
    assert_books_balance,
    balance,
    disburse_pool_loan,
    entry_count,
    investor,
    make_pool,
    participations_total,
    put_in,
)

JAN_10 = dt.date(2027, 1, 10)


def ask(session, participation, amount, on, key=None):
    return service.request_withdrawal(
        session,
        participation=participation,
        amount=amount,
        key=key or f"w-{participation.id}-{amount}-{on}",
        actor=TELLER,
        on=on,
    )


@pytest.fixture
def queue(session):
    """Anna 600, Bram 400, Cees 100 in the pool, all of it lent out in one loan on 1 February."""
    pool = make_pool(session)
    people = {}
    for first, money, part in (
        ("Anna", "1000.00", "600.00"),
        ("Bram", "500.00", "400.00"),
        ("Cees", "100.00", "100.00"),
    ):
        member, account = investor(session, first, "Test", money=money)
        people[first] = (member, account, put_in(session, pool, member, account, part, JAN_10))
    loan = disburse_pool_loan(session, on=dt.date(2027, 2, 1), principal="10000.00")
    session.commit()
    return pool, people, loan


def test_the_queue_is_paid_first_come_first_served(session, queue):
    pool, people, _loan = queue
    _anna, anna_account, anna_part = people["Anna"]
    _bram, bram_account, bram_part = people["Bram"]
    _cees, cees_account, cees_part = people["Cees"]
    assert queries.committed_capital(session, pool) == Decimal("1100.00")
    assert queries.uncommitted_capital(session, pool) == Decimal("0.00")

    first = ask(session, anna_part, "200.00", dt.date(2027, 3, 15))
    second = ask(session, bram_part, "400.00", dt.date(2027, 3, 20))  # everything
    third = ask(session, cees_part, "50.00", dt.date(2027, 3, 25))  # leaves exactly the minimum
    assert [r.payable_from for r in (first, second, third)] == [
        dt.date(2027, 6, 15),
        dt.date(2027, 6, 20),
        dt.date(2027, 6, 25),
    ]
    assert queries.withdrawal_queue(session, pool) == [first, second, third]

    # All due, but every euro is lent out: nothing is paid, all keep their place.
    outcome = service.pay_due_withdrawals(session, dt.date(2027, 6, 30), actor=ADMIN)
    assert outcome == service.WithdrawalPayout(paid_count=0, paid_amount=Decimal("0"), waiting_count=3)

    # Dora brings 250 of fresh money: enough for Anna's 200, not for Bram's 400; Cees's 50
    # would fit in what is left, but waits behind Bram.
    dora, dora_account = investor(session, "Dora", "Test", money="1000.00")
    put_in(session, pool, dora, dora_account, "250.00", dt.date(2027, 7, 1))
    assert queries.uncommitted_capital(session, pool) == Decimal("250.00")
    before = entry_count(session)
    outcome = service.pay_due_withdrawals(session, dt.date(2027, 7, 1), actor=ADMIN)
    assert outcome == service.WithdrawalPayout(paid_count=1, paid_amount=Decimal("200.00"), waiting_count=2)
    assert entry_count(session) == before + 1
    assert (first.status, first.paid_on) == (WithdrawalStatus.PAID, dt.date(2027, 7, 1))
    assert second.status is third.status is WithdrawalStatus.WAITING
    assert queries.withdrawal_queue(session, pool) == [second, third]
    assert balance(session, anna_account.ledger_account_id) == Decimal("600.00")
    assert queries.participation_balance(session, anna_part) == Decimal("400.00")
    assert queries.uncommitted_capital(session, pool) == Decimal("50.00")

    # Paying Cees by hand would jump the queue; paying Bram would overdraw the pool.
    with pytest.raises(ValidationError) as caught:
        service.pay_withdrawal(session, third, actor=TELLER, on=dt.date(2027, 7, 1))
    assert caught.value.fields == {
        "request": "an earlier request of pool STARTFONDS waits to be paid first (first come, first served)"
    }
    with pytest.raises(InsufficientFunds) as caught:
        service.pay_withdrawal(session, second, actor=TELLER, on=dt.date(2027, 7, 1))
    assert caught.value.fields == {
        "amount": "the pool's uncommitted capital is 50.00; the request waits its turn"
    }
    assert entry_count(session) == before + 1

    # Eve's 500 frees the queue.
    eve, eve_account = investor(session, "Eve", "Test", money="500.00")
    put_in(session, pool, eve, eve_account, "500.00", dt.date(2027, 7, 2))
    outcome = service.pay_due_withdrawals(session, dt.date(2027, 7, 2), actor=ADMIN)
    assert outcome == service.WithdrawalPayout(paid_count=2, paid_amount=Decimal("450.00"), waiting_count=0)
    session.commit()

    assert balance(session, bram_account.ledger_account_id) == Decimal("500.00")
    assert queries.participation_balance(session, bram_part) == Decimal("0.00")
    assert balance(session, cees_account.ledger_account_id) == Decimal("50.00")
    assert queries.participation_balance(session, cees_part) == Decimal("50.00")
    # 400 (Anna) + 0 + 50 + 250 (Dora) + 500 (Eve)
    assert participations_total(session) == Decimal("1200.00")
    assert queries.pool_capital(session, pool) == Decimal("1200.00")
    assert queries.uncommitted_capital(session, pool) == Decimal("100.00")
    assert queries.withdrawal_queue(session, pool) == []
    # A second run the same day finds nothing to do.
    assert service.pay_due_withdrawals(session, dt.date(2027, 7, 2), actor=ADMIN).paid_count == 0
    assert_books_balance(session)


def test_pay_a_single_request_once_its_notice_is_over(session, queue):
    pool, people, _loan = queue
    _anna, anna_account, anna_part = people["Anna"]
    request = ask(session, anna_part, "100.00", dt.date(2027, 3, 31))
    assert request.payable_from == dt.date(2027, 6, 30)
    dora, dora_account = investor(session, "Dora", "Test", money="1000.00")
    put_in(session, pool, dora, dora_account, "500.00", dt.date(2027, 4, 1))
    before = entry_count(session)

    with pytest.raises(ValidationError) as caught:
        service.pay_withdrawal(session, request, actor=TELLER, on=dt.date(2027, 6, 29))
    assert caught.value.fields == {"payable_from": "payable from 2027-06-30"}
    assert entry_count(session) == before
    assert request.status is WithdrawalStatus.WAITING

    service.pay_withdrawal(session, request, actor=TELLER, on=dt.date(2027, 6, 30))
    assert entry_count(session) == before + 1
    assert request.entry_id is not None
    # Asking again pays nothing twice.
    service.pay_withdrawal(session, request, actor=TELLER, on=dt.date(2027, 7, 1))
    assert entry_count(session) == before + 1
    assert balance(session, anna_account.ledger_account_id) == Decimal("500.00")
    assert queries.participation_balance(session, anna_part) == Decimal("500.00")
    assert_books_balance(session)


def test_the_notice_period_counts_calendar_months_clamped_to_month_end(session):
    pool = make_pool(session)
    member, account = investor(session, money="1000.00")
    part = put_in(session, pool, member, account, "500.00", JAN_10)
    assert ask(session, part, "50.00", dt.date(2027, 11, 30)).payable_from == dt.date(2028, 2, 29)
    assert ask(session, part, "50.00", dt.date(2028, 5, 31)).payable_from == dt.date(2028, 8, 31)
    service.update_pool(session, pool, actor=ADMIN, notice_months=0)
    assert ask(session, part, "50.00", dt.date(2028, 6, 1)).payable_from == dt.date(2028, 6, 1)


# ---------------------------------------------------------------------------------------------
# Bad input: nothing written


@pytest.fixture
def anna(session):
    pool = make_pool(session)
    member, account = investor(session, money="1000.00")
    part = put_in(session, pool, member, account, "600.00", JAN_10)
    session.commit()
    return part


def _refused(session, part, amount, on=dt.date(2027, 3, 1)):
    before = (entry_count(session), len(queries.withdrawal_queue(session, part.pool)))
    with pytest.raises(ValidationError) as caught:
        ask(session, part, amount, on, key=f"bad-{amount}")
    assert (entry_count(session), len(queries.withdrawal_queue(session, part.pool))) == before
    return caught.value.fields


def test_more_than_the_participation_is_refused(session, anna):
    assert _refused(session, anna, "600.01") == {"amount": "must not exceed the participation of 600.00"}


def test_more_than_what_is_not_yet_asked_for_is_refused(session, anna):
    ask(session, anna, "200.00", dt.date(2027, 2, 1))
    assert _refused(session, anna, "400.01") == {
        "amount": "must not exceed 400.00: the participation of 600.00 less 200.00 already asked for"
    }
    # Exactly the rest is fine.
    assert ask(session, anna, "400.00", dt.date(2027, 3, 1)).amount == Decimal("400.00")


def test_a_remainder_below_the_minimum_is_refused(session, anna):
    assert _refused(session, anna, "580.00") == {
        "amount": "would leave 20.00, below the pool's minimum; withdraw everything (600.00)"
        " or leave at least 50.00"
    }


@pytest.mark.parametrize("amount", ["0", "-1", "twee", "1.234"])
def test_amounts_that_are_not_amounts_are_refused(session, anna, amount):
    assert list(_refused(session, anna, amount)) == ["amount"]


def test_a_request_date_before_the_participation_or_in_the_future_is_refused(session, anna):
    assert _refused(session, anna, "100.00", on=dt.date(2027, 1, 9)) == {
        "on": "must not be before 2027-01-10"
    }
    assert _refused(session, anna, "100.00", on=dt.date(2029, 1, 1)) == {"on": "must not be in the future"}


def test_the_same_key_asks_once(session, anna):
    first = ask(session, anna, "100.00", dt.date(2027, 2, 1), key="k1")
    assert ask(session, anna, "100.00", dt.date(2027, 2, 1), key="k1").id == first.id
    assert len(queries.withdrawal_queue(session, anna.pool)) == 1
    with pytest.raises(IdempotencyConflict):
        ask(session, anna, "150.00", dt.date(2027, 2, 1), key="k1")


def test_a_cancelled_request_frees_its_amount(session, anna):
    request = ask(session, anna, "600.00", dt.date(2027, 2, 1))
    assert _refused(session, anna, "50.00")["amount"].startswith("must not exceed 0.00")
    with pytest.raises(ValidationError) as caught:
        service.cancel_withdrawal(session, request, reason=" ", actor=TELLER)
    assert caught.value.fields == {"reason": "is required to cancel a withdrawal request"}
    service.cancel_withdrawal(session, request, reason="changed my mind", actor=TELLER)
    assert (request.status, request.cancelled_reason) == (WithdrawalStatus.CANCELLED, "changed my mind")
    assert queries.withdrawal_queue(session, anna.pool) == []
    with pytest.raises(InvalidTransition):
        service.cancel_withdrawal(session, request, reason="again", actor=TELLER)
    with pytest.raises(InvalidTransition):
        service.pay_withdrawal(session, request, actor=TELLER, on=dt.date(2027, 6, 1))
    assert ask(session, anna, "100.00", dt.date(2027, 2, 2)).amount == Decimal("100.00")


def test_members_ask_but_only_staff_pay(session, anna, make_user):
    session.commit()
    user = make_user("member", member_id=anna.member_id)
    as_member = Actor(user_id=user.id, label="member", role="member", member_id=anna.member_id)
    request = service.request_withdrawal(
        session, participation=anna, amount="100.00", key="portal-1", actor=as_member, on=dt.date(2027, 2, 1)
    )
    assert request.requested_by == "member"
    from bank.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        service.pay_withdrawal(session, request, actor=as_member, on=dt.date(2027, 6, 1))


@pytest.mark.postgresql
def test_two_requests_at_once_cannot_both_claim_the_same_money(session, anna):
    """While one transaction asks for the whole participation, a second one waits, then is refused."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from bank.extensions import db
    from bank.pools.models import Participation

    other = db.new_session()
    try:
        ask(session, anna, "600.00", dt.date(2027, 2, 1), key="first")  # not committed yet
        same = other.get(Participation, anna.id)
        other.execute(text("SET lock_timeout = '300ms'"))
        with pytest.raises(OperationalError):
            ask(other, same, "600.00", dt.date(2027, 2, 1), key="second")
        other.rollback()
        session.commit()
        with pytest.raises(ValidationError) as caught:
            ask(other, other.get(Participation, anna.id), "600.00", dt.date(2027, 2, 1), key="second")
        assert caught.value.fields == {
            "amount": "must not exceed 0.00: the participation of 600.00 less 600.00 already asked for"
        }
        other.rollback()
    finally:
        other.close()
    assert queries.waiting_amount_of(session, anna) == Decimal("600.00")
