"""The register's rules: bad input refused by field with nothing written, the carry-over to the
loan at payout, a committee condition pointing at an item, loan-to-value over time, who may write."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from applications.helpers import TODAY, actor_of, land_data, meeting, reviewed, vote
from sqlalchemy import func, select

from bank import clock
from bank.applications import service as applications
from bank.audit.models import AuditEvent
from bank.collateral import queries, service
from bank.collateral.models import Appraisal, CollateralItem
from bank.committee import service as committee
from bank.errors import PermissionDenied, ValidationError
from bank.lending import disbursement
from bank.savings import service as savings

from .conftest import Bank

D = Decimal
MORTGAGE = {
    "kind": "mortgage",
    "rank": "1",
    "registered_amount": "180000.00",
    "cadastral_reference": "Amsterdam K 1234",
}


def _counts(session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(CollateralItem)),
        session.scalar(select(func.count()).select_from(Appraisal)),
        session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("collateral.%"))
        ),
    )


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        ({**MORTGAGE, "rank": "0"}, "rank", "must be at least 1"),
        ({**MORTGAGE, "rank": "-2"}, "rank", "must be at least 1"),
        ({**MORTGAGE, "cadastral_reference": "somewhere"}, "cadastral_reference", "cadastral parcel"),
        ({**MORTGAGE, "registered_amount": "-5.00"}, "registered_amount", "must be greater than 0"),
        (
            {
                "kind": "guarantee_fund",
                "guarantor_name": "Fonds",
                "cover_percentage": "101",
                "cover_cap": "5000",
            },
            "cover_percentage",
            "at most 100 per cent",
        ),
        (
            {
                "kind": "municipal_guarantee",
                "guarantor_name": "Gemeente",
                "cover_percentage": "-1",
                "cover_cap": "5000",
            },
            "cover_percentage",
            "more than 0",
        ),
        (
            {
                "kind": "municipal_guarantee",
                "guarantor_name": "Gemeente",
                "cover_percentage": "0",
                "cover_cap": "5000",
            },
            "cover_percentage",
            "more than 0",
        ),
        ({"kind": "personal_guarantee", "registered_amount": "1000"}, "guarantor_name", "is required"),
        (
            {
                **MORTGAGE,
                "appraisal_appraised_on": "2026-03-03",
                "appraisal_value": "1000",
                "appraisal_appraiser": "X",
            },
            "appraisal_appraised_on",
            "must not be in the future",
        ),
        (
            {
                **MORTGAGE,
                "appraisal_appraised_on": "2026-03-01",
                "appraisal_value": "-1000",
                "appraisal_appraiser": "X",
            },
            "appraisal_value",
            "must not be negative",
        ),
        ({"kind": "castle"}, "kind", "must be one of"),
    ],
)
def test_bad_items_are_refused_by_field_and_nothing_is_written(session, bank: Bank, data, field, rule):
    before = _counts(session)
    with clock.frozen(TODAY), pytest.raises(ValidationError) as refused:
        service.register_item(session, data, actor=bank.officer, loan=bank.loans[0])
    assert field in refused.value.fields
    assert rule in str(refused.value.fields[field])
    session.rollback()
    assert _counts(session) == before


def _item(session, bank: Bank) -> CollateralItem:
    with clock.frozen(TODAY):
        item = service.register_item(session, MORTGAGE, actor=bank.officer, loan=bank.loans[0])
    session.commit()
    return item


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        (
            {"appraised_on": TODAY + dt.timedelta(days=1), "value": "1.00", "appraiser": "X"},
            "appraised_on",
            "future",
        ),
        ({"appraised_on": TODAY, "value": "-0.01", "appraiser": "X"}, "value", "must not be negative"),
        ({"appraised_on": TODAY, "value": "12,5", "appraiser": "X"}, "value", "must be a number"),
        ({"appraised_on": "yesterday", "value": "1.00", "appraiser": "X"}, "appraised_on", "must be a date"),
        ({"appraised_on": TODAY, "value": "1.00", "appraiser": " "}, "appraiser", "is required"),
    ],
)
def test_bad_appraisals_are_refused_by_field_and_nothing_is_written(session, bank: Bank, data, field, rule):
    item = _item(session, bank)
    before = _counts(session)
    with clock.frozen(TODAY), pytest.raises(ValidationError) as refused:
        service.add_appraisal(session, item, data, actor=bank.officer)
    assert rule in str(refused.value.fields[field])
    session.rollback()
    assert _counts(session) == before


def test_an_appraisal_of_today_and_of_zero_is_accepted_in_dutch_notation(session, bank: Bank):
    item = _item(session, bank)
    with clock.frozen(TODAY):
        service.add_appraisal(
            session,
            item,
            {"appraised_on": TODAY, "value": "250.000", "appraiser": "Taxateur"},
            actor=bank.officer,
            locale="nl",
        )
        service.add_appraisal(
            session, item, {"appraised_on": TODAY, "value": "0", "appraiser": "Brand"}, actor=bank.officer
        )
    assert [a.value for a in item.appraisals] == [D("250000.00"), D("0.00")]


def test_only_credit_officers_and_admins_write_the_register(session, bank: Bank):
    world = bank.world
    for user in (world.teller, world.committee_users[0], world.anna_user):
        with pytest.raises(PermissionDenied):
            service.register_item(session, MORTGAGE, actor=actor_of(user), loan=bank.loans[0])
    item = service.register_item(session, MORTGAGE, actor=actor_of(world.admin), loan=bank.loans[0])
    with pytest.raises(PermissionDenied):
        service.add_appraisal(
            session,
            item,
            {"appraised_on": TODAY, "value": "1", "appraiser": "X"},
            actor=world.c(0),
        )


def test_the_deed_is_checked_like_an_attachment(session, bank: Bank, tmp_path):
    item = _item(session, bank)
    with pytest.raises(ValidationError) as refused:
        service.attach_deed(
            session, item, filename="akte.pdf", content=b"MZ\x90\x00", upload_dir=tmp_path, actor=bank.officer
        )
    assert "program" in str(refused.value.fields["file"])
    service.attach_deed(
        session,
        item,
        filename="hypotheekakte.pdf",
        content=b"%PDF-1.4 deed",
        upload_dir=tmp_path,
        actor=bank.officer,
    )
    assert item.deed_original_name == "hypotheekakte.pdf" and item.deed_content_type == "application/pdf"
    assert (tmp_path / item.deed_stored_name).read_bytes() == b"%PDF-1.4 deed"


def test_loan_to_value_at_payout_each_appraisal_and_today(session, bank: Bank):
    loan = bank.loans[1]  # 100 000 paid out on 2025-07-01
    with clock.frozen(TODAY):
        item = service.register_item(
            session,
            {
                **MORTGAGE,
                "appraisal_appraised_on": "2025-06-15",
                "appraisal_value": "125000.00",
                "appraisal_appraiser": "Taxatiebureau Oost",
            },
            actor=bank.officer,
            loan=loan,
        )
        service.add_appraisal(
            session,
            item,
            {"appraised_on": "2026-01-10", "value": "160000.00", "appraiser": "Van Dijk"},
            actor=bank.officer,
        )
    points = queries.loan_to_value_history(session, loan, queries.register_of_loan(session, loan.id), TODAY)
    assert [(p.on, p.reason, p.principal, p.market_value, p.loan_to_value) for p in points] == [
        (dt.date(2025, 7, 1), "disbursed", D("100000.00"), D("125000.00"), D("0.8000")),
        (dt.date(2026, 1, 10), "appraisal", D("100000.00"), D("160000.00"), D("0.6250")),
        (TODAY, "today", D("100000.00"), D("160000.00"), D("0.6250")),
    ]


def test_items_of_the_application_carry_over_to_the_loan_and_a_condition_points_at_the_mortgage(
    session, bank: Bank
):
    world = bank.world
    officer = world.officer_actor
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
                **MORTGAGE,
                "registered_amount": "240000.00",
                "appraisal_appraised_on": "2026-02-20",
                "appraisal_value": "320000.00",
                "appraisal_appraiser": "Taxatiebureau Oost",
            },
            actor=officer,
            application=application,
        )
        reviewed(
            session,
            application,
            world,
            recommended_rate_annual="4",
            proposed_conditions="Hypotheek eerste rang ingeschreven",
        )
        committee.place_on_agenda(session, application, meeting(session, world, held_on=TODAY), actor=officer)
        for index, choice in enumerate(("approve", "approve", "abstain")):
            vote(session, application, world, index, choice)
        decision = committee.decide(
            session,
            application,
            actor=world.c(0),
            quorum=3,
            conditions=["Hypotheek eerste rang ingeschreven", "Statuten gedeponeerd"],
            condition_items={1: mortgage.id},
        )
        first, second = decision.conditions
        assert first.collateral_item_id == mortgage.id and second.collateral_item_id is None
        # The credit officer points the second at it too, then at nothing again.
        committee.point_condition_at(session, second, mortgage.id, actor=officer)
        assert second.collateral_item is mortgage
        committee.point_condition_at(session, second, None, actor=officer)
        assert second.collateral_item_id is None
        with pytest.raises(PermissionDenied):
            committee.point_condition_at(session, second, mortgage.id, actor=world.c(1))
        # Only an item of this application's own register.
        other = service.register_item(session, MORTGAGE, actor=officer, loan=bank.loans[0])
        with pytest.raises(ValidationError) as refused:
            committee.point_condition_at(session, second, other.id, actor=officer)
        assert "collateral_item_id" in refused.value.fields
        for condition in decision.conditions:
            committee.tick_condition(session, condition, actor=officer, evidence_note="akte ingeschreven")
        savings.deposit(session, world.clt_account, "2000.00", key="clt-fee", actor=actor_of(world.teller))
        loan = disbursement.disburse_directly(
            session, application, maker=officer, checker=actor_of(world.admin), key="land"
        )
    assert mortgage.loan_id == loan.id and mortgage.application_id == application.id
    assert queries.register_of_loan(session, loan.id) == [mortgage]
    assert queries.register_of_application(session, application.id) == [mortgage]
    # 320 000 × 0.70 = 224 000 under the inscription of 240 000: LGD on 240 000 = 16 000 / 240 000.
    assert queries.cover_by_loan(session, {loan.id: D("240000.00")}, TODAY) == {loan.id: D("224000.00")}
    # A paid-out application takes no more items: they go on the loan.
    with pytest.raises(ValidationError, match="add the item to its loan"):
        service.register_item(session, MORTGAGE, actor=officer, application=application)
