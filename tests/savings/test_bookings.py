"""Bookings through the service layer: every bad input of issue 2 refused by field, nothing written."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bank import clock
from bank.approvals import service as approvals
from bank.approvals.models import Approval, ApprovalStatus
from bank.audit.models import AuditEvent
from bank.errors import (
    IdempotencyConflict,
    InsufficientFunds,
    InvalidTransition,
    PermissionDenied,
    ValidationError,
)
from bank.ledger import queries as ledger_queries
from bank.ledger.models import AccountStatus, JournalEntry
from bank.savings import numbers
from bank.savings import service as savings
from bank.savings.models import DepositAccountStatus

from . import factories
from .factories import THRESHOLD, balance


def _written(session) -> tuple[int, int, int]:
    """Entries, approvals and audit events: what a refused booking must leave untouched."""
    return (
        session.scalar(select(func.count()).select_from(JournalEntry)),
        session.scalar(select(func.count()).select_from(Approval)),
        session.scalar(select(func.count()).select_from(AuditEvent)),
    )


@pytest.mark.parametrize(
    ("amount", "rule"),
    [
        ("0", "must be greater than 0"),
        ("0.00", "must be greater than 0"),
        ("12,50", "must be a number"),  # the services read the canonical notation only
        ("12.000", "at most 2 decimals"),
        ("-10", "must be greater than 0"),
        ("10.005", "at most 2 decimals"),
        ("100000000.01", "must not exceed 100000000.00"),
        ("1e3x", "must be a number"),
        ("tien", "must be a number"),
        ("", "is required"),
    ],
)
@pytest.mark.parametrize("booking", ["deposit", "withdrawal", "transfer"])
def test_bad_amounts_are_refused_naming_the_field(session, bank_setup, teller, booking, amount, rule):
    anna_acct, bram_acct = bank_setup["anna_account"], bank_setup["bram_account"]
    before = _written(session)
    with pytest.raises(ValidationError) as refused:
        if booking == "deposit":
            savings.deposit(session, anna_acct, amount, key="k", actor=teller)
        elif booking == "withdrawal":
            savings.withdraw(session, anna_acct, amount, key="k", actor=teller, approval_threshold=THRESHOLD)
        else:
            savings.transfer(session, anna_acct, bram_acct, amount, key="k", actor=teller)
    assert set(refused.value.fields) == {"amount"}
    assert rule in refused.value.fields["amount"]
    assert refused.value.message.startswith("amount:")
    session.rollback()
    assert _written(session) == before


def test_the_largest_amount_is_accepted(session, bank_setup, teller):
    savings.deposit(session, bank_setup["anna_account"], "100000000.00", key="max", actor=teller)
    session.commit()
    assert balance(session, bank_setup["anna_account"]) == Decimal("100000000.00")


def test_insufficient_funds_names_the_amount_and_writes_nothing(session, bank_setup, teller):
    account = bank_setup["anna_account"]
    savings.deposit(session, account, "100.00", key="d", actor=teller)
    session.commit()
    before = _written(session)
    with pytest.raises(InsufficientFunds) as refused:
        savings.withdraw(session, account, "100.01", key="w", actor=teller, approval_threshold=THRESHOLD)
    assert "amount" in refused.value.fields and "100.00" in refused.value.fields["amount"]
    with pytest.raises(InsufficientFunds):
        savings.transfer(session, account, bank_setup["bram_account"], "250", key="t", actor=teller)
    session.rollback()
    assert _written(session) == before
    assert balance(session, account) == Decimal("100.00")


def test_a_double_submit_books_once_and_other_content_under_the_same_key_is_refused(
    session, bank_setup, teller
):
    account = bank_setup["anna_account"]
    first = savings.deposit(session, account, "50.00", key="form-1", actor=teller, description="Inleg")
    second = savings.deposit(session, account, Decimal("50"), key="form-1", actor=teller, description="Inleg")
    session.commit()
    assert first.created and not second.created
    assert first.entry.id == second.entry.id
    assert balance(session, account) == Decimal("50.00")
    assert session.scalar(select(func.count()).where(AuditEvent.action == "booking.deposit")) == 1
    with pytest.raises(IdempotencyConflict):
        savings.deposit(session, account, "60.00", key="form-1", actor=teller, description="Inleg")
    session.rollback()
    # Withdrawing the whole balance twice (a double click) books once, without "insufficient funds".
    w1 = savings.withdraw(session, account, "50.00", key="w", actor=teller, approval_threshold=THRESHOLD)
    w2 = savings.withdraw(session, account, "50.00", key="w", actor=teller, approval_threshold=THRESHOLD)
    session.commit()
    assert w1.entry.id == w2.entry.id and not w2.created
    assert balance(session, account) == Decimal("0.00")


def test_unknown_and_mistyped_account_numbers(session, bank_setup):
    number = bank_setup["anna_account"].number
    assert (
        savings.lookup_account(session, f"{number[:4]} {number[4:8]} {number[8:]}").id
        == bank_setup["anna_account"].id
    )
    cases = [
        ("", "is required"),
        ("12345", "10-digit"),
        ("abcdefghij", "10-digit"),
        (number[:-1] + str((int(number[-1]) + 1) % 10), "check digits"),
        (number[1] + number[0] + number[2:], "check digits"),
        (numbers.make_number(99_999_999), "no account with this number"),
    ]
    for text, rule in cases:
        with pytest.raises(ValidationError) as refused:
            savings.lookup_account(session, text, field="to_account")
        assert rule in refused.value.fields["to_account"], text


def test_withdrawal_needs_an_external_iban(session, bank_setup, teller):
    product = bank_setup["product"]
    no_iban = factories.member(session, iban=None)
    account = factories.account(session, no_iban, product)
    savings.deposit(session, account, "80", key="d", actor=teller)
    session.commit()
    before = _written(session)
    with pytest.raises(ValidationError) as refused:
        savings.withdraw(session, account, "10", key="w", actor=teller, approval_threshold=THRESHOLD)
    assert "external_iban" in refused.value.fields
    session.rollback()
    assert _written(session) == before


def test_block_stops_money_leaving_but_not_arriving(session, bank_setup, teller):
    anna_acct, bram_acct = bank_setup["anna_account"], bank_setup["bram_account"]
    savings.deposit(session, anna_acct, "300", key="d1", actor=teller)
    with pytest.raises(ValidationError) as no_reason:
        savings.block_account(session, anna_acct, reason=" ", actor=teller)
    assert "reason" in no_reason.value.fields
    savings.block_account(session, anna_acct, reason="Fraud investigation", actor=teller)
    session.commit()
    with pytest.raises(ValidationError) as refused:
        savings.withdraw(session, anna_acct, "10", key="w1", actor=teller, approval_threshold=THRESHOLD)
    assert "blocked" in refused.value.fields["account"]
    with pytest.raises(ValidationError) as refused_transfer:
        savings.transfer(session, anna_acct, bram_acct, "10", key="t1", actor=teller)
    assert "from_account" in refused_transfer.value.fields
    session.rollback()
    savings.deposit(session, anna_acct, "20", key="d2", actor=teller)
    savings.deposit(session, bram_acct, "20", key="d3", actor=teller)
    savings.transfer(session, bram_acct, anna_acct, "5", key="t2", actor=teller)
    session.commit()
    assert balance(session, anna_acct) == Decimal("325.00")
    with pytest.raises(InvalidTransition):
        savings.block_account(session, anna_acct, reason="again", actor=teller)
    savings.unblock_account(session, anna_acct, actor=teller)
    savings.withdraw(session, anna_acct, "25", key="w2", actor=teller, approval_threshold=THRESHOLD)
    session.commit()
    assert anna_acct.status is DepositAccountStatus.OPEN
    assert balance(session, anna_acct) == Decimal("300.00")


def test_close_only_at_zero_and_nothing_books_on_a_closed_account(session, bank_setup, teller):
    account = bank_setup["anna_account"]
    savings.deposit(session, account, "10", key="d1", actor=teller)
    session.commit()
    with pytest.raises(ValidationError) as refused:
        savings.close_account(session, account, actor=teller)
    assert "zero balance" in refused.value.fields["account"]
    session.rollback()
    savings.withdraw(session, account, "10", key="w1", actor=teller, approval_threshold=THRESHOLD)
    with clock.frozen(dt.date(2026, 11, 28)):
        savings.close_account(session, account, actor=teller)
    session.commit()
    assert account.status is DepositAccountStatus.CLOSED and account.closed_on == dt.date(2026, 11, 28)
    assert account.ledger_account.status is AccountStatus.CLOSED
    before = _written(session)
    with pytest.raises(ValidationError) as closed:
        savings.deposit(session, account, "5", key="d2", actor=teller)
    assert "closed" in closed.value.fields["account"]
    with pytest.raises(ValidationError):
        savings.transfer(session, bank_setup["bram_account"], account, "5", key="t", actor=teller)
    session.rollback()
    assert _written(session) == before


def test_four_eyes_and_funds_checked_again_at_approval(session, bank_setup, teller, second_teller, admin):
    account = bank_setup["anna_account"]
    savings.deposit(session, account, "20000", key="d", actor=teller)
    request = savings.withdraw(
        session, account, "15000", key="big", actor=teller, approval_threshold=THRESHOLD
    )
    exactly = savings.withdraw(
        session, account, "10000", key="limit", actor=teller, approval_threshold=THRESHOLD
    )
    session.commit()
    assert request.needs_approval and request.approval.amount == Decimal("15000.00")
    assert exactly.entry is not None, "the threshold itself is booked at once; only above it waits"
    assert balance(session, account) == Decimal("10000.00")

    with pytest.raises(PermissionDenied) as maker:
        approvals.approve(session, request.approval, actor=teller)
    assert "you made this request" in str(maker.value)
    session.rollback()
    # The balance dropped below the request meanwhile: approval is refused, the request waits.
    with pytest.raises(InsufficientFunds):
        approvals.approve(session, request.approval, actor=second_teller)
    session.rollback()
    assert session.get(Approval, request.approval.id).status is ApprovalStatus.PENDING
    savings.deposit(session, account, "5000", key="d2", actor=teller)
    session.commit()
    approvals.approve(session, request.approval, actor=admin)
    again = approvals.approve(session, request.approval, actor=admin)  # a double click
    session.commit()
    assert again.status is ApprovalStatus.APPROVED and again.checker_id == admin.user_id
    assert balance(session, account) == Decimal("0.00")
    with pytest.raises(InvalidTransition):
        approvals.reject(session, request.approval, actor=second_teller, reason="too late")
    assert ledger_queries.verify(session) == []


def test_credit_officers_cannot_book(session, bank_setup, credit_officer):
    with pytest.raises(PermissionDenied):
        savings.deposit(session, bank_setup["anna_account"], "10", key="x", actor=credit_officer)


def test_other_refusals_name_their_field(session, bank_setup, teller):
    account = bank_setup["anna_account"]
    with pytest.raises(ValidationError) as same:
        savings.transfer(session, account, account, "1", key="t", actor=teller)
    assert "to_account" in same.value.fields
    with pytest.raises(ValidationError) as future:
        savings.deposit(
            session, account, "1", key="f", actor=teller, value_date=clock.today() + dt.timedelta(days=1)
        )
    assert "value_date" in future.value.fields
    with pytest.raises(ValidationError) as long_text:
        savings.deposit(session, account, "1", key="l", actor=teller, description="x" * 201)
    assert "description" in long_text.value.fields
    with pytest.raises(ValidationError) as no_key:
        savings.deposit(session, account, "1", key=" ", actor=teller)
    assert "form_key" in no_key.value.fields


def test_rate_changes_take_effect_from_their_date(session, bank_setup, admin):
    product = bank_setup["product"]
    savings.set_product_rate(
        session, product, rate_annual=Decimal("0.015"), effective_from=dt.date(2026, 7, 1), actor=admin
    )
    session.commit()
    assert product.rate_on(dt.date(2026, 6, 30)) == Decimal("0.0125")
    assert product.rate_on(dt.date(2026, 7, 1)) == Decimal("0.015")
    assert product.rate_on(dt.date(2019, 12, 31)) is None
    with pytest.raises(ValidationError) as bad:
        savings.set_product_rate(
            session, product, rate_annual=Decimal("0.5"), effective_from=dt.date(2026, 8, 1), actor=admin
        )
    assert "rate_annual" in bad.value.fields


def test_account_numbers_catch_every_single_typo_and_adjacent_swap():
    for serial in range(numbers.FIRST_SERIAL, numbers.FIRST_SERIAL + 200):
        number = numbers.make_number(serial)
        assert numbers.is_valid(number)
        for i, digit in itertools.product(range(10), "0123456789"):
            typo = number[:i] + digit + number[i + 1 :]
            assert typo == number or not numbers.is_valid(typo)
        for i in range(9):
            swapped = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
            assert swapped == number or not numbers.is_valid(swapped)


bookings = st.lists(
    st.tuples(
        st.sampled_from(["deposit", "withdrawal", "transfer"]),
        st.integers(min_value=0, max_value=2),
        st.integers(min_value=0, max_value=2),
        st.integers(min_value=1, max_value=50_000),  # cents
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=bookings)
def test_random_bookings_keep_every_invariant(session, bank_setup, teller, steps):
    """Whatever staff book, balances match a simple model, never go negative, the ledger verifies."""
    accounts = [bank_setup["anna_account"], bank_setup["bram_account"]]
    if len(accounts) < 3:
        accounts.append(factories.account(session, bank_setup["anna"], bank_setup["product"]))
        bank_setup["third"] = accounts[2]
        session.commit()
    accounts = [bank_setup["anna_account"], bank_setup["bram_account"], bank_setup["third"]]
    model = {a.id: balance(session, a) for a in accounts}
    run = session.scalar(select(func.count()).select_from(JournalEntry))
    for n, (kind, i, j, cents) in enumerate(steps):
        amount = Decimal(cents) / 100
        key = f"h{run}-{n}"
        source, target = accounts[i], accounts[j]
        try:
            if kind == "deposit":
                savings.deposit(session, source, amount, key=key, actor=teller)
                model[source.id] += amount
            elif kind == "withdrawal":
                savings.withdraw(session, source, amount, key=key, actor=teller, approval_threshold=None)
                model[source.id] -= amount
            else:
                savings.transfer(session, source, target, amount, key=key, actor=teller)
                model[source.id] -= amount
                model[target.id] += amount
            session.commit()
        except (InsufficientFunds, ValidationError):
            session.rollback()
    for account in accounts:
        assert balance(session, account) == model[account.id] >= 0
    assert ledger_queries.verify(session) == []


def test_an_account_with_a_request_waiting_cannot_be_closed(session, bank_setup, teller, second_teller):
    account = bank_setup["anna_account"]
    savings.deposit(session, account, "10500", key="d", actor=teller)
    waiting = savings.withdraw(session, account, "10500", key="w", actor=teller, approval_threshold=THRESHOLD)
    # Meanwhile the money leaves another way, so the balance is zero with the request still open.
    savings.withdraw(session, account, "10500", key="w2", actor=teller, approval_threshold=None)
    session.commit()
    assert waiting.needs_approval and balance(session, account) == Decimal("0.00")
    with pytest.raises(ValidationError) as refused:
        savings.close_account(session, account, actor=teller)
    assert "waiting for approval" in refused.value.fields["account"]
    session.rollback()
    approvals.reject(session, waiting.approval, actor=second_teller, reason="Paid out another way")
    savings.close_account(session, account, actor=teller)
    session.commit()
    assert account.status is DepositAccountStatus.CLOSED
