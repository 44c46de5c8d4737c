"""Demo step: what the loans make possible, for the municipal impact report (/staff/reports/impact).

Runs after the applications step (``context.applications``: key -> application). The demo's
applicants fill in the expected impact as the application form asks (jobs for every loan, homes
and land for a land trust); their applications were written before this step exists in the
story, so the figures are set here and on the copy the disbursement made. Borrowers whose loan
has run half a year send their yearly report for this year, recorded by a credit officer.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor, system
from bank.applications.models import LoanApplication
from bank.demo.context import DemoContext
from bank.loans import impact
from bank.loans.models import ImpactReport, ImpactSource, Loan
from bank.loans.products_models import LoanPurpose

#: Square metres of the land trust's plot and the homes it keeps affordable.
LAND_TRUST_HOMES = 6
LAND_TRUST_AREA_M2 = 1150


def _expected(application: LoanApplication) -> tuple[int, int, int | None, int | None]:
    """(jobs created, jobs kept, homes, land m²) as the applicant would have written them."""
    purpose = application.product.purpose
    if purpose is LoanPurpose.LAND_TRUST_PURCHASE:
        return 0, 2, LAND_TRUST_HOMES, LAND_TRUST_AREA_M2
    if purpose is LoanPurpose.COOP_STARTUP:
        workers = application.worker_members or 2
        return max(workers - 1, 1), 1, None, None
    return 0, 1, None, None


def _officer(context: DemoContext) -> Actor:
    for email, user in context.users.items():
        if user.role == "credit_officer":
            return Actor(user_id=user.id, label=email, role=user.role)
    return system("demo")


def load_impact(session: Session, context: DemoContext) -> None:
    today = clock.today()
    officer = _officer(context)
    applications = [a for a in context.applications.values() if a.loan_id is not None] or list(
        session.scalars(select(LoanApplication).where(LoanApplication.loan_id.is_not(None)))
    )
    for application in sorted(applications, key=lambda a: a.loan_id or 0):
        loan = session.get(Loan, application.loan_id)
        assert loan is not None
        jobs_created, jobs_kept, homes, land = _expected(application)
        application.jobs_created_expected = jobs_created
        application.jobs_kept_expected = jobs_kept
        application.homes_expected = homes
        application.land_area_m2 = land
        record = session.scalar(
            select(ImpactReport).where(
                ImpactReport.loan_id == loan.id, ImpactReport.source == ImpactSource.APPLICATION
            )
        )
        if record is None:
            record = impact.record_application_figures(session, loan, application, actor=officer)
        record.jobs_created, record.jobs_kept = jobs_created, jobs_kept
        record.homes_secured, record.land_area_m2 = homes or 0, land or 0
        if loan.disbursed_on > today - dt.timedelta(days=182):
            continue
        # Some did better than expected, some a little worse: the report shows both.
        difference = loan.id % 3 - 1
        impact.record_annual_report(
            session,
            loan,
            year=today.year,
            jobs_created=max(jobs_created + difference, 0),
            jobs_kept=jobs_kept,
            homes_secured=homes or 0,
            land_area_m2=land or 0,
            notes="Jaarrapportage van de lener",
            actor=officer,
            on=today,
        )
    session.flush()
