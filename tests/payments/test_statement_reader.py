"""Reading the clearing bank's statements (bank/payments/statement_reader.py): pure, no database.

The files in data/ are a day of each kind written by hand: camt053_001_02.xml (a transfer with a
creditor reference, our collection batch of three settled as one entry, a refund claim MD06 and a
payout), camt053_001_08.xml (a return AC04 and a transfer; .08's own shapes) and mt940.sta (a
reversal RC with its return reason and a transfer, the ``:86:`` over several lines).
"""

from __future__ import annotations

import datetime as dt
import io
import time
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bank.payments.statement_reader import Entry, StatementUnreadable, read, stream
from bench.payments import Transaction, write_camt053

DATA = Path(__file__).parent / "data"
OWN = ("NL91 ABNA 0417 1643 00",)
DAY = dt.date(2026, 12, 2)
CAMT02 = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"


def _entry(amount: str, **values: object) -> Entry:
    """An Entry of the 2 December file: booked and valued that day unless said otherwise."""
    fields: dict[str, object] = {
        "booking_date": DAY,
        "value_date": DAY,
        "end_to_end_id": None,
        "mandate_id": None,
        "return_reason": None,
        "counterparty_iban": None,
        "counterparty_name": None,
        "remittance": None,
        "reversal": False,
        "currency": "EUR",
        "reference": None,
    }
    fields.update(values)
    return Entry(Decimal(amount), **fields)  # type: ignore[arg-type]


