"""``bank payments read-statement FILE [--json]``: reads and checks a statement file, writes nothing.

The test settings' SETTLEMENT_IBANS is NL91ABNA0417164300, the account of the files in data/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask.cli import ScriptInfo

from bank.cli import cli

from .test_statement_reader import BILLION_LAUGHS, DATA

ENTRY_KEYS = [
    "amount",
    "booking_date",
    "value_date",
    "end_to_end_id",
    "mandate_id",
    "return_reason",
    "counterparty_iban",
    "counterparty_name",
    "remittance",
    "reversal",
]


@pytest.fixture
def run(app):
    """Invoke the ``bank`` group on the test app; stdout and stderr apart."""
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))

    return invoke


def test_the_json_is_exactly_the_issues_shape(run) -> None:
    result = run("payments", "read-statement", str(DATA / "camt053_001_08.xml"), "--json")

    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout) == {
        "format": "camt.053.001.08",
        "statements": [
            {
                "id": "STMT-2026-12-03",
                "account_iban": "NL91ABNA0417164300",
                "currency": "EUR",
                "opening_balance": "10375.75",
                "closing_balance": "10120.75",
                "entries": [
                    {
                        "amount": "-300.00",
                        "booking_date": "2026-12-03",
                        "value_date": "2026-12-03",
                        "end_to_end_id": "COLL-17-1",
                        "mandate_id": "WB-MANDATE-0017",
                        "return_reason": "AC04",
                        "counterparty_iban": "NL44RABO0123456789",
                        "counterparty_name": "Bakkerij Kok",
                        "remittance": None,
                        "reversal": True,
                    },
                    {
                        "amount": "45.00",
                        "booking_date": "2026-12-03",
                        "value_date": "2026-12-03",
                        "end_to_end_id": "E2E-REF-9981",
                        "mandate_id": None,
                        "return_reason": None,
                        "counterparty_iban": "NL20INGB0001234567",
                        "counterparty_name": "M. El Amrani",
                        "remittance": "Inleg spaarrekening",
                        "reversal": False,
                    },
                ],
                "problems": [],
            }
        ],
    }


def test_a_batch_prints_one_entry_per_transaction_in_file_order(run) -> None:
    result = run("payments", "read-statement", str(DATA / "camt053_001_02.xml"), "--json")

    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    [statement] = printed["statements"]
    assert list(statement) == [
        "id",
        "account_iban",
        "currency",
        "opening_balance",
        "closing_balance",
        "entries",
        "problems",
    ]
    assert all(list(entry) == ENTRY_KEYS for entry in statement["entries"])
    assert [(e["amount"], e["end_to_end_id"]) for e in statement["entries"]] == [
        ("250.00", None),
        ("300.00", "COLL-17-1"),
        ("450.00", "COLL-18-1"),
        ("250.00", "COLL-19-1"),
        ("-754.25", "COLL-12-4"),
        ("-120.00", "PAY-88"),
    ]


def test_an_mt940_file_prints_as_json_too(run) -> None:
    result = run("payments", "read-statement", str(DATA / "mt940.sta"), "--json")

    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed["format"] == "mt940"
    [statement] = printed["statements"]
    assert statement["entries"][0]["amount"] == "-754.25"
    assert statement["entries"][0]["return_reason"] == "MD06"
    assert statement["entries"][0]["reversal"] is True


def test_a_readable_file_with_problems_exits_0_listing_each_in_words(run, tmp_path: Path) -> None:
    text = (DATA / "camt053_001_02.xml").read_text(encoding="utf-8")
    text = text.replace("NL91ABNA0417164300</IBAN></Id>\n", "NL20INGB0001234567</IBAN></Id>\n", 1)
    text = text.replace("<Ccy>EUR</Ccy>", "<Ccy>USD</Ccy>").replace("10375.75", "10375.00")
    path = tmp_path / "statement.xml"
    path.write_text(text, encoding="utf-8")

    result = run("payments", "read-statement", str(path), "--json")

    assert result.exit_code == 0
    [statement] = json.loads(result.stdout)["statements"]
    assert statement["problems"] == [
        "account NL20INGB0001234567 is not one of the bank's accounts (NL91ABNA0417164300)",
        "the statement is in USD, not in EUR",
        "the balances do not add up: opening balance 10000.00 plus the entries 375.75 makes 10375.75, "
        "but the closing balance is 10375.00 (a difference of -0.75)",
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            "Datum;Bedrag\n2026-12-02;250,00\n",
            "the file is neither XML (CAMT.053 or CAMT.054) nor an MT940 statement",
        ),
        (
            BILLION_LAUGHS,
            "the file declares a document type (DOCTYPE) or entities; a bank statement has none, "
            "so nothing in it is read",
        ),
        ("<Document><unclosed></Document>", "the file is not well-formed XML: "),
    ],
)
def test_an_unreadable_file_exits_2_with_the_reason_on_stderr(run, tmp_path: Path, content, reason) -> None:
    path = tmp_path / "statement.xml"
    path.write_text(content, encoding="utf-8")

    result = run("payments", "read-statement", str(path), "--json")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {path}: {reason}")


def test_a_missing_file_exits_2(run, tmp_path: Path) -> None:
    result = run("payments", "read-statement", str(tmp_path / "nothing.xml"))

    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {tmp_path / 'nothing.xml'}: the file cannot be read: ")


def test_without_json_a_short_summary(run) -> None:
    result = run("payments", "read-statement", str(DATA / "camt053_001_02.xml"))

    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "camt.053.001.02: 1 statement",
        "statement STMT-2026-12-02 (sequence 236) of NL91ABNA0417164300 in EUR: opening 10000.00 on "
        "2026-12-01, closing 10375.75 on 2026-12-02; 6 entries, in 1250.00, out -874.25",
        "  no problems",
    ]
