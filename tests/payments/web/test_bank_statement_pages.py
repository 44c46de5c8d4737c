"""Bankafschriften, Tussenrekening and Aansluiting as staff use them, in Dutch (and English).

A teller uploads a day's statement, reads what each line matched, assigns one suspense line to
Bram's second account and sends another back; the reconciliation then names the difference the
sending back makes, until the next statement shows it.
"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from bank import clock
from bank.extensions import db
from bank.payments.camt_writer import Transaction
from bank.payments.statement_models import BankStatementLine, LineStatus, StatementImport
from bank.savings.models import DepositAccount

from .. import statement_world as sw
from ..statement_world import ANNA_IBAN, BRAM_IBAN, STRANGER_IBAN
from .conftest import read, text_of

D = Decimal


@pytest.fixture
def bank(app):
    with db.unit_of_work(db.new_session()) as session:
        built = sw.build(session)
        ids = {
            "anna_account": built.anna_account.id,
            "bram_second": built.bram_accounts[1].id,
            "bram_second_number": built.bram_accounts[1].number,
        }
    return ids


def _upload(page, path, name="dag-2-december.xml"):
    return page(
        "/staff/bank-statements/upload",
        data={"statement": (io.BytesIO(path.read_bytes()), name)},
        content_type="multipart/form-data",
    )


def test_a_teller_imports_a_statement_and_reads_what_each_line_matched(
    bank, login_as, page, tmp_path
) -> None:
    login_as("teller")
    status, html = page("/staff/bank-statements")
    assert status == 200 and "Nog geen afschrift ingelezen" not in text_of(html)
    assert "Er is nog geen afschrift ingelezen." in text_of(html)
    path = sw.write(
        tmp_path,
        [
            Transaction(D("100.00"), None, None, "A. Jansen", ANNA_IBAN, "inleg"),
            Transaction(D("1234.50"), None, None, "B. Bakker", BRAM_IBAN, "sparen"),
            Transaction(D("-20.10"), "PAY-1", None, "Drukkerij", STRANGER_IBAN, "factuur 7"),
        ],
    )
    status, _ = _upload(page, path)
    assert status == 302
    record = db.session.scalars(select(StatementImport)).one()
    status, html = page(f"/staff/bank-statements/{record.id}")
    text = text_of(html)
    assert status == 200
    assert "Afschrift ingelezen: 3 regels, 1 herkend, 2 op de tussenrekening." in text
    assert "de IBAN van het lid" in text and "niets: tussenrekening" in text
    assert ("€ 1.234,50" in text and "-€ 20,10" in text) or "€ -20,10" in text
    assert "NL91 ABNA 0417 1643 00" in text and "dag-2-december.xml" in text
    status, html = page("/staff/bank-statements")
    assert "geboekt" in text_of(html) and "dag-2-december.xml" in text_of(html)
    # The same file again books nothing more and says so.
    _upload(page, path)
    status, html = page(f"/staff/bank-statements/{record.id}")
    assert "Dit bestand is al eerder ingelezen; er is niets meer geboekt." in text_of(html)


def test_a_refused_statement_is_listed_with_its_reason_in_dutch(bank, login_as, page, tmp_path) -> None:
    login_as("teller")
    path = sw.write(tmp_path, [Transaction(D("10.00"), None, None, "X", STRANGER_IBAN, "a")], currency="USD")
    _upload(page, path)
    _, html = page("/staff/bank-statements")
    text = text_of(html)
    assert "geweigerd" in text
    record = db.session.scalars(select(StatementImport)).one()
    _, html = page(f"/staff/bank-statements/{record.id}")
    assert "Geweigerd, er is niets geboekt:" in text_of(html)
    assert sw.entry_count(db.session) == 0


def test_suspense_lines_are_assigned_or_sent_back_and_the_reconciliation_explains_the_rest(
    bank, login_as, page, tmp_path
) -> None:
    login_as("teller")
    path = sw.write(
        tmp_path,
        [
            Transaction(D("50.25"), None, None, "B. Bakker", BRAM_IBAN, "sparen"),
            Transaction(D("7.00"), None, None, "Onbekend", STRANGER_IBAN, "?"),
        ],
        opening=D("0.00"),
    )
    _upload(page, path)
    status, html = page("/staff/suspense")
    assert status == 200
    assert "Boven € 1.000,00 fiatteert eerst een tweede medewerker." in text_of(html)
    lines = {x.amount: x.id for x in db.session.scalars(select(BankStatementLine))}
    db.session.rollback()
    status, _ = page(
        f"/staff/suspense/{lines[D('50.25')]}/assign",
        data={"account_number": bank["bram_second_number"], "note": "per mail"},
    )
    assert status == 302
    status, _ = page(f"/staff/suspense/{lines[D('7.00')]}/send-back", data={"note": "onbekend"})
    assert status == 302
    assert read(BankStatementLine, lines[D("50.25")]).status is LineStatus.ASSIGNED
    assert read(BankStatementLine, lines[D("7.00")]).status is LineStatus.RETURNED_TO_SENDER
    assert read(DepositAccount, bank["bram_second"]).number == bank["bram_second_number"]
    assert sw.balance(db.session, sw.SUSPENSE) == 0
    db.session.rollback()
    status, html = page("/staff/suspense")
    assert "Er staat niets op de tussenrekening." in text_of(html)
    status, html = page("/staff/reconciliation")
    assert status == 200 and "sluit aan" in text_of(html)  # the statement's own day
    status, html = page(f"/staff/reconciliation?on={clock.today().isoformat()}")
    text = text_of(html)
    assert "Boekingen op 1000 die niet van een afschrift komen" in text and "suspense-return:" in text
    assert "Verschil -€ 7,00" in text or "Verschil € -7,00" in text
    assert sw.balance(db.session, sw.SETTLEMENT) == D("50.25")
    db.session.rollback()
    # English too.
    page("/lang/en", data={})
    status, html = page(f"/staff/reconciliation?on={clock.today().isoformat()}")
    assert "Bookings on 1000 not from a statement" in text_of(html)


def test_only_staff_reach_the_pages(bank, login_as, page) -> None:
    login_as("committee")
    for url in ("/staff/bank-statements", "/staff/suspense", "/staff/reconciliation"):
        assert page(url)[0] == 403
