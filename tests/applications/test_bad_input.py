"""Bad input of the issue: each refused with a clear message naming the field, nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bank.applications import service as applications
from bank.applications.models import ApplicationStatus as S
from bank.applications.models import ApplicationTransition, LoanApplication
from bank.audit.models import AuditEvent
from bank.errors import InvalidTransition, NotFound, ValidationError

from .helpers import actor_of, coop_data, land_data


def _counts(session) -> tuple[int, int, int]:
    return (
        session.scalar(select(func.count()).select_from(LoanApplication)),
        session.scalar(select(func.count()).select_from(ApplicationTransition)),
        session.scalar(select(func.count()).select_from(AuditEvent)),
    )


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"amount": "4999.99"}, "amount", "must be between 5000.00 and 75000.00"),
        ({"amount": "80000"}, "amount", "must be between"),
        ({"amount": "12345.678"}, "amount", "at most 2 decimals"),
        (
            {"amount": "12.000"},
            "amount",
            "at most 2 decimals",
        ),  # the domain reads the canonical notation only
        ({"amount": "-5"}, "amount", "must be greater than 0"),
        ({"term_months": "12"}, "term_months", "between 24 and 84 months"),
        ({"term_months": "two years"}, "term_months", "whole number"),
        ({"grace_periods": "7"}, "grace_periods", "at most 6 periods"),
        ({"repayment_account_id": "999999"}, "repayment_account_id", "applicant's own deposit accounts"),
        ({"cost_lines": [("", "100.00")]}, "cost_lines-1", "needs a description"),
        ({"cost_lines": [("Oven", "lots")]}, "cost_lines-1", "must be a number"),
        ({"worker_members": "-1"}, "worker_members", "whole number"),
        ({"purpose_text": "x" * 4001}, "purpose_text", "at most 4000"),
    ],
)
def test_bad_draft_input_is_refused_and_nothing_is_written(session, world, overrides, field, rule):
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        applications.create_draft(
            session,
            applicant=world.bakery,
            product=world.coop_product,
            actor=world.anna_actor,
            data=coop_data(world, **overrides),
        )
    assert rule in refused.value.fields[field]
    assert _counts(session) == before


def test_an_account_of_another_member_is_refused(session, world):
    with pytest.raises(ValidationError, match="repayment_account_id"):
        applications.create_draft(
            session,
            applicant=world.bakery,
            product=world.coop_product,
            actor=world.anna_actor,
            data=coop_data(world, repayment_account_id=str(world.anna_account.id)),
        )


def test_cost_lines_that_do_not_add_up_are_refused_on_submit(session, world):
    application = applications.create_draft(
        session,
        applicant=world.bakery,
        product=world.coop_product,
        actor=world.anna_actor,
        data=coop_data(world, cost_lines=[("Oven", "20000.00")]),
    )
    before = _counts(session)
    with pytest.raises(ValidationError) as refused:
        applications.submit(session, application, actor=world.anna_actor)
    assert refused.value.fields["cost_lines"] == (
        "add up to 20000.00 but must equal the amount plus the own contribution"
        " (30000.00 + 5000.00 = 35000.00)"
    )
    assert application.status is S.DRAFT and _counts(session) == before


def test_missing_fields_are_all_named_on_submit(session, world):
    application = applications.create_draft(
        session, applicant=world.clt, product=world.land_product, actor=actor_of(world.teller)
    )
    with pytest.raises(ValidationError) as refused:
        applications.submit(session, application, actor=actor_of(world.teller))
    assert {
        "amount",
        "term_months",
        "purpose_text",
        "repayment_account_id",
        "cost_lines",
        "property_address",
        "cadastral_reference",
        "purchase_price",
        "appraisal_value",
        "own_funds",
    } <= set(refused.value.fields)
    assert application.status is S.DRAFT


@pytest.mark.parametrize(
    ("overrides", "field", "rule"),
    [
        ({"cadastral_reference": "somewhere"}, "cadastral_reference", "cadastral parcel"),
        ({"notary_iban": "NL00BANK0000000000"}, "notary_iban", "not a valid IBAN"),
        ({"term_months": "100"}, "term_months", "multiple of 3 months"),
        ({"amount": "1000000"}, "amount", "must be between 50000.00 and 500000.00"),
    ],
)
def test_bad_land_input_is_refused(session, world, overrides, field, rule):
    with pytest.raises(ValidationError) as refused:
        applications.create_draft(
            session,
            applicant=world.clt,
            product=world.land_product,
            actor=actor_of(world.teller),
            data=land_data(world, **overrides),
        )
    assert rule in refused.value.fields[field]


def test_a_member_cannot_apply_for_or_touch_someone_elses_application(session, world):
    bram = actor_of(world.bram_user)
    with pytest.raises(NotFound):
        applications.create_draft(session, applicant=world.bakery, product=world.coop_product, actor=bram)
    application = applications.create_draft(
        session,
        applicant=world.bakery,
        product=world.coop_product,
        actor=world.anna_actor,
        data=coop_data(world),
    )
    for attempt in (
        lambda: applications.update_draft(session, application, {"amount": "6000"}, actor=bram),
        lambda: applications.submit(session, application, actor=bram),
        lambda: applications.withdraw(session, application, actor=bram),
    ):
        with pytest.raises(NotFound):
            attempt()
    assert application.status is S.DRAFT and application.amount == 30000


def test_a_submitted_application_cannot_be_edited(session, world):
    application = applications.create_draft(
        session,
        applicant=world.bakery,
        product=world.coop_product,
        actor=world.anna_actor,
        data=coop_data(world),
    )
    applications.submit(session, application, actor=world.anna_actor)
    with pytest.raises(InvalidTransition, match="only a draft or a returned application can be changed"):
        applications.update_draft(session, application, {"amount": "6000"}, actor=world.anna_actor)
