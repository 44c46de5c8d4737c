"""The period close page (/staff/periods): the months and their state, closing the next month and
the year after a confirmation page, refusals flashed with their rule; Dutch and English; admins only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from conftest import PASSWORD
from flask import current_app
from flask_babel import refresh
from sqlalchemy import func, select

# The app with the real Dutch catalogue, as the language tests load it.
from translations.conftest import app, compiled_catalogue  # noqa: F401

from bank import clock
from bank.audit.models import AuditEvent
from bank.ledger import chart, periods
from bank.ledger.models import ClosedMonth, ClosedYear, JournalEntry
from bank.ledger.service import account_by_code, post
from bank.runs.models import Run, RunJob, RunStatus

from .conftest import move

TODAY = dt.date(2026, 12, 4)


@pytest.fixture(autouse=True)
def frozen_today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def books(session, settlement, open_member_account, actor):
    """A deposit in March 2025, interest income in June 2025; close days run through November 2026."""
    anna = open_member_account("Anna")
    post(session, "d:1", "deposit", move(settlement, anna, "1000.00"), dt.date(2025, 3, 10), actor)
    income = account_by_code(session, chart.INTEREST_INCOME)
    post(session, "i:1", "interest", move(settlement, income, "80.00"), dt.date(2025, 6, 30), actor)
    session.add(
        Run(
            job=RunJob.CLOSE_DAY,
            business_date=dt.date(2026, 12, 3),
            status=RunStatus.COMPLETED,
            started_by="t",
            finished_at=clock.now_utc(),
        )
    )
    session.commit()


def _get(client, url: str) -> tuple[int, str]:
    refresh()
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def _post(client, url: str, data: dict[str, str]) -> str:
    refresh()
    response = client.post(url, data=data, follow_redirects=True)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_an_admin_closes_the_next_month_after_confirming(client, login_as, books, session) -> None:
    login_as("admin")
    status, page = _get(client, "/staff/periods")
    assert status == 200
    assert "Periodeafsluiting" in page and "Er is nog geen periode afgesloten." in page
    assert "Volgende af te sluiten maand: januari 2025." in page
    # Only the next month is offered.
    assert page.count("Sluit deze maand af") == 1
    assert "/staff/periods/close-month?month=2025-01" in page

    status, confirm = _get(client, "/staff/periods/close-month?month=2025-01")
    assert status == 200
    assert "januari 2025 afsluiten" in confirm
    assert "mag geen boeking meer gedateerd zijn op of vóór 31-01-2025" in confirm

    done = _post(client, "/staff/periods/close-month", {"month": "2025-01"})
    assert "Januari 2025 is afgesloten: er mag geen boeking meer in gedateerd worden." in done
    assert "De boeken zijn afgesloten tot en met 31-01-2025." in done
    closed = session.scalar(select(ClosedMonth))
    assert closed.first_day == dt.date(2025, 1, 1) and closed.closed_by_id is not None
    # Who closed the books is in the audit log, read in Dutch there.
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "period.close_month")).one()
    assert (event.object_type, event.object_id, event.actor_id) == ("period", "2025-01", closed.closed_by_id)
    status, log = _get(client, "/staff/audit")
    assert "Maand van de boeken afgesloten" in log and "periode januari 2025" in log


def test_a_refusal_names_the_rule_and_closes_nothing(client, login_as, books, session) -> None:
    login_as("admin")
    out_of_order = _post(client, "/staff/periods/close-month", {"month": "2025-03"})
    assert (
        "De maand is niet afgesloten: Maand: maanden worden op volgorde afgesloten:"
        " de volgende af te sluiten maand is januari 2025, niet maart 2025"
    ) in out_of_order
    running = _post(client, "/staff/periods/close-month", {"month": "2026-12"})
    assert (
        "De maand is niet afgesloten: Maand: december 2026 is nog niet voorbij: een maand kan worden"
        " afgesloten vanaf de dag na haar laatste dag"
    ) in running
    unreadable = _post(client, "/staff/periods/close-month", {"month": "december"})
    assert "De maand is niet afgesloten: Maand: moet een maand zijn als JJJJ-MM" in unreadable
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(ClosedMonth)) == 0


def test_the_year_closes_from_the_page_with_its_closing_entry(
    client, login_as, books, session, actor
) -> None:
    for month in range(1, 13):
        periods.close_month(session, dt.date(2025, month, 1), actor=actor, today=TODAY)
    session.commit()
    login_as("admin")
    status, page = _get(client, "/staff/periods")
    assert "Sluit het jaar 2025 af" in page
    status, confirm = _get(client, "/staff/periods/close-year?year=2025")
    assert status == 200
    assert "Resultaat naar de reserves (3200)" in confirm and "€\u00a080,00" in confirm

    done = _post(client, "/staff/periods/close-year?year=2025", {})
    assert "2025 is afgesloten: het resultaat is naar de reserves (3200) overgeboekt." in done
    year = session.scalar(select(ClosedYear))
    assert year.result == Decimal("80.00")
    assert f"Afsluitboeking #{year.closing_entry_id}" in done
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "period.close_year")).one()
    assert event.object_id == "2025" and event.after["result"] == "80.00"
    entry = session.get(JournalEntry, year.closing_entry_id)
    status, entry_page = _get(client, f"/staff/ledger/entries/{entry.id}")
    assert status == 200 and "Afsluitboeking" in entry_page


def test_the_page_reads_in_english_and_only_admins_may_open_it(client, login_as, make_user, books) -> None:
    login_as("teller")
    assert client.get("/staff/periods").status_code == 403
    assert client.post("/staff/periods/close-month", data={"month": "2025-01"}).status_code == 403
    english = current_app.test_client()
    user = make_user("admin", language="en")
    assert english.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    english.post("/lang/en")
    refresh()
    page = english.get("/staff/periods").get_data(as_text=True)
    assert "Period close" in page and "Next month to close: January 2025." in page
    assert "Close this month" in page and "not ended yet" in page
