"""Every kind of four-eyes request, what carries it out once approved, and who may decide it.

One table, explicit and complete: ``bank.approvals`` knows no feature, so the features do not
register their handlers when they happen to be imported; the entry points install this table
(the app factory's ``_register_approval_kinds``, which the CLI, the scheduler and the tests go
through). ``tests/approvals`` checks that every kind a feature can request is listed here and
that importing the code registers nothing. The module sits above every feature that asks for
four eyes (DEVELOPERS.md, "Floors").
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from bank.approvals import service as approvals
from bank.approvals.service import ApprovalKind
from bank.lending import disbursement, write_off
from bank.loans import servicing
from bank.payments import suspense
from bank.savings import service as savings
from bank.shares import service as shares

#: Tellers decide payments out of the bank; a write-off takes a loan off the books, so credit
#: staff or an administrator decide it, not a teller.
KINDS: Mapping[str, ApprovalKind] = MappingProxyType(
    {
        savings.WITHDRAWAL_APPROVAL: ApprovalKind(savings.carry_out_withdrawal, roles=("teller", "admin")),
        shares.REDEMPTION_APPROVAL: ApprovalKind(shares.carry_out_redemption, roles=("teller", "admin")),
        disbursement.KIND: ApprovalKind(disbursement.carry_out_disbursement, roles=("teller", "admin")),
        servicing.WRITE_OFF_APPROVAL: ApprovalKind(
            write_off.carry_out_write_off, roles=("credit_officer", "admin")
        ),
        suspense.SUSPENSE_APPROVAL: ApprovalKind(suspense.carry_out_resolution, roles=("teller", "admin")),
    }
)


def install() -> None:
    """Hand the table to ``bank.approvals`` (idempotent): called by the app factory."""
    approvals.install(KINDS)
