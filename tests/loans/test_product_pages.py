"""Loan product pages and the schedule calculator (staff and public), through the test client."""

from __future__ import annotations

import re
from decimal import Decimal

from sqlalchemy import select

from bank.extensions import db
from bank.loans import products
from bank.loans.products_models import LoanProduct, ProductStatus

from .product_factories import coop_startup_terms
from .test_products import RAW_PRODUCT


def text_of(response) -> str:
    return response.get_data(as_text=True)


def end_app_transaction() -> None:
    """The test app context spans requests, so end the app session's (SQLite-locking) transaction."""
    db.remove()


def field_block(html: str, name: str) -> str:
    at = html.index(f'name="{name}"')
    begin = html.rindex('<div class="field', 0, at)
    following = html.find('<div class="field', at)
    return html[begin : following if following != -1 else len(html)]


def test_admin_creates_edits_and_retires_a_product(client, login_as, session):
    login_as("admin", language="en")
    response = client.post("/staff/loan-products/new", data={**RAW_PRODUCT, "code": "coop-start"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/loan-products/COOP-START")
    page = text_of(client.get(response.headers["Location"]))
    assert "Loan product COOP-START created." in page
    assert "6.50 %" in page and "€5,000.00 – €75,000.00" in page

    edit = client.get("/staff/loan-products/COOP-START/edit")
    assert 'value="6.5"' in text_of(edit)  # prefilled as a percentage
    response = client.post("/staff/loan-products/COOP-START/edit", data={**RAW_PRODUCT, "rate_annual": "7"})
    assert response.status_code == 302
    page = text_of(client.get("/staff/loan-products/COOP-START"))
    assert "Saved as version 2 of COOP-START." in page
    versions = re.search(r'<table class="data" id="product-versions">(.*?)</table>', page, re.S).group(1)
    assert versions.count("<tr>") == 3  # header + two versions
    assert "superseded" in versions

    response = client.post("/staff/loan-products/COOP-START/retire")
    assert response.status_code == 302
    page = text_of(client.get("/staff/loan-products/COOP-START"))
    assert "COOP-START is retired: no new loans on it." in page
    end_app_transaction()
    rows = session.scalars(select(LoanProduct).order_by(LoanProduct.version)).all()
    assert [(p.version, p.status, p.rate_annual) for p in rows] == [
        (1, ProductStatus.SUPERSEDED, Decimal("0.065")),
        (2, ProductStatus.RETIRED, Decimal("0.07")),
    ]


def test_product_form_errors_stand_beside_the_field(client, login_as, session):
    login_as("admin", language="en")
    response = client.post("/staff/loan-products/new", data={**RAW_PRODUCT, "code": "X", "amount_max": "100"})
    assert response.status_code == 200
    assert "must be at least the minimum amount (€5,000.00)" in field_block(text_of(response), "amount_max")
    response = client.post(
        "/staff/loan-products/new",
        data={**RAW_PRODUCT, "code": "X", "rate_annual": "45", "term_min_months": "0"},
    )
    html = text_of(response)
    assert "must be between 0 and 30 per cent" in field_block(html, "rate_annual")
    assert "must be a whole number between 1 and 480" in field_block(html, "term_min_months")
    end_app_transaction()
    assert session.scalar(select(LoanProduct)) is None


def test_tellers_see_products_but_cannot_change_them(client, login_as, session, actor):
    products.create_product(session, "COOP-START", coop_startup_terms(), actor=actor)
    session.commit()
    login_as("teller", language="en")
    page = text_of(client.get("/staff/loan-products"))
    assert "COOP-START" in page and "Co-op start-up loan" in page
    assert "New loan product" not in page
    assert "Edit (new version)" not in text_of(client.get("/staff/loan-products/COOP-START"))
    assert client.get("/staff/loan-products/new").status_code == 403
    assert client.post("/staff/loan-products/COOP-START/retire").status_code == 403
    end_app_transaction()
    session.expire_all()
    assert session.scalar(select(LoanProduct.status)) is ProductStatus.ACTIVE


CALCULATION = {
    "product_code": "",
    "principal": "5000",
    "term_months": "18",
    "rate_annual": "12",
    "method": "annuity",
    "frequency": "monthly",
    "day_count": "30/360",
    "disbursed_on": "2022-11-01",
    "instalment_multiple": "1",
}


def test_staff_calculator_with_own_terms(client, login_as):
    login_as("credit_officer", language="en")
    page = text_of(client.get("/staff/calculator", query_string=CALCULATION))
    assert re.search(r'id="instalment-amount">€305.00<', page)
    assert re.search(r'id="total-interest">€488.22<', page)
    assert re.search(r'id="total-due">€5,488.22<', page)
    assert re.search(r'id="apr">12.68 %<', page)
    table = re.search(r'<table class="data" id="schedule-table">(.*?)</table>', page, re.S).group(1)
    assert table.count("<tr>") == 1 + 18 + 1
    # The chart: one principal and one interest bar per period, no script anywhere.
    assert page.count('<rect class="principal"') == 18
    assert page.count('<rect class="interest"') == 18
    assert "<script" not in page


def test_calculator_with_a_product_reports_bounds_beside_the_field(client, login_as, session, actor):
    products.create_product(session, "COOP-START", coop_startup_terms(), actor=actor)
    session.commit()
    login_as("teller", language="en")
    query = {**CALCULATION, "product_code": "COOP-START", "principal": "80000", "term_months": "12"}
    html = text_of(client.get("/staff/calculator", query_string=query))
    assert "must not exceed €75,000.00 for COOP-START" in field_block(html, "principal")
    assert "must be at least 24 periods (24 months) for COOP-START" in field_block(html, "term_months")
    assert 'id="schedule-result"' not in html
    ok = text_of(
        client.get("/staff/calculator", query_string={**query, "principal": "10000", "term_months": "36"})
    )
    assert re.search(r'id="instalment-amount">€306.49<', ok)
    assert re.search(r'id="arrangement-fee">€100.00<', ok)


def test_public_calculator_needs_no_login_and_lists_active_products(client, session, actor):
    products.create_product(session, "COOP-START", coop_startup_terms(), actor=actor)
    products.create_product(session, "OLD", coop_startup_terms(name_en="Old loan"), actor=actor)
    products.retire_product(session, "OLD", actor=actor)
    session.commit()
    client.post("/language/en")
    empty = client.get("/calculator")
    assert empty.status_code == 200
    assert "COOP-START" in text_of(empty) and "Old loan" not in text_of(empty)
    page = text_of(client.get("/calculator", query_string={**CALCULATION, "principal": "0"}))
    assert "must be greater than 0" in field_block(page, "principal")
    page = text_of(client.get("/calculator", query_string=CALCULATION))
    assert re.search(r'id="apr">12.68 %<', page)


def test_calculator_in_dutch_formats_money_the_dutch_way(client, login_as):
    login_as("teller", language="nl")
    page = text_of(client.get("/staff/calculator", query_string=CALCULATION))
    assert re.search(r'id="total-due">€\xa05.488,22<', page)
    assert re.search(r'id="apr">12,68\xa0%<', page) or re.search(r'id="apr">12,68 %<', page)


def test_the_calculator_asks_the_term_in_months_as_the_application_does(client, login_as):
    """ "Term (months)" (Dutch "Looptijd (maanden)"), the application form's own label: a quarterly
    loan over 24 months has 8 instalments, and 25 months is refused beside the field."""
    login_as("teller", language="en")
    quarterly = {**CALCULATION, "frequency": "quarterly", "term_months": "24"}
    page = text_of(client.get("/staff/calculator", query_string=quarterly))
    assert '<label for="term_months">Term (months)</label>' in page and "instalments)" not in page
    table = re.search(r'<table class="data" id="schedule-table">(.*?)</table>', page, re.S).group(1)
    assert table.count("<tr>") == 1 + 8 + 1
    odd = text_of(client.get("/staff/calculator", query_string={**quarterly, "term_months": "25"}))
    assert 'id="schedule-result"' not in odd
    assert "must be a multiple of 3 months" in field_block(odd, "term_months")
