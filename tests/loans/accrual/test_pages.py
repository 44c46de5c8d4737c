"""The loan pages show the interest accrued so far (opgelopen rente), in Dutch; members see their own."""

from __future__ import annotations

import datetime as dt

import pytest

from bank.extensions import db

D = dt.date


@pytest.fixture(autouse=True)
def _release_request_sessions(app):
    """The app fixture keeps one app context per test: end each request's transaction (SQLite lock)."""
    app.teardown_request(lambda _exc: db.remove())


def test_staff_and_portal_loan_pages_show_the_accrued_interest(bank, client, login_as, make_user):
    member, account = bank.borrower("Bakkerij De Korenschoof")
    other, _other_account = bank.borrower("Fietsenmakerij De Spaak")
    loan = bank.book(member, account, "10000.00", 12, D(2026, 9, 16))
    bank.close_days(D(2026, 9, 17), D(2026, 9, 30))
    loan_id, member_id, other_id = loan.id, member.id, other.id
    bank.session.commit()  # SQLite: the test session must hold no transaction during requests

    # 100.00 for the period 16 September – 16 October; 14 of 30 days: 46.67.
    login_as("credit_officer")
    staff = client.get(f"/staff/loans/{loan_id}").get_data(as_text=True)
    assert "Opgelopen rente" in staff
    assert "€\xa046,67" in staff
    assert "opgelopen tot en met 30-09-2026, van €\xa0100,00 te betalen op 16-10-2026" in staff
    assert "Verschuldigde rente" in staff
    client.post("/logout")

    login_as(user=make_user("member", member_id=member_id))
    portal = client.get(f"/portal/loans/{loan_id}").get_data(as_text=True)
    assert "Opgelopen rente" in portal and "€\xa046,67" in portal
    client.post("/logout")
    login_as(user=make_user("member", member_id=other_id))
    assert client.get(f"/portal/loans/{loan_id}").status_code == 404
