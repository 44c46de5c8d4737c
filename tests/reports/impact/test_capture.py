"""Capturing impact: the application's expected figures (forms, disbursement copy) and the yearly reports."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from applications.helpers import TODAY as APPLICATION_DAY
from applications.helpers import actor_of, build_world, coop_data, land_data, on_agenda, reviewed, vote
from babel.numbers import format_decimal
from sqlalchemy import func, select

from bank import clock
from bank.actor import Actor
from bank.applications import service as applications
from bank.applications.models import LoanApplication
from bank.audit.models import AuditEvent
from bank.committee import service as committee
from bank.errors import PermissionDenied, ValidationError
from bank.extensions import db
from bank.lending import disbursement
from bank.loans import impact
from bank.loans.models import ImpactReport, ImpactSource
from bank.savings import service as savings
from bank.web.application_forms import DRAFT_AMOUNTS

from .world import OFFICER, World


def _dutch(amount: str) -> str:
    """A canonical amount as a Dutch page takes it ("30000.00" → "30.000,00")."""
    return format_decimal(Decimal(amount), format="#,##0.00", locale="nl")


def _form(data: dict) -> dict:
    """Application data as posted form fields, amounts typed the Dutch way (the page's language)."""
    form = {k: (_dutch(v) if k in DRAFT_AMOUNTS and v else v) for k, v in data.items() if k != "cost_lines"}
    for index, (description, amount) in enumerate(data["cost_lines"], start=1):
        form[f"cost_description_{index}"] = description
        form[f"cost_amount_{index}"] = _dutch(amount)
    return form


@pytest.fixture
def app_world(session, make_user):
    with clock.frozen(APPLICATION_DAY):
        yield build_world(session, make_user)


# ---------------------------------------------------------------------------------------------
# Expected impact on the application


def test_expected_impact_round_trips_through_the_service(session, app_world):
    application = applications.create_draft(
        session,
        applicant=app_world.clt,
        product=app_world.land_product,
        actor=app_world.officer_actor,
        data=land_data(
            app_world,
            jobs_created_expected="0",
            jobs_kept_expected="2",
            homes_expected="6",
            land_area_m2="850",
        ),
    )
    assert (
        application.jobs_created_expected,
        application.jobs_kept_expected,
        application.homes_expected,
        application.land_area_m2,
    ) == (0, 2, 6, 850)
    applications.update_draft(
        session, application, {"homes_expected": "", "land_area_m2": "900"}, actor=app_world.officer_actor
    )
    assert (application.homes_expected, application.land_area_m2, application.jobs_kept_expected) == (
        None,
        900,
        2,
    )
    with pytest.raises(ValidationError) as error:
        applications.update_draft(
            session,
            application,
            {"jobs_created_expected": "-1", "homes_expected": "drie", "land_area_m2": "100000001"},
            actor=app_world.officer_actor,
        )
    assert error.value.fields == {
        "jobs_created_expected": "must be a whole number",
        "homes_expected": "must be a whole number",
        "land_area_m2": "must be between 0 and 100000000",
    }
    assert (application.homes_expected, application.land_area_m2) == (None, 900)


def test_staff_form_asks_jobs_of_every_loan_and_homes_and_land_only_of_land_trusts(
    client, session, app_world, login_as, make_user
):
    login_as(user=make_user("credit_officer"))
    coop = applications.create_draft(
        session,
        applicant=app_world.bakery,
        product=app_world.coop_product,
        actor=app_world.officer_actor,
        data={},
    )
    land = applications.create_draft(
        session,
        applicant=app_world.clt,
        product=app_world.land_product,
        actor=app_world.officer_actor,
        data={},
    )
    session.commit()
    coop_page = client.get(f"/staff/applications/{coop.id}/edit").get_data(as_text=True)
    assert 'name="jobs_created_expected"' in coop_page and 'name="jobs_kept_expected"' in coop_page
    assert 'name="homes_expected"' not in coop_page and 'name="land_area_m2"' not in coop_page
    land_page = client.get(f"/staff/applications/{land.id}/edit").get_data(as_text=True)
    assert 'name="homes_expected"' in land_page and 'name="land_area_m2"' in land_page

    saved = client.post(
        f"/staff/applications/{land.id}/edit",
        data=_form(land_data(app_world, jobs_kept_expected="3", homes_expected="6", land_area_m2="850")),
    )
    assert saved.status_code == 302
    with db.new_session() as fresh:
        stored = fresh.get(LoanApplication, land.id)
        assert (stored.jobs_kept_expected, stored.homes_expected, stored.land_area_m2) == (3, 6, 850)
        assert stored.jobs_created_expected is None
    page = client.get(f"/staff/applications/{land.id}/edit").get_data(as_text=True)
    assert 'name="land_area_m2" type="number" value="850"' in page
    bad = client.post(
        f"/staff/applications/{land.id}/edit", data=_form(land_data(app_world, homes_expected="-2"))
    )
    assert bad.status_code == 422 and "must be a whole number" in bad.get_data(as_text=True)
    detail = client.get(f"/staff/applications/{land.id}").get_data(as_text=True)
    assert 'id="expected-impact"' in detail


def test_portal_form_has_the_jobs_fields(client, session, app_world, login_as, make_user):
    login_as(user=make_user("member", member_id=app_world.anna.id, email="anna.impact@example.org"))
    application = applications.create_draft(
        session,
        applicant=app_world.bakery,
        product=app_world.coop_product,
        actor=app_world.anna_actor,
        data={},
    )
    session.commit()
    url = f"/portal/applications/{application.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="jobs_created_expected"' in page and 'name="homes_expected"' not in page
    saved = client.post(
        url, data=_form(coop_data(app_world, jobs_created_expected="4", jobs_kept_expected="1"))
    )
    assert saved.status_code == 302
    with db.new_session() as fresh:
        stored = fresh.get(LoanApplication, application.id)
        assert (stored.jobs_created_expected, stored.jobs_kept_expected) == (4, 1)


def test_disbursement_copies_the_expected_impact_once(session, app_world):
    officer = app_world.officer_actor
    application = applications.create_draft(
        session,
        applicant=app_world.clt,
        product=app_world.land_product,
        actor=officer,
        data=land_data(app_world, jobs_kept_expected="1", homes_expected="6", land_area_m2="850"),
    )
    applications.submit(session, application, actor=officer)
    reviewed(session, application, app_world, recommended_rate_annual="4", proposed_conditions="")
    on_agenda(session, app_world, application)
    for index, choice in ((0, "approve"), (1, "approve"), (2, "abstain")):
        vote(session, application, app_world, index, choice)
    committee.decide(session, application, actor=app_world.c(0), quorum=3)
    savings.deposit(
        session, app_world.clt_account, "2000.00", key="clt-fee", actor=actor_of(app_world.teller)
    )
    loan = disbursement.disburse_directly(
        session, application, maker=officer, checker=actor_of(app_world.admin), key="impact-land"
    )
    records = session.scalars(select(ImpactReport).where(ImpactReport.loan_id == loan.id)).all()
    assert [
        (r.source, r.year, r.jobs_created, r.jobs_kept, r.homes_secured, r.land_area_m2) for r in records
    ] == [(ImpactSource.APPLICATION, APPLICATION_DAY.year, 0, 1, 6, 850)]
    assert records[0].reported_on == loan.disbursed_on == APPLICATION_DAY
    # Again (a retried approval, a repeated call): still one record, unchanged.
    application.homes_expected = 99
    impact.record_application_figures(session, loan, application, actor=officer)
    assert session.scalar(select(func.count()).select_from(ImpactReport)) == 1
    assert records[0].homes_secured == 6


# ---------------------------------------------------------------------------------------------
# Yearly reports


def _count(session) -> int:
    return session.scalar(select(func.count()).select_from(ImpactReport))


def test_yearly_report_validation_names_every_field_and_writes_nothing(session, world: World):
    before = _count(session)
    loan = world.coop_loan  # disbursed 2026-04-01; today 2026-11-28
    cases = [
        ({"year": 2025}, {"year": "must be between 2026 (the year the loan was paid out) and 2026"}),
        ({"year": 2027}, {"year": "must be between 2026 (the year the loan was paid out) and 2026"}),
        ({"year": "twee"}, {"year": "must be a year, e.g. 2026"}),
        ({"jobs_created": "-3"}, {"jobs_created": "must not be negative"}),
        ({"jobs_kept": "2.5"}, {"jobs_kept": "must be a whole number"}),
        ({"homes_secured": 1.0}, {"homes_secured": "must be a whole number"}),
        ({"land_area_m2": "100000001"}, {"land_area_m2": "must be at most 100000000"}),
        ({"on": dt.date(2026, 3, 1)}, {"reported_on": "must not be before the loan was paid out"}),
        ({"on": dt.date(2026, 12, 1)}, {"reported_on": "must not lie in the future"}),
        (
            {"year": 2030, "jobs_created": "-1", "notes": "x" * 2001},
            {
                "year": "must be between 2026 (the year the loan was paid out) and 2026",
                "jobs_created": "must not be negative",
                "notes": "may be at most 2000 characters",
            },
        ),
    ]
    for overrides, expected in cases:
        values = {"year": 2026, "jobs_created": 1, "jobs_kept": 1, "homes_secured": 0, "land_area_m2": 0}
        values.update(overrides)
        with pytest.raises(ValidationError) as error:
            impact.record_annual_report(session, loan, actor=OFFICER, **values)
        assert error.value.fields == expected, overrides
    assert _count(session) == before


def test_only_credit_officers_and_admins_record(session, world: World):
    teller = Actor(user_id=999, label="teller@test.example", role="teller")
    with pytest.raises(PermissionDenied):
        impact.record_annual_report(
            session, world.coop_loan, year=2026, jobs_created=1, jobs_kept=1, homes_secured=0, land_area_m2=0,
            actor=teller,
        )  # fmt: skip


def test_a_second_report_for_the_year_replaces_the_first_with_an_audit_record(session, world: World):
    loan = world.land_loan
    first = session.scalars(
        select(ImpactReport).where(
            ImpactReport.loan_id == loan.id, ImpactReport.source == ImpactSource.ANNUAL
        )
    ).one()
    assert (first.year, first.homes_secured, first.land_area_m2) == (2026, 6, 900)
    again = impact.record_annual_report(
        session,
        loan,
        year="2026",
        jobs_created="2",
        jobs_kept="",
        homes_secured="7",
        land_area_m2="950",
        notes="  corrected: a seventh home  ",
        actor=OFFICER,
    )
    assert again.id == first.id
    assert (again.jobs_created, again.jobs_kept, again.homes_secured, again.land_area_m2) == (2, 0, 7, 950)
    assert (again.notes, again.reported_on, again.recorded_by) == (
        "corrected: a seventh home",
        dt.date(2026, 11, 28),
        OFFICER.label,
    )
    events = session.scalars(
        select(AuditEvent)
        .where(AuditEvent.object_type == "loan", AuditEvent.object_id == str(loan.id))
        .where(AuditEvent.action.like("loan.impact_report.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert [e.action for e in events] == ["loan.impact_report.create", "loan.impact_report.update"]
    assert events[1].before["homes_secured"] == 6 and events[1].after["homes_secured"] == 7
    # The yearly report first, then what was expected.
    assert [(r.year, r.source.value) for r in impact.reports_for_loan(session, loan)] == [
        (2026, "annual"),
        (2026, "application"),
    ]
