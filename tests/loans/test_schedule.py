"""Worked schedules: each convention of bank.loans.schedule checked against numbers worked by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bank.calendar import add_months
from bank.errors import ValidationError
from bank.loans.schedule import (
    Schedule,
    build_schedule,
    build_schedules,
    days_30e_360,
    parse_terms,
)

D = Decimal


def schedule(**overrides: str) -> Schedule:
    raw = {
        "principal": "5000",
        "rate_annual": "12",
        "term": "18",
        "method": "annuity",
        "frequency": "monthly",
        "disbursed_on": "2022-11-01",
    }
    raw.update(overrides)
    result = build_schedule(parse_terms(raw))
    # Every worked example also holds for the vectorised path, to the cent.
    assert build_schedules([result.terms]).schedule(0) == result
    return result


def rows(result: Schedule) -> list[tuple[str, str, str, str, str]]:
    return [
        (str(i.due_on), str(i.principal), str(i.interest), str(i.total), str(i.balance_after))
        for i in result.instalments
    ]


def assert_closes(result: Schedule) -> None:
    assert result.total_principal == result.terms.principal
    assert result.instalments[-1].balance_after == D("0.00")
    balance = result.terms.principal
    for instalment in result.instalments:
        balance -= instalment.principal
        assert instalment.balance_after == balance


def test_the_issue_example_whole_euro_annuity():
    """5 000 at 12 % over 18 months, instalment rounded to whole euros: the JSON of the issue."""
    result = schedule(instalment_multiple="1")
    data = result.to_json()
    assert {k: v for k, v in data.items() if k != "instalments"} == {
        "instalment_amount": "305.00",
        "total_interest": "488.22",
        "total_due": "5488.22",
        "apr": "12.68",
    }
    assert data["instalments"][0] == {
        "number": 1,
        "due_on": "2022-12-01",
        "principal": "255.00",
        "interest": "50.00",
        "total": "305.00",
        "balance_after": "4745.00",
    }
    assert data["instalments"][1]["interest"] == "47.45"  # 4 745.00 × 1 %, half-up
    # The last instalment pays the remaining balance plus its interest: smaller than 305.00.
    assert data["instalments"][-1] == {
        "number": 18,
        "due_on": "2024-05-01",
        "principal": "300.22",
        "interest": "3.00",
        "total": "303.22",
        "balance_after": "0.00",
    }
    assert all(i["total"] == "305.00" for i in data["instalments"][:-1])
    assert_closes(result)


def test_annuity_rounded_to_the_cent():
    result = schedule()
    # 5000 × 0.01 / (1 − 1.01^−18) = 304.9097… → 304.91
    assert result.instalment_amount == D("304.91")
    assert rows(result)[0] == ("2022-12-01", "254.91", "50.00", "304.91", "4745.09")
    assert result.total_interest == D("488.41")
    assert_closes(result)


def test_linear_equal_principal_parts():
    result = schedule(principal="1200", term="12", method="linear")
    assert [i.principal for i in result.instalments] == [D("100.00")] * 12
    assert [i.interest for i in result.instalments] == [D(n) for n in range(12, 0, -1)]
    assert result.total_interest == D("78.00")
    assert result.instalment_amount == D("112.00")  # the first regular instalment
    assert_closes(result)


def test_linear_last_period_takes_the_remainder():
    result = schedule(principal="1000", term="3", method="linear", rate_annual="0")
    assert [i.principal for i in result.instalments] == [D("333.33"), D("333.33"), D("333.34")]
    assert_closes(result)


def test_bullet_pays_interest_then_the_principal():
    result = schedule(principal="10000", rate_annual="6", term="12", method="bullet")
    assert [i.total for i in result.instalments[:-1]] == [D("50.00")] * 11
    assert rows(result)[-1] == ("2023-11-01", "10000.00", "50.00", "10050.00", "0.00")
    assert result.instalment_amount == D("50.00")
    assert result.apr == D("6.17")  # (1.005)^12 − 1


def test_principal_grace_then_linear_quarterly_over_seven_years():
    """84 000 at 5 %, 28 quarters, the first 4 interest only, disbursed on 30 November."""
    result = schedule(
        principal="84000",
        rate_annual="5",
        term="28",
        frequency="quarterly",
        method="linear",
        grace_principal="4",
        disbursed_on="2023-11-30",
    )
    assert rows(result)[:6] == [
        ("2024-02-29", "0.00", "1050.00", "1050.00", "84000.00"),
        ("2024-05-30", "0.00", "1050.00", "1050.00", "84000.00"),
        ("2024-08-30", "0.00", "1050.00", "1050.00", "84000.00"),
        ("2024-11-30", "0.00", "1050.00", "1050.00", "84000.00"),
        ("2025-02-28", "3500.00", "1050.00", "4550.00", "80500.00"),
        ("2025-05-30", "3500.00", "1006.25", "4506.25", "77000.00"),
    ]
    assert result.total_interest == D("17325.00")
    assert_closes(result)


def test_annuity_with_grace_amortises_over_the_remaining_periods():
    result = schedule(principal="5000", term="21", grace_principal="3")
    assert [i.total for i in result.instalments[:3]] == [D("50.00")] * 3
    assert [i.principal for i in result.instalments[:3]] == [D("0.00")] * 3
    # The annuity runs over 18 periods on the full principal: the same 304.91 as without grace.
    assert result.instalment_amount == D("304.91")
    assert result.instalments[3].total == D("304.91")
    assert_closes(result)


def test_due_dates_clip_to_month_end_and_are_not_chained():
    result = schedule(principal="1200", term="5", method="linear", disbursed_on="2023-01-31")
    assert [str(i.due_on) for i in result.instalments] == [
        "2023-02-28",
        "2023-03-31",  # not the 28th: counted from the disbursement date, not chained
        "2023-04-30",
        "2023-05-31",
        "2023-06-30",
    ]


def test_leap_years():
    result = schedule(principal="1200", term="13", disbursed_on="2024-01-31")
    assert result.instalments[0].due_on == dt.date(2024, 2, 29)
    assert result.instalments[12].due_on == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 12) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 2, 29), 48) == dt.date(2028, 2, 29)


def test_rate_zero():
    result = schedule(principal="1000", term="3", rate_annual="0")
    assert result.instalment_amount == D("333.33")
    assert [i.total for i in result.instalments] == [D("333.33"), D("333.33"), D("333.34")]
    assert result.total_interest == D("0.00")
    assert result.apr == D("0.00")


def test_one_period():
    result = schedule(principal="1000", term="1")
    assert rows(result) == [("2022-12-01", "1000.00", "10.00", "1010.00", "0.00")]
    assert result.instalment_amount == D("1010.00")


def test_480_periods():
    result = schedule(principal="300000", rate_annual="4", term="480", disbursed_on="2024-02-29")
    assert len(result.instalments) == 480
    assert result.instalment_amount == D("1253.82")
    assert result.instalments[1].due_on == dt.date(2024, 4, 29)
    assert rows(result)[-1] == ("2064-02-29", "1244.36", "4.15", "1248.51", "0.00")
    assert result.total_interest == D("301828.29")
    assert_closes(result)


def test_interest_rounds_half_up_not_to_even():
    # 150.50 × 1 % = 1.505 → 1.51 (banker's rounding would give 1.50)
    result = schedule(principal="150.50", term="1")
    assert result.instalments[0].interest == D("1.51")
    # 250.50 × 1 % = 2.505 → 2.51 (a float would hold 2.50499999…)
    assert schedule(principal="250.50", term="1").instalments[0].interest == D("2.51")


def test_actual_365_uses_actual_days_and_the_last_instalment_absorbs_the_difference():
    bullet = schedule(
        principal="10000", term="3", method="bullet", day_count="actual/365", disbursed_on="2023-01-31"
    )
    # 28, 31 and 30 days: 10 000 × 12 % × days / 365
    assert [i.interest for i in bullet.instalments] == [D("92.05"), D("101.92"), D("98.63")]
    annuity = schedule(principal="10000", term="3", day_count="actual/365", disbursed_on="2023-01-31")
    assert annuity.instalment_amount == D("3400.22")  # the 30/360 payment
    assert rows(annuity) == [
        ("2023-02-28", "3308.17", "92.05", "3400.22", "6691.83"),
        ("2023-03-31", "3332.02", "68.20", "3400.22", "3359.81"),
        ("2023-04-30", "3359.81", "33.14", "3392.95", "0.00"),
    ]


def test_broken_first_period_uses_30e_360_days_and_later_dates_follow_the_first_due_date():
    result = schedule(principal="10000", term="4", disbursed_on="2023-01-15", first_due_on="2023-03-01")
    assert days_30e_360(dt.date(2023, 1, 15), dt.date(2023, 3, 1)) == 46
    assert rows(result) == [
        ("2023-03-01", "2409.48", "153.33", "2562.81", "7590.52"),  # 10 000 × 12 % × 46 / 360
        ("2023-04-01", "2486.90", "75.91", "2562.81", "5103.62"),
        ("2023-05-01", "2511.77", "51.04", "2562.81", "2591.85"),
        ("2023-06-01", "2591.85", "25.92", "2617.77", "0.00"),
    ]
    assert result.apr == D("12.70")


def test_first_due_date_one_period_after_disbursement_is_a_regular_period():
    regular = schedule(disbursed_on="2023-01-31")
    explicit = schedule(disbursed_on="2023-01-31", first_due_on="2023-02-28")
    amounts = [(i.principal, i.interest, i.balance_after) for i in regular.instalments]
    assert [(i.principal, i.interest, i.balance_after) for i in explicit.instalments] == amounts
    # The later dates follow the given first due date (the 28th), not the disbursement day.
    assert [str(i.due_on) for i in explicit.instalments[:3]] == ["2023-02-28", "2023-03-28", "2023-04-28"]
    assert [str(i.due_on) for i in regular.instalments[:3]] == ["2023-02-28", "2023-03-31", "2023-04-30"]


def test_days_30e_360_counts_the_31st_as_the_30th():
    assert days_30e_360(dt.date(2023, 1, 31), dt.date(2023, 3, 31)) == 60
    assert days_30e_360(dt.date(2023, 1, 30), dt.date(2023, 2, 28)) == 28


def test_a_long_broken_period_never_amortises_negatively():
    """30 years at 6 % with a 57-day first period: its interest exceeds the instalment."""
    result = schedule(
        principal="100000", rate_annual="6", term="360", disbursed_on="2023-01-01", first_due_on="2023-02-28"
    )
    first = result.instalments[0]
    assert result.instalment_amount == D("599.55")
    assert (first.principal, first.interest, first.total) == (D("0.00"), D("950.00"), D("950.00"))
    assert result.instalments[1].total == D("599.55")
    assert_closes(result)


def test_a_small_long_loan_that_is_repaid_early_ends_with_its_last_instalment():
    """Rounding 9.2064 up to 9.21 every month for 30 years repays 1 049.07 one month early."""
    result = schedule(principal="1049.07", rate_annual="10", term="360")
    assert len(result.instalments) == 359
    assert rows(result)[-1] == ("2052-10-01", "9.11", "0.08", "9.19", "0.00")
    assert_closes(result)


def test_apr_includes_fees():
    without = schedule(instalment_multiple="1")
    with_fee = schedule(instalment_multiple="1", fees="100")
    assert without.apr == D("12.68")
    assert with_fee.apr == D("15.69")
    assert with_fee.instalments == without.instalments


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("principal", "0", "must be greater than 0"),
        ("principal", "-5", "must be greater than 0"),
        ("principal", "100.001", "may have at most 2 decimals"),
        ("principal", "10000000.01", "must not exceed 10000000.00"),
        ("principal", "lots", "must be a number"),
        ("rate_annual", "-0.5", "must be between 0 and 30 per cent"),
        ("rate_annual", "30.01", "must be between 0 and 30 per cent"),
        ("rate_annual", "4.1234567", "may have at most 6 decimals"),
        ("term", "0", "between 1 and 480"),
        ("term", "481", "between 1 and 480"),
        ("term", "12.5", "between 1 and 480"),
        ("method", "balloon", "must be one of annuity, linear, bullet"),
        ("frequency", "weekly", "must be one of monthly, quarterly"),
        ("day_count", "actual/360", "must be one of 30/360, actual/365"),
        ("disbursed_on", "2023-02-30", "must be a date as YYYY-MM-DD"),
        ("first_due_on", "tomorrow", "must be a date as YYYY-MM-DD"),
        ("first_due_on", "2022-11-01", "must be after the disbursement date"),
        ("first_due_on", "2023-01-01", "must be at most two periods after disbursement"),
        ("grace_principal", "18", "must be less than the term (18 periods)"),
        ("grace_principal", "-1", "0 or more"),
        ("instalment_multiple", "0", "must be greater than 0"),
        ("fees", "5000", "must be less than the principal"),
    ],
)
def test_bad_input_names_the_field_and_the_rule(field, value, message):
    raw = {
        "principal": "5000",
        "rate_annual": "12",
        "term": "18",
        "method": "annuity",
        "frequency": "monthly",
        "disbursed_on": "2022-11-01",
        field: value,
    }
    with pytest.raises(ValidationError) as caught:
        build_schedule(parse_terms(raw))
    assert list(caught.value.fields) == [field]
    assert message in caught.value.fields[field]


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationError) as caught:
        parse_terms({"principal": "0", "rate_annual": "99", "term": "x", "disbursed_on": "soon"})
    assert set(caught.value.fields) == {"principal", "rate_annual", "term", "disbursed_on"}


def test_the_vectorised_path_handles_mixed_loans_in_one_batch():
    examples = [
        schedule(instalment_multiple="1"),
        schedule(principal="84000", rate_annual="5", term="28", frequency="quarterly", method="linear"),
        schedule(
            principal="10000", term="3", method="bullet", day_count="actual/365", disbursed_on="2023-01-31"
        ),
        schedule(principal="10000", term="4", disbursed_on="2023-01-15", first_due_on="2023-03-01"),
        schedule(principal="1049.07", rate_annual="10", term="360"),
        schedule(principal="1000", term="3", rate_annual="0"),
    ]
    batch = build_schedules([example.terms for example in examples])
    for index, example in enumerate(examples):
        assert batch.schedule(index) == example
    assert batch.due_on.shape == (6, 360)
    assert str(batch.due_on[0, 18]) == "NaT"
