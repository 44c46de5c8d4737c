"""Every figure of the municipal impact report, to the cent and the unit, for the world in world.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bank.errors import ValidationError
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.service import account_by_code
from bank.reports.impact import (
    BufferRow,
    JobsGroup,
    LoanGroup,
    PoolMoneyRow,
    impact_report,
    per_euro,
    postcode_area,
)

from .world import PERIOD, World

D = Decimal


def test_seed_capital_member_money_and_the_ratio(session, world: World):
    report = impact_report(session, *PERIOD)
    assert report.seed_capital == D("97500.00")  # 100 000 less the 2 500 the buffer absorbed
    assert report.buffers == (
        BufferRow("GRONDFONDS", "Grondfonds", D("20000.00"), D("0.00")),
        BufferRow("STARTFONDS", "Coöp Startfonds", D("2500.00"), D("2500.00")),
    )
    assert report.seed_deployed == D("22500.00")
    assert report.buffer_used == D("2500.00")
    # 3 000 + 1 000 in the Grondfonds, Bram's 2 000 less his 1 500 loss; Anna's October money not yet.
    assert report.member_money == D("4500.00")
    assert report.member_money == ledger_queries.balance(
        session, account_by_code(session, chart.POOL_PARTICIPATIONS).id, PERIOD[1]
    )
    assert report.pools == (
        PoolMoneyRow("GRONDFONDS", "Grondfonds", 2, D("4000.00")),
        PoolMoneyRow("STARTFONDS", "Coöp Startfonds", 1, D("500.00")),
    )
    assert report.member_money_per_seed_euro == D("0.20")
    assert report.member_investors == 2


def test_loans_by_purpose_and_neighbourhood(session, world: World):
    report = impact_report(session, *PERIOD)
    assert report.by_purpose == (
        LoanGroup("land_trust_purchase", 1, D("100000.00"), 1, D("97500.00")),
        LoanGroup("coop_startup", 1, D("20000.00"), 1, D("20000.00")),
    )
    assert report.by_area == (
        LoanGroup("1093", 1, D("100000.00"), 1, D("97500.00")),
        LoanGroup("1094", 1, D("20000.00"), 1, D("20000.00")),
    )
    assert (report.loans_disbursed, report.amount_disbursed) == (2, D("120000.00"))
    assert (report.loans_outstanding, report.outstanding) == (2, D("117500.00"))
    # A period before the bike-shop loan was written off still shows it as outstanding.
    earlier = impact_report(session, dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    assert earlier.by_purpose == (LoanGroup("coop_startup", 1, D("8000.00"), 1, D("8000.00")),)
    assert earlier.by_area == (LoanGroup("1094", 1, D("8000.00"), 1, D("8000.00")),)


def test_jobs_homes_and_land_latest_yearly_report_else_the_application(session, world: World):
    report = impact_report(session, *PERIOD)
    by_loan = {i.loan_number: i for i in report.loan_impacts}
    land = by_loan[world.land_loan.number]
    assert (land.jobs_created, land.jobs_kept, land.homes_secured, land.land_area_m2) == (1, 0, 6, 900)
    assert (land.source, land.year, land.area) == ("annual", 2026, "1093")
    coop = by_loan[world.coop_loan.number]
    # Its 2026 report came in on 10 October, after the period: the application's figures count.
    assert (coop.jobs_created, coop.jobs_kept, coop.source, coop.year) == (4, 2, "application", 2026)
    bike = by_loan[world.bike_loan.number]
    assert (bike.jobs_created, bike.jobs_kept, bike.source) == (0, 0, "none")
    assert report.jobs_by_purpose == (
        JobsGroup("coop_startup", 2, 4, 2, 0, 1),
        JobsGroup("land_trust_purchase", 1, 1, 0, 1, 0),
    )
    assert (report.jobs_created, report.jobs_kept) == (5, 2)
    assert [i.loan_number for i in report.land_loans] == [world.land_loan.number]
    assert (report.homes_secured, report.land_area_m2) == (6, 900)

    # To today: the bakery's yearly report counts; the bike shop, closed in July, still ran in the period.
    later = impact_report(session, dt.date(2026, 1, 1), dt.date(2026, 11, 28))
    coop_now = next(i for i in later.loan_impacts if i.loan_id == world.coop_loan.id)
    assert (coop_now.jobs_created, coop_now.jobs_kept, coop_now.source) == (5, 3, "annual")
    assert (later.jobs_created, later.jobs_kept) == (6, 3)
    # A period after the write-off leaves the bike shop out.
    december = impact_report(session, dt.date(2026, 8, 1), dt.date(2026, 11, 28))
    assert world.bike_loan.id not in {i.loan_id for i in december.loan_impacts}


def test_interest_paid_out_to_member_investors(session, world: World):
    report = impact_report(session, *PERIOD)
    assert report.interest_paid_out == D("78.70")  # Q2 37.50 + Q3 41.20; Q4 2025 falls outside
    assert (report.distributions, report.members_paid, report.member_investors) == (2, 2, 2)
    q4 = impact_report(session, dt.date(2025, 10, 1), dt.date(2025, 12, 31))
    assert (q4.interest_paid_out, q4.distributions, q4.members_paid) == (D("5.00"), 1, 1)


def test_losses_and_how_they_were_absorbed(session, world: World):
    report = impact_report(session, *PERIOD)
    (loss,) = report.losses
    assert loss.loan_number == world.bike_loan.number
    assert (loss.purpose, loss.area, loss.written_off_on) == ("coop_startup", "1094", dt.date(2026, 7, 15))
    assert loss.write_off_amount == D("8040.00")
    assert (loss.pool_code, loss.absorbed_by_buffer, loss.absorbed_by_participants) == (
        "STARTFONDS",
        D("2500.00"),
        D("1500.00"),
    )
    assert loss.absorbed_by_bank == D("4040.00")
    assert (
        report.write_off_total,
        report.loss_by_buffer,
        report.loss_by_participants,
        report.loss_by_bank,
    ) == (
        D("8040.00"),
        D("2500.00"),
        D("1500.00"),
        D("4040.00"),
    )
    # The ledger agrees: 5100 carries what the bank lost.
    impairment = account_by_code(session, chart.IMPAIRMENT_EXPENSE).id
    assert ledger_queries.balance(session, impairment, PERIOD[1]) == D("4040.00")
    assert impact_report(session, dt.date(2026, 8, 1), PERIOD[1]).losses == ()


def test_an_empty_bank_reports_zeros_and_no_ratio(session, frozen_today):
    report = impact_report(session, *PERIOD)
    assert report.seed_capital == D("0.00") and report.seed_deployed == D("0.00")
    assert report.member_money_per_seed_euro is None
    assert report.by_purpose == () and report.loan_impacts == () and report.losses == ()
    assert report.interest_paid_out == D("0.00") and report.member_investors == 0


def test_bad_periods_name_the_field(session, frozen_today):
    with pytest.raises(ValidationError) as error:
        impact_report(session, dt.date(2026, 9, 30), dt.date(2026, 1, 1))
    assert "period_start" in error.value.fields
    with pytest.raises(ValidationError) as error:
        impact_report(session, dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert error.value.fields == {"period_end": "must not lie in the future (today is 2026-11-28)"}


def test_helpers():
    assert postcode_area("1092 AB") == "1092"
    assert postcode_area("") == "----" and postcode_area(None) == "----"
    assert per_euro(D("4500.00"), D("22500.00")) == D("0.20")
    assert per_euro(D("1.00"), D("3.00")) == D("0.33")
    assert per_euro(D("2.00"), D("3.00")) == D("0.67")
    assert per_euro(D("1.00"), D("0.00")) is None
