"""The demo's loan-loss provisions: the admin sets the PD table when the bank starts lending, and
a credit officer puts one loan on the watchlist in the autumn; the servicing year's close days
then provision every month-end through the real run (``bank.provisioning.jobs`` in close day).

The figures are a small community lender's: low 12-month probabilities for the better grades,
lifetime probabilities for stages 2 and 3, 45 % loss given default for a loan with nothing in the
collateral register (the land-trust loans' mortgages count for themselves).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.auth.service import actor_for
from bank.demo.context import DemoContext
from bank.loans.models import LoanStatus
from bank.provisioning import queries, service
from bank.provisioning.models import GRADES, STAGES, RiskFlagKind

#: grade -> (stage 1: 12 months, stage 2: lifetime, stage 3: lifetime).
DEMO_PD = {
    "A": ("0.004", "0.04", "1"),
    "B": ("0.008", "0.07", "1"),
    "C": ("0.015", "0.12", "1"),
    "D": ("0.03", "0.2", "1"),
    "E": ("0.06", "0.35", "1"),
}
UNSECURED_LGD = "0.45"
#: How long before today the credit officer put a loan on the watchlist.
WATCHLIST_DAYS_AGO = 80


def _actor(context: DemoContext, email: str, role: str) -> Actor:
    user = context.users.get(email)
    if user is None:
        return Actor(user_id=None, label=f"system:demo:{email}", role=role)
    return actor_for(user)


def set_pd_table(session: Session, context: DemoContext) -> None:
    """The admin sets the PD table from the first of the month the first loan was paid out."""
    if not context.loans or queries.pd_tables(session):
        return
    first = min(loan.disbursed_on for loan in context.loans)
    service.set_pd_table(
        session,
        effective_on=first.replace(day=1),
        default_grade="C",
        unsecured_lgd=UNSECURED_LGD,
        probabilities={
            queries.cell_field(grade, stage): DEMO_PD[grade][stage - 1]
            for grade in GRADES
            for stage in STAGES
        },
        note="Tabel van de kredietcommissie, jaarplan",
        actor=_actor(context, "beheer@wijkbank.example", "admin"),
    )


def flag_a_loan(session: Session, context: DemoContext) -> None:
    """A credit officer puts the largest still-active loan paid out long enough ago on the watchlist."""
    on = clock.today() - dt.timedelta(days=WATCHLIST_DAYS_AGO)
    candidates = [
        loan
        for loan in context.loans
        if loan.status is LoanStatus.ACTIVE
        and loan.disbursed_on < on
        and not queries.current_flags(session, loan.id)
    ]
    if not candidates:
        return
    loan = max(candidates, key=lambda item: (item.principal, -item.id))
    service.flag_loan(
        session,
        loan.id,
        RiskFlagKind.WATCHLIST,
        reason="Omzet bijna gehalveerd na het wegvallen van de grootste afnemer; kwartaalcijfers opgevraagd.",
        actor=_actor(context, "krediet@wijkbank.example", "credit_officer"),
        on=on,
    )


def prepare_provisioning(session: Session, context: DemoContext) -> None:
    """The demo step: the table, then the watchlist flag (before the servicing year runs)."""
    set_pd_table(session, context)
    flag_a_loan(session, context)
