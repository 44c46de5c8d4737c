"""What a loan makes possible: jobs created and kept, homes and land secured (issue 7, impact report).

Two kinds of record per loan (``loan_impact_reports``): the figures the borrower expected when
applying, copied from the application when the loan is booked, and the borrower's yearly report,
recorded by staff. The municipal impact report reads the latest yearly report and falls back on
the application's figures, so the copy at disbursement keeps what was promised next to what came
of it even if the application is later archived.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.errors import N_, PermissionDenied, ValidationError
from bank.loans.models import ImpactReport, ImpactSource, Loan

#: Staff who may record a borrower's yearly report.
RECORD_ROLES = ("credit_officer", "admin")
#: A generous bound that still catches a typo (an extra zero or two).
MAXIMUM_COUNT = 100_000
MAXIMUM_LAND_AREA_M2 = 100_000_000
FIGURES = ("jobs_created", "jobs_kept", "homes_secured", "land_area_m2")


def _count(value: object, field: str, maximum: int = MAXIMUM_COUNT) -> int:
    """A whole number ≥ 0; an empty value counts as 0 (nothing to report)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool | float):
        raise ValidationError(field, N_("must be a whole number"))
    text = str(value).strip()
    if text.startswith("-") and text[1:].isdigit():
        raise ValidationError(field, N_("must not be negative"))
    if not text.isdigit():
        raise ValidationError(field, N_("must be a whole number"))
    number = int(text)
    if number > maximum:
        raise ValidationError(field, N_("must be at most %(maximum)s"), maximum=maximum)
    return number


def _year(value: object, loan: Loan, today: dt.date) -> int:
    text = str(value if value is not None else "").strip()
    if not text.isdigit():
        raise ValidationError("year", N_("must be a year, e.g. 2026"))
    year = int(text)
    first = loan.disbursed_on.year
    if not first <= year <= today.year:
        raise ValidationError(
            "year",
            N_("must be between %(first)s (the year the loan was paid out) and %(year)s"),
            first=first,
            year=today.year,
        )
    return year


def _snapshot(report: ImpactReport) -> dict[str, Any]:
    return {name: getattr(report, name) for name in (*FIGURES, "year", "reported_on", "notes")}


def record_annual_report(
    session: Session,
    loan: Loan,
    *,
    year: object,
    jobs_created: object,
    jobs_kept: object,
    homes_secured: object,
    land_area_m2: object,
    notes: str = "",
    actor: Actor,
    on: dt.date | None = None,
) -> ImpactReport:
    """Record the borrower's report for ``year``; a second report for the same year replaces the first.

    Replacing rather than refusing: borrowers do send corrections, and the audit trail keeps the
    figures that were replaced.
    """
    if not actor.has_role(*RECORD_ROLES):
        raise PermissionDenied(N_("only credit officers record impact reports"))
    today = clock.today()
    on = on or today
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name, raw, maximum in (
        ("year", year, None),
        ("jobs_created", jobs_created, MAXIMUM_COUNT),
        ("jobs_kept", jobs_kept, MAXIMUM_COUNT),
        ("homes_secured", homes_secured, MAXIMUM_COUNT),
        ("land_area_m2", land_area_m2, MAXIMUM_LAND_AREA_M2),
    ):
        try:
            values[name] = _year(raw, loan, today) if maximum is None else _count(raw, name, maximum)
        except ValidationError as error:
            errors.update(error.fields)
    notes = (notes or "").strip()
    if len(notes) > 2000:
        errors["notes"] = N_("may be at most 2000 characters")
    if on > today:
        errors["reported_on"] = N_("must not lie in the future")
    elif on < loan.disbursed_on:
        errors["reported_on"] = N_("must not be before the loan was paid out")
    if errors:
        raise ValidationError(errors)
    report = session.scalar(
        select(ImpactReport).where(
            ImpactReport.loan_id == loan.id,
            ImpactReport.year == values["year"],
            ImpactReport.source == ImpactSource.ANNUAL,
        )
    )
    before = _snapshot(report) if report is not None else None
    if report is None:
        report = ImpactReport(loan_id=loan.id, year=values["year"], source=ImpactSource.ANNUAL)
        session.add(report)
    for name in FIGURES:
        setattr(report, name, values[name])
    report.reported_on = on
    report.notes = notes
    report.recorded_by = actor.label
    session.flush()
    audit.record(
        session,
        actor,
        "loan.impact_report.update" if before is not None else "loan.impact_report.create",
        "loan",
        loan.id,
        before=before,
        after=_snapshot(report),
    )
    return report


def record_application_figures(
    session: Session, loan: Loan, application: Any, *, actor: Actor
) -> ImpactReport:
    """Copy the application's expected impact to the loan (idempotent: the first copy stays).

    ``application`` is a ``LoanApplication``; typed loosely because the applications package
    sits above loans and imports it.
    """
    existing = session.scalar(
        select(ImpactReport).where(
            ImpactReport.loan_id == loan.id, ImpactReport.source == ImpactSource.APPLICATION
        )
    )
    if existing is not None:
        return existing
    report = ImpactReport(
        loan_id=loan.id,
        year=loan.disbursed_on.year,
        source=ImpactSource.APPLICATION,
        jobs_created=application.jobs_created_expected or 0,
        jobs_kept=application.jobs_kept_expected or 0,
        homes_secured=application.homes_expected or 0,
        land_area_m2=application.land_area_m2 or 0,
        reported_on=loan.disbursed_on,
        recorded_by=actor.label,
        notes=f"expected at application {application.number}",
    )
    session.add(report)
    session.flush()
    return report


def reports_for_loan(session: Session, loan: Loan) -> list[ImpactReport]:
    """The loan's impact records, newest year first; in a year the yearly report before the expectation."""
    return list(
        session.scalars(
            select(ImpactReport)
            .where(ImpactReport.loan_id == loan.id)
            .order_by(ImpactReport.year.desc(), ImpactReport.source, ImpactReport.id.desc())
        )
    )
