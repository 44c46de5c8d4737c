"""``bank pools list | subscribe | withdraw | pay-due``: one transaction each, one-line errors."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask.cli import ScriptInfo

from bank.cli import cli
from bank.pools import queries

from .factories import balance, entry_count, investor, make_pool


@pytest.fixture
def run(app, session):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        session.commit()  # SQLite: the test's session must not hold a read lock while the command writes
        result = runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))
        session.expire_all()
        return result

    return invoke


@pytest.fixture
def world(session):
    pool = make_pool(session)
    anna, account = investor(session, money="1000.00")
    session.commit()
    return pool, anna, account


def test_subscribe_withdraw_and_pay_from_the_command_line(run, session, world):
    _pool, anna, account = world
    number = str(anna.number)
    result = run("pools", "subscribe", "--pool", "startfonds", "--member", number, "--amount", "300",
                 "--key", "cli-1", "--date", "2027-01-10")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output == f"member {number} now has 300.00 in pool STARTFONDS\n"
    # The same key again books nothing.
    again = run("pools", "subscribe", "--pool", "STARTFONDS", "--member", number, "--amount", "300.00",
                "--key", "cli-1", "--date", "2027-01-10")  # fmt: skip
    assert again.exit_code == 0, again.output
    assert balance(session, account.ledger_account_id) == Decimal("700.00")

    result = run("pools", "withdraw", "--pool", "STARTFONDS", "--member", number, "--amount", "100",
                 "--key", "cli-w1", "--date", "2027-02-01")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.endswith("of 100.00 from pool STARTFONDS payable from 2027-05-01\n")

    early = run("pools", "pay-due", "--date", "2027-04-30")
    assert early.output == "0 withdrawal(s) paid (0.00), 0 due request(s) still waiting on 2027-04-30\n"
    paid = run("pools", "pay-due", "--date", "2027-05-01")
    assert paid.exit_code == 0, paid.output
    assert paid.output == "1 withdrawal(s) paid (100.00), 0 due request(s) still waiting on 2027-05-01\n"
    assert balance(session, account.ledger_account_id) == Decimal("800.00")

    listing = run("pools", "list")
    assert listing.exit_code == 0
    line = listing.output.splitlines()[1].split()
    assert line[:6] == ["STARTFONDS", "open", "200.00", "0.00", "200.00", "1"]
    assert listing.output.endswith("1 pool(s)\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--amount", "49.99"), "error: --amount must be at least 50.00, the pool's minimum participation\n"),
        (("--amount", "1000.01"), "error: --amount exceeds the available balance of 1000.00\n"),
        (("--amount", "abc"), "error: --amount must be a number, e.g. 1234.56\n"),
        (("--amount", "60", "--pool", "NOPE"), "error: --pool no pool with code 'NOPE'\n"),
        (("--amount", "60", "--date", "2030-01-01"), "error: --date must not be in the future\n"),
    ],
)
def test_bad_subscriptions_exit_2_with_one_line_and_write_nothing(run, session, world, args, message):
    _pool, anna, _account = world
    before = entry_count(session)
    options = {"--pool": "STARTFONDS", "--member": str(anna.number), "--key": "bad", "--date": "2027-01-10"}
    given = dict(zip(args[::2], args[1::2], strict=True))
    options.update(given)
    result = run("pools", "subscribe", *[part for pair in options.items() for part in pair])
    assert result.exit_code == 2
    assert result.output == message
    assert entry_count(session) == before


def test_a_withdrawal_above_the_participation_is_refused(run, session, world):
    pool, anna, _account = world
    number = str(anna.number)
    run("pools", "subscribe", "--pool", "STARTFONDS", "--member", number, "--amount", "100", "--key", "k",
        "--date", "2027-01-10")  # fmt: skip
    result = run("pools", "withdraw", "--pool", "STARTFONDS", "--member", number, "--amount", "100.01",
                 "--key", "w", "--date", "2027-02-01")  # fmt: skip
    assert result.exit_code == 2
    assert result.output == "error: --amount must not exceed the participation of 100.00\n"
    assert queries.withdrawal_queue(session, pool) == []
