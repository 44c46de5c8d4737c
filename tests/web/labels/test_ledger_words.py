"""Entry kinds, account names and stored memos read in Dutch on staff pages, member pages and statements."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import force_locale
from pypdf import PdfReader

from bank.actor import system
from bank.extensions import db
from bank.ledger import chart
from bank.ledger import service as ledger
from bank.statements import builder
from bank.web import labels

from .conftest import page_text


def _book_interest(world, memo: str = "Interest 03-2026") -> None:
    """Savings interest the way the interest run books it (its memo is English: "Interest MM-YYYY")."""
    with db.unit_of_work(db.new_session()) as s:
        expense = ledger.account_by_code(s, chart.SAVINGS_INTEREST_EXPENSE)
        ledger.post(
            s,
            "labels-interest-1",
            "savings_interest",
            [
                ledger.debit(expense, Decimal("1.23")),
                ledger.credit(world.anna_account.ledger_account_id, Decimal("1.23")),
            ],
            dt.date(2026, 3, 31),
            system("test"),
            memo,
        )


def test_web_pages_and_statements_use_the_same_word_for_each_entry_kind(app: Flask) -> None:
    shared = set(builder.KIND_LABELS) & set(labels.ENTRY_KINDS)
    assert {"deposit", "loan_interest_accrual", "pool_distribution", "shares_issue"} <= shared
    with app.test_request_context():
        for kind in sorted(shared):
            dutch, english = builder.KIND_LABELS[kind]
            with force_locale("nl"):
                assert labels.entry_kind(kind) == dutch, kind
            with force_locale("en"):
                assert labels.entry_kind(kind) == english, kind


@pytest.mark.parametrize(
    ("memo", "dutch"),
    [
        ("Interest 03-2026", "Rente maart 2026"),
        ("Interest for 2026-11", "Rente november 2026"),
        ("Instalment collection WL-2026-0001", "Incasso termijn WL-2026-0001"),
        ("Interest instalment 9 of WL-2026-0003", "Rente termijn 9 van WL-2026-0003"),
        (
            "Interest 2026-10-26 to 2026-10-30 (4 days) on payoff of WL-2026-0006",
            "Rente 26-10-2026 t/m 30-10-2026 (4 dagen) bij volledige aflossing WL-2026-0006",
        ),
        ("Extra repayment of WL-2026-0001 (shorten term)", "Extra aflossing WL-2026-0001 (kortere looptijd)"),
        ("Aankoop · to NL05ABNA6471188242", "Aankoop · naar NL05 ABNA 6471 1882 42"),
        (
            "9 member share(s) A à 25.00 · received from outside",
            "9 ledenaandeel/-aandelen A à €\xa025,00 · ontvangen van buiten de bank",
        ),
        (
            "Returns of pool Grondfonds, 2026-07-01 to 2026-09-30",
            "Rendement pool Grondfonds, 01-07-2026 t/m 30-09-2026",
        ),
        (
            "Interest accrued through 2026-11-04 on WL-2026-0011",
            "Opgelopen rente tot en met 04-11-2026 op WL-2026-0011",
        ),
        (
            "Accrued interest settled on the new schedule of WL-2026-0002",
            "Opgelopen rente verrekend met het nieuwe aflosschema van WL-2026-0002",
        ),
        (
            "Loan loss allowance 2026-11-30: added 356.69",
            "Voorziening voor kredietverliezen 30-11-2026: €\xa0356,69 toegevoegd",
        ),
        (
            "Loan loss allowance 2026-10-31: released 14.27",
            "Voorziening voor kredietverliezen 31-10-2026: €\xa014,27 vrijgevallen",
        ),
        ("Verjaardagsgeld", "Verjaardagsgeld"),
    ],
)
def test_stored_english_memos_read_in_dutch(app: Flask, memo: str, dutch: str) -> None:
    with app.test_request_context():
        assert labels.memo_text(memo) == dutch


def test_account_names_of_the_chart_and_of_child_accounts_in_dutch(app: Flask) -> None:
    class Row:
        def __init__(self, code: str, name: str) -> None:
            self.code, self.name = code, name

    with app.test_request_context():
        assert labels.account_name(Row("1000", "Settlement account at the clearing bank")) == (
            "Betaalrekening bij de clearingbank"
        )
        assert labels.account_name(Row("1110-WL-2026-0001", "Interest WL-2026-0001")) == "Rente WL-2026-0001"
        assert labels.account_name(Row("2000-1000000161", "Wijkspaarrekening Vos, Marieke")) == (
            "Wijkspaarrekening Vos, Marieke"
        )


def test_staff_ledger_pages_and_reports_name_accounts_and_kinds_in_dutch(world, client, login_as) -> None:
    _book_interest(world)
    login_as("admin")
    account = page_text(client.get(f"/staff/accounts/{world.anna_account.id}").get_data(as_text=True))
    assert "Rente maart 2026" in account
    assert "savings_interest" not in account and "Interest 03-2026" not in account
    trial = page_text(client.get("/staff/ledger/trial-balance").get_data(as_text=True))
    assert "1000 Betaalrekening bij de clearingbank" in trial
    assert "Settlement account" not in trial
    sheet = page_text(client.get("/staff/reports/balance-sheet").get_data(as_text=True))
    assert "2000 Spaargeld van leden" in sheet and "Member deposits" not in sheet
    assert "Settlement account" not in sheet and "Betaalrekening bij de clearingbank" in sheet
    loan = page_text(client.get(f"/staff/loans/{world.coop_loan.id}").get_data(as_text=True))
    assert "Rente lening" in loan and "Termijn lening" in loan
    assert "loan_interest_accrual" not in loan and "loan_collection" not in loan


def test_member_transactions_and_statement_pdf_in_dutch(world, as_anna) -> None:
    _book_interest(world)
    page = page_text(as_anna.get(f"/portal/accounts/{world.anna_account.id}").get_data(as_text=True))
    assert "Rente maart 2026" in page
    assert "Interest" not in page
    response = as_anna.get(
        f"/portal/accounts/{world.anna_account.id}/statement.pdf?from=2026-01-01&to=2026-06-30"
    )
    assert response.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Rente maart 2026" in text
    assert "Storting" in text
    assert "Interest" not in text and "savings_interest" not in text
