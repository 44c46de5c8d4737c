"""Each rule fires at its threshold and not a cent below, over the day's postings, once per key."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from bank.actor import Actor
from bank.compliance import due_diligence
from bank.monitoring import rules, service
from bank.monitoring.countries import HIGH_RISK_COUNTRIES, country_of_iban
from bank.monitoring.models import AlertItem, RuleCode

from .conftest import MC_IBAN, MONDAY, World


def test_a_cash_deposit_of_10_000_fires_and_9_999_99_does_not(world: World):
    anna, anna_account = world.member("Bakker")
    _bram, bram_account = world.member("Visser")
    _carla, carla_account = world.member("Smit")
    at_threshold = world.deposit(anna_account, "10000.00", MONDAY, cash=True)
    world.deposit(bram_account, "9999.99", MONDAY, cash=True)
    # The same amount received by transfer is no cash deposit.
    world.deposit(carla_account, "25000.00", MONDAY)

    assert world.run(MONDAY)[RuleCode.CASH_DEPOSIT] == (1, 1)

    [alert] = world.alerts(RuleCode.CASH_DEPOSIT)
    assert (alert.member_id, alert.amount, alert.key_on) == (anna.id, Decimal("10000.00"), MONDAY)
    assert [(i.entry_id, i.amount, i.direction, i.kind) for i in alert.items] == [
        (at_threshold, Decimal("10000.00"), "in", "cash_deposit")
    ]


def test_the_close_day_run_again_raises_no_second_alert(world: World):
    _, account = world.member()
    world.deposit(account, "12500.00", MONDAY, cash=True)
    assert world.run(MONDAY)[RuleCode.CASH_DEPOSIT] == (1, 1)
    assert world.run(MONDAY)[RuleCode.CASH_DEPOSIT] == (1, 0)
    assert len(world.alerts()) == 1
    assert world.session.scalar(select(AlertItem.id).where(AlertItem.amount == Decimal("1"))) is None


def test_a_rule_switched_off_finds_nothing(world: World):
    _, account = world.member()
    world.deposit(account, "12500.00", MONDAY, cash=True)
    world.rule(RuleCode.CASH_DEPOSIT).active = False
    assert RuleCode.CASH_DEPOSIT not in world.run(MONDAY)
    assert world.alerts() == []


def test_structuring_three_deposits_just_below_10_000_within_seven_days(world: World):
    member, account = world.member()
    first = world.deposit(account, "8000.00", MONDAY)  # exactly 80 %: counts
    second = world.deposit(account, "9999.99", MONDAY + dt.timedelta(days=2), cash=True)
    world.deposit(account, "7999.99", MONDAY + dt.timedelta(days=3))  # below 80 %: does not count
    world.deposit(account, "10000.00", MONDAY + dt.timedelta(days=3))  # at the threshold: not "below"
    # Seven days from Monday 1 June is Sunday 7 June; the next Monday is outside the window.
    for day in (MONDAY, MONDAY + dt.timedelta(days=2), MONDAY + dt.timedelta(days=3)):
        world.run(day)
    assert world.alerts(RuleCode.STRUCTURING) == []

    third = world.withdraw(account, "8500.00", MONDAY + dt.timedelta(days=6))
    world.run(MONDAY + dt.timedelta(days=6))
    [alert] = world.alerts(RuleCode.STRUCTURING)
    assert (alert.member_id, alert.window_start, alert.window_end) == (
        member.id,
        MONDAY,
        MONDAY + dt.timedelta(days=6),
    )
    assert [i.entry_id for i in alert.items] == [first, second, third]
    assert [i.direction for i in alert.items] == ["in", "in", "out"]
    assert alert.amount == Decimal("26499.99")
    assert alert.facts["count"] == 3


def test_structuring_window_edge_the_eighth_day_is_outside(world: World):
    _, account = world.member()
    world.deposit(account, "9000.00", MONDAY)
    world.deposit(account, "9000.00", MONDAY + dt.timedelta(days=3))
    world.deposit(account, "9000.00", MONDAY + dt.timedelta(days=7))
    world.run(MONDAY + dt.timedelta(days=7))
    assert world.alerts(RuleCode.STRUCTURING) == []
    # With an eight-day window the same three are a pattern.
    world.rule(RuleCode.STRUCTURING).window_days = 8
    world.run(MONDAY + dt.timedelta(days=7))
    assert len(world.alerts(RuleCode.STRUCTURING)) == 1


def test_money_in_and_90_percent_out_within_three_days(world: World):
    member, account = world.member()
    _, other = world.member("Mulder")
    received = world.deposit(account, "5000.00", MONDAY)
    world.transfer(account, other, "2000.00", MONDAY + dt.timedelta(days=1))
    world.run(MONDAY + dt.timedelta(days=1))
    assert world.alerts(RuleCode.IN_AND_OUT) == []  # 40 % gone so far

    world.withdraw(account, "2500.00", MONDAY + dt.timedelta(days=3))  # 90 % exactly, on the third day
    world.run(MONDAY + dt.timedelta(days=3))
    [alert] = world.alerts(RuleCode.IN_AND_OUT)
    assert alert.member_id == member.id
    assert alert.amount == Decimal("5000.00")
    assert alert.facts["left"] == "4500.00"
    assert next((i.entry_id, i.direction) for i in alert.items) == (received, "in")
    assert [i.amount for i in alert.items] == [Decimal("5000.00"), Decimal("2000.00"), Decimal("2500.00")]
    # The day after, more going out raises nothing new: the share was reached before.
    world.withdraw(account, "100.00", MONDAY + dt.timedelta(days=4))
    world.run(MONDAY + dt.timedelta(days=4))
    assert len(world.alerts(RuleCode.IN_AND_OUT)) == 1


def test_in_and_out_below_the_edges_does_not_fire(world: World):
    _, small = world.member()
    world.deposit(small, "4999.99", MONDAY)  # below the amount followed
    world.withdraw(small, "4999.99", MONDAY + dt.timedelta(days=1))
    _, slow = world.member("Bos")
    world.deposit(slow, "6000.00", MONDAY)
    world.withdraw(slow, "5399.99", MONDAY + dt.timedelta(days=2))  # one cent short of 90 %
    _, late = world.member("Dekker")
    world.deposit(late, "6000.00", MONDAY)
    world.withdraw(late, "6000.00", MONDAY + dt.timedelta(days=4))  # after the three days
    for offset in range(5):
        world.run(MONDAY + dt.timedelta(days=offset))
    assert world.alerts(RuleCode.IN_AND_OUT) == []


def test_a_payment_to_a_high_risk_country_fires(world: World):
    assert country_of_iban(MC_IBAN) == "MC" and "MC" in HIGH_RISK_COUNTRIES
    member, account = world.member("Rossi", iban=MC_IBAN)
    _, home = world.member("Vos")
    world.deposit(account, "3000.00", MONDAY)
    world.deposit(home, "3000.00", MONDAY)
    paid = world.withdraw(account, "1250.00", MONDAY + dt.timedelta(days=1))
    world.withdraw(home, "1250.00", MONDAY + dt.timedelta(days=1))  # to a Dutch IBAN
    world.run(MONDAY + dt.timedelta(days=1))
    [alert] = world.alerts(RuleCode.HIGH_RISK_COUNTRY)
    assert alert.member_id == member.id
    assert alert.facts["countries"] == ["MC"]
    [item] = alert.items
    assert (item.entry_id, item.amount, item.direction, item.counterparty_iban) == (
        paid,
        Decimal("1250.00"),
        "out",
        MC_IBAN,
    )
    # A threshold above the payment: nothing the next time.
    world.rule(RuleCode.HIGH_RISK_COUNTRY).amount = Decimal("1250.01")
    assert (
        rules.high_risk_countries(world.session, world.rule(RuleCode.HIGH_RISK_COUNTRY), paid_day(world))
        == []
    )


def paid_day(world: World) -> dt.date:
    return MONDAY + dt.timedelta(days=1)


def test_above_expected_use_against_the_stated_expectation(world: World):
    member, account = world.member()
    quiet, quiet_account = world.member("Kok")
    world.deposit(account, "2000.00", MONDAY)
    world.withdraw(account, "1000.00", MONDAY + dt.timedelta(days=1))
    world.deposit(quiet_account, "3000.00", MONDAY)
    rule = world.rule(RuleCode.ABOVE_EXPECTED_USE)
    day = MONDAY + dt.timedelta(days=1)
    expectations = {member.id: Decimal("1000.00"), quiet.id: Decimal("1000.00")}
    # 3 000.00 turnover against 1 000.00 expected: exactly three times is not "more than".
    assert rules.above_expected_use_given(world.session, rule, day, expectations) == []
    world.deposit(account, "0.01", day)
    [finding] = rules.above_expected_use_given(world.session, rule, day, expectations)
    assert (finding.member_id, finding.amount, finding.key_on) == (member.id, Decimal("3000.01"), MONDAY)
    assert finding.facts["expected"] == "1000.00"
    # Below the rule's least turnover (1 000.00 by default) nobody is looked at.
    rule.amount = Decimal("3000.02")
    assert rules.above_expected_use_given(world.session, rule, day, expectations) == []
    rule.amount = Decimal("1000.00")
    # Without any stated expectation in a due-diligence file: silent.
    assert rules.expected_monthly_turnover(world.session, [member.id]) == {}
    assert rules.above_expected_use(world.session, rule, day) == []
    # Raised once per member and month.
    assert len(service.raise_alerts(world.session, [finding])) == 1
    assert service.raise_alerts(world.session, [finding]) == []


def test_above_expected_use_reads_the_expectation_stated_in_the_due_diligence_file(world: World):
    member, account = world.member()
    world.deposit(account, "2500.00", MONDAY)
    world.withdraw(account, "1000.00", MONDAY)
    officer = Actor(user_id=None, label="system:test-compliance", role="compliance")
    due_diligence.update_facts(
        world.session, member, actor=officer, residence_country="NL", expected_monthly_turnover="1000.00"
    )
    assert rules.expected_monthly_turnover(world.session, [member.id]) == {member.id: Decimal("1000.00")}
    rule = world.rule(RuleCode.ABOVE_EXPECTED_USE)
    [finding] = rules.above_expected_use(world.session, rule, MONDAY)
    assert (finding.member_id, finding.amount) == (member.id, Decimal("3500.00"))
    assert world.run(MONDAY)[RuleCode.ABOVE_EXPECTED_USE] == (1, 1)
