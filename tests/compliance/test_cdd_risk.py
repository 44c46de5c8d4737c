"""The risk class is computed from facts by a pure function: worked examples and properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from bank.compliance import countries, risk
from bank.compliance.risk import RelationPurpose, RiskClass, RiskFacts, Sector

D = dt.date


def codes(outcome: risk.Outcome) -> set[str]:
    return {reason.code for reason in outcome.reasons}


def test_a_person_in_the_netherlands_without_factors_is_low() -> None:
    outcome = risk.assess(RiskFacts(is_organisation=False, residence_country="NL", nationality="NL"))
    assert outcome.risk_class is RiskClass.LOW
    assert codes(outcome) == {"no_risk_factors"}


def test_an_organisation_is_at_least_normal() -> None:
    outcome = risk.assess(RiskFacts(is_organisation=True, sector=Sector.FOOD_AND_RETAIL))
    assert outcome.risk_class is RiskClass.NORMAL
    assert codes(outcome) == {"organisation"}


def test_countries_outside_the_eea_and_on_the_eu_list() -> None:
    turkey = risk.assess(RiskFacts(is_organisation=False, residence_country="NL", nationality="TR"))
    assert turkey.risk_class is RiskClass.NORMAL
    assert turkey.reasons[0].params == {"country": "TR"}
    assert codes(turkey) == {"nationality_outside_eea"}
    belgium = risk.assess(RiskFacts(is_organisation=False, residence_country="BE", nationality="NO"))
    assert belgium.risk_class is RiskClass.LOW
    listed = risk.assess(RiskFacts(is_organisation=False, residence_country="NG"))
    assert listed.risk_class is RiskClass.HIGH
    assert codes(listed) == {"residence_high_risk_country"}


def test_pep_sanctions_sector_turnover_and_purpose() -> None:
    assert risk.assess(RiskFacts(is_organisation=False, pep=True)).risk_class is RiskClass.HIGH
    assert risk.assess(RiskFacts(is_organisation=False, sanctions_hit=True)).risk_class is RiskClass.HIGH
    crypto = risk.assess(RiskFacts(is_organisation=True, sector=Sector.CRYPTO_ASSETS))
    assert crypto.risk_class is RiskClass.HIGH and "high_risk_sector" in codes(crypto)
    # The threshold itself is not above it; a cent more is.
    at = risk.assess(RiskFacts(is_organisation=False, expected_monthly_turnover=Decimal("10000.00")))
    above = risk.assess(RiskFacts(is_organisation=False, expected_monthly_turnover=Decimal("10000.01")))
    assert at.risk_class is RiskClass.LOW and above.risk_class is RiskClass.HIGH
    assert above.reasons[0].params == {"amount": "10000.01", "threshold": "10000.00"}
    org = risk.assess(RiskFacts(is_organisation=True, expected_monthly_turnover=Decimal("50000.00")))
    assert org.risk_class is RiskClass.NORMAL
    assert (
        risk.assess(RiskFacts(is_organisation=False, purpose=RelationPurpose.THIRD_PARTY_FUNDS)).risk_class
        is RiskClass.HIGH
    )
    assert (
        risk.assess(RiskFacts(is_organisation=False, purpose=RelationPurpose.OTHER)).risk_class
        is RiskClass.NORMAL
    )


def test_review_dates_by_class() -> None:
    on = D(2026, 12, 4)
    assert risk.review_due_on(RiskClass.LOW, on) == D(2031, 12, 4)
    assert risk.review_due_on(RiskClass.NORMAL, on) == D(2029, 12, 4)
    assert risk.review_due_on(RiskClass.HIGH, on) == D(2027, 12, 4)
    assert risk.review_due_on(RiskClass.HIGH, D(2028, 2, 29)) == D(2029, 2, 28)


def test_the_high_risk_list_is_plain_data() -> None:
    assert D(2025, 6, 10) == countries.HIGH_RISK_LIST_DATE
    assert "KP" in countries.HIGH_RISK_THIRD_COUNTRIES and "IR" in countries.HIGH_RISK_THIRD_COUNTRIES
    assert countries.is_high_risk_third_country(" ng ")
    assert not countries.is_high_risk_third_country("NL")
    assert not countries.HIGH_RISK_THIRD_COUNTRIES & countries.EEA_COUNTRIES
    assert countries.is_country("NL") and not countries.is_country("XX")


country_codes = st.sampled_from(sorted(countries.COUNTRY_CODES))
facts = st.builds(
    RiskFacts,
    is_organisation=st.booleans(),
    residence_country=country_codes,
    nationality=st.none() | country_codes,
    pep=st.booleans(),
    sanctions_hit=st.booleans(),
    sector=st.none() | st.sampled_from(list(Sector)),
    expected_monthly_turnover=st.none() | st.decimals(min_value=0, max_value=10**7, places=2),
    purpose=st.none() | st.sampled_from(list(RelationPurpose)),
)


@given(facts)
def test_the_class_is_the_highest_reason_and_every_factor_counts(f: RiskFacts) -> None:
    outcome = risk.assess(f)
    assert outcome.reasons
    assert outcome.risk_class is max((r.risk_class for r in outcome.reasons), key=lambda c: c.rank)
    if f.is_organisation:
        assert outcome.risk_class is not RiskClass.LOW
    if f.pep or f.sanctions_hit or countries.is_high_risk_third_country(f.residence_country):
        assert outcome.risk_class is RiskClass.HIGH
    if outcome.risk_class is RiskClass.LOW:
        assert codes(outcome) == {"no_risk_factors"}


@given(facts, st.none() | st.sampled_from(list(RiskClass)))
def test_the_officer_may_raise_never_lower(f: RiskFacts, raised_to: RiskClass | None) -> None:
    computed = risk.assess(f).risk_class
    final = risk.final_class(computed, raised_to)
    assert final.rank >= computed.rank
    assert final.rank == max(computed.rank, raised_to.rank if raised_to else 0)
