"""First checks of the skeleton: the app starts, the chart exists, log-in works."""

from __future__ import annotations

from sqlalchemy import select

from bank.ledger.chart import MAIN_ACCOUNTS
from bank.ledger.models import LedgerAccount


def test_migration_creates_the_chart_of_accounts(session):
    codes = session.scalars(select(LedgerAccount.code).order_by(LedgerAccount.code)).all()
    assert codes == sorted(a.code for a in MAIN_ACCOUNTS)


def test_staff_dashboard_after_login(client, login_as):
    login_as("teller")
    response = client.get("/staff/")
    assert response.status_code == 200
    assert "Dashboard" in response.get_data(as_text=True) or "Overzicht" in response.get_data(as_text=True)
