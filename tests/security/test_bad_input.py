"""Issue 13, "bad input answers 4xx": the fuzz's 500s replayed, each now a 4xx naming the field."""

from __future__ import annotations

import json

import pytest

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/staff/members", "page"),
        ("/staff/loans", "page"),
        ("/staff/accounts", "page"),
        ("/staff/audit", "page"),
        ("/staff/runs", "page"),
    ],
)
def test_a_huge_page_is_a_400_naming_the_parameter(client, login_as, path, field):
    login_as("admin")
    response = client.get(f"{path}?{field}={HUGE}")
    assert response.status_code == 400
    assert f"{field} must be a whole number from 1 to" in response.get_data(as_text=True)
    assert client.get(f"{path}?{field}=2").status_code == 200


def test_a_huge_audit_page_on_a_member_page(client, login_as, saver):
    login_as("admin")
    response = client.get(f"/staff/members/{saver.member.id}?audit_page={HUGE}")
    assert response.status_code == 400
    assert "audit_page must be a whole number" in response.get_data(as_text=True)


def test_a_huge_id_in_the_path_is_a_404(client, login_as):
    login_as("admin")
    assert client.get(f"/staff/members/{HUGE}").status_code == 404
    assert client.get(f"/staff/accounts/{HUGE}").status_code == 404


def test_a_far_future_disbursement_date_is_a_field_error(client):
    page = client.get(
        "/calculator?principal=10000&rate_annual=5&term_months=12&disbursed_on=9999-12-31&method=annuity"
    )
    assert page.status_code in (200, 422)
    assert "must be a date between 1900-01-01 and 2200-12-31" in page.get_data(as_text=True)
    api = client.post(
        "/api/v1/schedule-preview",
        json={"principal": "10000", "rate_annual": "5", "term": 12, "disbursed_on": "9999-12-31"},
    )
    assert api.status_code == 422
    assert "disbursed_on" in api.get_json()["fields"]


def test_json_nested_five_thousand_deep_is_a_400(client):
    body = "[" * 5000 + "]" * 5000
    response = client.post("/api/v1/schedule-preview", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "bad_request"
    nested = json.dumps({"principal": "1"})
    assert (
        client.post("/api/v1/schedule-preview", data=nested, content_type="application/json").status_code
        == 422
    )


def test_cr_lf_in_next_is_dropped(client, make_user):
    user = make_user("teller")
    response = client.post(
        "/login?next=/staff/%0d%0aSet-Cookie:%20a=b",
        data={"email": user.email, "password": "correct horse battery staple"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/staff/"


def test_the_page_limit_is_written_in_the_readers_notation(client, login_as):
    """The limit is formatted by the page's locale (Dutch by default), not by a hard-coded dot."""
    login_as("admin")
    dutch = client.get(f"/staff/members?page={HUGE}").get_data(as_text=True)
    # The suite's app has no catalogue (words stay English), but numbers follow the locale.
    assert "page must be a whole number from 1 to 100.000." in dutch
