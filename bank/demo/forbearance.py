"""Demo: forbearance (betalingsregeling) — one loan granted a payment holiday, one request waiting.

* During the servicing year (``servicing.PLANS``, the story ``forbearance``): a borrower who paid
  an instalment three weeks late asks for rest; the credit officer asks for three months of
  interest only and a longer term, and a second credit officer (or the committee, when the
  outstanding principal is above the product's limit) grants it a few days later. The loan has
  a second schedule version, is forborne for 24 months, and its month-ends provision it in
  stage 2; the borrower's portal shows the new schedule with the old one beneath it.
* After the collection cases: the loan in arrears today, visited after its notice of default,
  gets a request for a longer term that waits for its decision (the list and, above the limit,
  the committee's page show it).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.arrears.models import CaseStatus, CollectionCase
from bank.auth.service import actor_for
from bank.demo.context import DemoContext
from bank.forbearance import service as forbearance
from bank.forbearance.models import ForbearanceMeasure
from bank.loans.models import Loan, LoanStatus

OFFICER = "krediet@wijkbank.example"
SECOND_OFFICER = "krediet2@wijkbank.example"
COMMITTEE_MEMBER = "commissie1@wijkbank.example"


def actor(context: DemoContext, email: str, role: str) -> Actor:
    user = context.users.get(email)
    return (
        actor_for(user) if user is not None else Actor(user_id=None, label=f"system:demo:{email}", role=role)
    )


def _fitting_extension(loan: Loan, holiday: int, wanted: int, periods_left: int, paid: int) -> int:
    """As many added periods as wanted, within the product's longest term."""
    most = loan.product.term_max_months // loan.frequency.months
    return max(0, min(wanted, most - paid - periods_left - holiday))


def grant_payment_holiday(session: Session, context: DemoContext, loan: Loan, day: dt.date) -> None:
    """Asked on ``day`` and granted the same day: three months of interest only, a longer term."""
    if loan.status is not LoanStatus.ACTIVE or forbearance.pending_of(session, loan.id) is not None:
        return
    open_items = [i for i in loan.instalments if i.status.value == "open" and i.due_on > day]
    if len(open_items) < 2:
        return
    holiday = max(1, 3 // loan.frequency.months)
    extension = _fitting_extension(
        loan, holiday, 6 // loan.frequency.months, len(open_items), open_items[0].number - 1
    )
    with clock.frozen(day):
        measure = forbearance.request(
            session,
            loan,
            forbearance.Proposal(holiday_periods=holiday, extension_periods=extension),
            reason="De grootste afnemer is failliet; de omzet is voor maanden gehalveerd. Met drie maanden "
            "alleen rente en een iets langere looptijd kan de coöperatie een nieuwe klant opbouwen.",
            on=day,
            key=f"demo-forbearance-{loan.id}",
            actor=actor(context, OFFICER, "credit_officer"),
        )
        decider = (
            actor(context, COMMITTEE_MEMBER, "committee")
            if measure.needs_committee
            else actor(context, SECOND_OFFICER, "credit_officer")
        )
        forbearance.decide(
            session,
            measure,
            grant=True,
            note="Jaarcijfers en liquiditeitsprognose gezien; de regeling is haalbaar. "
            "Proefperiode 24 maanden.",
            on=day,
            actor=decider,
        )


def request_waiting(session: Session, context: DemoContext) -> None:
    """The loan in arrears today (its case open): a longer term asked, waiting for the decision."""
    if session.scalar(select(ForbearanceMeasure.id).where(ForbearanceMeasure.status == "requested")):
        return
    case = session.scalars(
        select(CollectionCase)
        .join(Loan, Loan.id == CollectionCase.loan_id)
        .where(CollectionCase.status == CaseStatus.OPEN, Loan.status == LoanStatus.ACTIVE)
        .order_by(CollectionCase.id)
    ).first()
    if case is None:
        return
    loan = case.loan
    today = clock.today()
    open_items = [i for i in loan.instalments if i.status.value == "open" and i.due_on > today]
    if not open_items or forbearance.pending_of(session, loan.id) is not None:
        return
    extension = _fitting_extension(
        loan, 0, 12 // loan.frequency.months, len(open_items), open_items[0].number - 1
    )
    if extension == 0:
        return
    forbearance.request(
        session,
        loan,
        forbearance.Proposal(extension_periods=extension),
        reason="Twee grote klanten betalen laat (zie het incassodossier). Met een langere looptijd past het "
        "termijnbedrag weer bij de omzet; de achterstand lost de bakkerij af volgens de betaalbelofte.",
        on=today,
        key=f"demo-forbearance-waiting-{loan.id}",
        actor=actor(context, OFFICER, "credit_officer"),
    )
