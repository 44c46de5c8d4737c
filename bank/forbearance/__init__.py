"""Forbearance (issue 16): a payment holiday, a longer term or a lower rate for a borrower in difficulty."""
