"""Issue 13, bad input found by the fuzz: a 20-digit id in a form overflowed the database's integer.

``chair_id``, ``applicant_id``, ``product_id``, ``member_number`` and ``meeting_id`` were read with
``type=int`` and looked up as they were: SQLite raised OverflowError, PostgreSQL an out-of-range
error, both a 500. Now such an id is no id: the form answers its own "choose ..." refusal.
"""

from __future__ import annotations

import pytest

from bank.web.forms import whole_number

from .conftest import seed_objects

HUGE = "99999999999999999999"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7", 7),
        (" 12 ", 12),
        ("2147483647", 2**31 - 1),
        ("2147483648", None),
        (HUGE, None),
        ("0", None),
        ("-3", None),
        ("²", None),
        ("１２", None),
        ("", None),
        (None, None),
        ("1e3", None),
    ],
)
def test_whole_number_accepts_only_ids_a_column_holds(text, expected):
    assert whole_number(text) == expected


def test_a_huge_chair_id_is_refused_by_the_meeting_form(client, login_as):
    login_as("committee")
    response = client.post("/committee/meetings/new", data={"held_on": "2026-05-01", "chair_id": HUGE})
    assert 400 <= response.status_code < 500


def test_huge_ids_are_refused_by_the_staff_application_form(client, login_as):
    login_as("teller")
    response = client.post("/staff/applications/new", data={"member_number": HUGE, "product_id": HUGE})
    assert response.status_code == 200  # the form shown again with its refusals
    page = response.get_data(as_text=True)
    assert "no member has this number" in page and "choose a loan product" in page


def test_huge_ids_are_refused_by_the_portal_application_form(client, login_as, saver):
    login_as("member", member_id=saver.member.id)
    response = client.post("/portal/applications/new", data={"applicant_id": HUGE, "product_id": HUGE})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "choose yourself or an organisation you represent" in page and "choose a loan product" in page


def test_a_huge_repayment_account_id_is_refused_by_name(client, login_as, saver):
    seed_objects(saver)  # application 1 is the saver's draft
    login_as("member", member_id=saver.member.id)
    response = client.post("/portal/applications/1", data={"repayment_account_id": HUGE})
    assert response.status_code == 422
    assert "must be one of the applicant&#39;s own deposit accounts" in response.get_data(as_text=True) or (
        "must be one of the applicant's own deposit accounts" in response.get_data(as_text=True)
    )
