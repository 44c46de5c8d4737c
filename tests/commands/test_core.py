"""Operator commands: ``bank ledger verify``, ``bank users create``, ``bank db upgrade``."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from flask.cli import ScriptInfo
from sqlalchemy import func, select, text

from bank.actor import system
from bank.auth.models import User
from bank.cli import cli
from bank.extensions import db
from bank.ledger import chart
from bank.ledger.models import LedgerAccount
from bank.ledger.service import account_by_code, credit, debit, open_child_account, post

VALUE_DATE = dt.date(2026, 3, 2)


@pytest.fixture
def run(app):
    """Invoke the ``bank`` group on the test app; output holds stdout and stderr."""
    runner = app.test_cli_runner()

    def invoke(*args: str, **kwargs):
        return runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), **kwargs)

    return invoke


@pytest.fixture
def booked(session):
    """A member account with a deposit and a withdrawal; returns its code and id."""
    actor = system("test")
    settlement = account_by_code(session, chart.SETTLEMENT)
    member = open_child_account(session, chart.MEMBER_DEPOSITS, "00000001", "Anna")
    post(
        session,
        "d:1",
        "deposit",
        [debit(settlement, Decimal("100.00")), credit(member, Decimal("100.00"))],
        VALUE_DATE,
        actor,
    )
    post(
        session,
        "w:1",
        "withdrawal",
        [debit(member, Decimal("30.00")), credit(settlement, Decimal("30.00"))],
        VALUE_DATE,
        actor,
    )
    session.commit()
    return member.code, member.id


def test_ledger_verify_prints_one_line_and_exits_zero_when_all_is_well(run, booked, session):
    accounts = session.scalar(select(func.count()).select_from(LedgerAccount))
    session.commit()  # SQLite: end the read before the command opens its own session
    result = run("ledger", "verify")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines() == [
        f"ledger verify: OK — 2 entries, {accounts} accounts, trial balance zero, caches match"
    ]


def test_ledger_verify_names_a_tampered_total_and_exits_non_zero(run, booked, session):
    code, account_id = booked
    session.execute(
        text("UPDATE ledger_accounts SET debits_posted = debits_posted + 1 WHERE id = :id"),
        {"id": account_id},
    )
    session.commit()
    result = run("ledger", "verify")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"FAIL account {code}: cached debits/credits 30.01/100.00 != postings 30.00/100.00",
        "ledger verify: 1 problem(s)",
    ]
    assert result.stdout == ""


def test_the_installed_bank_command_verifies_the_configured_database(database_url, booked, tmp_path: Path):
    """The console script as an operator runs it: DATABASE_URL from the environment."""
    bank_script = Path(sys.executable).parent / "bank"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "BANK_ENV": "development",
        "BANK_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    db.remove()  # SQLite: no transaction of ours may hold the write lock meanwhile
    done = subprocess.run(
        [str(bank_script), "ledger", "verify"], env=environment, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("ledger verify: OK — 2 entries")


def test_users_create_refuses_a_short_password_and_creates_with_a_good_one(run):
    short = run(
        "users", "create", "--email", "Kees@Example.org", "--name", "Kees", "--role", "teller",
        input="too short\ntoo short\n",
    )  # fmt: skip
    assert short.exit_code == 2
    assert "error: password: must be at least 12 characters" in short.output

    created = run(
        "users", "create", "--email", "Kees@Example.org", "--name", "Kees", "--role", "teller",
        input="a long enough password\na long enough password\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert "user kees@example.org created with role teller" in created.output
    with db.new_session() as session:
        user = session.scalar(select(User).where(User.email == "kees@example.org"))
        assert user is not None and user.role == "teller"
        assert user.password_hash.startswith("$argon2id$")

    again = run(
        "users", "create", "--email", "kees@example.org", "--name", "Kees", "--role", "teller",
        input="a long enough password\na long enough password\n",
    )  # fmt: skip
    assert again.exit_code == 2
    assert "email: is already in use by another user" in again.output


def test_db_upgrade_on_a_current_database_keeps_the_data(run, booked):
    result = run("db", "upgrade")
    assert result.exit_code == 0, result.output
    assert "database upgraded to head" in result.output
    assert run("ledger", "verify").exit_code == 0


def test_demo_if_empty_leaves_a_database_with_data_alone_and_prints_the_log_ins(run, booked):
    # The second `make run` on a database: this once waited a minute for its own lock and failed.
    result = run("demo", "--if-empty")
    assert result.exit_code == 0, result.output
    assert "database already holds data; demo not loaded" in result.output
    assert "Demo log-ins (password for all:" in result.output
    assert run("ledger", "verify").output.startswith("ledger verify: OK — 2 entries")
