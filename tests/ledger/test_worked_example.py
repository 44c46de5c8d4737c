"""A worked example, the way an accountant would check it by hand.

The municipality pays in its seed capital; Anna and Bram each get a deposit account (child
accounts of 2000); Anna pays in 1.250,00 and Bram 400,00; Anna buys a member share of 25,00
from her deposit (child of 3000); Anna sends Bram 300,50; Bram withdraws 150,25; a deposit of
99,99 booked on Bram by mistake is reversed. Every balance is checked to the cent.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bank.ledger import chart
from bank.ledger.queries import balance, history, trial_balance, verify
from bank.ledger.service import account_by_code, open_child_account, post, reverse

from .conftest import move


def test_two_members_deposits_transfer_withdrawal_and_a_reversal(
    session, settlement, open_member_account, deposit, withdraw, actor
):
    seed = account_by_code(session, chart.SEED_CAPITAL)
    anna = open_member_account("Anna de Boer")
    bram = open_member_account("Bram Visser")
    anna_shares = open_child_account(session, chart.SHARE_CAPITAL, "M0001", "Shares Anna de Boer")

    post(
        session, "seed:2026", "seed_capital", move(settlement, seed, "2000000.00"), dt.date(2026, 1, 5), actor
    )
    deposit(anna, "1250.00", "deposit:anna:1", dt.date(2026, 1, 10))
    deposit(bram, "400.00", "deposit:bram:1", dt.date(2026, 1, 11))
    post(
        session, "share:anna:1", "share_issue", move(anna, anna_shares, "25.00"), dt.date(2026, 1, 12), actor
    )
    post(session, "transfer:1", "transfer", move(anna, bram, "300.50"), dt.date(2026, 1, 15), actor)
    withdraw(bram, "150.25", "withdrawal:bram:1", dt.date(2026, 1, 20))
    mistake = deposit(bram, "99.99", "deposit:bram:2", dt.date(2026, 1, 21))
    reverse(
        session, mistake.id, reason="belongs to another member", actor=actor, value_date=dt.date(2026, 1, 22)
    )
    session.commit()

    # Anna: 1250.00 - 25.00 - 300.50; Bram: 400.00 + 300.50 - 150.25 (+ 99.99 - 99.99).
    assert balance(session, anna.id) == Decimal("924.50")
    assert balance(session, bram.id) == Decimal("550.25")
    assert balance(session, anna_shares.id) == Decimal("25.00")
    # Settlement: 2 000 000 + 1250 + 400 - 150.25 (+ 99.99 - 99.99).
    assert balance(session, settlement.id) == Decimal("2001499.75")
    assert balance(session, seed.id) == Decimal("2000000.00")
    assert balance(session, account_by_code(session, chart.MEMBER_DEPOSITS).id) == Decimal("1474.75")
    assert balance(session, account_by_code(session, chart.SHARE_CAPITAL).id) == Decimal("25.00")
    # Before the transfer, as of 12 January.
    assert balance(session, anna.id, as_of=dt.date(2026, 1, 12)) == Decimal("1225.00")
    assert balance(session, bram.id, as_of=dt.date(2026, 1, 21)) == Decimal("650.24")

    # Assets = liabilities + equity, and the trial balance is zero.
    rows = {row.code: row.balance for row in trial_balance(session)}
    assert rows["1000"] == rows["2000"] + rows["3000"] + rows["3100"]
    table = trial_balance(session)
    assert sum(r.debit_total for r in table) == sum(r.credit_total for r in table) == Decimal("2002325.73")

    lines, total, _ = history(session, bram.id)
    assert total == 5
    assert [(line.kind, line.amount, line.running_balance) for line in lines] == [
        ("reversal", Decimal("99.99"), Decimal("550.25")),
        ("deposit", Decimal("99.99"), Decimal("650.24")),
        ("withdrawal", Decimal("150.25"), Decimal("550.25")),
        ("transfer", Decimal("300.50"), Decimal("700.50")),
        ("deposit", Decimal("400.00"), Decimal("400.00")),
    ]
    assert verify(session) == []
