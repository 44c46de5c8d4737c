"""First checks of the skeleton: the app starts, the chart exists, log-in works."""

from __future__ import annotations

from sqlalchemy import select

from bank.db import make_engine
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


def test_sqlite_commits_durably_with_foreign_keys_and_a_write_ahead_log(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'durable.db'}")
    try:
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        engine.dispose()
