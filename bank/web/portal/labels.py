"""Translated names of statuses the portal shows (the enum values stay English in code)."""

from __future__ import annotations

from typing import Any

from bank.web import labels as status_tables

ACCOUNT_STATUS = status_tables.ACCOUNT_STATUS
LOAN_STATUS = status_tables.LOAN_STATUS
INSTALMENT_STATUS = status_tables.INSTALMENT_STATUS
APPLICATION_STATUS = status_tables.APPLICATION_STATUS
ENTRY_KINDS = status_tables.ENTRY_KINDS


def labels() -> dict[str, Any]:
    return {
        "account_status": ACCOUNT_STATUS,
        "loan_status": LOAN_STATUS,
        "instalment_status": INSTALMENT_STATUS,
        "application_status": APPLICATION_STATUS,
        "entry_kinds": ENTRY_KINDS,
    }
