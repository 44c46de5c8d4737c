"""Carrying out an approved write-off: the loan's entry, the pools' share of the loss, the loan closed.

An administrator asks for it (``bank.loans.servicing.request_write_off``); a second person,
credit staff or an administrator, approves it, which runs :func:`carry_out_write_off` in the
approver's transaction. The loan's part is the loans package's (``post_write_off``,
``close_written_off``); a pool that funded the loan then bears its share of the principal written
off, first from its buffer, then its participants (``bank.pools.losses.absorb_loss``). Loans know
no pools, so the steps are joined here, above both. The entry takes the loss from the loan-loss
allowance held for the loan first (``bank.provisioning.queries.allowance_of``: its expected loss at
the last month-end), and only the rest to 5100 impairment.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bank.actor import Actor
from bank.approvals.models import Approval
from bank.loans import servicing
from bank.pools.losses import absorb_loss
from bank.provisioning.queries import allowance_of


def carry_out_write_off(session: Session, approval: Approval, actor: Actor) -> int | None:
    """Approval handler: write the loan off, let its pool bear its share; returns the write-off entry."""
    allowance = allowance_of(session, int(approval.payload["loan_id"]))
    written_off = servicing.post_write_off(session, approval, actor=actor, allowance=allowance)
    if written_off.entry_id is not None:
        absorb_loss(
            session,
            written_off.loan,
            principal_written_off=written_off.principal,
            on=written_off.on,
            actor=actor,
        )
    servicing.close_written_off(session, written_off, maker_label=approval.maker_label, actor=actor)
    return written_off.entry_id
