"""The runs tests use the servicing stories' small bank (same fixtures)."""

from servicing.conftest import Bank, bank, make_loan_product, pinned_today  # noqa: F401
