"""The collateral in the demo: on the land trust's loan a first-rank mortgage with its cadastral
reference, deed and two appraisals; guarantee-fund cover on a co-op start-up loan; a personal
guarantee; the housing co-op's condition pointing at its mortgage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from bank import clock, demo
from bank.collateral import queries
from bank.collateral.models import CollateralKind
from bank.committee import service as committee
from bank.loans.models import Loan

#: A fixed "today" so the story is the same on every day the suite runs.
TODAY = dt.date(2026, 11, 27)


def test_the_collateral_step_comes_after_the_loans_are_paid_out():
    steps = [step for _name, step in demo.STEPS]
    assert steps.index(demo.applications.load_applications) < steps.index(
        demo.collateral.collateral_through_the_year
    )


def test_the_land_trust_loan_is_secured_and_the_registers_read_true(session, tmp_path):
    context = demo.DemoContext(
        statement_dir=str(tmp_path / "statements"), upload_dir=str(tmp_path / "uploads")
    )
    with clock.frozen(TODAY):
        context.opened_on = TODAY.replace(year=TODAY.year - 1)
        for _name, step in demo.STEPS:
            step(session, context)
            session.flush()
            if step is demo.applications.load_applications:
                break
        demo.collateral.collateral_through_the_year(session, context)
        session.flush()

    clt = session.get(Loan, context.applications["clt"].loan_id)
    (mortgage,) = queries.register_of_loan(session, clt.id)
    assert mortgage.kind is CollateralKind.MORTGAGE and mortgage.rank == 1
    assert mortgage.cadastral_reference == "Amsterdam K 1234"
    assert [a.value for a in mortgage.appraisals] == [Decimal("320000.00"), Decimal("335000.00")]
    assert (tmp_path / "uploads" / mortgage.deed_stored_name).read_bytes().startswith(b"%PDF")
    # 335 000 × 0.70 = 234 500, under the inscription of 240 000.
    assert queries.cover_by_loan(session, {clt.id: Decimal("240000.00")}, TODAY) == {
        clt.id: Decimal("234500.00")
    }
    # Both conditions of the land trust's decision (deed, appraisal) point at the mortgage.
    decision = committee.decision_of(session, context.applications["clt"])
    assert [c.collateral_item_id for c in decision.conditions] == [mortgage.id, mortgage.id]

    solar = context.applications["solar"].loan_id
    (cover,) = queries.register_of_loan(session, solar)
    assert cover.kind is CollateralKind.GUARANTEE_FUND and cover.cover_percentage == Decimal("0.5")
    (guarantee,) = queries.register_of_loan(session, context.applications["bakery"].loan_id)
    assert guarantee.kind is CollateralKind.PERSONAL_GUARANTEE and guarantee.guarantor_member_id is not None

    housing = context.applications["housing"]
    assert housing.loan_id is None and housing.status.value == "approved"
    (housing_mortgage,) = queries.register_of_application(session, housing.id)
    assert [c.collateral_item_id for c in committee.open_conditions(session, housing)] == [
        housing_mortgage.id,
        None,
    ]
    catering = queries.register_of_application(session, context.applications["catering"].id)
    assert [item.kind for item in catering] == [CollateralKind.MUNICIPAL_GUARANTEE]
