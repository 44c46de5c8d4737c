"""In a browser: the impact report from the Reports menu, its PDF, and a yearly report on a loan."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader

from .world import World

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery staple"  # tests/conftest.py's make_user


def test_staff_read_the_impact_report_and_record_a_yearly_report(
    world: World, make_user, browser_page, screenshots
):
    user = make_user("credit_officer", email="officer.impact@test.example")
    page = browser_page
    page.goto("/login")
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit].primary")
    page.wait_for_url("**/staff/**")

    page.goto("/staff/reports")
    page.click("nav.subnav >> text=Municipal impact report")
    page.wait_for_url("**/staff/reports/impact")
    page.fill("input[name=from]", "2026-01-01")
    page.fill("input[name=to]", "2026-09-30")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**/staff/reports/impact?from=2026-01-01&to=2026-09-30")
    assert page.inner_text("#member-money").replace("\xa0", " ") == "€ 4.500,00"
    assert page.inner_text("#per-euro") == "0,20"
    page.screenshot(path=str(screenshots / "impact-report.png"), full_page=True)

    with page.expect_download() as download_info:
        page.click("#download-pdf-en")
    path = download_info.value.path()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(path).read_bytes())).pages)
    assert "Municipal impact report" in text and "€4,040.00" in text

    page.fill("input[name=from]", "2026-10-01")
    page.fill("input[name=to]", "2026-01-01")
    page.click("form.filters button[type=submit]")
    assert "From: must not be after the end of the period" in page.inner_text("#period-errors")
    page.screenshot(path=str(screenshots / "impact-report-bad-period.png"), full_page=True)

    page.goto(f"/staff/loans/{world.land_loan.id}")
    page.click("#impact-link")
    page.wait_for_url(f"**/staff/loans/{world.land_loan.id}/impact")
    page.fill("#year", "2026")
    page.fill("#jobs_created", "2")
    page.fill("#jobs_kept", "1")
    page.fill("#homes_secured", "7")
    page.fill("#land_area_m2", "-5")
    page.click("form.card button[type=submit].primary")
    assert "must not be negative" in page.content()
    page.fill("#land_area_m2", "950")
    page.click("form.card button[type=submit].primary")
    page.wait_for_selector(".flash")
    assert "Impact report for 2026 recorded." in page.inner_text(".flash")
    assert "950" in page.inner_text("#impact-records")
    page.screenshot(path=str(screenshots / "loan-impact.png"), full_page=True)
