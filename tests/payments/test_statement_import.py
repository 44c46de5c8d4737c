"""Importing statements (bank/payments/statement_import.py, matching.py): what is booked where, to
the cent; a file twice books nothing more; every bad file is refused whole with its rule named.

The bank of ``statement_world``: Anna (one account, IBAN NL20INGB…) and Bram (two accounts, IBAN
NL44RABO…); the bank's settlement account at the clearing bank is NL91ABNA0417164300.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bank.actor import Actor
from bank.errors import PermissionDenied
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry, Posting, Side
from bank.payments import references
from bank.payments.statement_models import (
    BankStatement,
    BankStatementLine,
    ImportStatus,
    LineStatus,
    StatementImport,
)
from bench import payments as bench_payments
from bench.payments import Transaction

from . import statement_world as sw
from .statement_world import ANNA_IBAN, BRAM_IBAN, STRANGER_IBAN

D = Decimal


@pytest.fixture
def bank(session):
    built = sw.build(session)
    session.commit()
    return built


def _lines(session, result) -> list[BankStatementLine]:
    [statement] = result.statements
    return list(
        session.scalars(
            select(BankStatementLine)
            .where(BankStatementLine.statement_id == statement.id)
            .order_by(BankStatementLine.line_no)
        )
    )


def test_a_day_is_booked_and_matched_to_the_cent(session, app, bank, tmp_path) -> None:
    path = sw.write(
        tmp_path,
        [
            Transaction(D("100.00"), None, None, "A. Jansen", ANNA_IBAN, "inleg"),
            Transaction(D("50.25"), None, None, "B. Bakker", BRAM_IBAN, "voor de spaarrekening"),
            Transaction(D("-20.10"), "PAY-1", None, "Drukkerij", STRANGER_IBAN, "factuur 7"),
            Transaction(D("7.00"), None, None, "Onbekend", STRANGER_IBAN, "?"),
        ],
        opening=D("1000.00"),
    )
    result = sw.run_import(session, app, path)
    session.commit()
    assert not result.refused and not result.already_imported
    assert (result.lines, result.matched, result.suspense) == (4, 1, 3)
    assert dict(result.by_matcher) == {"member_iban": 1, "suspense": 3}
    assert (result.amount_in, result.amount_out, result.suspense_amount) == (
        D("157.25"),
        D("-20.10"),
        D("37.15"),
    )
    # Anna's IBAN and one account: hers. Bram has two accounts, so his money waits in suspense.
    assert sw.balance(session, sw.SETTLEMENT) == D("137.15")
    assert sw.balance(session, sw.SUSPENSE) == D("-37.15")
    assert factories_balance(session, bank.anna_account) == D("100.00")
    assert [factories_balance(session, a) for a in bank.bram_accounts] == [D("0.00"), D("0.00")]
    lines = _lines(session, result)
    assert [(x.line_no, x.amount, x.status, x.matched_by) for x in lines] == [
        (1, D("100.00"), LineStatus.MATCHED, "member_iban"),
        (2, D("50.25"), LineStatus.SUSPENSE, "suspense"),
        (3, D("-20.10"), LineStatus.SUSPENSE, "suspense"),
        (4, D("7.00"), LineStatus.SUSPENSE, "suspense"),
    ]
    assert (lines[0].matched_type, lines[0].matched_id) == ("deposit_account", bank.anna_account.id)
    assert lines[2].end_to_end_id == "PAY-1" and lines[2].counterparty_iban == STRANGER_IBAN
    keys = [entry_key(session, line.journal_entry_id) for line in lines]
    assert keys == [f"statement:{result.statements[0].id}:{n}" for n in (1, 2, 3, 4)]
    # The file is kept under UPLOAD_DIR, byte for byte, and the import says what it did.
    assert result.stored_path.read_bytes() == path.read_bytes()
    assert str(result.stored_path).startswith(app.config["UPLOAD_DIR"])
    record = result.statement_import
    assert (record.status, record.format, record.line_count, record.matched_count, record.suspense_count) == (
        ImportStatus.BOOKED,
        "camt.053.001.02",
        4,
        1,
        3,
    )
    [statement] = result.statements
    assert (
        statement.account_iban,
        statement.sequence,
        statement.opening_balance,
        statement.closing_balance,
    ) == (
        "NL91ABNA0417164300",
        1,
        D("1000.00"),
        D("1137.15"),
    )
    assert ledger_queries.verify(session) == []


def factories_balance(session, account) -> Decimal:
    return ledger_queries.balance(session, account.ledger_account_id)


def entry_key(session, entry_id: int | None) -> str | None:
    return session.get(JournalEntry, entry_id).idempotency_key if entry_id else None


def posted_sums(session) -> tuple[Decimal, Decimal]:
    """(debits, credits) of every posting in the ledger."""
    rows = session.execute(select(Posting.side, func.sum(Posting.amount)).group_by(Posting.side))
    totals = {side: total for side, total in rows}
    return totals.get(Side.DEBIT, D("0.00")), totals.get(Side.CREDIT, D("0.00"))


def test_the_same_file_twice_books_nothing_more(session, app, bank, tmp_path) -> None:
    path = sw.write(tmp_path, [Transaction(D("100.00"), None, None, "A. Jansen", ANNA_IBAN, "inleg")])
    first = sw.run_import(session, app, path)
    session.commit()
    entries = sw.entry_count(session)
    again = sw.run_import(session, app, path)
    session.commit()
    assert again.already_imported and not again.refused
    assert again.statement_import.id == first.statement_import.id
    assert sw.entry_count(session) == entries
    assert factories_balance(session, bank.anna_account) == D("100.00")
    assert (
        session.scalar(select(StatementImport.id).where(StatementImport.id != first.statement_import.id))
        is None
    )


def test_a_series_continues_and_a_gap_is_refused_naming_the_next_number(session, app, bank, tmp_path) -> None:
    day1 = sw.write(tmp_path, [Transaction(D("10.00"), None, None, "X", STRANGER_IBAN, "a")], sequence=41)
    assert not sw.run_import(session, app, day1).refused
    session.commit()
    entries = sw.entry_count(session)
    gap = sw.write(
        tmp_path,
        [Transaction(D("5.00"), None, None, "X", STRANGER_IBAN, "b")],
        sequence=43,
        opening=D("1015.00"),
        booked_on=dt.date(2026, 12, 3),
    )
    refused = sw.run_import(session, app, gap)
    session.commit()
    assert refused.refused
    assert "has sequence number 43, but the next one is 42" in str(refused.refusal)
    assert sw.entry_count(session) == entries
    assert refused.statement_import.status is ImportStatus.REFUSED
    assert "the next one is 42" in refused.statement_import.refusal
    day2 = sw.write(
        tmp_path,
        [Transaction(D("5.00"), None, None, "X", STRANGER_IBAN, "b")],
        sequence=42,
        opening=D("1010.00"),
        booked_on=dt.date(2026, 12, 3),
    )
    assert not sw.run_import(session, app, day2).refused
    session.commit()
    assert sw.balance(session, sw.SETTLEMENT) == D("15.00")
    # The gap file, now in its place, is the next statement after all: imported again, it books.
    again = sw.run_import(session, app, gap)
    session.commit()
    assert not again.refused and again.statement_import.id == refused.statement_import.id
    assert again.statement_import.status is ImportStatus.BOOKED and again.statement_import.refusal == ""
    assert sw.balance(session, sw.SETTLEMENT) == D("20.00")


def test_an_opening_balance_other_than_the_last_closing_names_the_difference(
    session, app, bank, tmp_path
) -> None:
    day1 = sw.write(tmp_path, [Transaction(D("10.00"), None, None, "X", STRANGER_IBAN, "a")], sequence=1)
    sw.run_import(session, app, day1)
    session.commit()
    entries = sw.entry_count(session)
    day2 = sw.write(
        tmp_path,
        [Transaction(D("5.00"), None, None, "X", STRANGER_IBAN, "b")],
        sequence=2,
        opening=D("1009.50"),
        booked_on=dt.date(2026, 12, 3),
    )
    refused = sw.run_import(session, app, day2)
    session.commit()
    assert str(refused.refusal) == (
        "statement STMT-2026-12-03-2 of NL91ABNA0417164300 opens with 1009.50, but the statement before it "
        "(STMT-2026-12-02-1) closed with 1010.00: a difference of -0.50"
    )
    assert sw.entry_count(session) == entries


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&lol2;</Document>
"""


