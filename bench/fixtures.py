"""Rows the benchmarks insert directly (setup is not timed), shared so each bench builds them alike."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa

from bank.loans.products_models import FeeKind, LoanProduct, LoanPurpose
from bank.loans.schedule import DayCount, Frequency, Method


def insert_loan_product(
    connection: sa.Connection,
    now: dt.datetime,
    *,
    amount_max: Decimal,
    term_max_months: int,
    rate_annual: Decimal,
    method: Method,
) -> int:
    """A monthly 30/360 product "BENCH" without fees; the caller picks size, rate and method."""
    return connection.execute(
        sa.insert(LoanProduct).values(
            code="BENCH",
            version=1,
            status="active",
            name_nl="Bench",
            name_en="Bench",
            purpose=LoanPurpose.OTHER,
            description="",
            amount_min=Decimal("100.00"),
            amount_max=amount_max,
            term_min_months=1,
            term_max_months=term_max_months,
            rate_annual=rate_annual,
            method=method,
            frequency=Frequency.MONTHLY,
            max_grace_periods=0,
            instalment_multiple=Decimal("0.01"),
            day_count=DayCount.THIRTY_360,
            arrangement_fee_kind=FeeKind.FIXED,
            arrangement_fee_amount=Decimal("0.00"),
            arrangement_fee_rate=Decimal("0"),
            late_fee=Decimal("15.00"),
            penalty_rate_annual=Decimal("0.0365"),
            tolerance_days=5,
            allocation_order="penalties,fees,interest,principal",
            created_at=now,
        )
    ).inserted_primary_key[0]
