"""Forbearance: ask, decide (four eyes; the committee above the product's limit), apply.

A borrower in financial difficulty can be given a *payment holiday* (periods in which only the
interest is due; the term grows by as many), a *term extension* (periods added at the end, so
the instalments still to come are lower) or a *lower rate*, alone or together. What changes is
the schedule of the instalments still to come: they are superseded by a new schedule version,
built by the same engine as every other schedule and kept beside the old one. Instalments
already due stay due as they were — arrears are followed up in the collection case and may be
agreed as a payment arrangement there — so no money moves: only the running period's accrued
interest is set right for a lower rate (``accrual.settle``).

The measure is requested by a credit officer with the borrower's reason and decided by a second
person: another credit officer (or an administrator) when the loan's outstanding principal is at
or below the product's ``forbearance_committee_above``, a member of the loan committee above it.
A granted loan is *forborne* for a probation of 24 months (``queries.forborne_loan_ids``), which
puts it in stage 2 at least in the provisioning run. Nothing here commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_currency
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank import audit
from bank.actor import Actor
from bank.calendar import add_months
from bank.errors import N_, Conflict, Message, PermissionDenied, ValidationError
from bank.forbearance.models import MEASURE_STATUS, ForbearanceMeasure, MeasureStatus
from bank.ledger import queries as ledger_queries
from bank.loans import accrual
from bank.loans.models import LOAN_STATUS, Instalment, InstalmentStatus, Loan
from bank.loans.schedule import MAX_TERM, Method, Schedule, ScheduleTerms, build_schedule
from bank.loans.service import interest_only_ahead, replace_schedule
from bank.money import ZERO
from bank.notifications import service as notifications

#: Who asks for a measure, and who decides one at or below the product's limit.
FORBEARANCE_ROLES = ("admin", "credit_officer")
#: Who decides a measure above the product's limit.
COMMITTEE_ROLE = "committee"
#: Who may read the measures (the list page and the review).
READ_ROLES = ("admin", "credit_officer", "committee")
#: The loan counts as forborne this long after the grant (EBA: a probation of at least two years).
PROBATION_MONTHS = 24
#: The longest payment holiday, in months.
MAX_HOLIDAY_MONTHS = 12
REASON_MAX = 2000
#: The schedule version's reason (``ScheduleVersion.reason``).
VERSION_REASON = "forbearance"

GRANTED_SUBJECT = N_("New repayment schedule for loan %(loan)s")
GRANTED_BODY = N_(
    "Dear %(name)s,\n\n"
    "As agreed, the repayment schedule of your loan %(loan)s has been changed on %(date)s. "
    "From %(from)s your instalment is %(instalment)s; %(periods)s instalments remain.\n\n"
    "The new schedule is in the portal, on the page of your loan, with the previous schedule "
    "beneath it. If anything is unclear, reply to this message or call us.\n\n"
    "Kind regards,\nWijkbank\n"
)


@dataclass(frozen=True)
class Proposal:
    """What is asked: periods of interest only, periods added, and a lower rate (or None)."""

    holiday_periods: int = 0
    extension_periods: int = 0
    rate_annual: Decimal | None = None


@dataclass(frozen=True)
class Plan:
    """The schedule a proposal gives a loan on a date, and the figures the decider weighs."""

    proposal: Proposal
    #: The open instalments still to come, which the new version supersedes.
    replaced: list[Instalment]
    schedule: Schedule
    rate_annual: Decimal
    #: The first full instalment (principal and interest) before and after.
    instalment_before: Decimal
    instalment_after: Decimal
    #: Instalments still to come before and after.
    periods_before: int
    periods_after: int
    #: The loan's whole life in instalments and in months after the measure.
    term_periods_after: int
    term_months_after: int
    #: The principal the new schedule repays.
    principal: Decimal

    @property
    def last_due_before(self) -> dt.date:
        return self.replaced[-1].due_on

    @property
    def last_due_after(self) -> dt.date:
        return self.schedule.instalments[-1].due_on


def _whole(value: object, field_name: str) -> int:
    if value is None or (isinstance(value, str) and not value.strip()):
        return 0
    if isinstance(value, bool | float):
        raise ValidationError(field_name, N_("must be a whole number"))
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationError(field_name, N_("must be a whole number")) from None
    if number < 0:
        raise ValidationError(field_name, N_("must not be negative"))
    return number


def proposal_of(holiday_periods: object, extension_periods: object, rate_annual: Decimal | None) -> Proposal:
    """Read a proposal (periods as whole numbers; the rate as a fraction already read)."""
    holiday = _whole(holiday_periods, "holiday_periods")
    extension = _whole(extension_periods, "extension_periods")
    if holiday == 0 and extension == 0 and rate_annual is None:
        raise ValidationError(
            "holiday_periods", N_("give a payment holiday, a term extension or a lower rate (at least one)")
        )
    return Proposal(holiday, extension, rate_annual)


def _first_full(items: list[tuple[Decimal, Decimal]]) -> Decimal:
    """Principal plus interest of the first instalment that repays principal (else the last)."""
    for principal, interest in items[:-1]:
        if principal > 0:
            return principal + interest
    principal, interest = items[-1]
    return principal + interest


def plan(session: Session, loan: Loan, proposal: Proposal, *, on: dt.date) -> Plan:
    """The new schedule ``proposal`` gives ``loan`` on ``on``, checked against the product's limits.

    Only the open instalments due after ``on`` are rebuilt. The new version starts where the
    running period started (the last due date, or the disbursement), so its first instalment
    carries the whole running period's interest, as the daily accrual expects.
    """
    LOAN_STATUS.require_action(
        "service",
        loan.status,
        N_("loan %(number)s is %(status)s; only an active loan can be serviced"),
        number=loan.number,
        status=loan.status,
    )
    months_per_period = loan.frequency.months
    if proposal.holiday_periods * months_per_period > MAX_HOLIDAY_MONTHS:
        raise ValidationError(
            "holiday_periods",
            N_("may be at most %(periods)s instalments (%(months)s months)"),
            periods=MAX_HOLIDAY_MONTHS // months_per_period,
            months=MAX_HOLIDAY_MONTHS,
        )
    if proposal.rate_annual is not None and proposal.rate_annual >= loan.rate_annual:
        raise ValidationError(
            "rate_annual",
            N_("must be lower than the loan's rate of %(rate_percent)s per cent"),
            rate_percent=(loan.rate_annual * 100).quantize(Decimal("0.01")),
        )
    if proposal.rate_annual is not None and proposal.rate_annual < 0:
        raise ValidationError("rate_annual", N_("must not be negative"))
    replaced = list(
        session.scalars(
            select(Instalment)
            .where(
                Instalment.loan_id == loan.id,
                Instalment.status == InstalmentStatus.OPEN,
                Instalment.due_on > on,
            )
            .order_by(Instalment.due_on, Instalment.number)
        )
    )
    if not replaced:
        raise ValidationError(
            "holiday_periods", N_("loan %(number)s has no instalments still to come"), number=loan.number
        )
    if any(item.total_paid > 0 for item in replaced):
        raise ValidationError(
            "holiday_periods",
            N_("an instalment still to come has been partly paid; book it as an extra repayment first"),
        )
    anchor = session.scalar(
        select(func.max(Instalment.due_on)).where(
            Instalment.loan_id == loan.id,
            Instalment.status != InstalmentStatus.SUPERSEDED,
            Instalment.due_on <= on,
        )
    )
    principal = sum((item.principal_due for item in replaced), ZERO)
    grace_left = interest_only_ahead(loan, replaced)
    periods = len(replaced) + proposal.holiday_periods + proposal.extension_periods
    term_periods = replaced[0].number - 1 + periods
    term_months = term_periods * months_per_period
    product_max = loan.product.term_max_months
    if term_months > product_max or term_periods > MAX_TERM:
        field_name = "extension_periods" if proposal.extension_periods else "holiday_periods"
        raise ValidationError(
            field_name,
            N_("lengthens the loan to %(months)s months, past the product's maximum of %(maximum)s months"),
            months=term_months,
            maximum=product_max,
        )
    rate = loan.rate_annual if proposal.rate_annual is None else proposal.rate_annual
    grace = 0 if loan.method is Method.BULLET else min(grace_left + proposal.holiday_periods, periods - 1)
    schedule = build_schedule(
        ScheduleTerms(
            principal=principal,
            rate_annual=rate,
            term=periods,
            method=loan.method,
            frequency=loan.frequency,
            disbursed_on=anchor or loan.disbursed_on,
            first_due_on=replaced[0].due_on,
            grace_principal=grace,
            instalment_multiple=loan.instalment_multiple,
            day_count=loan.day_count,
        )
    )
    return Plan(
        proposal=proposal,
        replaced=replaced,
        schedule=schedule,
        rate_annual=rate,
        instalment_before=_first_full([(item.principal_due, item.interest_due) for item in replaced]),
        instalment_after=_first_full([(item.principal, item.interest) for item in schedule.instalments]),
        periods_before=len(replaced),
        periods_after=periods,
        term_periods_after=term_periods,
        term_months_after=term_months,
        principal=principal,
    )


def needs_committee(session: Session, loan: Loan) -> tuple[bool, Decimal]:
    """Whether the committee decides (outstanding principal above the product's limit), and that principal."""
    outstanding = ledger_queries.balance(session, loan.principal_account_id)
    return outstanding > loan.product.forbearance_committee_above, outstanding


def pending_of(session: Session, loan_id: int) -> ForbearanceMeasure | None:
    """The loan's measure waiting for a decision, if any (a loan has at most one)."""
    return session.scalar(
        select(ForbearanceMeasure).where(
            ForbearanceMeasure.loan_id == loan_id, ForbearanceMeasure.status == MeasureStatus.REQUESTED
        )
    )


def request(
    session: Session,
    loan: Loan,
    proposal: Proposal,
    *,
    reason: str,
    on: dt.date,
    key: str,
    actor: Actor,
) -> ForbearanceMeasure:
    """A credit officer asks for ``proposal`` on ``loan``; a second person decides it.

    The plan is made at once, so a proposal that lengthens the loan past the product's maximum
    is refused here, naming the field. A double submit (same ``key``) asks once.
    """
    if not actor.has_role(*FORBEARANCE_ROLES):
        raise PermissionDenied(N_("only a credit officer or an administrator may ask for forbearance"))
    existing = session.scalar(select(ForbearanceMeasure).where(ForbearanceMeasure.request_key == key))
    if existing is not None:
        return existing
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("reason", N_("is required: say why the borrower needs it"))
    if len(reason) > REASON_MAX:
        raise ValidationError("reason", N_("must be at most %(max)s characters"), max=REASON_MAX)
    if pending_of(session, loan.id) is not None:
        raise Conflict(N_("loan %(number)s already has a forbearance request waiting"), number=loan.number)
    planned = plan(session, loan, proposal, on=on)
    committee, outstanding = needs_committee(session, loan)
    measure = ForbearanceMeasure(
        loan_id=loan.id,
        status=MeasureStatus.REQUESTED,
        holiday_periods=proposal.holiday_periods,
        extension_periods=proposal.extension_periods,
        rate_annual_before=loan.rate_annual,
        rate_annual_new=proposal.rate_annual,
        reason=reason,
        outstanding_principal=outstanding,
        needs_committee=committee,
        instalment_before=planned.instalment_before,
        instalment_after=planned.instalment_after,
        periods_before=planned.periods_before,
        periods_after=planned.periods_after,
        request_key=key,
        requested_on=on,
        requested_by_id=actor.user_id,
        requested_by_label=actor.label,
    )
    session.add(measure)
    session.flush()
    audit.record(
        session,
        actor,
        "forbearance.requested",
        "forbearance_measure",
        measure.id,
        after={
            "loan": loan.number,
            "holiday_periods": proposal.holiday_periods,
            "extension_periods": proposal.extension_periods,
            "rate_annual": proposal.rate_annual,
            "needs_committee": committee,
        },
    )
    return measure


def decider_refusal(measure: ForbearanceMeasure, actor: Actor) -> Message | None:
    """Why ``actor`` may not decide ``measure`` (None: they may); pages ask it to show the form."""
    if actor.user_id is not None and actor.user_id == measure.requested_by_id:
        return Message(N_("you asked for this measure; a second person decides it (four eyes)"))
    if measure.needs_committee:
        if actor.role != COMMITTEE_ROLE and not actor.is_system:
            return Message(
                N_(
                    "the outstanding principal of %(amount)s is above the product's limit: the loan "
                    "committee decides"
                ),
                amount=measure.outstanding_principal,
            )
    elif not actor.has_role(*FORBEARANCE_ROLES):
        return Message(N_("only a credit officer or an administrator decides this measure"))
    return None


def decide(
    session: Session,
    measure: ForbearanceMeasure,
    *,
    grant: bool,
    note: str,
    on: dt.date,
    actor: Actor,
) -> ForbearanceMeasure:
    """Grant (apply the new schedule version) or reject the measure; the same decision twice is one."""
    target = MeasureStatus.GRANTED if grant else MeasureStatus.REJECTED
    if measure.status is target:
        return measure
    MEASURE_STATUS.require(
        measure.status,
        target,
        N_("forbearance request %(id)s is %(status)s; it can no longer be decided"),
        id=measure.id,
        status=measure.status,
    )
    refusal = decider_refusal(measure, actor)
    if refusal is not None:
        raise PermissionDenied(refusal)
    note = (note or "").strip()
    if not grant and not note:
        raise ValidationError("note", N_("is required: say why the request is rejected"))
    if len(note) > REASON_MAX:
        raise ValidationError("note", N_("must be at most %(max)s characters"), max=REASON_MAX)
    if grant:
        _apply(session, measure, on=on, actor=actor)
    measure.status = target
    measure.decided_on = on
    measure.decided_by_id = actor.user_id
    measure.decided_by_label = actor.label
    measure.decision_note = note
    session.flush()
    audit.record(
        session,
        actor,
        f"forbearance.{target.value}",
        "forbearance_measure",
        measure.id,
        after={"loan": measure.loan.number, "schedule_version": measure.schedule_version, "note": note},
    )
    return measure


def withdraw(
    session: Session, measure: ForbearanceMeasure, *, on: dt.date, actor: Actor
) -> ForbearanceMeasure:
    """The staff member who asked takes the request back before anyone decided."""
    if measure.status is MeasureStatus.WITHDRAWN:
        return measure
    MEASURE_STATUS.require(
        measure.status,
        MeasureStatus.WITHDRAWN,
        N_("forbearance request %(id)s is %(status)s; it can no longer be withdrawn"),
        id=measure.id,
        status=measure.status,
    )
    if actor.user_id != measure.requested_by_id and actor.role != "admin":
        raise PermissionDenied(N_("only the person who asked, or an administrator, may withdraw the request"))
    measure.status = MeasureStatus.WITHDRAWN
    measure.decided_on = on
    measure.decided_by_id = actor.user_id
    measure.decided_by_label = actor.label
    session.flush()
    audit.record(session, actor, "forbearance.withdrawn", "forbearance_measure", measure.id)
    return measure


def _apply(session: Session, measure: ForbearanceMeasure, *, on: dt.date, actor: Actor) -> None:
    """Supersede the instalments still to come with the measure's schedule version."""
    loan = measure.loan
    proposal = Proposal(measure.holiday_periods, measure.extension_periods, measure.rate_annual_new)
    # Planned again on the decision date: instalments may have fallen due since the request.
    planned = plan(session, loan, proposal, on=on)
    row, new_items = replace_schedule(
        session,
        loan,
        planned.replaced,
        planned.schedule,
        reason=VERSION_REASON,
        actor=actor,
        note=f"forbearance:{measure.id}",
    )
    loan.rate_annual = planned.rate_annual
    loan.term_periods = planned.term_periods_after
    measure.schedule_version = row.version
    measure.effective_from = new_items[0].due_on
    measure.probation_until = add_months(on, PROBATION_MONTHS)
    measure.instalment_after = planned.instalment_after
    measure.periods_after = planned.periods_after
    session.flush()
    # A lower rate lowers the running period's interest: what was accrued is set right at once.
    accrual.settle(session, loan, key=f"accrue-settle:forbearance:{measure.id}", actor=actor)
    _tell_borrower(session, measure, planned, on=on)


def _tell_borrower(session: Session, measure: ForbearanceMeasure, planned: Plan, *, on: dt.date) -> None:
    loan = measure.loan
    borrower = loan.borrower
    language = "en" if borrower.language == "en" else "nl"
    translations = notifications.translations(language)
    first_full = next(
        (item for item in planned.schedule.instalments if item.principal > 0),
        planned.schedule.instalments[-1],
    )
    values = {
        "name": borrower.full_name,
        "loan": loan.number,
        "date": format_date(on, "long", locale=language),
        "from": format_date(first_full.due_on, "long", locale=language),
        "instalment": format_currency(planned.instalment_after, "EUR", locale=language),
        "periods": planned.periods_after,
    }
    notifications.enqueue(
        session,
        member=borrower,
        subject=translations.gettext(GRANTED_SUBJECT) % values,
        body=translations.gettext(GRANTED_BODY) % values,
        object_type="forbearance_measure",
        object_id=measure.id,
    )
