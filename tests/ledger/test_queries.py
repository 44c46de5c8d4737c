"""Ledger reads: trial balance as of a date, account history with running balance, verify()."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import text

from bank.ledger import chart
from bank.ledger.queries import balance, balances, history, latest, trial_balance, verify
from bank.ledger.service import account_by_code, post

from .conftest import move

MARCH_1, MARCH_10, MARCH_20 = dt.date(2026, 3, 1), dt.date(2026, 3, 10), dt.date(2026, 3, 20)


def test_trial_balance_as_of_a_date(session, settlement, open_member_account, deposit, withdraw, actor):
    anna, bram = open_member_account("Anna"), open_member_account("Bram")
    seed = account_by_code(session, chart.SEED_CAPITAL)
    post(session, "seed", "seed_capital", move(settlement, seed, "2000000.00"), MARCH_1, actor)
    deposit(anna, "300.00", "d:anna", MARCH_1)
    deposit(bram, "150.00", "d:bram", MARCH_10)
    withdraw(anna, "120.50", "w:anna", MARCH_20)
    session.commit()

    def rows(as_of):
        return {
            row.code: (row.debit_total, row.credit_total, row.balance)
            for row in trial_balance(session, as_of)
        }

    early = rows(MARCH_1)
    assert early["1000"] == (Decimal("2000300.00"), Decimal("0.00"), Decimal("2000300.00"))
    assert early["2000"] == (Decimal("0.00"), Decimal("300.00"), Decimal("300.00"))  # children rolled up
    assert early["3100"] == (Decimal("0.00"), Decimal("2000000.00"), Decimal("2000000.00"))

    late = rows(MARCH_20)
    assert late["1000"] == (Decimal("2000450.00"), Decimal("120.50"), Decimal("2000329.50"))
    assert late["2000"] == (Decimal("120.50"), Decimal("450.00"), Decimal("329.50"))
    assert rows(None) == late
    assert rows(dt.date(2026, 2, 28))["1000"] == (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"))

    for as_of in (MARCH_1, MARCH_10, MARCH_20, None):
        table = trial_balance(session, as_of)
        assert sum(r.debit_total for r in table) == sum(r.credit_total for r in table)
    # Without roll-up each child is its own line.
    children = {r.code: r.balance for r in trial_balance(session, MARCH_10, roll_up=False)}
    assert children[anna.code] == Decimal("300.00")
    assert children[bram.code] == Decimal("150.00")

    assert balance(session, anna.id, as_of=MARCH_10) == Decimal("300.00")
    assert balance(session, anna.id) == Decimal("179.50")
    deposits_control = account_by_code(session, chart.MEMBER_DEPOSITS)
    assert balance(session, deposits_control.id) == Decimal("329.50")
    assert balance(session, deposits_control.id, as_of=MARCH_1) == Decimal("300.00")


def test_balances_reads_cached_and_summed_accounts_alike(session, settlement, open_member_account, deposit):
    anna = open_member_account()
    deposit(anna, "42.00", "d:1")
    deposits_control = account_by_code(session, chart.MEMBER_DEPOSITS)
    assert balances(session, [anna.id, settlement.id, deposits_control.id]) == {
        anna.id: Decimal("42.00"),
        settlement.id: Decimal("42.00"),  # keeps no cached totals: summed from postings
        deposits_control.id: Decimal("42.00"),
    }
    assert balances(session, []) == {}


def test_latest_is_the_first_page_of_each_accounts_history(
    session, settlement, open_member_account, deposit, withdraw, actor
):
    """The member's home reads the latest lines of all their accounts at once: the same lines,
    running balances and counterparties as each account's own first page, in four statements."""
    from sqlalchemy import event

    anna, bram, empty = open_member_account("Anna"), open_member_account("Bram"), open_member_account("Leeg")
    for day in range(1, 9):
        value_date = dt.date(2026, 1, day)
        deposit(anna, f"{day}.00", f"d:anna:{day}", value_date)
        if day % 3 == 0:
            withdraw(anna, "0.75", f"w:anna:{day}", value_date)
    deposit(bram, "50.00", "d:bram", MARCH_1)
    # Bram pays Anna: on his page she stands opposite him, and he opposite her on hers.
    post(session, "t:1", "transfer", move(bram, anna, "12.34"), MARCH_10, actor)
    session.commit()

    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if not statement.startswith("BEGIN"):  # SQLite's transaction, not a read
            statements.append(statement[:30])

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        found = latest(session, [anna.id, bram.id, empty.id, settlement.id], per_account=5)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(statements) == 4, statements
    for account in (anna, bram, settlement):
        assert found[account.id] == history(session, account.id, page=1, per_page=5)[0]
    assert empty.id not in found
    assert [line.running_balance for line in found[anna.id]] == [
        Decimal("46.84"),
        Decimal("34.50"),
        Decimal("26.50"),
        Decimal("19.50"),
        Decimal("20.25"),
    ]
    assert found[anna.id][0].counter_account_ids == (bram.id,)
    assert found[bram.id][0].counter_account_ids == (anna.id,)
    assert latest(session, [anna.id], per_account=0) == {} == latest(session, [], per_account=5)


