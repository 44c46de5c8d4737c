"""Loan products: versions, retiring, the admin rule, audit, and preview bounds."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from bank.actor import Actor
from bank.audit.models import AuditEvent
from bank.errors import Conflict, NotFound, PermissionDenied, ValidationError
from bank.loans import products
from bank.loans.products_models import LoanProduct, ProductStatus
from bank.loans.schedule import build_schedule

from .product_factories import coop_startup_terms

TELLER = Actor(user_id=424242, label="teller@test", role="teller")


def test_create_then_edit_makes_a_new_version_and_keeps_the_old_one(session, actor):
    first = products.create_product(session, "coop-start", coop_startup_terms(), actor=actor)
    assert (first.code, first.version, first.status) == ("COOP-START", 1, ProductStatus.ACTIVE)
    second = products.edit_product(
        session, "COOP-START", coop_startup_terms(rate_annual=Decimal("0.07")), actor=actor
    )
    session.commit()
    assert (second.version, second.status, second.rate_annual) == (2, ProductStatus.ACTIVE, Decimal("0.07"))
    old = products.get_version(session, "COOP-START", 1)
    assert (old.status, old.rate_annual) == (ProductStatus.SUPERSEDED, Decimal("0.065"))
    assert [p.version for p in products.versions(session, "COOP-START")] == [2, 1]
    assert [p.version for p in products.list_products(session)] == [2]
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["loan_product.create", "loan_product.new_version"]


def test_an_edit_that_changes_nothing_is_refused(session, actor):
    products.create_product(session, "COOP-START", coop_startup_terms(), actor=actor)
    with pytest.raises(Conflict, match="Nothing changed"):
        products.edit_product(session, "COOP-START", coop_startup_terms(), actor=actor)


def test_retire_stops_new_loans_but_keeps_the_product_readable(session, actor):
    products.create_product(session, "COOP-START", coop_startup_terms(), actor=actor)
    products.create_product(session, "OTHER", coop_startup_terms(name_nl="Andere lening"), actor=actor)
    retired = products.retire_product(session, "COOP-START", actor=actor)
    session.commit()
    assert retired.status is ProductStatus.RETIRED and retired.retired_at is not None
    assert [p.code for p in products.active_products(session)] == ["OTHER"]
    assert [p.code for p in products.list_products(session)] == ["OTHER", "COOP-START"]
    with pytest.raises(ValidationError) as caught:
        products.active_product(session, "COOP-START")
    assert caught.value.fields == {"product_code": "COOP-START is retired and takes no new loans"}
    with pytest.raises(Conflict):
        products.edit_product(session, "COOP-START", coop_startup_terms(late_fee=Decimal("20")), actor=actor)
    with pytest.raises(Conflict):
        products.retire_product(session, "COOP-START", actor=actor)


def test_only_admins_define_products(session):
    with pytest.raises(PermissionDenied):
        products.create_product(session, "COOP-START", coop_startup_terms(), actor=TELLER)
    assert session.scalar(select(LoanProduct)) is None


def test_codes_are_unique_and_well_formed(session, actor):
    products.create_product(session, "COOP-START", coop_startup_terms(), actor=actor)
    with pytest.raises(ValidationError) as caught:
        products.create_product(session, "coop-start", coop_startup_terms(), actor=actor)
    assert caught.value.fields == {"code": "is already used by another product (COOP-START)"}
    with pytest.raises(ValidationError, match="letters, digits or dashes"):
        products.create_product(session, "coop start!", coop_startup_terms(), actor=actor)
    with pytest.raises(NotFound):
        products.current_version(session, "NOPE")


def test_a_product_version_never_changes_underneath_a_loan(session, actor):
    """A loan keeps pointing at version 1 and its terms after version 2 is saved."""
    first = products.create_product(session, "COOP-START", coop_startup_terms(), actor=actor)
    session.commit()
    first_id = first.id
    products.edit_product(session, "COOP-START", coop_startup_terms(rate_annual=Decimal("0.08")), actor=actor)
    session.commit()
    session.expire_all()
    assert session.get(LoanProduct, first_id).rate_annual == Decimal("0.065")


RAW_PRODUCT = {
    "name_nl": "Coöp Startlening",
    "name_en": "Co-op start-up loan",
    "purpose": "coop_startup",
    "amount_min": "5000.00",
    "amount_max": "75000",
    "term_min_months": "24",
    "term_max_months": "84",
    "rate_annual": "6.5",
    "method": "annuity",
    "frequency": "monthly",
    "max_grace_periods": "6",
    "instalment_multiple": "0.01",
    "day_count": "30/360",
    "arrangement_fee_kind": "percent",
    "arrangement_fee_amount": "0",
    "arrangement_fee_rate": "1",
    "late_fee": "15",
    "penalty_rate_annual": "2",
    "tolerance_days": "5",
    "allocation_order": "penalties,fees,interest,principal",
}


def test_parse_product_terms_from_a_form():
    assert products.parse_product_terms(RAW_PRODUCT) == coop_startup_terms(description="")


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"amount_max": "4000"}, "amount_max", "must be at least the minimum amount (5000.00)"),
        ({"term_min_months": "0"}, "term_min_months", "must be a whole number between 1 and 480"),
        ({"term_max_months": "12"}, "term_max_months", "must be at least the minimum term (24 months)"),
        ({"rate_annual": "31"}, "rate_annual", "must be between 0 and 30 per cent"),
        ({"method": "balloon"}, "method", "must be one of annuity, linear, bullet"),
        (
            {"frequency": "quarterly", "term_min_months": "25"},
            "term_min_months",
            "must be a multiple of 3 months",
        ),
        ({"max_grace_periods": "24"}, "max_grace_periods", "must leave at least one amortising period"),
        ({"arrangement_fee_rate": "12"}, "arrangement_fee_rate", "must be at most 10 per cent"),
        (
            {"allocation_order": "principal,interest"},
            "allocation_order",
            "must name penalties, fees, interest",
        ),
        ({"name_nl": " "}, "name_nl", "is required"),
        ({"amount_min": "abc"}, "amount_min", "must be a number, e.g. 1234.56"),
    ],
)
def test_bad_product_terms_name_the_field_and_rule(changes, field, rule):
    with pytest.raises(ValidationError) as caught:
        products.parse_product_terms({**RAW_PRODUCT, **changes})
    assert list(caught.value.fields) == [field]
    assert caught.value.fields[field].startswith(rule)


def test_preview_with_a_product_takes_its_terms_and_checks_its_bounds(session, actor):
    product = products.create_product(session, "COOP-START", coop_startup_terms(), actor=actor)
    raw = {"principal": "10000", "term": "36", "disbursed_on": "2026-01-15", "rate_annual": "29"}
    terms = products.preview_terms(product, raw)
    assert (terms.rate_annual, terms.method.value, terms.fees) == (
        Decimal("0.065"),
        "annuity",
        Decimal("100.00"),
    )
    schedule = build_schedule(terms)
    assert schedule.instalments[0].due_on == dt.date(2026, 2, 15)
    with pytest.raises(ValidationError) as caught:
        products.preview_terms(product, {**raw, "principal": "4999.99", "term": "23", "grace_principal": "7"})
    assert caught.value.fields == {
        "principal": "must be at least 5000.00 for COOP-START",
        "term": "must be at least 24 periods (24 months) for COOP-START",
        "grace_principal": "must be at most 6 periods for COOP-START",
    }


def test_preview_of_a_quarterly_product_counts_the_term_in_periods(session, actor):
    quarterly = coop_startup_terms(frequency=products.Frequency.QUARTERLY, max_grace_periods=2)
    product = products.create_product(session, "CLT", quarterly, actor=actor)
    raw = {"principal": "10000", "term": "28", "disbursed_on": "2026-01-15"}
    assert products.preview_terms(product, raw).term_months == 84
    with pytest.raises(ValidationError) as caught:
        products.preview_terms(product, {**raw, "term": "29"})
    assert caught.value.fields == {"term": "must be at most 28 periods (84 months) for CLT"}


def test_arrangement_fee_fixed_or_percent(session, actor):
    percent = products.create_product(session, "P", coop_startup_terms(), actor=actor)
    fixed = products.create_product(
        session,
        "F",
        dataclasses.replace(
            coop_startup_terms(),
            arrangement_fee_kind=products.FeeKind.FIXED,
            arrangement_fee_amount=Decimal("250"),
        ),
        actor=actor,
    )
    assert percent.arrangement_fee(Decimal("12345.50")) == Decimal("123.46")  # 1 %, half-up
    assert fixed.arrangement_fee(Decimal("12345.50")) == Decimal("250.00")


def test_demo_products_step(session, make_user):
    from bank.demo import products as demo_products
    from bank.demo.context import DemoContext

    admin = make_user("admin", email=demo_products.ADMIN_EMAIL)
    context = DemoContext(users={demo_products.ADMIN_EMAIL: session.get(type(admin), admin.id)})
    demo_products.load_products(session, context)
    session.commit()
    active = context.loan_products
    assert set(active) == {"COOP-START", "GRONDFONDS", "OVERBRUG", "VERENIGING", "WOONCOOP"}
    assert (active["COOP-START"].version, active["COOP-START"].rate_annual) == (2, Decimal("0.065"))
    assert active["OVERBRUG"].method.value == "bullet"
    assert products.current_version(session, "ZONDAK-2025").status is ProductStatus.RETIRED
    names = {p.name_nl for p in products.list_products(session)}
    assert {"Coöp Startlening", "Grondfonds aankoop", "Overbruggingslening", "Verenigingslening"} <= names
