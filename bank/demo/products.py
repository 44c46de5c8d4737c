"""Demo step: the bank's loan products, defined by the demo administrator through the service.

Realistic for a neighbourhood bank: a start-up loan for worker co-ops (already at version 2 —
the committee raised its rate after the first half year), a land-trust purchase loan, a
bullet bridge loan, an association loan rounded to whole euros, a quarterly housing co-op
loan, and one retired product so the list shows every status.

What later steps find in the context: ``context.loan_products``: code -> the active version.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from sqlalchemy.orm import Session

from bank.actor import Actor
from bank.demo.context import DemoContext
from bank.loans import products
from bank.loans.products import ProductTerms
from bank.loans.products_models import FeeKind, LoanPurpose
from bank.loans.schedule import DayCount, Frequency, Method

ADMIN_EMAIL = "beheer@wijkbank.example"

D = Decimal

PRODUCTS: dict[str, ProductTerms] = {
    "COOP-START": ProductTerms(
        name_nl="Coöp Startlening",
        name_en="Co-op start-up loan",
        purpose=LoanPurpose.COOP_STARTUP,
        description="Voor werkcoöperaties die starten: tot 6 maanden aflossingsvrij.",
        amount_min=D("5000.00"),
        amount_max=D("75000.00"),
        term_min_months=24,
        term_max_months=84,
        forbearance_committee_above=D("25000.00"),
        rate_annual=D("0.06"),
        method=Method.ANNUITY,
        frequency=Frequency.MONTHLY,
        max_grace_periods=6,
        arrangement_fee_kind=FeeKind.PERCENT,
        arrangement_fee_rate=D("0.01"),
        late_fee=D("15.00"),
        penalty_rate_annual=D("0.02"),
        tolerance_days=5,
    ),
    "GRONDFONDS": ProductTerms(
        name_nl="Grondfonds aankoop",
        name_en="Land trust purchase",
        purpose=LoanPurpose.LAND_TRUST_PURCHASE,
        description="Aankoop van grond of panden door een community land trust; lineair per kwartaal.",
        amount_min=D("50000.00"),
        amount_max=D("1500000.00"),
        term_min_months=60,
        term_max_months=360,
        forbearance_committee_above=D("250000.00"),
        rate_annual=D("0.0375"),
        method=Method.LINEAR,
        frequency=Frequency.QUARTERLY,
        max_grace_periods=4,
        arrangement_fee_kind=FeeKind.FIXED,
        arrangement_fee_amount=D("750.00"),
        late_fee=D("50.00"),
        penalty_rate_annual=D("0.02"),
        tolerance_days=10,
    ),
    "OVERBRUG": ProductTerms(
        name_nl="Overbruggingslening",
        name_en="Bridge loan",
        purpose=LoanPurpose.OTHER,
        description="Kort krediet tot een subsidie binnen is: rente per maand, hoofdsom op het eind.",
        amount_min=D("2000.00"),
        amount_max=D("25000.00"),
        term_min_months=3,
        term_max_months=18,
        forbearance_committee_above=D("5000.00"),
        rate_annual=D("0.075"),
        method=Method.BULLET,
        frequency=Frequency.MONTHLY,
        arrangement_fee_kind=FeeKind.FIXED,
        arrangement_fee_amount=D("100.00"),
        late_fee=D("15.00"),
        penalty_rate_annual=D("0.03"),
        tolerance_days=5,
    ),
    "VERENIGING": ProductTerms(
        name_nl="Verenigingslening",
        name_en="Association loan",
        purpose=LoanPurpose.ASSOCIATION,
        description="Voor buurtverenigingen en sportclubs; termijnen in hele euro's.",
        amount_min=D("1000.00"),
        amount_max=D("25000.00"),
        term_min_months=12,
        term_max_months=60,
        forbearance_committee_above=D("10000.00"),
        rate_annual=D("0.05"),
        method=Method.ANNUITY,
        frequency=Frequency.MONTHLY,
        instalment_multiple=D("1.00"),
        late_fee=D("10.00"),
        tolerance_days=7,
    ),
    "WOONCOOP": ProductTerms(
        name_nl="Wooncoöperatie lening",
        name_en="Housing co-op loan",
        purpose=LoanPurpose.HOUSING_COOP,
        description="Aankoop of verbouwing door een wooncoöperatie; annuïtair per kwartaal.",
        amount_min=D("100000.00"),
        amount_max=D("2500000.00"),
        term_min_months=120,
        term_max_months=480,
        forbearance_committee_above=D("500000.00"),
        rate_annual=D("0.0425"),
        method=Method.ANNUITY,
        frequency=Frequency.QUARTERLY,
        max_grace_periods=8,
        day_count=DayCount.ACTUAL_365,
        arrangement_fee_kind=FeeKind.PERCENT,
        arrangement_fee_rate=D("0.005"),
        late_fee=D("50.00"),
        penalty_rate_annual=D("0.02"),
        tolerance_days=10,
    ),
    "ZONDAK-2025": ProductTerms(
        name_nl="Zonnedaklening 2025",
        name_en="Solar roof loan 2025",
        purpose=LoanPurpose.OTHER,
        description="Actie 2025 voor zonnepanelen op buurthuizen; afgesloten.",
        amount_min=D("2500.00"),
        amount_max=D("30000.00"),
        term_min_months=12,
        term_max_months=120,
        forbearance_committee_above=D("15000.00"),
        rate_annual=D("0.035"),
        method=Method.ANNUITY,
        frequency=Frequency.MONTHLY,
        late_fee=D("10.00"),
        tolerance_days=5,
    ),
}


def load_products(session: Session, context: DemoContext) -> None:
    admin = context.users[ADMIN_EMAIL]
    actor = Actor(user_id=admin.id, label=admin.email, role=admin.role)
    created = {
        code: products.create_product(session, code, terms, actor=actor) for code, terms in PRODUCTS.items()
    }
    # Half a year in, the committee raised the start-up loan's rate: version 2.
    raised = dataclasses.replace(PRODUCTS["COOP-START"], rate_annual=D("0.065"))
    created["COOP-START"] = products.edit_product(session, "COOP-START", raised, actor=actor)
    products.retire_product(session, "ZONDAK-2025", actor=actor)
    context.loan_products = {code: p for code, p in created.items() if p.is_active}
