"""Report figures equal the ledger to the cent; bad dates are refused by name."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from savings import factories
from statements import world as w

from bank.errors import ValidationError
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.models import AccountType
from bank.ledger.service import account_by_code
from bank.reports import queries as reports
from bank.shares import service as shares


def ledger_balance(session, code, as_of=None):
    return ledger_queries.balance(session, account_by_code(session, code).id, as_of)


def test_trial_balance_balances_and_equals_the_ledger(session, world):
    result = reports.trial_balance(session)
    assert result.balanced
    assert result.debit_total > 0
    for row in result.rows:
        assert row.balance == ledger_balance(session, row.code), row.code


def test_balance_sheet_adds_up_and_each_line_is_the_ledger_balance(session, world):
    sheet = reports.balance_sheet(session)
    assert sheet.balanced
    for row in (*sheet.assets, *sheet.liabilities, *sheet.equity):
        assert row.amount == ledger_balance(session, row.code), row.code
    income = ledger_balance(session, chart.INTEREST_INCOME) + ledger_balance(session, chart.FEE_INCOME)
    expense = ledger_balance(session, chart.SAVINGS_INTEREST_EXPENSE) + ledger_balance(
        session, chart.IMPAIRMENT_EXPENSE
    )
    assert sheet.result == income - expense
    assert sheet.total_liabilities == ledger_balance(session, chart.MEMBER_DEPOSITS) + ledger_balance(
        session, chart.POOL_PARTICIPATIONS
    )


def test_balance_sheet_on_a_past_date_uses_the_balances_of_that_date(session, world):
    sheet = reports.balance_sheet(session, dt.date(2026, 2, 28))
    assert sheet.balanced
    deposits = next(r for r in sheet.liabilities if r.code == chart.MEMBER_DEPOSITS)
    # 1500 + 2500 + 3000 deposited in January, 100 of Anna's went to shares.
    assert (
        deposits.amount
        == Decimal("6900.00")
        == ledger_balance(session, chart.MEMBER_DEPOSITS, dt.date(2026, 2, 28))
    )


def test_profit_and_loss_for_the_year_equals_income_and_expense_postings(session, world):
    result = reports.profit_and_loss(session, dt.date(2026, 1, 1), dt.date(2026, 11, 28))
    income = {r.code: r.amount for r in result.income}
    expenses = {r.code: r.amount for r in result.expenses}
    paid_interest = sum((i.interest_due for i in world.loan.instalments[:4]), Decimal("0.00"))
    assert income[chart.INTEREST_INCOME] == paid_interest == ledger_balance(session, chart.INTEREST_INCOME)
    assert income[chart.FEE_INCOME] == Decimal("50.00")
    assert expenses[chart.SAVINGS_INTEREST_EXPENSE] == Decimal("12.34")
    assert result.result == paid_interest + Decimal("50.00") - Decimal("12.34")
    only_june = reports.profit_and_loss(session, dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    assert {r.code: r.amount for r in only_june.expenses}[chart.SAVINGS_INTEREST_EXPENSE] == Decimal("12.34")


def test_loan_portfolio_groups_sum_to_the_ledger(session, world, frozen_today):
    extra = factories.member(session, last_name="Klaas", postcode="1018 AA")
    extra_account = w.savings.open_account(
        session, extra, world.product, actor=w.SETUP, opened_on=dt.date(2026, 2, 1)
    )
    w.book_loan(
        session,
        borrower=extra,
        product=world.loan_product,
        principal=Decimal("6000.00"),
        term_periods=12,
        disbursed_on=dt.date(2026, 10, 15),
        repayment_account=extra_account,
        actor=w.SETUP,
        key="test-loan-2",
    )
    session.commit()
    portfolio = reports.loan_portfolio(session)
    total = ledger_balance(session, chart.LOAN_PRINCIPAL)
    assert portfolio.outstanding == total
    assert portfolio.loans == 2
    for groups in (portfolio.by_purpose, portfolio.by_status, portfolio.by_area):
        assert sum((g.outstanding for g in groups), Decimal("0.00")) == total
    areas = {g.key: g.outstanding for g in portfolio.by_area}
    assert areas == {
        "1094": ledger_queries.balance(session, world.loan.principal_account_id),
        "1018": Decimal("6000.00"),
    }
    before = reports.loan_portfolio(session, dt.date(2026, 9, 30))
    assert before.loans == 1
    assert before.outstanding == ledger_balance(session, chart.LOAN_PRINCIPAL, dt.date(2026, 9, 30))


def test_portfolio_at_risk_and_the_arrears_list(session, world, frozen_today):
    risk = reports.portfolio_at_risk(session)
    (row,) = risk.arrears
    outstanding = ledger_queries.balance(session, world.loan.principal_account_id)
    assert row.loan_number == world.loan.number
    assert row.oldest_due_on == dt.date(2026, 8, 31)
    assert row.days_past_due == 89 and row.bucket == "61-90"
    assert row.amount_in_arrears == sum((i.total_due for i in world.loan.instalments[4:7]), Decimal("0.00"))
    assert row.outstanding_principal == outstanding
    assert risk.outstanding == ledger_balance(session, chart.LOAN_PRINCIPAL)
    assert risk.at_risk_30 == outstanding and risk.par30 == Decimal("1.0000")
    assert risk.at_risk_90 == Decimal("0.00") and risk.par90 == Decimal("0.0000")
    assert (
        reports.bucket_of(92) == "90+"
        and reports.bucket_of(30) == "1-30"
        and reports.bucket_of(31) == "31-60"
    )


def test_deposits_vs_loans_and_seed_capital_leverage(session, world, frozen_today):
    shares.receive_seed_capital(
        session, Decimal("5000.00"), key="seed-1", actor=w.SETUP, value_date=dt.date(2026, 1, 2)
    )
    session.commit()
    funding = reports.deposits_vs_loans(session)
    assert funding.deposits == ledger_balance(session, chart.MEMBER_DEPOSITS)
    assert funding.loans == ledger_balance(session, chart.LOAN_PRINCIPAL)
    assert funding.seed_capital == Decimal("5000.00") == ledger_balance(session, chart.SEED_CAPITAL)
    assert funding.loan_to_deposit == (funding.loans / funding.deposits).quantize(Decimal("0.0001"))
    assert funding.seed_leverage == (funding.loans / Decimal("5000.00")).quantize(Decimal("0.01"))


def test_monthly_flows_sum_to_the_principal_postings(session, world):
    flows = reports.monthly_flows(session, dt.date(2026, 1, 1), dt.date(2026, 11, 28))
    assert [m.month for m in flows.months][:3] == ["2026-01", "2026-02", "2026-03"]
    assert len(flows.months) == 11
    march = next(m for m in flows.months if m.month == "2026-03")
    assert (march.new_loans, march.new_loan_count) == (Decimal("12000.00"), 1)
    assert flows.total_new_loans - flows.total_repayments == ledger_balance(session, chart.LOAN_PRINCIPAL)
    assert flows.total_repayments == sum(
        (i.principal_due for i in world.loan.instalments[:4]), Decimal("0.00")
    )


@pytest.mark.parametrize("call", ["trial_balance", "balance_sheet", "loan_portfolio", "portfolio_at_risk"])
def test_report_dates_in_the_future_are_refused(session, world, frozen_today, call):
    with pytest.raises(ValidationError) as refused:
        getattr(reports, call)(session, frozen_today + dt.timedelta(days=1))
    assert "must not lie in the future" in refused.value.fields["as_of"]


def test_report_period_that_ends_before_it_starts_is_refused(session, world):
    with pytest.raises(ValidationError) as refused:
        reports.profit_and_loss(session, dt.date(2026, 10, 1), dt.date(2026, 9, 1))
    assert "date_to" in refused.value.fields


def test_every_account_type_appears_on_the_balance_sheet_or_the_pl(session, world):
    sheet = reports.balance_sheet(session)
    pl = reports.profit_and_loss(session)
    codes = {r.code for r in (*sheet.assets, *sheet.liabilities, *sheet.equity, *pl.income, *pl.expenses)}
    main = {row.code for row in ledger_queries.trial_balance(session) if row.type in AccountType}
    assert main <= codes


def test_cached_totals_path_equals_the_postings_path(session, world, frozen_today):
    fast = reports.main_account_totals(session, frozen_today)
    slow = ledger_queries.trial_balance(session, frozen_today)
    assert [(r.code, r.debit_total, r.credit_total) for r in fast] == [
        (r.code, r.debit_total, r.credit_total) for r in slow
    ]
    # A booking dated after the report date sends the report back to the postings.
    w.deposit(session, world.bram_account, "99.99", frozen_today)
    session.commit()
    yesterday = frozen_today - dt.timedelta(days=1)
    assert [(r.code, r.balance) for r in reports.main_account_totals(session, yesterday)] == [
        (r.code, r.balance) for r in ledger_queries.trial_balance(session, yesterday)
    ]
    assert reports.deposits_vs_loans(session, yesterday).deposits == ledger_balance(
        session, chart.MEMBER_DEPOSITS, yesterday
    )
