"""Percentages and months as Dutch people write them, error pages with a Dutch body, the right button."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Flask
from flask_babel import force_locale

from bank.web import labels

from .conftest import page_text


def test_percentages_in_dutch_and_english(app: Flask) -> None:
    with app.test_request_context():
        assert labels.percent(Decimal("87.8")) == "87,8\u00a0%"
        assert labels.percent(Decimal("3.85")) == "3,85\u00a0%"
        assert labels.percent(Decimal("1250")) == "1.250\u00a0%"
        assert labels.percent(None) == "—"
        with force_locale("en"):
            assert labels.percent(Decimal("87.8")) == "87.8\u00a0%"


def test_months_are_named(app: Flask) -> None:
    with app.test_request_context():
        assert labels.month_label("2026-11") == "november 2026"
        assert labels.month_label("03-2026") == "maart 2026"
        assert labels.month_label(dt.date(2026, 12, 31)) == "december 2026"
        assert labels.month_label("Totaal") == "Totaal"
        with force_locale("en"):
            assert labels.month_label("2026-11") == "November 2026"


def test_a_missing_page_answers_in_dutch(client, login_as) -> None:
    login_as("teller")
    response = client.get("/staff/no-such-page")
    assert response.status_code == 404
    text = page_text(response.get_data(as_text=True))
    assert "Niet gevonden" in text
    assert "Deze pagina bestaat niet (meer). Controleer het adres of begin opnieuw op de startpagina." in text
    assert "The requested URL was not found" not in text


def test_a_refused_page_answers_in_dutch(client, login_as) -> None:
    login_as("teller")
    response = client.get("/staff/audit")
    assert response.status_code == 403
    text = page_text(response.get_data(as_text=True))
    assert "U hebt geen toegang tot deze pagina." in text
    assert "You don't have the permission" not in text


def test_savings_products_button_names_a_savings_product(client, login_as) -> None:
    login_as("admin")
    text = page_text(client.get("/staff/savings-products").get_data(as_text=True))
    assert "Spaarproduct aanmaken" in text
    assert "Leenproduct aanmaken" not in text


def test_report_months_are_named_in_the_flows_report(world, client, login_as) -> None:
    login_as("admin")
    text = page_text(
        client.get("/staff/reports/flows?date_from=2026-01-01&date_to=2026-03-31").get_data(as_text=True)
    )
    assert "januari 2026" in text and "maart 2026" in text
    assert "2026-01 " not in text and "2026-03 " not in text
