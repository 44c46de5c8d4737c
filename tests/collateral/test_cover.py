"""cover_by_loan: worked examples to the cent, and loss given default from them.

Haircuts (``models.HAIRCUTS``): mortgage 30 %, pledge 50 %, personal guarantee 60 %, cover 0 %.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from applications.helpers import submitted_coop
from sqlalchemy import event

from bank import clock
from bank.collateral import queries, service
from bank.collateral.models import CollateralItem
from bank.db import engine_of

from .conftest import Bank

D = Decimal
ON = dt.date(2026, 3, 1)


def mortgage(session, bank: Bank, loan, *, registered: str, rank: int = 1, prior: str | None = None):
    data = {
        "kind": "mortgage",
        "rank": rank,
        "registered_amount": registered,
        "cadastral_reference": "Amsterdam K 1234",
        "description": "Dapperstraat 5",
    }
    if prior is not None:
        data["prior_claims"] = prior
    with clock.frozen(ON):
        return service.register_item(session, data, actor=bank.officer, loan=loan)


def appraise(
    session, bank: Bank, item: CollateralItem, on: dt.date, value: str, who: str = "Taxatiebureau Oost"
):
    with clock.frozen(ON):
        return service.add_appraisal(
            session, item, {"appraised_on": on, "value": value, "appraiser": who}, actor=bank.officer
        )


def cover(session, exposures: dict, on: dt.date = ON) -> dict:
    return queries.cover_by_loan(session, exposures, on)


def test_a_mortgage_counts_at_its_latest_appraisal_on_the_day_less_the_haircut(session, bank):
    loan = bank.loans[0]
    item = mortgage(session, bank, loan, registered="180000.00")
    appraise(session, bank, item, dt.date(2025, 1, 10), "250000.00")
    appraise(session, bank, item, dt.date(2026, 2, 1), "240000.00", who="Van Dijk Taxaties")
    exposure = {loan.id: D("200000.00")}
    # Before any appraisal the mortgage is worth nothing to the bank yet.
    assert cover(session, exposure, dt.date(2025, 1, 9)) == {loan.id: D("0.00")}
    # 250 000 × 0.70 = 175 000, under the inscription of 180 000.
    assert cover(session, exposure, dt.date(2025, 12, 31)) == {loan.id: D("175000.00")}
    # The appraisal of 1 February counts from that day: 240 000 × 0.70 = 168 000.
    assert cover(session, exposure, dt.date(2026, 1, 31)) == {loan.id: D("175000.00")}
    assert cover(session, exposure, dt.date(2026, 2, 1)) == {loan.id: D("168000.00")}
    assert cover(session, exposure) == {loan.id: D("168000.00")}
    # LGD = (200 000 − 168 000) / 200 000 = 0.16.
    assert queries.loss_given_default(D("200000.00"), D("168000.00")) == D("0.1600")


def test_a_mortgage_recovers_no_more_than_it_is_registered_for(session, bank):
    loan = bank.loans[1]
    item = mortgage(session, bank, loan, registered="100000.00")
    appraise(session, bank, item, dt.date(2025, 6, 1), "300000.00")
    # 300 000 × 0.70 = 210 000, capped at the registered 100 000.
    assert cover(session, {loan.id: D("100000.00")}) == {loan.id: D("100000.00")}
    assert queries.loss_given_default(D("100000.00"), D("100000.00")) == D("0")


def test_a_second_rank_mortgage_takes_what_the_first_leaves(session, bank):
    loan = bank.loans[0]
    item = mortgage(session, bank, loan, registered="50000.00", rank=2, prior="150000.00")
    appraise(session, bank, item, dt.date(2025, 6, 1), "250000.00")
    # 250 000 × 0.70 = 175 000, less 150 000 ahead of us = 25 000 (under our 50 000).
    assert cover(session, {loan.id: D("200000.00")}) == {loan.id: D("25000.00")}


def test_guarantee_fund_cover_is_a_percentage_up_to_its_cap_and_a_pledge_rounds_half_up(session, bank):
    loan = bank.loans[2]
    with clock.frozen(ON):
        service.register_item(
            session,
            {
                "kind": "guarantee_fund",
                "guarantor_name": "Borgstellingsfonds MKB",
                "cover_percentage": "50",
                "cover_cap": "15000.00",
            },
            actor=bank.officer,
            loan=loan,
        )
        pledge = service.register_item(
            session,
            {"kind": "pledge", "description": "Deck oven and cargo bike"},
            actor=bank.officer,
            loan=loan,
        )
    appraise(session, bank, pledge, dt.date(2026, 1, 15), "9999.99")
    # Fund: 50 % of 40 000 = 20 000, capped at 15 000. Pledge: 9 999.99 × 0.50 = 4 999.995 → 5 000.00.
    assert cover(session, {loan.id: D("40000.00")}) == {loan.id: D("20000.00")}
    # On a smaller exposure the percentage is under the cap: 50 % of 12 345.67 = 6 172.835 → 6 172.84.
    assert cover(session, {loan.id: D("12345.67")}) == {loan.id: D("11172.84")}
    # LGD = (40 000 − 20 000) / 40 000.
    assert queries.loss_given_default(D("40000.00"), D("20000.00")) == D("0.5000")


def test_several_items_never_cover_more_than_the_exposure(session, bank):
    loan = bank.loans[3]
    with clock.frozen(ON):
        service.register_item(
            session,
            {
                "kind": "municipal_guarantee",
                "guarantor_name": "Gemeente Amsterdam",
                "cover_percentage": "80",
                "cover_cap": "100000.00",
            },
            actor=bank.officer,
            loan=loan,
        )
        guarantee = service.register_item(
            session,
            {
                "kind": "personal_guarantee",
                "guarantor_name": "Bram Visser",
                "registered_amount": "10000.00",
                "appraisal_appraised_on": "2026-02-20",
                "appraisal_value": "30000.00",
                "appraisal_appraiser": "Kredietadviseur (vermogensopgave)",
            },
            actor=bank.officer,
            loan=loan,
        )
    item = mortgage(session, bank, loan, registered="60000.00")
    appraise(session, bank, item, dt.date(2025, 9, 1), "30000.00")
    # Municipality 80 % of 50 000 = 40 000; guarantor 30 000 × 0.40 = 12 000, capped at 10 000;
    # mortgage 30 000 × 0.70 = 21 000. Sum 71 000, but never more than the exposure of 50 000.
    assert cover(session, {loan.id: D("50000.00")}) == {loan.id: D("50000.00")}
    # The page shows the same lines and the same cover.
    register = queries.valuations(queries.register_of_loan(session, loan.id), D("50000.00"), ON)
    assert [line.recoverable for line in register.lines] == [D("21000.00"), D("40000.00"), D("10000.00")]
    assert register.cover == D("50000.00") and register.loss_given_default == D("0")
    assert guarantee.appraisals[0].value == D("30000.00")
    # Loan-to-value uses the market value of mortgages and pledges only: 50 000 / 30 000.
    assert register.market_value == D("30000.00") and register.loan_to_value == D("1.6667")


def test_two_appraisals_on_one_day_the_later_recorded_counts(session, bank):
    loan = bank.loans[1]
    item = mortgage(session, bank, loan, registered="200000.00")
    appraise(session, bank, item, dt.date(2026, 1, 5), "100000.00")
    appraise(session, bank, item, dt.date(2026, 1, 5), "120000.00", who="Second opinion")
    assert cover(session, {loan.id: D("100000.00")}) == {loan.id: D("84000.00")}


def test_every_loan_asked_is_answered_and_the_queries_do_not_grow_with_the_loans(session, bank):
    for index, loan in enumerate(bank.loans):
        item = mortgage(session, bank, loan, registered="500000.00")
        appraise(session, bank, item, dt.date(2026, 1, 1), f"{(index + 1) * 10000}.00")
    session.commit()
    statements: list[str] = []
    engine = engine_of(session)

    def count(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        exposures = {loan.id: D("20000.00") for loan in bank.loans}
        exposures[999_999] = D("5000.00")  # no such loan: no register
        exposures[bank.loans[0].id] = D("0.00")  # nothing owed: nothing to recover
        answer = cover(session, exposures)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert answer == {
        bank.loans[0].id: D("0.00"),
        bank.loans[1].id: D("14000.00"),
        bank.loans[2].id: D("20000.00"),
        bank.loans[3].id: D("20000.00"),
        999_999: D("0.00"),
    }
    assert len(statements) == 1
    assert cover(session, {}) == {}


def test_items_still_on_an_application_do_not_count_for_any_loan(session, bank):
    application = submitted_coop(session, bank.world)
    with clock.frozen(ON):
        service.register_item(
            session,
            {
                "kind": "pledge",
                "description": "Oven",
                "appraisal_appraised_on": "2026-02-01",
                "appraisal_value": "10000.00",
                "appraisal_appraiser": "Taxateur",
            },
            actor=bank.officer,
            application=application,
        )
    assert cover(session, {loan.id: D("1000.00") for loan in bank.loans}) == {
        loan.id: D("0.00") for loan in bank.loans
    }
