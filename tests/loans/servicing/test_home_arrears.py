"""The staff home lists the loans that fell into arrears this week, not the whole arrears book."""

from __future__ import annotations

import re
from datetime import date as D
from decimal import Decimal

import pytest

from bank.extensions import db


@pytest.fixture(autouse=True)
def _release_request_sessions(app):
    """The app fixture keeps one app context per test: end each request's transaction (SQLite lock)."""
    app.teardown_request(lambda _exc: db.remove())


def _section(page: str, name: str) -> str:
    found = re.search(rf'<section class="card" id="queue-{name}">(.*?)</section>', page, re.S)
    assert found, name
    return found.group(1)


def test_the_home_shows_a_loan_newly_in_arrears_with_its_amount_and_days(bank, client, login_as):
    # TODAY is 15 June 2028: one loan missed its first instalment on 10 June, one has owed since 1 May.
    new_member, new_account = bank.borrower("Fietsenmakerij De Spaak")
    new_loan = bank.book(new_member, new_account, "12000.00", 12, D(2028, 5, 10))
    old_member, old_account = bank.borrower("Drukkerij Het Oosten")
    old_loan = bank.book(old_member, old_account, "6000.00", 12, D(2028, 4, 1))
    for account in (new_account, old_account):
        bank.withdraw(account, str(bank.balance(account.ledger_account_id)), D(2028, 4, 1))
    bank.close_days(D(2028, 4, 2), D(2028, 6, 14))
    first = bank.open_instalments(new_loan)[0]
    assert first.due_on == D(2028, 6, 10)
    owed = first.outstanding
    new_id, new_number, old_number = new_loan.id, new_loan.number, old_loan.number
    bank.session.commit()

    login_as("credit_officer")
    page = client.get("/staff/").get_data(as_text=True)
    arrears = _section(page, "arrears")
    assert f'href="/staff/loans/{new_id}">{new_number}</a>' in arrears
    assert "Fietsenmakerij De Spaak" in arrears and "5 days overdue" in arrears
    # 12 000.00 over 12 months at the product's rate: the first instalment, to the cent, as the
    # locale writes it (the test app's locale is Dutch: € 1.066,37).
    assert owed == Decimal("1066.37") and "€\xa01.066,37" in arrears
    # Six weeks overdue is not news: it is on the arrears page, which the queue links to.
    assert old_number not in arrears and 'href="/staff/arrears"' in arrears
    assert old_number in client.get("/staff/arrears").get_data(as_text=True)
