"""Figures and months on the staff pages in Dutch: the debt-service coverage, the stored statements'
months and the flows chart's amounts read as Dutch people write them, not as Python prints them."""

from __future__ import annotations

import re
from decimal import Decimal

from bank.extensions import db

from .conftest import page_text

MONTHLY = "/staff/statements/monthly"


def test_debt_service_coverage_has_a_decimal_comma(world, client, login_as) -> None:
    with db.unit_of_work(db.new_session()) as s:
        application = s.merge(world.bram_application)
        application.worker_members = 3
        application.expected_monthly_revenue = Decimal("4000.00")
        application.expected_monthly_costs = Decimal("1400.00")
    login_as("credit_officer")
    html = client.get(f"/staff/applications/{world.bram_application.id}").get_data(as_text=True)
    shown = re.search(r'id="dscr">([^<]*)<', html)
    assert shown is not None
    assert re.fullmatch(r"\d+,\d{2}", shown.group(1)), shown.group(1)
    assert "Schuldendekkingsgraad" in page_text(html)


def test_stored_statements_of_an_account_are_listed_by_month_name(world, client, login_as) -> None:
    login_as("teller")
    text = page_text(client.get(f"/staff/accounts/{world.bram_account.id}/statements").get_data(as_text=True))
    assert "januari 2026" in text
    assert "2026-01" not in text


def test_flows_chart_shows_amounts_in_euros_with_dutch_separators(world, client, login_as) -> None:
    login_as("credit_officer")
    html = client.get("/staff/reports/flows?date_from=2026-01-01&date_to=2026-06-30").get_data(as_text=True)
    assert "Uitgeleend mrt 26: € 12.000,00" in html.replace("\u00a0", " ")
    assert "12000.00" not in html


def test_producing_a_month_of_statements_names_the_month(world, client, login_as) -> None:
    login_as("admin")
    page = client.post(MONTHLY, data={"month": "1", "year": "2026"}, follow_redirects=True)
    text = page_text(page.get_data(as_text=True))
    assert "Rekeningafschriften voor januari 2026:" in text
    assert "2026-01" not in text


def test_runs_list_reads_in_dutch_and_hides_the_idle_days(world, client, login_as) -> None:
    import datetime as dt

    from sqlalchemy import select

    from bank.runs.models import Run, RunJob, RunStatus

    started = dt.datetime(2026, 3, 2, 4, 30, tzinfo=dt.UTC)
    with db.unit_of_work(db.new_session()) as s:
        s.add(
            Run(
                job=RunJob.REPAYMENTS,
                business_date=dt.date(2026, 3, 2),
                status=RunStatus.COMPLETED,
                started_at=started,
                finished_at=started,
                due_count=1,
                collected_full_count=1,
                entries_posted=1,
                amount_due=Decimal("1234.50"),
                amount_collected=Decimal("1234.50"),
                started_by="system:close-day",
            )
        )
        s.add(
            Run(
                job=RunJob.EXPIRE_OFFERS,
                business_date=dt.date(2026, 3, 2),
                status=RunStatus.COMPLETED,
                started_at=started,
                finished_at=started,
            )
        )
    login_as("admin")
    text = page_text(client.get("/staff/runs").get_data(as_text=True)).replace("\u00a0", " ")
    assert "1 lening te incasseren: 1 volledig, 0 gedeeltelijk, 0 niets" in text
    assert "€ 1.234,50 van € 1.234,50" in text
    assert "1 run die niets te doen vond, is verborgen. Alle runs tonen" in text
    assert "niets te doen vond" in text and "Aanbiedingen" not in text.split("Runs die iets deden", 1)[1]
    run_id = db.new_session().scalar(select(Run.id).where(Run.job == RunJob.REPAYMENTS))
    detail = page_text(client.get(f"/staff/runs/{run_id}").get_data(as_text=True))
    assert "Gestart 02-03-2026 05:30 · de bank (automatisch)" in detail  # the bank's time, not UTC
    assert "UTC" not in detail and "system:" not in detail


def test_the_statement_month_is_chosen_by_its_dutch_name_not_typed_as_iso(world, client, login_as) -> None:
    login_as("admin")
    html = client.get("/staff/statements").get_data(as_text=True)
    assert 'type="month"' not in html
    month_select = re.search(r'<select id="month" name="month".*?</select>', html, flags=re.S)
    assert month_select is not None
    assert '<option value="10"' in month_select.group(0) and ">oktober</option>" in month_select.group(0)
    assert re.search(r'<select id="year" name="year"[^>]*><option value="\d{4}"', html)
    assert not re.search(r"\d{4}-\d{2}(?!\d)", page_text(html))


def test_a_refused_statement_month_shows_the_form_again_in_dutch(world, client, login_as) -> None:
    from bank import clock

    login_as("admin")
    nonsense = client.post(MONTHLY, data={"month": "zzz-onzin", "year": ""})
    assert nonsense.status_code == 422
    text = page_text(nonsense.get_data(as_text=True))
    assert "Maand: kies een maand uit de lijst" in text
    assert "Jaar: kies een jaar uit de lijst" in text
    today = clock.today()
    unfinished = client.post(MONTHLY, data={"month": str(today.month), "year": str(today.year)})
    assert unfinished.status_code == 422
    text = page_text(unfinished.get_data(as_text=True))
    assert "Maand: moet voorbij zijn: de maand eindigt op" in text
    assert f"vandaag is het {today:%d-%m-%Y}" in text
    assert not re.search(r"\d{4}-\d{2}", text)


def test_a_bad_date_for_a_loan_statement_is_said_on_the_loan_page(world, client, login_as) -> None:
    login_as("credit_officer")
    loan_id = world.coop_loan.id
    response = client.get(f"/staff/loans/{loan_id}/statement.pdf?as_of=31-02-20xx")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/staff/loans/{loan_id}")
    text = page_text(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "Datum: moet een datum zijn zoals 31-10-2026" in text
    annual = client.get(f"/staff/members/{world.anna.id}/annual-statement.pdf?year=vorig")
    assert annual.status_code == 302
    text = page_text(client.get(annual.headers["Location"]).get_data(as_text=True))
    assert "Jaar: moet een jaartal zijn zoals 2025" in text
