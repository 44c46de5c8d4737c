"""A written-off pool loan: the seed-capital buffer first, then the participants, pro rata."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bank.actor import Actor
from bank.approvals import service as approvals
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger import service as ledger
from bank.ledger.models import JournalEntry
from bank.ledger.service import credit, debit
from bank.loans import servicing
from bank.loans.models import LoanStatus
from bank.money import ZERO, from_cents
from bank.pools import losses
from bank.pools.models import LoanFunding, Loss, LossShare

from .factories import ADMIN, SETUP, TODAY, balance, disburse_pool_loan, investor, make_pool, put_in


def account_balance(session, code: str) -> Decimal:
    return balance(session, ledger.account_by_code(session, code).id)


def shares_of(session, loss: Loss) -> dict[int, Decimal]:
    return {
        row.participation_id: row.amount
        for row in session.scalars(select(LossShare).where(LossShare.loss_id == loss.id))
    }


@pytest.fixture
def world(session):
    """Buffer 100.00; Anna 600.00 and Bram 300.00 in the pool; a 1800.00 loan, 900.00 the pool's."""
    pool = make_pool(session, first_loss_buffer=Decimal("100.00"))
    anna, anna_account = investor(session, "Anna", "Jansen", money="1000.00")
    bram, bram_account = investor(session, "Bram", "de Vries", money="1000.00")
    anna_part = put_in(session, pool, anna, anna_account, "600.00", dt.date(2027, 1, 1))
    bram_part = put_in(session, pool, bram, bram_account, "300.00", dt.date(2027, 2, 15))
    loan = disburse_pool_loan(session, on=dt.date(2027, 2, 16), principal="1800.00")
    funding = session.scalar(select(LoanFunding).where(LoanFunding.loan_id == loan.id))
    assert funding is not None and funding.amount_funded == Decimal("900.00")
    session.commit()
    return {"pool": pool, "loan": loan, "anna": anna_part, "bram": bram_part}


def write_off(session, make_user, loan) -> None:
    session.commit()  # SQLite: make_user writes from a session of its own
    admin, second = make_user("admin"), make_user("admin")
    maker = Actor(user_id=admin.id, label=admin.email, role="admin")
    checker = Actor(user_id=second.id, label=second.email, role="admin")
    approval = servicing.request_write_off(
        session, loan, reason="The co-op went bankrupt", key="w", actor=maker
    )
    session.commit()
    approvals.approve(session, approval, actor=checker)
    session.commit()


def test_a_write_off_hits_the_buffer_then_the_participants(session, make_user, world):
    loan = world["loan"]
    assert account_balance(session, chart.SEED_CAPITAL) == Decimal("100.00")
    write_off(session, make_user, loan)
    session.refresh(loan)
    assert loan.status is LoanStatus.WRITTEN_OFF

    loss = session.scalar(select(Loss).where(Loss.loan_id == loan.id))
    # The pool's half of 1800.00: 100.00 from the buffer, 800.00 from the members 600 : 300.
    assert (loss.loss_amount, loss.absorbed_by_buffer, loss.absorbed_by_participants) == (
        Decimal("900.00"),
        Decimal("100.00"),
        Decimal("800.00"),
    )
    assert loss.occurred_on == TODAY
    # 800 x 2/3 = 533.333..., 800 x 1/3 = 266.666...: Bram's larger remainder gets the cent.
    assert shares_of(session, loss) == {
        world["anna"].id: Decimal("533.33"),
        world["bram"].id: Decimal("266.67"),
    }
    assert balance(session, world["anna"].ledger_account_id) == Decimal("66.67")
    assert balance(session, world["bram"].ledger_account_id) == Decimal("33.33")
    assert account_balance(session, chart.SEED_CAPITAL) == ZERO
    # The write-off took 1800.00 to 5100; the buffer and the members carry 900.00 of it.
    assert account_balance(session, chart.IMPAIRMENT_EXPENSE) == Decimal("900.00")
    buffer_entry = session.get(JournalEntry, loss.buffer_entry_id)
    members_entry = session.get(JournalEntry, loss.participants_entry_id)
    assert buffer_entry.idempotency_key == f"pool-loss-buffer:STARTFONDS:{loan.id}"
    assert members_entry.idempotency_key == f"pool-loss-participants:STARTFONDS:{loan.id}"
    assert (buffer_entry.value_date, members_entry.value_date) == (TODAY, TODAY)
    assert losses.buffer_remaining(session, world["pool"]) == ZERO
    assert ledger_queries.verify(session) == []

    # Again: the same Loss, nothing more written.
    entries = session.scalar(select(func.count()).select_from(JournalEntry))
    again = losses.absorb_loss(session, loan, principal_written_off=Decimal("1800.00"), on=TODAY, actor=ADMIN)
    assert again.id == loss.id
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == entries


