"""A written-off pool loan's loss: first the seed-capital buffer, then the participants.

The write-off itself (bank/loans/servicing.py) takes the whole loan to 5100 impairment. The
pool's share of the principal written off is then carried by others, each step its own entry:

1. the pool's first-loss buffer from the municipal seed capital, as far as it still reaches
   (the buffer is a total for the pool, not per loss): Dr 3100 / Cr 5100;
2. the rest by the participants, pro rata to their participation balance on the day of the
   write-off, split by largest remainder: Dr each participation / Cr 5100.

A participant's part never exceeds their balance: each part is at most the ceiling of
rest x balance / total balances, and the rest is capped at the total balances. Should the
rest exceed what the participants hold (they can only lose what they put in), the excess
stays with the bank in 5100 and the Loss records what the pool carried.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import BigInteger, case, func, insert, select, type_coerce
from sqlalchemy.orm import Session

from bank import audit
from bank.actor import Actor
from bank.db import table_of
from bank.ledger import chart
from bank.ledger.models import Posting, Side
from bank.ledger.service import EntryRequest, Line, account_by_code, post_many
from bank.loans.models import Loan
from bank.money import ZERO, from_cents, round_cents, split, to_cents
from bank.pools.models import LoanFunding, Loss, LossShare, Participation, Pool

BUFFER_KIND = "pool_loss_buffer"
PARTICIPANTS_KIND = "pool_loss_participants"
_LOSS_SHARES = table_of(LossShare)


def split_loss(
    loss_amount: Decimal, buffer_left: Decimal, balances_cents: Sequence[int]
) -> tuple[Decimal, Decimal, list[Decimal]]:
    """(carried by the buffer, carried by the participants, one part per balance) of a loss.

    The buffer carries what it can; the participants the rest, capped at what they hold, pro
    rata to their balances by largest remainder. No part exceeds its balance: a part is at most
    the ceiling of rest x balance / total <= balance, a whole number of cents.
    """
    by_buffer = min(loss_amount, max(buffer_left, ZERO))
    held = from_cents(sum(balances_cents))
    by_participants = min(loss_amount - by_buffer, held)
    if by_participants <= 0:
        return by_buffer, ZERO, [ZERO] * len(balances_cents)
    parts = split(by_participants, list(balances_cents))
    assert all(to_cents(part) <= balance for part, balance in zip(parts, balances_cents, strict=True))
    return by_buffer, by_participants, parts


def participation_balances_on(session: Session, pool: Pool, on: dt.date) -> list[tuple[int, int, int]]:
    """(participation id, ledger account id, balance in cents) of the pool's participations with a
    positive balance at the end of ``on``, by id. One grouped query."""
    cents = type_coerce(Posting.amount, BigInteger)
    net = func.sum(case((Posting.side == Side.CREDIT, cents), else_=-cents), type_=BigInteger())
    rows = session.execute(
        select(Participation.id, Participation.ledger_account_id, net.label("balance_cents"))
        .join(Posting, Posting.account_id == Participation.ledger_account_id)
        .where(Participation.pool_id == pool.id, Posting.value_date <= on)
        .group_by(Participation.id, Participation.ledger_account_id)
        .having(net > 0)
        .order_by(Participation.id)
    ).all()
    return [(row[0], row[1], int(row[2])) for row in rows]


def buffer_remaining(session: Session, pool: Pool) -> Decimal:
    """What is left of the pool's first-loss buffer after the losses it already absorbed."""
    used = session.scalar(
        select(func.coalesce(func.sum(type_coerce(Loss.absorbed_by_buffer, BigInteger)), 0)).where(
            Loss.pool_id == pool.id
        )
    )
    return max(pool.first_loss_buffer - from_cents(int(used or 0)), ZERO)


def absorb_loss(
    session: Session, loan: Loan, *, principal_written_off: Decimal, on: dt.date, actor: Actor
) -> Loss | None:
    """Let the pool that funded ``loan`` carry its share of the principal written off.

    ``principal_written_off`` is the write-off entry's credit to the loan's principal account.
    Returns None for a loan no pool funded or a zero loss; the existing Loss when called again.
    """
    funding = session.scalar(select(LoanFunding).where(LoanFunding.loan_id == loan.id))
    if funding is None:
        return None
    pool = funding.pool
    existing = session.scalar(select(Loss).where(Loss.pool_id == pool.id, Loss.loan_id == loan.id))
    if existing is not None:
        return existing
    loss_amount = round_cents(principal_written_off * funding.amount_funded / funding.loan_principal)
    if loss_amount <= 0:
        return None

    impairment = account_by_code(session, chart.IMPAIRMENT_EXPENSE).id
    remaining = buffer_remaining(session, pool)
    holders = participation_balances_on(session, pool, on) if remaining < loss_amount else []
    by_buffer, by_participants, parts = split_loss(loss_amount, remaining, [b for _, _, b in holders])

    requests = []
    if by_buffer > 0:
        seed_capital = account_by_code(session, chart.SEED_CAPITAL).id
        requests.append(
            EntryRequest(
                f"pool-loss-buffer:{pool.code}:{loan.id}",
                BUFFER_KIND,
                (Line(seed_capital, Side.DEBIT, by_buffer), Line(impairment, Side.CREDIT, by_buffer)),
                on,
                f"First-loss buffer of pool {pool.name} carries the loss on loan {loan.number}",
            )
        )
    if by_participants > 0:
        lines = [
            Line(account_id, Side.DEBIT, part)
            for (_, account_id, _), part in zip(holders, parts, strict=True)
            if part > 0
        ]
        lines.append(Line(impairment, Side.CREDIT, by_participants))
        requests.append(
            EntryRequest(
                f"pool-loss-participants:{pool.code}:{loan.id}",
                PARTICIPANTS_KIND,
                lines,
                on,
                f"Participants of pool {pool.name} carry the loss on loan {loan.number}",
            )
        )
    entry_ids = post_many(session, requests, actor=actor)
    loss = Loss(
        pool_id=pool.id,
        loan_id=loan.id,
        loss_amount=by_buffer + by_participants,
        absorbed_by_buffer=by_buffer,
        absorbed_by_participants=by_participants,
        occurred_on=on,
        buffer_entry_id=entry_ids[0] if by_buffer > 0 else None,
        participants_entry_id=entry_ids[-1] if by_participants > 0 else None,
    )
    session.add(loss)
    session.flush()
    share_rows = [
        {"loss_id": loss.id, "participation_id": participation_id, "amount": part}
        for (participation_id, _, _), part in zip(holders, parts, strict=True)
        if part > 0
    ]
    if share_rows:
        session.execute(insert(_LOSS_SHARES), share_rows)
    audit.record(
        session,
        actor,
        "pool.loss",
        "loan",
        loan.id,
        after={
            "pool": pool.code,
            "pool_share_of_loss": loss_amount,
            "buffer": by_buffer,
            "participants": by_participants,
            "on": on,
        },
    )
    return loss
