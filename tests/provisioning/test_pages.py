"""The pages: the admin sets the PD table (bad input next to its field, nothing saved), the report
with its tables, CSV and PDF, and the credit officer's flags on the loan page."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from pypdf import PdfReader

from bank.provisioning import queries
from bank.provisioning.models import PdTable

from .conftest import D, World, cells


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _form(**changes) -> dict[str, str]:
    data = {"effective_on": "2027-01-01", "default_grade": "C", "unsecured_lgd": "0.4", **cells()}
    data.update(changes)
    return {key: str(value) for key, value in data.items()}


def test_the_admin_sets_the_table_and_bad_cells_are_named(world: World, client, login_as):
    login_as("admin")
    page = client.get("/staff/provisioning/pd-table").get_data(as_text=True)
    bad = client.post(
        "/staff/provisioning/pd-table",
        data={**_form(pd_B_2="1.5", pd_E_3="", unsecured_lgd="-1"), "csrf_token": _token(page)},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert text.count("must be a probability between 0 and 1") == 2
    assert "is required" in text
    assert 'name="pd_B_2" size="8"' in text and 'value="1.5" aria-invalid="true"' in text
    world.session.expire_all()
    assert world.session.query(PdTable).count() == 0
    world.session.commit()

    saved = client.post("/staff/provisioning/pd-table", data={**_form(), "csrf_token": _token(page)})
    assert saved.status_code == 302
    table = queries.table_in_force(world.session, D(2027, 1, 31))
    assert table.probability("C", 1) == Decimal("0.0175") and table.unsecured_lgd == Decimal("0.4")
    world.session.commit()
    shown = client.get("/staff/provisioning/pd-table").get_data(as_text=True)
    assert "1,75 %" in shown  # the page's language is Dutch: its notation too


def test_a_credit_officer_reads_the_table_but_may_not_set_it(world: World, client, login_as):
    login_as("credit_officer")
    page = client.get("/staff/provisioning/pd-table")
    assert page.status_code == 200 and "pd-table-form" not in page.get_data(as_text=True)
    assert client.post("/staff/provisioning/pd-table", data=_form()).status_code in (400, 403)


def test_report_tables_csv_and_pdf(world: World, client, login_as):
    world.set_table(D(2027, 1, 1))
    loan = world.loan("12345.67", D(2027, 1, 15))
    world.loan("8000.00", D(2027, 1, 25), grade="E", name="Buurtkeuken Oost")
    world.provision(D(2027, 1, 31))
    world.provision(D(2027, 2, 28))
    number = loan.number
    world.session.commit()
    login_as("credit_officer")
    page = client.get("/staff/provisioning").get_data(as_text=True)
    for title in (
        "Allowance by stage",
        "Allowance by loan purpose",
        "Movement of the allowance",
        "first-loss buffers",
    ):
        assert title in page
    assert "278,42" in page
    assert number in page

    csv = client.get("/staff/provisioning?month_end=2027-02-28&format=csv&table=movement")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[1].startswith("Opening allowance,278.42,0.00,0.00,278.42")
    assert lines[-1].startswith("Closing allowance,278.42,0.00,0.00,278.42")

    pdf = client.get("/staff/provisioning?month_end=2027-02-28&format=pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Loan-loss provisions" in text and "Allowance by stage" in text and "278,42" in text

    bad = client.get("/staff/provisioning?month_end=2026-01-31")
    assert bad.status_code == 422 and "no month-end was provisioned on or before this day" in bad.get_data(
        as_text=True
    )


def test_the_credit_officer_flags_a_loan_on_its_page(world: World, client, login_as):
    world.set_table(D(2027, 1, 1))
    loan = world.loan("5000.00", D(2027, 1, 15))
    world.provision(D(2027, 1, 31))
    loan_id = loan.id
    world.session.commit()
    login_as("credit_officer")
    page = client.get(f"/staff/loans/{loan_id}").get_data(as_text=True)
    assert "Stage 1" in page and "35,00" in page
    refused = client.post(
        f"/staff/loans/{loan_id}/risk-flags",
        data={"kind": "watchlist", "reason": " ", "csrf_token": _token(page)},
    )
    assert refused.status_code == 422
    assert re.search(r'id="flag-reason".*?is required', refused.get_data(as_text=True), re.S)
    done = client.post(
        f"/staff/loans/{loan_id}/risk-flags",
        data={"kind": "watchlist", "reason": "Turnover fell by half", "csrf_token": _token(page)},
    )
    assert done.status_code == 302
    page = client.get(f"/staff/loans/{loan_id}").get_data(as_text=True)
    assert "Turnover fell by half" in page
    (flag,) = queries.current_flags(world.session, loan_id)
    flag_id = flag.id
    world.session.commit()
    listed = client.get("/staff/provisioning").get_data(as_text=True)
    assert "Turnover fell by half" in listed and f"/risk-flags/{flag_id}/clear" in listed
    lifted = client.post(
        f"/staff/loans/{loan_id}/risk-flags/{flag_id}/clear",
        data={"reason": "Recovered", "back": "provisioning", "csrf_token": _token(page)},
    )
    assert lifted.status_code == 302 and lifted.headers["Location"].endswith(
        "/staff/provisioning#standing-flags"
    )
    world.session.expire_all()
    assert queries.current_flags(world.session, loan_id) == []