def test_the_buffer_is_a_total_for_the_pool_and_the_share_is_rounded_half_up(session, world):
    pool = world["pool"]
    cara, cara_account = investor(session, "Cara", "Bakker", money="1000.00")
    cara_part = put_in(session, pool, cara, cara_account, "500.00", dt.date(2027, 3, 1))
    second = disburse_pool_loan(session, on=dt.date(2027, 3, 2), principal="1000.00")
    assert session.scalar(
        select(LoanFunding.amount_funded).where(LoanFunding.loan_id == second.id)
    ) == Decimal("500.00")
    # Half of 33.35 = 16.675 -> 16.68, all within the 100.00 buffer; no participants entry.
    first = losses.absorb_loss(
        session, world["loan"], principal_written_off=Decimal("33.35"), on=dt.date(2027, 6, 1), actor=ADMIN
    )
    assert (first.loss_amount, first.absorbed_by_buffer, first.participants_entry_id) == (
        Decimal("16.68"),
        Decimal("16.68"),
        None,
    )
    assert losses.buffer_remaining(session, pool) == Decimal("83.32")
    # The second loan's half of 1000.00 = 500.00: 83.32 from what is left of the buffer, 416.68
    # from Anna 600 : Bram 300 : Cara 500 -> 178.577..., 89.288..., 148.814...; the two cents
    # left go to the largest remainders (Bram .88, Anna .77).
    second_loss = losses.absorb_loss(
        session, second, principal_written_off=Decimal("1000.00"), on=dt.date(2027, 6, 2), actor=ADMIN
    )
    session.commit()
    assert (second_loss.absorbed_by_buffer, second_loss.absorbed_by_participants) == (
        Decimal("83.32"),
        Decimal("416.68"),
    )
    assert shares_of(session, second_loss) == {
        world["anna"].id: Decimal("178.58"),
        world["bram"].id: Decimal("89.29"),
        cara_part.id: Decimal("148.81"),
    }
    assert account_balance(session, chart.SEED_CAPITAL) == ZERO
    assert ledger_queries.verify(session) == []


def test_members_never_lose_more_than_they_hold(session, world):
    # Anna takes 500.00 back after the loan was funded; the members now hold 400.00.
    anna = world["anna"]
    ledger.post(
        session,
        "test-pool-withdrawal",
        "pool_withdrawal",
        [
            debit(anna.ledger_account_id, Decimal("500.00")),
            credit(anna.deposit_account.ledger_account_id, Decimal("500.00")),
        ],
        dt.date(2027, 5, 1),
        SETUP,
    )
    loss = losses.absorb_loss(
        session, world["loan"], principal_written_off=Decimal("1800.00"), on=dt.date(2027, 6, 1), actor=ADMIN
    )
    session.commit()
    # 900.00 to carry: 100.00 buffer, then everything the members hold (400.00); 400.00 stays
    # with the bank.
    assert (loss.loss_amount, loss.absorbed_by_buffer, loss.absorbed_by_participants) == (
        Decimal("500.00"),
        Decimal("100.00"),
        Decimal("400.00"),
    )
    assert shares_of(session, loss) == {anna.id: Decimal("100.00"), world["bram"].id: Decimal("300.00")}
    assert balance(session, anna.ledger_account_id) == ZERO
    assert balance(session, world["bram"].ledger_account_id) == ZERO
    assert ledger_queries.verify(session) == []


def test_a_loan_no_pool_funded_is_not_a_pool_loss(session, world):
    other = disburse_pool_loan(session, on=dt.date(2027, 3, 2), principal="1000.00")  # nothing left to lend
    assert (
        losses.absorb_loss(session, other, principal_written_off=Decimal("1000.00"), on=TODAY, actor=ADMIN)
        is None
    )
    assert (
        losses.absorb_loss(session, world["loan"], principal_written_off=ZERO, on=TODAY, actor=ADMIN) is None
    )
    assert session.scalar(select(func.count()).select_from(Loss)) == 0


@given(
    loss_cents=st.integers(min_value=1, max_value=10**9),
    buffer_cents=st.integers(min_value=0, max_value=10**9),
    balances=st.lists(st.integers(min_value=1, max_value=10**9), min_size=0, max_size=40),
)
def test_loss_shares_never_exceed_balances_and_add_up(loss_cents, buffer_cents, balances):
    loss, buffer_left = from_cents(loss_cents), from_cents(buffer_cents)
    by_buffer, by_participants, parts = losses.split_loss(loss, buffer_left, balances)
    held = from_cents(sum(balances))
    assert by_buffer == min(loss, buffer_left)
    assert by_participants == min(loss - by_buffer, held)
    assert sum(parts, ZERO) == by_participants
    assert len(parts) == len(balances)
    assert all(ZERO <= part <= from_cents(b) for part, b in zip(parts, balances, strict=True))
