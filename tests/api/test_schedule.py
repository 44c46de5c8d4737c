"""``POST /api/v1/schedule-preview`` (``bank/api/schedule.py``): the command line's figures as JSON,
422 with the fields named, canonical rates, a product's terms and bounds, the OpenAPI document."""

from __future__ import annotations

from decimal import Decimal

import pytest
from loans.product_factories import coop_startup_terms

from bank.loans import products


def test_api_preview_answers_the_same_json(client):
    body = {
        "principal": "5000",
        "rate_annual": "12",
        "term": 18,
        "method": "annuity",
        "frequency": "monthly",
        "disbursed_on": "2022-11-01",
        "instalment_multiple": "1",
    }
    response = client.post("/api/v1/schedule-preview", json=body)
    assert response.status_code == 200
    data = response.get_json()
    assert {k: data[k] for k in ("instalment_amount", "total_interest", "total_due", "apr")} == {
        "instalment_amount": "305.00",
        "total_interest": "488.22",
        "total_due": "5488.22",
        "apr": "12.68",
    }
    assert data["instalments"][0] == {
        "number": 1,
        "due_on": "2022-12-01",
        "principal": "255.00",
        "interest": "50.00",
        "total": "305.00",
        "balance_after": "4745.00",
    }


def test_api_errors_are_422_with_fields(client):
    response = client.post(
        "/api/v1/schedule-preview",
        json={"principal": "-1", "rate_annual": "45", "term": 12, "disbursed_on": "2022-02-30"},
    )
    assert response.status_code == 422
    data = response.get_json()
    assert data["error"] == "validation_failed"
    assert data["fields"] == {
        "principal": "must be greater than 0",
        "rate_annual": "must be between 0 and 30 per cent",
        "disbursed_on": "must be a date as YYYY-MM-DD",
    }


@pytest.mark.parametrize("typed", ["4,5", "4,5 %", "1.000,5", "٤.٥"])
def test_api_refuses_a_rate_in_another_notation_than_the_canonical_one(client, typed):
    """ "4,5" is not guessed (4.5 or 45?): the API takes "4.5", like amounts take "12000.00"."""
    response = client.post(
        "/api/v1/schedule-preview",
        json={"principal": "5000.00", "rate_annual": typed, "term": 12, "disbursed_on": "2022-11-01"},
    )
    assert response.status_code == 422
    data = response.get_json()
    assert data["error"] == "validation_failed"
    assert set(data["fields"]) == {"rate_annual"}
    assert "4.5" in data["fields"]["rate_annual"]


def test_api_reads_a_canonical_rate_with_or_without_a_percent_sign(client):
    for rate in ("4.5", "4.5%", "4.50"):
        response = client.post(
            "/api/v1/schedule-preview",
            json={"principal": "5000.00", "rate_annual": rate, "term": 12, "disbursed_on": "2022-11-01"},
        )
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["instalments"][0]["interest"] == "18.75"


def test_api_schema_errors_have_the_same_shape(client):
    response = client.post("/api/v1/schedule-preview", json={"principal": 5000, "term": "long"})
    assert response.status_code == 422
    data = response.get_json()
    assert data["error"] == "validation_failed"
    assert set(data["fields"]) == {"principal", "term", "disbursed_on"}


def test_api_with_a_product_uses_its_terms_and_bounds(client, session, actor):
    products.create_product(session, "COOP-START", coop_startup_terms(), actor=actor)
    session.commit()
    body = {"product_code": "COOP-START", "principal": "10000", "term": 36, "disbursed_on": "2026-01-15"}
    response = client.post("/api/v1/schedule-preview", json=body)
    assert response.status_code == 200
    data = response.get_json()
    assert data["instalment_amount"] == "306.49"
    # The 1 % arrangement fee (100.00) raises the APR above the nominal 6.5 %.
    assert Decimal(data["apr"]) > Decimal("7.35")
    too_much = client.post(
        "/api/v1/schedule-preview", json={**body, "principal": "80000", "grace_principal": 7}
    )
    assert too_much.status_code == 422
    assert too_much.get_json()["fields"] == {
        "principal": "must not exceed 75000.00 for COOP-START",
        "grace_principal": "must be at most 6 periods for COOP-START",
    }


def test_api_refuses_a_retired_product(client, session, actor):
    products.create_product(session, "COOP-START", coop_startup_terms(), actor=actor)
    products.retire_product(session, "COOP-START", actor=actor)
    session.commit()
    body = {"product_code": "COOP-START", "principal": "10000", "term": 36, "disbursed_on": "2026-01-15"}
    response = client.post("/api/v1/schedule-preview", json=body)
    assert response.status_code == 422
    assert response.get_json()["fields"] == {"product_code": "COOP-START is retired and takes no new loans"}


def test_api_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/schedule-preview" in document["paths"]