def _bad_files(tmp_path):
    """Each bad file of the issue, with words its refusal must contain."""
    tx = [Transaction(D("10.00"), None, None, "A. Jansen", ANNA_IBAN, "inleg")]
    not_xml = tmp_path / "not.xml"
    not_xml.write_bytes(b"this is not a statement\n")
    laughs = tmp_path / "laughs.xml"
    laughs.write_bytes(BILLION_LAUGHS)
    wrong = tmp_path / "wrong.xml"
    wrong.write_bytes(sw.write(tmp_path, tx).read_bytes().replace(b"camt.053.001.02", b"pain.001.001.03", 1))
    return [
        (not_xml, "neither XML"),
        (laughs, "document type (DOCTYPE)"),
        (wrong, "namespace 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03'"),
        (
            sw.write(tmp_path, tx, iban="NL02ABNA0123456789"),
            "account NL02ABNA0123456789 is not one of the bank's",
        ),
        (sw.write(tmp_path, tx, currency="USD"), "in USD, not in EUR"),
        (sw.write(tmp_path, tx, closing=D("1010.01")), "a difference of 0.01"),
    ]


def test_every_bad_file_is_refused_whole_and_books_nothing(session, app, bank, tmp_path) -> None:
    for path, words in _bad_files(tmp_path):
        result = sw.run_import(session, app, path)
        session.commit()
        assert result.refused, path
        assert words in str(result.refusal), (path, str(result.refusal))
        assert result.statement_import.status is ImportStatus.REFUSED
        assert result.statement_import.refusal == str(result.refusal)
        assert result.stored_path.read_bytes() == path.read_bytes()
    assert sw.entry_count(session) == 0
    assert session.scalar(select(BankStatement.id)) is None
    assert session.scalar(select(BankStatementLine.id)) is None


