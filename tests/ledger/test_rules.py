"""The normal-side and overdraft rules (bank.ledger.rules): the SQL says what the Python says.

The posting path decides some of these rules inside PostgreSQL (which rows to lock, whether a
balance is still above its floor); the fragments it is built from are evaluated here on real
rows beside the Python functions, so the two forms cannot drift apart.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from sqlalchemy import text

from bank.db import pg_int_array
from bank.ledger import chart
from bank.ledger.models import AccountType
from bank.ledger.rules import (
    is_debit_normal,
    needs_balance_check,
    normal_balance,
    overdrawn,
    sql_needs_balance_check,
    sql_normal_balance,
    takes_money,
)
from bank.ledger.service import account_by_code, open_child_account, post

from .conftest import VALUE_DATE, move


def test_assets_and_expenses_grow_by_debits_the_rest_by_credits() -> None:
    assert {t: t.debit_normal for t in AccountType} == {
        AccountType.ASSET: True,
        AccountType.LIABILITY: False,
        AccountType.EQUITY: False,
        AccountType.INCOME: False,
        AccountType.EXPENSE: True,
    }
    assert all(is_debit_normal(t.value) == t.debit_normal for t in AccountType)
    assert normal_balance(True, 250) == 250
    assert normal_balance(False, 250) == -250
    assert normal_balance(False, Decimal("-12.50")) == Decimal("12.50")


@pytest.mark.parametrize(
    ("may_go_negative", "debit_normal", "is_debit"), list(itertools.product((True, False), repeat=3))
)
def test_only_a_line_taking_money_from_a_guarded_account_is_checked(
    may_go_negative: bool, debit_normal: bool, is_debit: bool
) -> None:
    takes = takes_money(debit_normal, is_debit)
    # A debit lowers a liability (a member's deposit account), a credit lowers an asset.
    assert takes == (is_debit != debit_normal)
    assert needs_balance_check(may_go_negative, debit_normal, is_debit) == (takes and not may_go_negative)
    assert overdrawn(may_go_negative, -1) == (not may_go_negative)
    assert overdrawn(may_go_negative, 0) is False


def test_the_sql_normal_balance_is_the_python_one(session, settlement, open_member_account, actor) -> None:
    anna = open_member_account("Anna")
    income = account_by_code(session, chart.FEE_INCOME)
    expense = account_by_code(session, chart.SAVINGS_INTEREST_EXPENSE)
    loan = open_child_account(session, chart.LOAN_PRINCIPAL, "L1", "Loan 1", may_go_negative=True)
    post(session, "d:1", "deposit", move(settlement, anna, "300.00"), VALUE_DATE, actor)
    post(session, "f:1", "fee", move(anna, income, "12.50"), VALUE_DATE, actor)
    post(session, "i:1", "interest", move(expense, anna, "1.25"), VALUE_DATE, actor)
    post(session, "l:1", "loan", move(loan, anna, "1000.00"), VALUE_DATE, actor)
    session.flush()

    rows = session.execute(
        text(
            f"SELECT account.id, account.type, account.debits_posted, account.credits_posted,"
            f" {sql_normal_balance()} AS normal FROM ledger_accounts AS account"
            " WHERE account.keeps_cached_totals"
        )
    ).all()

    by_id = {row.id: row for row in rows}
    assert {anna.id, loan.id} <= set(by_id)
    for row in rows:
        assert row.normal == normal_balance(is_debit_normal(row.type), row.debits_posted - row.credits_posted)
    assert by_id[anna.id].normal == 128875  # cents: 300.00 - 12.50 + 1.25 + 1000.00
    assert by_id[loan.id].normal == 100000


@pytest.mark.postgresql
def test_the_sql_of_the_lock_is_the_python_balance_check(session, settlement, open_member_account) -> None:
    anna = open_member_account("Anna")
    loan = open_child_account(session, chart.LOAN_PRINCIPAL, "L1", "Loan 1", may_go_negative=True)
    guarded_asset = open_child_account(session, chart.LOAN_PRINCIPAL, "L2", "Loan 2")
    accounts = [settlement, anna, loan, guarded_asset]
    session.flush()

    for debited, credited in itertools.product(
        itertools.chain.from_iterable(itertools.combinations(accounts, n) for n in range(3)), repeat=2
    ):
        debited_ids = sorted(a.id for a in debited)
        credited_ids = sorted(a.id for a in credited)
        found = set(
            session.scalars(
                text(
                    "SELECT account.id FROM ledger_accounts AS account"
                    " WHERE account.id = ANY(CAST(:ids AS integer[])) AND "
                    + sql_needs_balance_check("CAST(:debited AS integer[])", "CAST(:credited AS integer[])")
                ),
                {
                    "ids": pg_int_array(a.id for a in accounts),
                    "debited": pg_int_array(debited_ids),
                    "credited": pg_int_array(credited_ids),
                },
            )
        )
        expected = {
            account.id
            for account in accounts
            for is_debit, ids in ((True, debited_ids), (False, credited_ids))
            if account.id in ids
            and needs_balance_check(account.may_go_negative, account.type.debit_normal, is_debit)
        }
        assert found == expected, (debited_ids, credited_ids)