def _write(tmp_path: Path, text: str, name: str = "statement.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _edited(tmp_path: Path, old: str, new: str, source: str = "camt053_001_02.xml") -> Path:
    text = (DATA / source).read_text(encoding="utf-8")
    assert old in text
    return _write(tmp_path, text.replace(old, new))


def _refusal(path: Path) -> str:
    with pytest.raises(StatementUnreadable) as refused:
        read(path, own_ibans=OWN)
    return str(refused.value.message)


def test_a_camt_053_001_02_day_is_read_one_entry_per_transaction() -> None:
    statement_file = read(DATA / "camt053_001_02.xml", own_ibans=OWN)

    assert statement_file.format == "camt.053.001.02"
    [statement] = statement_file.statements
    assert (statement.id, statement.account_iban, statement.currency) == (
        "STMT-2026-12-02",
        "NL91ABNA0417164300",
        "EUR",
    )
    assert (statement.opening_balance, statement.opening_date) == (Decimal("10000.00"), dt.date(2026, 12, 1))
    assert (statement.closing_balance, statement.closing_date) == (Decimal("10375.75"), DAY)
    assert statement.sequence_number == "236"
    assert statement.problems == []
    assert statement.entry_count == 6
    assert statement.entries[0] == _entry(
        "250.00",
        counterparty_iban="NL20INGB0001234567",
        counterparty_name="J. de Vries",
        remittance="RF18539007547034",
        reference="ABNA-0001",
    )
    assert statement.entries[5] == _entry(
        "-120.00",
        end_to_end_id="PAY-88",
        counterparty_iban="NL61SNSB0987654321",
        counterparty_name="Notariskantoor Van Dijk",
        remittance="Dossier 2026-441",
        reference="ABNA-0004",
    )
    assert sum(entry.amount for entry in statement.entries) == Decimal("375.75")


def test_a_batched_entry_becomes_one_entry_per_transaction_with_its_own_amount() -> None:
    [statement] = read(DATA / "camt053_001_02.xml", own_ibans=OWN).statements

    batch = statement.entries[1:4]

    assert [(e.amount, e.end_to_end_id, e.mandate_id, e.counterparty_name) for e in batch] == [
        (Decimal("300.00"), "COLL-17-1", "WB-MANDATE-0017", "Bakkerij Kok"),
        (Decimal("450.00"), "COLL-18-1", "WB-MANDATE-0018", "Fietsenmaker Yilmaz"),
        (Decimal("250.00"), "COLL-19-1", "WB-MANDATE-0019", "Stichting Buurtmoestuin"),
    ]
    assert {e.reference for e in batch} == {"ABNA-0002"}
    assert [e.counterparty_iban for e in batch] == [
        "NL44RABO0123456789",
        "NL63TRIO0212345678",
        "NL66ASNB0707070707",
    ]
    assert [e.remittance for e in batch] == [
        "Termijn 3 lening 17",
        "Termijn 5 lening 18",
        "Termijn 1 lening 19",
    ]


def test_a_reversal_carries_its_return_reason_and_the_debtor_as_counterparty() -> None:
    [statement] = read(DATA / "camt053_001_02.xml", own_ibans=OWN).statements

    assert statement.entries[4] == _entry(
        "-754.25",
        value_date=dt.date(2026, 12, 1),
        end_to_end_id="COLL-12-4",
        mandate_id="WB-MANDATE-0012",
        return_reason="MD06",
        counterparty_iban="NL25BUNQ2025555555",
        counterparty_name="A. Jansen",
        reversal=True,
        reference="ABNA-0003",
    )


def test_a_camt_053_001_08_day_reads_its_own_shapes() -> None:
    statement_file = read(DATA / "camt053_001_08.xml", own_ibans=OWN)

    assert statement_file.format == "camt.053.001.08"
    [statement] = statement_file.statements
    # No OPBD: the previous day's closing (PRCD) opens it; the closing date is a date-time.
    assert (statement.opening_balance, statement.opening_date) == (Decimal("10375.75"), DAY)
    assert (statement.closing_balance, statement.closing_date) == (Decimal("10120.75"), dt.date(2026, 12, 3))
    assert statement.problems == []
    day = dt.date(2026, 12, 3)
    assert statement.entries == [
        _entry(
            "-300.00",
            booking_date=day,
            value_date=day,
            end_to_end_id="COLL-17-1",
            mandate_id="WB-MANDATE-0017",
            return_reason="AC04",
            counterparty_iban="NL44RABO0123456789",
            counterparty_name="Bakkerij Kok",
            reversal=True,
            reference="ABNA-0101",
        ),
        _entry(
            "45.00",
            booking_date=day,
            value_date=day,
            end_to_end_id="E2E-REF-9981",
            counterparty_iban="NL20INGB0001234567",
            counterparty_name="M. El Amrani",
            remittance="Inleg spaarrekening",
            reference="ABNA-0102",
        ),
    ]


def test_an_mt940_day_is_read_with_its_structured_details() -> None:
    statement_file = read(DATA / "mt940.sta", own_ibans=OWN)

    assert statement_file.format == "mt940"
    [statement] = statement_file.statements
    # ":25:NL91ABNA0417164300EUR": the currency some banks append is not part of the IBAN.
    assert (statement.id, statement.account_iban, statement.currency, statement.sequence_number) == (
        "STMT-2026-12-04",
        "NL91ABNA0417164300",
        "EUR",
        "238/1",
    )
    assert (statement.opening_balance, statement.closing_balance) == (
        Decimal("10120.75"),
        Decimal("10616.50"),
    )
    assert (statement.opening_date, statement.closing_date) == (dt.date(2026, 12, 3), dt.date(2026, 12, 4))
    assert statement.problems == []
    day = dt.date(2026, 12, 4)
    assert statement.entries == [
        _entry(
            "-754.25",
            booking_date=day,
            value_date=day,
            end_to_end_id="COLL-12-4",
            mandate_id="WB-MANDATE-0012",
            return_reason="MD06",
            counterparty_iban="NL25BUNQ2025555555",
            counterparty_name="A. Jansen",
            remittance="Termijn 4 lening 12",
            reversal=True,
            reference="ABNA-0201",
        ),
        _entry(
            "1250.00",
            booking_date=day,
            value_date=day,
            counterparty_iban="NL20INGB0001234567",
            counterparty_name="J. de Vries",
            remittance="RF18539007547034",
            reference="ABNA-0202",
        ),
    ]


def test_balances_that_do_not_add_up_are_a_problem_naming_the_difference(tmp_path: Path) -> None:
    path = _edited(tmp_path, '<Amt Ccy="EUR">10375.75</Amt>', '<Amt Ccy="EUR">10375.00</Amt>')

    [statement] = read(path, own_ibans=OWN).statements

    assert statement.problems == [
        "the balances do not add up: opening balance 10000.00 plus the entries 375.75 makes 10375.75, "
        "but the closing balance is 10375.00 (a difference of -0.75)"
    ]
    assert len(statement.entries) == 6


def test_a_debit_balance_is_negative(tmp_path: Path) -> None:
    text = (DATA / "camt053_001_02.xml").read_text(encoding="utf-8")
    text = text.replace(
        '<Amt Ccy="EUR">10000.00</Amt>\n        <CdtDbtInd>CRDT</CdtDbtInd>',
        '<Amt Ccy="EUR">375.75</Amt>\n        <CdtDbtInd>DBIT</CdtDbtInd>',
    ).replace('<Amt Ccy="EUR">10375.75</Amt>', '<Amt Ccy="EUR">0.00</Amt>')

    [statement] = read(_write(tmp_path, text), own_ibans=OWN).statements

    assert (statement.opening_balance, statement.closing_balance) == (Decimal("-375.75"), Decimal("0.00"))
    assert statement.problems == []


def test_a_currency_other_than_eur_is_a_problem(tmp_path: Path) -> None:
    path = _edited(tmp_path, 'Ccy="EUR"', 'Ccy="USD"')
    text = path.read_text(encoding="utf-8").replace("<Ccy>EUR</Ccy>", "<Ccy>USD</Ccy>")

    [statement] = read(_write(tmp_path, text), own_ibans=OWN).statements

    assert statement.currency == "USD"
    assert statement.problems == ["the statement is in USD, not in EUR"]
    assert {entry.currency for entry in statement.entries} == {"USD"}


def test_an_entry_in_another_currency_is_a_problem(tmp_path: Path) -> None:
    path = _edited(tmp_path, '<Amt Ccy="EUR">120.00</Amt>', '<Amt Ccy="GBP">120.00</Amt>')

    [statement] = read(path, own_ibans=OWN).statements

    assert statement.problems == ["entries in GBP, not in EUR: 1"]


def test_a_statement_of_another_account_is_a_problem() -> None:
    [statement] = read(DATA / "camt053_001_02.xml", own_ibans=("NL20INGB0001234567",)).statements

    assert statement.problems == [
        "account NL91ABNA0417164300 is not one of the bank's accounts (NL20INGB0001234567)"
    ]


def test_with_no_account_configured_every_statement_is_a_problem() -> None:
    [statement] = read(DATA / "mt940.sta", own_ibans=()).statements

    assert statement.problems == [
        "account NL91ABNA0417164300 is not one of the bank's accounts (none is set in SETTLEMENT_IBANS)"
    ]


def test_an_entry_that_is_not_booked_is_left_out_and_said(tmp_path: Path) -> None:
    text = (DATA / "camt053_001_02.xml").read_text(encoding="utf-8")
    last = text.rindex("<Sts>BOOK</Sts>")
    text = text[:last] + "<Sts>PDNG</Sts>" + text[last + len("<Sts>BOOK</Sts>") :]

    [statement] = read(_write(tmp_path, text), own_ibans=OWN).statements

    assert [entry.end_to_end_id for entry in statement.entries][-1] == "COLL-12-4"
    assert statement.problems == [
        "entry 4 (ABNA-0004) is not booked (status PDNG) and is left out",
        "the balances do not add up: opening balance 10000.00 plus the entries 495.75 makes 10495.75, "
        "but the closing balance is 10375.75 (a difference of -120.00)",
    ]


def test_a_batch_whose_transactions_do_not_make_the_entry_is_a_problem(tmp_path: Path) -> None:
    path = _edited(tmp_path, '<Amt Ccy="EUR">450.00</Amt>', '<Amt Ccy="EUR">449.00</Amt>')

    [statement] = read(path, own_ibans=OWN).statements

    assert statement.problems == [
        "entry 2 (ABNA-0002) is 1000.00, but its transactions add up to 999.00",
        "the balances do not add up: opening balance 10000.00 plus the entries 374.75 makes 10374.75, "
        "but the closing balance is 10375.75 (a difference of 1.00)",
    ]


def test_a_camt_054_notification_is_read_without_balances(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02">'
        "<BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>N1</MsgId></GrpHdr><Ntfctn><Id>NTF-1</Id>"
        "<Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id></Acct>"
        '<Ntry><Amt Ccy="EUR">12.50</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>'
        "<BookgDt><Dt>2026-12-02</Dt></BookgDt><ValDt><Dt>2026-12-02</Dt></ValDt>"
        "<NtryDtls><TxDtls><Refs><EndToEndId>E-1</EndToEndId></Refs>"
        "<RltdPties><Dbtr><Nm>Buurman</Nm></Dbtr></RltdPties></TxDtls></NtryDtls></Ntry>"
        "</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>",
    )

    statement_file = read(path, own_ibans=OWN)

    assert statement_file.format == "camt.054.001.02"
    [notification] = statement_file.statements
    assert (notification.id, notification.opening_balance, notification.closing_balance) == (
        "NTF-1",
        None,
        None,
    )
    assert notification.problems == []
    assert notification.entries == [_entry("12.50", end_to_end_id="E-1", counterparty_name="Buurman")]


def test_a_statement_without_balances_says_so(tmp_path: Path) -> None:
    text = (DATA / "camt053_001_02.xml").read_text(encoding="utf-8")
    start, end = text.index("<Bal>"), text.rindex("</Bal>") + len("</Bal>")

    [statement] = read(_write(tmp_path, text[:start] + text[end:]), own_ibans=OWN).statements

    assert statement.problems == [
        "the statement has no opening balance (OPBD or PRCD)",
        "the statement has no closing balance (CLBD)",
    ]


def test_stream_hands_over_the_entries_without_keeping_them() -> None:
    items = list(stream(DATA / "camt053_001_02.xml", own_ibans=OWN))

    assert [entry is None for _statement, entry in items] == [False] * 6 + [True]
    statement = items[-1][0]
    assert statement.entries == []
    assert (statement.entry_count, statement.entries_total) == (6, Decimal("375.75"))
    # The header is there with the first entry, before the statement ends.
    assert items[0][0].closing_balance == Decimal("10375.75")


# --- refused files ------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Document [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&lol9;</Id>
</Stmt></BkToCstmrStmt></Document>
"""
DOCTYPE_REFUSAL = (
    "the file declares a document type (DOCTYPE) or entities; a bank statement has none, "
    "so nothing in it is read"
)


def test_a_billion_laughs_file_is_refused_without_expanding(tmp_path: Path) -> None:
    path = _write(tmp_path, BILLION_LAUGHS)
    started = time.monotonic()

    assert _refusal(path) == DOCTYPE_REFUSAL
    # Expanded, &lol9; is 10^9 "lol"s: gigabytes and minutes. Refused, it is a moment.
    assert time.monotonic() - started < 2


def test_an_external_entity_file_is_refused_and_reads_nothing(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the vault code is 0451", encoding="utf-8")
    path = _write(
        tmp_path,
        f'<?xml version="1.0"?>\n<!DOCTYPE Document [ <!ENTITY xxe SYSTEM "file://{secret}"> ]>\n'
        f'<Document xmlns="{CAMT02}"><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>\n',
    )

    assert _refusal(path) == DOCTYPE_REFUSAL


def test_a_declaration_past_the_head_is_refused_by_the_document_info(tmp_path: Path) -> None:
    comment = "<!-- " + "padding " * 1000 + "-->\n"
    path = _write(
        tmp_path,
        f'<?xml version="1.0"?>\n{comment}<!DOCTYPE Document [ <!ENTITY a "b"> ]>\n'
        f'<Document xmlns="{CAMT02}"><BkToCstmrStmt><Stmt><Id>&a;</Id></Stmt></BkToCstmrStmt></Document>\n',
    )

    assert _refusal(path) == DOCTYPE_REFUSAL


def test_an_external_dtd_is_refused_and_not_fetched(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '<?xml version="1.0"?>\n<!DOCTYPE Document SYSTEM "http://203.0.113.9/camt.dtd">\n'
        f'<Document xmlns="{CAMT02}"><BkToCstmrStmt/></Document>\n',
    )

    assert _refusal(path) == DOCTYPE_REFUSAL


def test_a_wrong_namespace_is_refused_naming_it(tmp_path: Path) -> None:
    path = _edited(tmp_path, "camt.053.001.02", "camt.052.001.02")

    assert _refusal(path) == (
        "the namespace 'urn:iso:std:iso:20022:tech:xsd:camt.052.001.02' is not one of the statements "
        "read here (camt.053.001.02, camt.053.001.08, camt.054.001.02, camt.054.001.08)"
    )


def test_a_document_in_no_namespace_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "<Document><BkToCstmrStmt/></Document>")

    assert _refusal(path).startswith("the namespace '' is not one of the statements read here")


def test_a_file_that_is_not_xml_nor_mt940_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "Datum,Naam,Bedrag\n2026-12-02,J. de Vries,250.00\n", "statement.csv")

    assert _refusal(path) == "the file is neither XML (CAMT.053 or CAMT.054) nor an MT940 statement"


def test_xml_that_is_not_well_formed_is_refused(tmp_path: Path) -> None:
    text = (DATA / "camt053_001_02.xml").read_text(encoding="utf-8")
    path = _write(tmp_path, text.replace("</Stmt>", "</Stmt2>"))

    assert _refusal(path).startswith("the file is not well-formed XML: ")


def test_an_amount_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    path = _edited(tmp_path, '<Amt Ccy="EUR">120.00</Amt>', '<Amt Ccy="EUR">120,00</Amt>')

    assert _refusal(path) == "entry 4 (ABNA-0004): '120,00' is not an amount"


def test_an_empty_file_and_a_file_over_the_limit_are_refused(tmp_path: Path) -> None:
    assert _refusal(_write(tmp_path, "")) == "the file is empty"
    big = DATA / "camt053_001_02.xml"
    size = big.stat().st_size
    with pytest.raises(StatementUnreadable) as refused:
        list(stream(big, max_bytes=1000))
    assert str(refused.value.message) == f"the file is {size} bytes, more than the 1000 a statement may have"


def test_mt940_text_without_a_statement_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, ":20:\n", "empty.sta")

    assert _refusal(path) == "the file holds no MT940 statement (:20:, :25:, :60F:)"


def test_a_broken_mt940_line_is_refused_with_the_reason(tmp_path: Path) -> None:
    text = (
        (DATA / "mt940.sta")
        .read_text(encoding="utf-8")
        .replace(":61:2612041204C1250,00", ":61:26XX04C1250,00")
    )

    assert _refusal(_write(tmp_path, text, "broken.sta")).startswith("the MT940 statement cannot be read: ")


# --- property ------------------------------------------------------------------------------------

cents = st.integers(min_value=1, max_value=10_000_000).map(lambda c: Decimal(c) / 100)


@st.composite
def batches(draw: st.DrawFn) -> list[Transaction]:
    """An entry: one to four transactions in one direction, maybe a reversal with its reason."""
    sign = draw(st.sampled_from((1, -1)))
    reversal = draw(st.booleans())
    return [
        Transaction(
            sign * amount,
            end_to_end_id=f"E-{index}",
            counterparty_name="Lid & zoon <b.v.>",
            counterparty_iban="NL20INGB0001234567",
            return_reason="MD06" if reversal else None,
            reversal=reversal,
        )
        for index, amount in enumerate(draw(st.lists(cents, min_size=1, max_size=4)))
    ]


@settings(max_examples=60, deadline=None)
@given(
    entries=st.lists(batches(), max_size=12),
    opening=st.integers(min_value=-10_000_000, max_value=10_000_000).map(lambda c: Decimal(c) / 100),
    version=st.sampled_from(("camt.053.001.02", "camt.053.001.08")),
)
def test_what_is_written_reads_back_and_adds_up(
    entries: list[list[Transaction]], opening: Decimal, version: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    out = io.StringIO()
    closing = write_camt053(out, entries, opening=opening, version=version)
    path = tmp_path_factory.mktemp("camt") / "statement.xml"
    path.write_text(out.getvalue(), encoding="utf-8")

    [statement] = read(path, own_ibans=OWN).statements

    assert statement.problems == []
    assert (statement.opening_balance, statement.closing_balance) == (opening, closing)
    assert sum((entry.amount for entry in statement.entries), Decimal("0.00")) == closing - opening
    written = [tx for batch in entries for tx in batch]
    assert [entry.amount for entry in statement.entries] == [tx.amount for tx in written]
    assert [entry.return_reason for entry in statement.entries] == [tx.return_reason for tx in written]
    assert {entry.counterparty_name for entry in statement.entries} <= {"Lid & zoon <b.v.>"}


def test_a_file_of_two_statements_reads_each_with_its_own_entries(tmp_path: Path) -> None:
    quiet_day = (
        "<Stmt><Id>QUIET</Id><ElctrncSeqNb>7</ElctrncSeqNb>"
        "<Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>"
        '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">5.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-30</Dt></Dt></Bal>"
        '<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">5.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-12-01</Dt></Dt></Bal></Stmt>"
    )
    # The second statement's only entry carries no transaction details: the entry is the transaction.
    text = (DATA / "camt053_001_02.xml").read_text(encoding="utf-8")
    start = text.index("<Stmt>")
    text = text[:start] + quiet_day + text[start:]
    first, last = text.index("<NtryDtls>", text.index("ABNA-0004")), text.rindex("</NtryDtls>")
    text = text[:first] + text[last + len("</NtryDtls>") :]

    statements = read(_write(tmp_path, text), own_ibans=OWN).statements

    assert [(s.id, s.sequence_number, s.entry_count, s.problems) for s in statements] == [
        ("QUIET", "7", 0, []),
        ("STMT-2026-12-02", "236", 6, []),
    ]
    assert statements[1].entries[-1] == _entry("-120.00", reference="ABNA-0004")
