"""Demo: the collateral register (zekerheden) on the applications and loans that have security.

The credit officer registers the securities while preparing an application
(:func:`register_on_application`, called by the applications step right after the review), the
committee's conditions about them point at them (:func:`condition_items`), and at payout they
carry over to the loan. Later in the year (:func:`collateral_through_the_year`) the deeds come
back from the notary, the land trust's building is appraised again, and the cleaning co-op's van
is pledged on its running loan.

What it shows: a first-rank mortgage with a cadastral reference and two appraisals on the land
trust's loan, a personal guarantee by the bakery's chair, guarantee-fund cover on the solar
co-op's start-up loan, municipal cover on the catering co-op's application before the committee,
a mortgage on the housing co-op's approved offer with its condition pointing at it, and a pledge.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.applications.models import LoanApplication
from bank.auth.service import actor_for
from bank.collateral import queries, service
from bank.collateral.models import CollateralItem, CollateralKind
from bank.demo.context import DemoContext
from bank.loans.models import Loan

OFFICER = "krediet@wijkbank.example"
APPRAISER = "Taxatiebureau Oost-Watergraafsmeer"

#: The securities registered on each plan's application (by the demo's application keys), with
#: the first appraisal's value; ``appraised_days_before`` the review.
ON_APPLICATION: dict[str, tuple[dict[str, Any], ...]] = {
    "bakery": (
        {
            "kind": "personal_guarantee",
            "guarantor": "chair",
            "registered_amount": "10000.00",
            "description": "Borgtocht voor de tweede steenoven",
            "appraisal_value": "30000.00",
            "appraisal_appraiser": "Kredietadviseur (vermogensopgave van de borg)",
        },
    ),
    "solar": (
        {
            "kind": "guarantee_fund",
            "guarantor_name": "Stichting Borgstellingsfonds Coöperaties",
            "cover_percentage": "50",
            "cover_cap": "25000.00",
            "description": "Borgstelling voor startende energiecoöperaties",
        },
    ),
    "clt": (
        {
            "kind": "mortgage",
            "rank": "1",
            "cadastral_reference": "Amsterdam K 1234",
            "registered_amount": "240000.00",
            "description": "Bedrijfspand Dapperstraat 41",
            "appraisal_value": "320000.00",
            "appraisal_appraiser": APPRAISER,
        },
    ),
    "housing": (
        {
            "kind": "mortgage",
            "rank": "1",
            "cadastral_reference": "Amsterdam L 5678",
            "registered_amount": "450000.00",
            "description": "Woonblok Wagenaarstraat 2-24",
            "appraisal_value": "640000.00",
            "appraisal_appraiser": APPRAISER,
        },
    ),
    "catering": (
        {
            "kind": "municipal_guarantee",
            "guarantor_name": "Gemeente Amsterdam (garantieregeling startende coöperaties)",
            "cover_percentage": "60",
            "cover_cap": "15000.00",
        },
    ),
}
#: Conditions that are about a mortgage (its deed, its appraisal) point at it.
MORTGAGE_WORDS = ("hypotheek", "taxatie")


def _officer(context: DemoContext) -> Actor:
    return actor_for(context.users[OFFICER])


def register_on_application(
    session: Session, context: DemoContext, key: str, application: LoanApplication, *, org: str, actor: Actor
) -> list[CollateralItem]:
    """The securities of plan ``key`` (of organisation ``org``) on its application, appraised ten
    days before today (the clock: the day of the review)."""
    made = []
    appraised_on = clock.today() - dt.timedelta(days=10)
    for spec in ON_APPLICATION.get(key, ()):
        data = {name: value for name, value in spec.items() if name != "guarantor"}
        if spec.get("guarantor") == "chair":
            representatives = context.representatives.get(org)
            if not representatives:
                continue
            chair = representatives[0]
            data["guarantor_name"] = chair.full_name
            data["guarantor_member_id"] = str(chair.id)
        if "appraisal_value" in data:
            data["appraisal_appraised_on"] = appraised_on.isoformat()
        made.append(service.register_item(session, data, actor=actor, application=application))
    return made


def condition_items(session: Session, application: LoanApplication, conditions: list[str]) -> dict[int, int]:
    """Which of the decision's conditions (by position) are about the application's mortgage."""
    mortgages = [
        item
        for item in queries.register_of_application(session, application.id)
        if item.kind is CollateralKind.MORTGAGE
    ]
    if not mortgages:
        return {}
    return {
        position: mortgages[0].id
        for position, text in enumerate(conditions, start=1)
        if any(word in text.lower() for word in MORTGAGE_WORDS)
    }


def deed_pdf(item: CollateralItem, signed_on: dt.date) -> bytes:
    """A one-page PDF standing in for the notary's deed."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    title = "Akte van hypotheekstelling" if item.kind is CollateralKind.MORTGAGE else "Akte van verpanding"
    lines = [
        title,
        "Notariskantoor Oost-Watergraafsmeer",
        f"Kadastrale aanduiding: {item.cadastral_reference or '-'}",
        f"Rang: {item.rank or '-'}   Ingeschreven voor: EUR {item.registered_amount or '-'}",
        f"Omschrijving: {item.description}",
        f"Datum: {signed_on.strftime('%d-%m-%Y')}",
    ]
    for number, line in enumerate(lines):
        page.drawString(72, 770 - 24 * number, line)
    page.showPage()
    page.save()
    return buffer.getvalue()


