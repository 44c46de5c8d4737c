"""PostgreSQL: 50 tellers withdrawing from one account at once never overdraw it."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bank.errors import InsufficientFunds
from bank.extensions import db
from bank.ledger import queries as ledger_queries
from bank.ledger.models import Posting, Side
from bank.savings import service as savings
from bank.savings.models import DepositAccount

from .factories import balance

THREADS = 50


@pytest.mark.postgresql
def test_fifty_concurrent_withdrawals_take_exactly_what_the_balance_allows(session, bank_setup, teller):
    account = bank_setup["anna_account"]
    savings.deposit(session, account, "1000.00", key="fund", actor=teller)
    session.commit()
    account_id = account.id
    start = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def withdraw(n: int) -> None:
        own = db.new_session()
        try:
            start.wait()
            try:
                with db.unit_of_work(own):
                    target = own.get(DepositAccount, account_id)
                    savings.withdraw(
                        own, target, "30.00", key=f"race-{n}", actor=teller, approval_threshold=None
                    )
                result = "ok"
            except InsufficientFunds:
                result = "insufficient"
            except Exception as exc:  # anything else is a failure of the test
                result = f"error: {type(exc).__name__}: {exc}"
        finally:
            own.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=withdraw, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [o for o in outcomes if o.startswith("error")] == []
    assert outcomes.count("ok") == 33  # 33 x 30 = 990 of the 1000
    assert outcomes.count("insufficient") == THREADS - 33
    session.expire_all()
    assert balance(session, account) == Decimal("10.00")
    debits = session.scalar(
        select(func.count()).where(
            Posting.account_id == account.ledger_account_id, Posting.side == Side.DEBIT
        )
    )
    assert debits == 33
    assert ledger_queries.verify(session) == []
