"""Which pool carries which share of a loan (L3), recorded when the loan is disbursed.

Funding moves no money: the loan was paid out of the bank's balance sheet by ``book_loan``;
the LoanFunding row says which part of its principal is the pool's, and so which part of the
interest collected the pool earns and of a loss it bears (bank.pools.models).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import audit
from bank.actor import Actor
from bank.loans.models import Loan
from bank.pools import queries
from bank.pools.models import LoanFunding
from bank.pools.service import lock_pool


def fund_loan(session: Session, loan: Loan, *, actor: Actor) -> LoanFunding | None:
    """Let the open pool of the loan's purpose fund what it can: min(lendable capital, principal).

    Lendable capital is the pool's uncommitted capital less the withdrawals already due
    (bank.pools.queries); the bank's own funds cover the rest. Nothing is recorded when no
    open pool funds the purpose or it has nothing to lend. Idempotent per loan.
    """
    existing = session.scalar(select(LoanFunding).where(LoanFunding.loan_id == loan.id))
    if existing is not None:
        return existing
    pool = queries.pool_for_purpose(session, loan.purpose)
    if pool is None:
        return None
    lock_pool(session, pool)
    available = queries.lendable_capital(session, pool, on=loan.disbursed_on)
    amount = min(available, loan.principal)
    if amount <= 0:
        return None
    funding = LoanFunding(
        pool_id=pool.id,
        loan_id=loan.id,
        amount_funded=amount,
        loan_principal=loan.principal,
        funded_on=loan.disbursed_on,
    )
    session.add(funding)
    session.flush()
    audit.record(
        session,
        actor,
        "pool.fund_loan",
        "loan",
        loan.id,
        after={"pool": pool.code, "loan": loan.number, "amount_funded": amount, "principal": loan.principal},
    )
    return funding
