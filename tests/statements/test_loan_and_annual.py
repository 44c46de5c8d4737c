"""Loan statements and the annual statement (jaaroverzicht), checked against the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bank.errors import ValidationError
from bank.ledger import queries as ledger_queries
from bank.statements import builder, pdf

from .test_account_statement import pdf_pages


def test_loan_statement_shows_schedule_payments_outstanding_and_arrears(session, world, frozen_today):
    loan = world.loan
    view = builder.loan_statement(session, loan, frozen_today)

    assert view.outstanding_principal == ledger_queries.balance(session, loan.principal_account_id)
    paid_principal = sum((i.principal_due for i in loan.instalments[:4]), Decimal("0.00"))
    assert view.outstanding_principal == Decimal("12000.00") - paid_principal
    assert [row.state for row in view.schedule[:9]] == ["paid"] * 4 + ["overdue"] * 3 + ["open"] * 2
    overdue = loan.instalments[4:7]  # due 31-08, 30-09 and 31-10; 30-11 is not yet due
    assert view.arrears_amount == sum((i.total_due for i in overdue), Decimal("0.00"))
    assert view.days_past_due == (frozen_today - overdue[0].due_on).days
    assert len(view.payments) == 4
    assert sum((p.principal for p in view.payments), Decimal("0.00")) == paid_principal
    assert sum((p.interest for p in view.payments), Decimal("0.00")) == sum(
        (i.interest_due for i in loan.instalments[:4]), Decimal("0.00")
    )
    assert sum(row.principal_due for row in view.schedule) == loan.principal

    text = "\n".join(pdf_pages(pdf.render_loan_statement(view)))
    for expected in (
        "Overzicht lening WL-2026-0001",
        "Bakkerij De Korenschoof",
        "Hoofdsom",
        "€ 12.000,00",
        "6,00 %",
        "annuïtair",
        "24 termijnen (per maand)",
        "Aflossingsschema",
        "betaald",
        "achterstallig",
        "Betalingen",
        "Openstaande hoofdsom",
        pdf.format_money(view.outstanding_principal, "nl"),
        "Achterstand",
        pdf.format_money(view.arrears_amount, "nl"),
        "Pagina 1 van 2",
        "Pagina 2 van 2",
    ):
        assert expected in text, expected


def test_loan_statement_refuses_dates_in_the_future_or_before_disbursement(session, world, frozen_today):
    with pytest.raises(ValidationError) as refused:
        builder.loan_statement(session, world.loan, frozen_today + dt.timedelta(days=1))
    assert "future" in refused.value.fields["as_of"]
    with pytest.raises(ValidationError) as refused:
        builder.loan_statement(session, world.loan, dt.date(2026, 1, 1))
    assert "disbursement" in refused.value.fields["as_of"]


def test_annual_statement_balances_interest_and_shares(session, world):
    # Produced after the year ended (this year's statement says "Saldo per <today>" instead).
    view = builder.annual_statement(session, world.anna, 2026, today=dt.date(2027, 1, 15))
    (row,) = view.accounts
    ledger_id = world.anna_account.ledger_account_id
    assert (
        row.balance_start
        == ledger_queries.balance(session, ledger_id, dt.date(2025, 12, 31))
        == Decimal("0.00")
    )
    assert row.balance_end == ledger_queries.balance(session, ledger_id, dt.date(2026, 12, 31))
    assert row.balance_end == Decimal("2411.41")
    assert row.interest_received == Decimal("12.34")
    (shares,) = view.shares
    assert (shares.shares, shares.amount) == (4, Decimal("100.00"))

    (text,) = pdf_pages(pdf.render_annual_statement(view))
    for expected in (
        "Jaaroverzicht 2026",
        "Saldo 1 januari",
        "Saldo 31 december",
        "€ 2.411,41",
        "Ontvangen rente",
        "€ 12,34",
        "Aandelen (ledenkapitaal)",
        "€ 100,00",
        "Pagina 1 van 1",
    ):
        assert expected in text, expected


def test_annual_statement_of_a_borrower_shows_interest_paid(session, world):
    view = builder.annual_statement(session, world.coop, 2026)
    (loan_row,) = view.loans
    paid_interest = sum((i.interest_due for i in world.loan.instalments[:4]), Decimal("0.00"))
    assert loan_row.interest_paid == paid_interest
    assert loan_row.outstanding_start == Decimal("0.00")
    assert loan_row.outstanding_end == ledger_queries.balance(session, world.loan.principal_account_id)
    text = "\n".join(pdf_pages(pdf.render_annual_statement(view)))
    assert "Betaalde rente" in text and pdf.format_money(paid_interest, "nl") in text


def test_annual_statement_year_must_not_lie_in_the_future(session, world):
    with pytest.raises(ValidationError) as refused:
        builder.annual_statement(session, world.anna, 2027)
    assert "year" in refused.value.fields