def test_history_pages_newest_first_with_running_balances(session, open_member_account, deposit, withdraw):
    anna = open_member_account()
    expected_running = []
    running = Decimal("0.00")
    for day in range(1, 121):
        value_date = dt.date(2026, 1, 1) + dt.timedelta(days=day // 2)
        if day % 3 == 0:
            withdraw(anna, "1.25", f"w:{day}", value_date)
            running -= Decimal("1.25")
        else:
            deposit(anna, f"{day}.00", f"d:{day}", value_date)
            running += Decimal(day)
        expected_running.append(running)
    session.commit()

    page1, total, opening = history(session, anna.id, page=1, per_page=50)
    page3, _, _ = history(session, anna.id, page=3, per_page=50)
    page4, _, _ = history(session, anna.id, page=4, per_page=50)
    assert (total, opening) == (120, Decimal("0.00"))
    assert len(page1) == 50 and len(page3) == 20 and page4 == []
    assert page1[0].running_balance == balance(session, anna.id) == expected_running[-1]
    assert [line.running_balance for line in page1] == expected_running[::-1][:50]
    assert [line.running_balance for line in page3] == expected_running[::-1][100:]
    assert page3[-1].running_balance == Decimal("1.00")
    assert page1[0].kind == "withdrawal" and page1[0].amount == Decimal("1.25")
    assert page1[1].kind == "deposit" and page1[1].memo == "deposit 119.00"
    assert len(page1[0].counter_account_ids) == 1

    oldest_first, _, _ = history(session, anna.id, page=1, per_page=10, newest_first=False)
    assert [line.running_balance for line in oldest_first] == expected_running[:10]

    # A date range starts from the opening balance before it.
    date_from, date_to = dt.date(2026, 1, 11), dt.date(2026, 1, 20)
    ranged, ranged_total, ranged_opening = history(
        session, anna.id, date_from=date_from, date_to=date_to, per_page=100
    )
    assert ranged_opening == balance(session, anna.id, as_of=dt.date(2026, 1, 10))
    assert ranged_total == len(ranged) == 20
    assert ranged[0].running_balance == balance(session, anna.id, as_of=date_to)
    assert all(date_from <= line.value_date <= date_to for line in ranged)


def test_verify_is_quiet_on_a_sound_ledger(session, open_member_account, deposit, withdraw):
    anna = open_member_account()
    deposit(anna, "10.00", "d:1")
    withdraw(anna, "4.00", "w:1")
    session.commit()
    assert verify(session) == []


def test_verify_finds_a_tampered_cached_total(session, open_member_account, deposit):
    anna = open_member_account()
    deposit(anna, "10.00", "d:1")
    session.commit()
    session.execute(
        text("UPDATE ledger_accounts SET debits_posted = debits_posted + 500 WHERE id = :id"), {"id": anna.id}
    )
    session.commit()
    assert verify(session) == [
        f"account {anna.code}: cached debits/credits 5.00/10.00 != postings 0.00/10.00",
    ]


def test_verify_finds_totals_on_an_account_that_keeps_none(session, settlement):
    session.execute(
        text("UPDATE ledger_accounts SET credits_posted = 100 WHERE id = :id"), {"id": settlement.id}
    )
    session.commit()
    assert verify(session) == ["account 1000 keeps no cached totals but holds 0.00/1.00"]


def test_verify_finds_unbalanced_entries_negative_members_and_control_postings(
    session, settlement, open_member_account, deposit
):
    """Rows forged past the service (inserts are all the triggers allow) are found."""
    anna = open_member_account()
    entry = deposit(anna, "10.00", "d:1")
    session.commit()
    control = account_by_code(session, chart.MEMBER_DEPOSITS)
    for account_id, side, cents in ((anna.id, "debit", 2500), (control.id, "credit", 100)):
        session.execute(
            text(
                "INSERT INTO postings (entry_id, account_id, side, amount, value_date) "
                "VALUES (:entry, :account, :side, :cents, :value_date)"
            ),
            {"entry": entry.id, "account": account_id, "side": side, "cents": cents, "value_date": MARCH_1},
        )
    session.commit()
    problems = verify(session)
    assert f"entry {entry.id} does not balance (net 24.00, 4 lines)" in problems
    assert "trial balance is off: debits 35.00 != credits 11.00" in problems
    assert "control account 2000 has postings of its own" in problems
    assert f"account {anna.code} is negative: -15.00" in problems
    assert f"account {anna.code}: cached debits/credits 0.00/10.00 != postings 25.00/10.00" in problems
