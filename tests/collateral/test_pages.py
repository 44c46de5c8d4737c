"""The register through the pages: the loan page, adding items and appraisals in Dutch notation,
refusals next to the field, the deed, the committee's review, a condition linked, who may do what."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from applications.helpers import TODAY, actor_of, land_data, meeting, reviewed, vote
from sqlalchemy import func, select

from bank import clock
from bank.applications import service as applications
from bank.collateral import service
from bank.collateral.models import Appraisal, CollateralItem
from bank.committee import service as committee
from bank.extensions import db

from .conftest import Bank


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _count(model) -> int:
    with db.new_session() as fresh:
        return fresh.scalar(select(func.count()).select_from(model))


def test_a_credit_officer_registers_a_mortgage_with_its_appraisal_on_the_loan_page(
    client, login_as, bank: Bank
):
    loan = bank.loans[0]
    login_as("credit_officer")
    page = client.get(f"/staff/loans/{loan.id}")
    assert page.status_code == 200
    assert "No collateral registered." in _text(page.get_data(as_text=True))
    form = client.get(f"/staff/loans/{loan.id}/collateral/new?kind=mortgage")
    assert form.status_code == 200 and 'name="cadastral_reference"' in form.get_data(as_text=True)
    with clock.frozen(TODAY):
        response = client.post(
            f"/staff/loans/{loan.id}/collateral/new",
            data={
                "kind": "mortgage",
                "rank": "1",
                "cadastral_reference": "Amsterdam K 1234",
                "registered_amount": "180.000",
                "description": "Dapperstraat 5",
                "appraisal_appraised_on": "2026-02-20",
                "appraisal_value": "250.000",
                "appraisal_appraiser": "Taxatiebureau Oost",
            },
        )
    assert response.status_code == 302
    item_page = client.get(response.headers["Location"])
    text = _text(item_page.get_data(as_text=True))
    # 250 000 × 0.70 = 175 000 under the registered 180 000.
    assert "€ 175.000,00" in text and "Taxatiebureau Oost" in text and "Amsterdam K 1234" in text
    with clock.frozen(TODAY):
        loan_page = _text(client.get(f"/staff/loans/{loan.id}").get_data(as_text=True))
    assert "Expected recovery" in loan_page and "€ 175.000,00" in loan_page
    # LTV on the outstanding 200 000 against 250 000.
    assert "80,00 %" in loan_page and "Loan-to-value over time" in loan_page


def test_bad_input_is_shown_next_to_the_field_and_nothing_is_written(client, login_as, bank: Bank):
    loan = bank.loans[0]
    login_as("credit_officer")
    before = (_count(CollateralItem), _count(Appraisal))
    with clock.frozen(TODAY):
        response = client.post(
            f"/staff/loans/{loan.id}/collateral/new",
            data={
                "kind": "mortgage",
                "rank": "0",
                "cadastral_reference": "Amsterdam K 1234",
                "registered_amount": "180.000",
                "appraisal_appraised_on": (TODAY + dt.timedelta(days=3)).isoformat(),
                "appraisal_value": "-5",
                "appraisal_appraiser": "X",
            },
        )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'id="rank"[^>]*aria-invalid="true"', html)
    assert "must be at least 1 (1 is the first rank)" in html
    assert "must not be in the future" in html and "must not be negative" in html
    with clock.frozen(TODAY):
        cover = client.post(
            f"/staff/loans/{loan.id}/collateral/new",
            data={
                "kind": "guarantee_fund",
                "guarantor_name": "Fonds",
                "cover_percentage": "150",
                "cover_cap": "5.000",
            },
        )
    assert cover.status_code == 422 and "must be more than 0 and at most 100 per cent" in cover.get_data(
        as_text=True
    )
    assert (_count(CollateralItem), _count(Appraisal)) == before


def test_appraisals_and_the_deed_on_the_item_page(client, login_as, session, bank: Bank):
    with clock.frozen(TODAY):
        item = service.register_item(
            session,
            {"kind": "pledge", "description": "Deck oven"},
            actor=bank.officer,
            loan=bank.loans[2],
        )
    session.commit()
    login_as("credit_officer")
    with clock.frozen(TODAY):
        future = client.post(
            f"/staff/collateral/{item.id}/appraisals",
            data={"appraised_on": "2027-01-01", "value": "10.000", "appraiser": "X"},
        )
        assert future.status_code == 422 and "must not be in the future" in future.get_data(as_text=True)
        ok = client.post(
            f"/staff/collateral/{item.id}/appraisals",
            data={"appraised_on": "2026-01-15", "value": "9.999,99", "appraiser": "Van Dijk Taxaties"},
        )
        assert ok.status_code == 302
        page = _text(client.get(f"/staff/collateral/{item.id}").get_data(as_text=True))
    # 9 999.99 × 0.50 = 4 999.995 → € 5.000,00.
    assert "€ 9.999,99" in page and "€ 5.000,00" in page
    import io

    upload = client.post(
        f"/staff/collateral/{item.id}/deed",
        data={"file": (io.BytesIO(b"%PDF-1.4 pandakte"), "pandakte.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    download = client.get(f"/staff/collateral/{item.id}/deed")
    assert download.status_code == 200 and download.data == b"%PDF-1.4 pandakte"
    assert "attachment" in download.headers["Content-Disposition"]


def test_the_committee_reads_the_register_on_its_review_and_cannot_write(
    client, login_as, session, bank: Bank
):
    world = bank.world
    with clock.frozen(TODAY):
        application = applications.create_draft(
            session,
            applicant=world.clt,
            product=world.land_product,
            actor=actor_of(world.teller),
            data=land_data(world),
        )
        applications.submit(session, application, actor=actor_of(world.teller))
        mortgage = service.register_item(
            session,
            {
                "kind": "mortgage",
                "rank": "1",
                "cadastral_reference": "Amsterdam K 1234",
                "registered_amount": "240000.00",
                "appraisal_appraised_on": "2026-02-20",
                "appraisal_value": "320000.00",
                "appraisal_appraiser": "Taxatiebureau Oost",
            },
            actor=bank.officer,
            application=application,
        )
        reviewed(session, application, world, recommended_rate_annual="4")
        committee.place_on_agenda(
            session, application, meeting(session, world, held_on=TODAY), actor=bank.officer
        )
    session.commit()
    login_as("committee")
    review = _text(client.get(f"/committee/applications/{application.id}").get_data(as_text=True))
    assert "Collateral" in review and "Amsterdam K 1234" in review and "€ 224.000,00" in review
    assert "Add mortgage" not in review
    assert client.get(f"/staff/collateral/{mortgage.id}").status_code == 200
    assert client.get(f"/staff/applications/{application.id}/collateral").status_code == 200
    refused = client.post(
        f"/staff/collateral/{mortgage.id}/appraisals",
        data={"appraised_on": "2026-02-21", "value": "1", "appraiser": "X"},
    )
    assert refused.status_code == 403
    assert client.get(f"/staff/applications/{application.id}/collateral/new").status_code == 403


def test_a_teller_sees_the_register_on_the_loan_page_but_not_its_pages(client, login_as, bank: Bank):
    login_as("teller")
    assert client.get(f"/staff/loans/{bank.loans[0].id}").status_code == 200
    assert client.get(f"/staff/loans/{bank.loans[0].id}/collateral").status_code == 403


def test_a_condition_is_linked_to_the_mortgage_on_the_application_page(client, login_as, session, bank: Bank):
    world = bank.world
    with clock.frozen(TODAY):
        application = applications.create_draft(
            session,
            applicant=world.clt,
            product=world.land_product,
            actor=actor_of(world.teller),
            data=land_data(world),
        )
        applications.submit(session, application, actor=actor_of(world.teller))
        mortgage = service.register_item(
            session,
            {
                "kind": "mortgage",
                "rank": "1",
                "cadastral_reference": "Amsterdam K 1234",
                "registered_amount": "240000.00",
            },
            actor=bank.officer,
            application=application,
        )
        reviewed(session, application, world, recommended_rate_annual="4")
        committee.place_on_agenda(
            session, application, meeting(session, world, held_on=TODAY), actor=bank.officer
        )
        for index, choice in enumerate(("approve", "approve", "abstain")):
            vote(session, application, world, index, choice)
        decision = committee.decide(
            session,
            application,
            actor=world.c(0),
            quorum=3,
            conditions=["Hypotheek eerste rang ingeschreven"],
        )
        condition_id = decision.conditions[0].id
    session.commit()
    login_as("credit_officer")
    response = client.post(
        f"/staff/applications/{application.id}/conditions/{condition_id}/collateral",
        data={"collateral_item_id": str(mortgage.id)},
    )
    assert response.status_code == 302
    page = _text(client.get(f"/staff/applications/{application.id}").get_data(as_text=True))
    assert "About: mortgage · rank 1 · Amsterdam K 1234" in page
    assert Decimal("240000.00") == mortgage.registered_amount


def test_the_overview_lists_every_secured_loan_with_ltv_recovery_and_lgd(
    client, login_as, session, bank: Bank
):
    with clock.frozen(TODAY):
        for loan, value in ((bank.loans[0], "250000.00"), (bank.loans[1], "125000.00")):
            service.register_item(
                session,
                {
                    "kind": "mortgage",
                    "rank": "1",
                    "cadastral_reference": "Amsterdam K 1234",
                    "registered_amount": "500000.00",
                    "appraisal_appraised_on": "2026-02-01",
                    "appraisal_value": value,
                    "appraisal_appraiser": "Taxateur",
                },
                actor=bank.officer,
                loan=loan,
            )
    session.commit()
    login_as("committee")
    with clock.frozen(TODAY):
        page = client.get("/staff/collateral")
    assert page.status_code == 200
    rows = re.findall(r"<tr>.*?</tr>", page.get_data(as_text=True), re.S)
    cells = [_text(row) for row in rows if "WL-" in row]
    # 200 000 on 250 000: LTV 80 %, recovery 175 000, LGD 12,5 %; 100 000 on 125 000: 87 500, 12,5 %.
    assert cells == [
        f"{bank.loans[0].number} Stichting Grondgemeenschap Oost"
        " € 200.000,00 € 250.000,00 80,00 % € 175.000,00 12,50 %",
        f"{bank.loans[1].number} Stichting Grondgemeenschap Oost"
        " € 100.000,00 € 125.000,00 80,00 % € 87.500,00 12,50 %",
    ]
    assert "€ 262.500,00" in _text(page.get_data(as_text=True))


def test_the_committee_reads_a_loans_register_without_links_to_pages_it_may_not_open(
    client, login_as, session, bank: Bank
):
    loan = bank.loans[0]
    with clock.frozen(TODAY):
        service.register_item(
            session,
            {
                "kind": "mortgage",
                "rank": "1",
                "cadastral_reference": "Amsterdam K 1234",
                "registered_amount": "1000",
            },
            actor=bank.officer,
            loan=loan,
        )
    session.commit()
    login_as("committee")
    html = client.get(f"/staff/loans/{loan.id}/collateral").get_data(as_text=True)
    assert f'href="/staff/loans/{loan.id}"' not in html and "Add mortgage" not in html
    for href in set(re.findall(r'href="(/staff/[^"?]+)"', html)):
        assert client.get(href).status_code == 200, href
    assert client.get(f"/staff/loans/{loan.id}").status_code == 403
