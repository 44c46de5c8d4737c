"""The one loan product factory of the tests: a realistic co-op start-up product, as terms or as a row.

Every test world that needs a loan product takes it from here and names only what its product
differs in (the servicing stories' 12 %, the committee's € 150 fee, the land trust's quarterly
linear loan), so the terms a test's cents depend on are written where the test's world is.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bank.loans.products import ProductTerms
from bank.loans.products_models import FeeKind, LoanProduct, LoanPurpose
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


def make_loan_product(session: Session, code: str = "COOP-START", **overrides: Any) -> LoanProduct:
    """Version 1 of ``code`` with ``coop_startup_terms(**overrides)``, active and flushed.

    Written as a row, not through ``products.create_product``: a world of another feature needs a
    product to lend with, not the product service's admin check and audit event (the product
    service's own tests use the service).
    """
    product = LoanProduct(code=code, version=1, **dataclasses.asdict(coop_startup_terms(**overrides)))
    session.add(product)
    session.flush()
    return product


def fixed_fee(amount: str) -> dict[str, Any]:
    """The overrides of a fixed arrangement fee of ``amount`` (the start-up product's is 1 %)."""
    return {
        "arrangement_fee_kind": FeeKind.FIXED,
        "arrangement_fee_amount": Decimal(amount),
        "arrangement_fee_rate": Decimal("0"),
    }
