"""``bank payments import-statement FILE [--json]``: books a statement, or refuses it with exit 2.

The test settings' SETTLEMENT_IBANS is NL91ABNA0417164300; the members are statement_world's.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from flask.cli import ScriptInfo
from sqlalchemy import select

from bank.cli import cli
from bank.extensions import db
from bank.ledger import chart
from bank.payments.statement_models import ImportStatus, StatementImport
from bench.payments import Transaction

from . import statement_world as sw
from .statement_world import ANNA_IBAN, STRANGER_IBAN


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))

    return invoke


@pytest.fixture
def bank(app):
    with db.unit_of_work(db.new_session()) as session:
        sw.build(session)


def test_it_books_says_what_matched_and_where_the_file_is(run, app, bank, session, tmp_path) -> None:
    path = sw.write(
        tmp_path,
        [
            Transaction(Decimal("100.00"), None, None, "A. Jansen", ANNA_IBAN, "inleg"),
            Transaction(Decimal("-20.10"), "PAY-1", None, "Drukkerij", STRANGER_IBAN, "factuur 7"),
        ],
    )
    result = run("payments", "import-statement", str(path))
    assert result.exit_code == 0, result.stderr
    record = session.scalars(select(StatementImport)).one()
    stored = f"{app.config['UPLOAD_DIR']}/statements/{record.stored_name}"
    assert result.stdout.splitlines() == [
        f"import {record.id} (camt.053.001.02): booked",
        "statement STMT-2026-12-02-1 (sequence 1) of NL91ABNA0417164300: opening 1000.00, closing 1079.90 "
        "on 2026-12-02",
        "2 lines: 1 matched, 1 in suspense (1095, -20.10 EUR); by matcher: member_iban 1, suspense 1",
        "in 100.00 EUR, out -20.10 EUR",
        f"file kept at {stored}",
    ]
    assert sw.balance(session, chart.SETTLEMENT) == Decimal("79.90")
    session.rollback()  # end the test's read before the command writes
    again = run("payments", "import-statement", str(path), "--json")
    assert again.exit_code == 0
    summary = json.loads(again.stdout)
    assert (summary["status"], summary["import_id"], summary["lines"]) == ("already_imported", record.id, 2)
    assert sw.balance(session, chart.SETTLEMENT) == Decimal("79.90")


def test_a_refused_file_exits_2_with_its_reason_and_books_nothing(run, bank, session, tmp_path) -> None:
    path = sw.write(
        tmp_path, [Transaction(Decimal("10.00"), None, None, "X", STRANGER_IBAN, "a")], currency="USD"
    )
    result = run("payments", "import-statement", str(path))
    assert result.exit_code == 2
    assert "refused: the statement is in USD, not in EUR" in result.stderr
    assert result.stdout == ""
    record = session.scalars(select(StatementImport)).one()
    assert record.status is ImportStatus.REFUSED
    assert sw.entry_count(session) == 0
    session.rollback()
    missing = run("payments", "import-statement", str(tmp_path / "nothing.xml"))
    assert missing.exit_code == 2 and "cannot be read" in missing.stderr