def test_a_statement_booked_before_is_refused_as_a_duplicate(session, app, bank, tmp_path) -> None:
    tx = [Transaction(D("10.00"), None, None, "A. Jansen", ANNA_IBAN, "inleg")]
    sw.run_import(session, app, sw.write(tmp_path, tx, statement_id="STMT-7", sequence=7))
    session.commit()
    entries = sw.entry_count(session)
    # Other bytes (a comment), the same statement: refused, not booked twice.
    copy = tmp_path / "copy.xml"
    copy.write_bytes(
        sw.write(tmp_path, tx, statement_id="STMT-7", sequence=7).read_bytes() + b"<!-- again -->\n"
    )
    refused = sw.run_import(session, app, copy)
    session.commit()
    assert str(refused.refusal) == "statement STMT-7 (sequence 7) of NL91ABNA0417164300 is already booked"
    assert sw.entry_count(session) == entries
    assert factories_balance(session, bank.anna_account) == D("10.00")


def test_only_back_office_staff_import(session, app, bank, tmp_path) -> None:
    path = sw.write(tmp_path, [Transaction(D("10.00"), None, None, "X", STRANGER_IBAN, "a")])
    with pytest.raises(PermissionDenied):
        sw.run_import(session, app, path, actor=Actor(user_id=1, label="lid", role="member"))
    assert sw.entry_count(session) == 0


amounts = st.decimals(min_value=D("-5000.00"), max_value=D("5000.00"), places=2).filter(lambda a: a != 0)
day_lines = st.lists(
    st.tuples(amounts, st.sampled_from([ANNA_IBAN, BRAM_IBAN, STRANGER_IBAN])), min_size=1, max_size=12
)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days=st.lists(day_lines, min_size=1, max_size=3))
def test_any_series_of_imports_balances_and_moves_1000_by_the_statements_net(
    session, app, bank, tmp_path_factory, days
) -> None:
    folder = tmp_path_factory.mktemp("series")
    start = sw.balance(session, sw.SETTLEMENT)
    last = session.scalar(select(BankStatement).order_by(BankStatement.sequence.desc()).limit(1))
    sequence = (last.sequence if last else 0) + 1
    opening = last.closing_balance if last else D("0.00")
    net = D("0.00")
    for number, day in enumerate(days):
        transactions = [Transaction(amount, None, None, "Iemand", iban, "x") for amount, iban in day]
        path = sw.write(
            folder,
            transactions,
            sequence=sequence + number,
            opening=opening,
            booked_on=dt.date(2027, 1, 1) + dt.timedelta(days=sequence + number),
        )
        result = sw.run_import(session, app, path)
        session.commit()
        assert not result.refused, result.refusal
        day_net = sum((amount for amount, _ in day), D("0.00"))
        net += day_net
        opening += day_net
    assert sw.balance(session, sw.SETTLEMENT) - start == net
    debits, credits = posted_sums(session)
    assert debits == credits > 0
    assert ledger_queries.verify(session) == []


def test_the_creditor_reference_finds_the_account_whoever_pays(session, app, bank, tmp_path) -> None:
    second = bank.bram_accounts[1]
    reference = references.creditor_reference(second)
    spaced = references.format(reference)
    typo = reference[:-1] + ("0" if reference[-1] != "0" else "1")
    path = sw.write(
        tmp_path,
        [
            # Bram has two accounts: his IBAN alone finds neither, the reference finds the second.
            Transaction(D("40.00"), None, None, "B. Bakker", BRAM_IBAN, f"o.v.v. {spaced}"),
            Transaction(D("12.34"), None, None, "Oma Bakker", STRANGER_IBAN, reference),
            Transaction(D("5.00"), None, None, "Iemand", STRANGER_IBAN, typo),
        ],
    )
    result = sw.run_import(session, app, path)
    session.commit()
    assert dict(result.by_matcher) == {"reference": 2, "suspense": 1}
    assert factories_balance(session, second) == D("52.34")
    assert factories_balance(session, bank.bram_accounts[0]) == D("0.00")
    assert sw.balance(session, sw.SUSPENSE) == D("-5.00")
    assert [(x.matched_by, x.matched_id) for x in _lines(session, result)] == [
        ("reference", second.id),
        ("reference", second.id),
        ("suspense", None),
    ]


def test_the_import_benchmark_books_every_line_of_its_day(tmp_path) -> None:
    """bench.payments.camt_import on a small day: every line booked, a third by reference, a third
    by the member's IBAN, the rest in suspense; the ratio is measured and reported."""
    part = bench_payments.camt_import(tmp_path, 60, None, members=6)
    results = part["results"]
    assert (results["import_lines"], results["import_matched"], results["import_suspense"]) == (60, 40, 20)
    [figure] = part["checks"]
    assert figure["name"] == "camt_import_vs_executemany" and figure["value"] > 0
