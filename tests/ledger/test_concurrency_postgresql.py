"""PostgreSQL: many transactions at once on one member account, and double submits.

Each thread has its own engine connection and session, like web workers do. Threads start
together (a barrier) so their transactions really overlap on the account's row lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bank.actor import system
from bank.db import make_engine
from bank.errors import InsufficientFunds
from bank.ledger import chart
from bank.ledger import service as ledger_service
from bank.ledger.models import JournalEntry, LedgerAccount, Posting, Side
from bank.ledger.queries import balance, summed_net_debit, verify
from bank.ledger.service import EntryRequest, account_by_code, open_child_account, post, post_many

from .conftest import VALUE_DATE, move

pytestmark = pytest.mark.postgresql


@pytest.fixture
def sessions(database_url: str) -> Any:
    engine = make_engine(database_url, pool_size=52, max_overflow=0)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released at the same moment; results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def target(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except BaseException as error:  # collected and asserted on by the test
            results[i] = error

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_fifty_threads_withdrawing_from_one_account(app, sessions: sessionmaker[Session]):
    actor = system("concurrency-test")
    with sessions() as setup, setup.begin():
        settlement = account_by_code(setup, chart.SETTLEMENT).id
        member = open_child_account(setup, chart.MEMBER_DEPOSITS, "00000001", "Hot account").id
        post(setup, "deposit:1", "deposit", move(settlement, member, "1000.00"), VALUE_DATE, actor)

    def withdraw(i: int) -> int:
        with sessions() as session, session.begin():
            entry = post(
                session, f"withdrawal:{i}", "withdrawal", move(member, settlement, "30.00"), VALUE_DATE, actor
            )
            # The balance seen inside the transaction is never negative either.
            assert balance(session, member) >= 0
            return entry.id

    results = run_together(50, withdraw)

    errors = [r for r in results if isinstance(r, BaseException)]
    succeeded = [r for r in results if isinstance(r, int)]
    assert all(isinstance(e, InsufficientFunds) for e in errors), errors
    assert len(succeeded) == 1000 // 30 == 33
    assert len(errors) == 50 - 33
    assert all(e.message == "insufficient funds on account 2000-00000001: short by 20.00" for e in errors)

    with sessions() as session:
        account = session.get(LedgerAccount, member)
        summed = -summed_net_debit(session, [member])
        assert (
            account.cached_balance == summed == Decimal("1000.00") - 33 * Decimal("30.00") == Decimal("10.00")
        )
        debits = session.scalar(
            select(func.count())
            .select_from(Posting)
            .where(Posting.account_id == member, Posting.side == Side.DEBIT)
        )
        assert debits == 33
        assert verify(session) == []


@pytest.mark.parametrize("kind", ["withdrawal", "deposit"])
def test_concurrent_posts_with_one_key_make_one_entry(app, sessions: sessionmaker[Session], kind: str):
    """A double submit arriving twice at the same moment books once; both callers get the entry.

    A withdrawal locks the member account (the second waits, then finds the key); a deposit
    takes no lock (the second meets the key in the unique index and answers from it).
    """
    actor = system("concurrency-test")
    with sessions() as setup, setup.begin():
        settlement = account_by_code(setup, chart.SETTLEMENT).id
        member = open_child_account(setup, chart.MEMBER_DEPOSITS, "00000002", "Member").id
        post(setup, "deposit:0", "deposit", move(settlement, member, "100.00"), VALUE_DATE, actor)
    # 100.00 allows exactly one withdrawal of 60.00: a second booking would be refused, so
    # every caller getting the entry proves the retry was recognised, not re-booked.
    lines = move(member, settlement, "60.00") if kind == "withdrawal" else move(settlement, member, "60.00")

    def submit(_i: int) -> int:
        with sessions() as session, session.begin():
            return post(session, "form:double-click", kind, lines, VALUE_DATE, actor).id

    results = run_together(8, submit)

    assert all(isinstance(r, int) for r in results), results
    assert len(set(results)) == 1
    with sessions() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(JournalEntry)
                .where(JournalEntry.idempotency_key == "form:double-click")
            )
            == 1
        )
        expected = Decimal("40.00") if kind == "withdrawal" else Decimal("160.00")
        assert balance(session, member) == expected
        assert verify(session) == []


@pytest.mark.parametrize(
    ("taken_meanwhile", "outcome"),
    [("20.00", "posted"), ("50.00", "refused")],
)
def test_a_batch_whose_checked_balance_moves_before_its_write_is_checked_again(
    app, sessions: sessionmaker[Session], monkeypatch, taken_meanwhile: str, outcome: str
):
    """A batch reads balances without locking; a withdrawal commits between its check and its write.

    The batch's update of the cached totals only applies while the balance is at least what
    the check saw, so the move is noticed, the savepoint is rolled back and the batch is
    checked again under the lock: posted if the money is still there, refused whole if not.
    """
    actor = system("concurrency-test")
    with sessions() as setup, setup.begin():
        settlement = account_by_code(setup, chart.SETTLEMENT).id
        member = open_child_account(setup, chart.MEMBER_DEPOSITS, "00000003", "Member").id
        post(setup, "deposit:0", "deposit", move(settlement, member, "100.00"), VALUE_DATE, actor)

    checks = []
    real_check = ledger_service._check_accounts

    def check_then_someone_withdraws(requests, accounts):
        if not requests[0].key.startswith("batch:"):
            return real_check(requests, accounts)  # the withdrawal at the counter
        checks.append(accounts[member].balance)
        real_check(requests, accounts)
        if len(checks) == 1:
            with sessions() as other, other.begin():
                post(
                    other,
                    "counter:1",
                    "withdrawal",
                    move(member, settlement, taken_meanwhile),
                    VALUE_DATE,
                    actor,
                )

    monkeypatch.setattr(ledger_service, "_check_accounts", check_then_someone_withdraws)
    batch = [
        EntryRequest("batch:1", "withdrawal", move(member, settlement, "30.00"), VALUE_DATE),
        EntryRequest("batch:2", "withdrawal", move(member, settlement, "30.00"), VALUE_DATE),
    ]
    with sessions() as session:
        if outcome == "posted":
            post_many(session, batch, actor=actor)
            session.commit()
        else:
            with pytest.raises(InsufficientFunds, match=r"short by 10\.00"):
                post_many(session, batch, actor=actor)
            session.rollback()

    # First check on the balance read without a lock, the second on the locked one.
    left = Decimal("100.00") - Decimal(taken_meanwhile)
    assert checks == [10000, int(left * 100)]
    with sessions() as session:
        posted = session.scalar(
            select(func.count()).select_from(JournalEntry).where(JournalEntry.idempotency_key.like("batch:%"))
        )
        expected = left - Decimal("60.00") if outcome == "posted" else left
        assert (posted, balance(session, member)) == ((2, expected) if outcome == "posted" else (0, expected))
        assert verify(session) == []
