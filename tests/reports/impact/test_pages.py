"""The staff pages: the impact report with its downloads, and a loan's yearly impact reports."""

from __future__ import annotations

import csv
import io

from pypdf import PdfReader
from sqlalchemy import select

from bank.extensions import db
from bank.loans.models import ImpactReport, ImpactSource

from .world import World

URL = "/staff/reports/impact"


def test_report_page_shows_the_figures_and_links_the_downloads(client, world: World, login_as):
    login_as("credit_officer")
    response = client.get(f"{URL}?from=2026-01-01&to=2026-09-30")
    assert response.status_code == 200
    page = response.get_data(as_text=True).replace("\xa0", " ")  # Babel puts a no-break space after €
    # The page speaks the UI language (Dutch by default): its tables too.
    assert 'id="seed-deployed">€ 22.500,00<' in page
    assert 'id="member-money">€ 4.500,00<' in page
    assert 'id="per-euro">0,20<' in page
    assert 'id="jobs">5 / 2<' in page
    assert 'id="homes-land">6 · 900 m²<' in page
    assert 'id="interest-paid">€ 78,70<' in page
    assert "Verliezen en wie ze droeg" in page and world.bike_loan.number in page
    assert "<td>jaarrapportage 2026</td>" in page and '<td class="num">€ 4.040,00</td>' in page
    assert "format=pdf" in page and "lang=nl" in page and "format=csv" in page
    # In the Reports menu of the top bar and the reports' own sub-navigation.
    assert 'href="/staff/reports/impact"' in client.get("/staff/loans").get_data(as_text=True)
    assert 'href="/staff/reports/impact"' in client.get("/staff/reports").get_data(as_text=True)


def test_downloads_pdf_and_csv(client, world: World, login_as):
    login_as("admin")
    pdf = client.get(f"{URL}?from=2026-01-01&to=2026-09-30&format=pdf&lang=nl")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert 'filename="impact-2026-01-01_2026-09-30-nl.pdf"' in pdf.headers["Content-Disposition"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Gemeentelijke impactrapportage" in text and "€ 4.040,00" in text
    response = client.get(f"{URL}?from=2026-01-01&to=2026-09-30&format=csv&lang=en")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.data.decode("utf-8")
    assert body.startswith("\ufeffMunicipal impact report,2026-01-01,2026-09-30")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert ["Member money per euro of deployed seed capital", "0.20"] in rows
    assert [world.bike_loan.number, "Co-op startup", "1094", "2026-07-15", "8040.00", "STARTFONDS", "2500.00",
            "1500.00", "4040.00"] in rows  # fmt: skip


def test_default_period_is_this_year_so_far(client, world: World, login_as):
    login_as("admin")
    page = client.get(URL).get_data(as_text=True)
    assert 'name="from" value="2026-01-01"' in page and 'name="to" value="2026-11-28"' in page
    assert 'id="jobs">6 / 3<' in page  # the bakery's October report counts up to today


def test_bad_input_names_the_field(client, world: World, login_as):
    login_as("admin")
    cases = {
        "from=2026-09-30&to=2026-01-01": "From: must not be after the end of the period",
        "from=yesterday&to=2026-01-01": "From: must be a date like 2026-10-31 or 31-10-2026",
        "from=2026-01-01&to=31-31-2026": "To: must be a date like 2026-10-31 or 31-10-2026",
        "from=2026-01-01&to=2027-01-01": "To: must not lie in the future (today is 28-11-2026)",
    }
    for query, message in cases.items():
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 422, query
        assert message in response.get_data(as_text=True), query
        # No download for a bad period: the page with the error instead.
        assert client.get(f"{URL}?{query}&format=pdf").mimetype == "text/html"


def test_only_admins_and_credit_officers_see_the_report(client, world: World, login_as):
    login_as("teller")
    assert client.get(URL).status_code == 403
    assert 'href="/staff/reports/impact"' not in client.get("/staff/loans").get_data(as_text=True)


def test_record_a_yearly_report_on_the_loan_page(client, session, world: World, login_as):
    login_as("credit_officer")
    loan_page = client.get(f"/staff/loans/{world.coop_loan.id}").get_data(as_text=True)
    assert f'href="/staff/loans/{world.coop_loan.id}/impact"' in loan_page
    url = f"/staff/loans/{world.coop_loan.id}/impact"
    page = client.get(url).get_data(as_text=True)
    assert 'name="jobs_created"' in page and 'name="homes_secured"' not in page  # a co-op: jobs only
    assert "application (expected)" in page and "yearly report" in page
    bad = client.post(url, data={"year": "2024", "jobs_created": "-1", "jobs_kept": "x"})
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "must be between 2026 (the year the loan was paid out) and 2026" in text
    assert "must not be negative" in text and "must be a whole number" in text
    done = client.post(url, data={"year": "2026", "jobs_created": "6", "jobs_kept": "3", "notes": "bakery"})
    assert done.status_code == 302
    with db.new_session() as fresh:
        record = fresh.scalars(
            select(ImpactReport).where(
                ImpactReport.loan_id == world.coop_loan.id, ImpactReport.source == ImpactSource.ANNUAL
            )
        ).one()
        assert (record.year, record.jobs_created, record.jobs_kept, record.notes) == (2026, 6, 3, "bakery")
    land_page = client.get(f"/staff/loans/{world.land_loan.id}/impact").get_data(as_text=True)
    assert 'name="homes_secured"' in land_page and 'name="land_area_m2"' in land_page


def test_tellers_see_the_reports_but_cannot_record(client, world: World, login_as):
    login_as("teller")
    url = f"/staff/loans/{world.coop_loan.id}/impact"
    page = client.get(url)
    assert page.status_code == 200 and 'name="jobs_created"' not in page.get_data(as_text=True)
    assert client.post(url, data={"year": "2026"}).status_code == 403
