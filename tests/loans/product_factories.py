"""Loan product terms for tests (a realistic co-op startup product)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bank.loans.products import ProductTerms
from bank.loans.products_models import FeeKind, LoanPurpose
from bank.loans.schedule import DayCount, Frequency, Method


def coop_startup_terms(**overrides: Any) -> ProductTerms:
    """5 000–75 000 over 2–7 years at 6.5 %, annuity, up to 6 months' grace, 1 % arrangement fee."""
    values: dict[str, Any] = {
        "name_nl": "Coöp Startlening",
        "name_en": "Co-op start-up loan",
        "purpose": LoanPurpose.COOP_STARTUP,
        "amount_min": Decimal("5000.00"),
        "amount_max": Decimal("75000.00"),
        "term_min_months": 24,
        "term_max_months": 84,
        "rate_annual": Decimal("0.065"),
        "method": Method.ANNUITY,
        "frequency": Frequency.MONTHLY,
        "max_grace_periods": 6,
        "instalment_multiple": Decimal("0.01"),
        "day_count": DayCount.THIRTY_360,
        "arrangement_fee_kind": FeeKind.PERCENT,
        "arrangement_fee_rate": Decimal("0.01"),
        "late_fee": Decimal("15.00"),
        "penalty_rate_annual": Decimal("0.02"),
        "tolerance_days": 5,
    }
    values.update(overrides)
    return ProductTerms(**values)