def _loan_of(session: Session, context: DemoContext, key: str) -> Loan | None:
    application = context.applications.get(key)
    if application is None or application.loan_id is None:
        return None
    return session.get(Loan, application.loan_id)


def collateral_through_the_year(session: Session, context: DemoContext) -> None:
    """Deeds from the notary, the land trust's building appraised again, a pledge on a running loan."""
    officer = _officer(context)
    today = clock.today()
    upload_dir = context.upload_folder()
    # The notary sends the deeds of the mortgages inscribed at the payout (and the approved offer's).
    for key in ("clt", "housing"):
        application = context.applications.get(key)
        if application is None:
            continue
        loan = _loan_of(session, context, key)
        signed_on = loan.disbursed_on if loan is not None else today - dt.timedelta(days=2)
        for item in queries.register_of_application(session, application.id):
            if item.kind is CollateralKind.MORTGAGE and item.deed_stored_name is None:
                with clock.frozen(signed_on):
                    service.attach_deed(
                        session,
                        item,
                        filename=f"hypotheekakte-{key}.pdf",
                        content=deed_pdf(item, signed_on),
                        upload_dir=upload_dir,
                        actor=officer,
                    )
    # The land trust's building, appraised again six weeks ago after the renovation of the roof.
    clt_loan = _loan_of(session, context, "clt")
    if clt_loan is not None:
        for item in queries.register_of_loan(session, clt_loan.id):
            if item.kind is CollateralKind.MORTGAGE:
                reappraised_on = max(today - dt.timedelta(days=42), clt_loan.disbursed_on)
                with clock.frozen(reappraised_on):
                    service.add_appraisal(
                        session,
                        item,
                        {
                            "appraised_on": reappraised_on,
                            "value": "335000.00",
                            "appraiser": "Van Dijk Taxaties",
                            "note": "Hertaxatie na vernieuwing van het dak.",
                        },
                        actor=officer,
                    )
    # The cleaning co-op pledges its van on its running start-up loan.
    cleaning_loan = _loan_of(session, context, "cleaning")
    if cleaning_loan is not None:
        pledged_on = max(today - dt.timedelta(days=60), cleaning_loan.disbursed_on)
        with clock.frozen(pledged_on):
            service.register_item(
                session,
                {
                    "kind": "pledge",
                    "description": "Bestelbus Volkswagen Caddy, kenteken V-123-XB",
                    "appraisal_appraised_on": pledged_on.isoformat(),
                    "appraisal_value": "11000.00",
                    "appraisal_appraiser": "BOVAG-taxateur Autobedrijf Oost",
                },
                actor=officer,
                loan=cleaning_loan,
            )
