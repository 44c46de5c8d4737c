"""Loan applications: drafts, submission, the transition table in action, the credit officer's review.

Every status change goes through :func:`transition`, which asks :data:`TRANSITIONS` whether
the move is allowed and whether this actor may make it, writes the ``ApplicationTransition``
row, the audit event and the applicant's notification, all in the caller's transaction. Input
is parsed before anything is assigned, so a refusal (naming the field and the rule) leaves the
application exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel.dates import format_date
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.actor import system as system_actor
from bank.applications import notices
from bank.applications.models import (
    APPLICANT,
    APPLICATION_STATUS,
    CHECKLIST_ITEMS,
    COMMITTEE,
    CREDIT_OFFICER,
    LAND_ONLY_CHECKS,
    OFFER_VALID_DAYS,
    SYSTEM,
    TRANSITIONS,
    ApplicationStatus,
    ApplicationTransition,
    CostLine,
    LoanApplication,
    RiskGrade,
)
from bank.auth.models import User
from bank.compliance import gate
from bank.db import table_of
from bank.errors import (
    N_,
    Conflict,
    Message,
    Names,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from bank.loans.models import Loan
from bank.loans.products_models import LoanProduct, LoanPurpose, ProductStatus
from bank.loans.schedule import Schedule, build_schedule
from bank.loans.service import terms_for
from bank.members import validation as check
from bank.members.models import Member, MemberStatus
from bank.members.queries import visible_member_ids
from bank.money import ZERO, parse_amount, parse_rate_percent
from bank.notifications import service as notifications
from bank.savings.models import DepositAccount, DepositAccountStatus

S = ApplicationStatus
#: Staff roles that may enter and edit an application for a walk-in applicant.
STAFF_APPLICANT_ROLES = ("teller", "credit_officer", "admin")
#: Roles that review applications.
REVIEW_ROLES = ("credit_officer", "admin")
MAX_COST_LINES = 30
_CADASTRAL = re.compile(r"^[A-Z]{3}[0-9]{2} ?[A-Z]{1,2} ?[0-9]{1,5}(?: ?A ?[0-9]{1,4})?$")


# ---------------------------------------------------------------------------------------------
# The transition table


def require_transition(current: ApplicationStatus, target: ApplicationStatus) -> None:
    """Refuse a move the table does not allow, with a message that says what is possible."""
    allowed = ", ".join(sorted(t.value for t in TRANSITIONS[current])) or "nothing (it is final)"
    APPLICATION_STATUS.require(
        current,
        target,
        N_(
            "an application cannot go from %(current)s to %(target)s; from %(current)s it can go "
            "to %(allowed)s"
        ),
        current=current,
        target=target,
        allowed=allowed,
    )


def capacities(session: Session, actor: Actor, application: LoanApplication) -> set[str]:
    """In which capacities ``actor`` may move this application (applicant, credit officer, …)."""
    if actor.is_system:
        return {SYSTEM, APPLICANT, CREDIT_OFFICER, COMMITTEE}
    roles: set[str] = set()
    if actor.role == "member":
        if actor.member_id is not None and application.applicant_id in visible_member_ids(
            session, actor.member_id
        ):
            roles.add(APPLICANT)
        return roles
    if actor.has_role(*STAFF_APPLICANT_ROLES):
        roles.add(APPLICANT)
    if actor.has_role(*REVIEW_ROLES):
        roles.add(CREDIT_OFFICER)
    if actor.role == "committee":
        roles.add(COMMITTEE)
    return roles


def allowed_targets(session: Session, actor: Actor, application: LoanApplication) -> list[ApplicationStatus]:
    """The moves this actor may make now (the buttons a page shows); committee moves excluded,
    they happen through the chair's decision."""
    mine = capacities(session, actor, application) - {SYSTEM, COMMITTEE}
    return [
        target
        for target, who in TRANSITIONS[application.status].items()
        if who & mine and target not in (S.ON_AGENDA,)
    ]


def transition(
    session: Session,
    application: LoanApplication,
    target: ApplicationStatus,
    *,
    actor: Actor,
    capacity: str,
    note: str = "",
) -> ApplicationTransition:
    """Move ``application`` to ``target`` as ``capacity`` (applicant, credit_officer, committee, system).

    Refused with :class:`InvalidTransition` when the table forbids it and with
    :class:`PermissionDenied` when the actor may not act in that capacity; nothing changes then.
    """
    require_transition(application.status, target)
    if capacity not in TRANSITIONS[application.status][target]:
        raise PermissionDenied(
            N_("moving an application from %(status)s to %(target)s is not for the %(capacity)s"),
            status=application.status,
            target=target,
            capacity=capacity.replace("_", " "),
        )
    # System moves (disbursed, expired) are made by services that enforce their own rules (the
    # four-eyes approval, the expiry job) in the name of whoever triggered them.
    if capacity != SYSTEM and capacity not in capacities(session, actor, application):
        raise PermissionDenied(
            N_("you may not act as %(capacity)s on application %(number)s"),
            capacity=capacity.replace("_", " "),
            number=application.number,
        )
    clean_note = _long_text(note, "note", 4000)
    if target is S.RETURNED and not clean_note:
        raise ValidationError("note", N_("is required: tell the applicant what information is missing"))
    if target is S.WITHDRAWN and capacity != APPLICANT:
        raise PermissionDenied(
            N_("only the applicant (or staff on their behalf) may withdraw an application")
        )
    previous = application.status
    now = clock.now_utc()
    # Compare-and-set: two people moving the same application at once (a double click, a
    # withdrawal racing a review) cannot both succeed; the second finds the status changed.
    session.flush()
    table = table_of(LoanApplication)
    moved = session.execute(
        update(table)
        .where(table.c.id == application.id, table.c.status == previous.value)
        .values(status=target.value)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
        raise Conflict(
            N_("application %(number)s was changed by someone else meanwhile; reload it and try again"),
            number=application.number,
        )
    application.status = target
    application.updated_at = now
    if target is S.SUBMITTED:
        application.submitted_at = now
    if target is S.RETURNED:
        application.review_round += 1
    row = ApplicationTransition(
        application_id=application.id,
        from_status=previous.value,
        to_status=target.value,
        actor_id=actor.user_id,
        actor_label=actor.label,
        at=now,
        note=clean_note,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        f"application.{target.value}",
        "loan_application",
        application.id,
        before={"status": previous.value},
        after={"status": target.value, "capacity": capacity},
        detail=clean_note,
    )
    notify_applicant(session, application, target, note=clean_note)
    return row


def notify_applicant(
    session: Session, application: LoanApplication, status: ApplicationStatus, *, note: str = ""
) -> None:
    """Queue the status e-mail in the applicant's language (outbox; SMTP later when configured)."""
    applicant = application.applicant
    values = {
        # Written out in the applicant's language ("3 maart 2027"), as a letter would.
        "expires": format_date(application.offer_expires_on, format="long", locale=applicant.language or "nl")
        if application.offer_expires_on
        else "",
        "loan": _loan_number(session, application),
    }
    subject, body = notices.status_message(
        applicant.language, status, number=application.number, note=note, **values
    )
    fallback = None
    if application.created_by_id is not None:
        creator = session.get(User, application.created_by_id)
        if creator is not None and creator.role == "member":
            fallback = creator.email
    notifications.enqueue(
        session,
        member=applicant,
        subject=subject,
        body=body,
        object_type="loan_application",
        object_id=application.id,
        fallback_address=fallback,
    )


def _loan_number(session: Session, application: LoanApplication) -> str:
    if application.loan_id is None:
        return ""

    loan = session.get(Loan, application.loan_id)
    return loan.number if loan else ""


# ---------------------------------------------------------------------------------------------
# Drafts


@dataclass(frozen=True)
class CostLineInput:
    description: str
    amount: object


def create_draft(
    session: Session,
    *,
    applicant: Member,
    product: LoanProduct,
    actor: Actor,
    data: Mapping[str, Any] | None = None,
) -> LoanApplication:
    """Start an application (status draft) for ``applicant`` on an active ``product``."""
    if actor.role == "member":
        if actor.member_id is None or applicant.id not in visible_member_ids(session, actor.member_id):
            raise NotFound(N_("member %(id)s does not exist"), id=applicant.id)
    elif not actor.is_system and not actor.has_role(*STAFF_APPLICANT_ROLES):
        raise PermissionDenied(N_("role %(role)s may not enter loan applications"), role=actor.role)
    if applicant.status in (MemberStatus.SUSPENDED, MemberStatus.LEFT):
        raise ValidationError(
            "applicant", N_("is %(status)s and cannot apply for a loan"), status=applicant.status
        )
    if product.status is not ProductStatus.ACTIVE:
        raise ValidationError("product", N_("is not offered any more; choose an active loan product"))
    values = parse_fields(session, data or {}, applicant=applicant, product=product)
    now = clock.now_utc()
    application = LoanApplication(
        number=_next_number(session, clock.today().year),
        status=S.DRAFT,
        applicant_id=applicant.id,
        created_by_id=actor.user_id,
        created_by_label=actor.label,
        product_id=product.id,
        grace_periods=0,
        own_contribution=ZERO,
        purpose_text="",
        checklist={},
        review_round=1,
        created_at=now,
        updated_at=now,
    )
    application.applicant = applicant
    application.product = product
    session.add(application)
    session.flush()
    _assign(session, application, values)
    session.add(
        ApplicationTransition(
            application_id=application.id,
            from_status=None,
            to_status=S.DRAFT.value,
            actor_id=actor.user_id,
            actor_label=actor.label,
            at=now,
            note="",
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "application.create",
        "loan_application",
        application.id,
        after={"number": application.number, "applicant": applicant.id, "product": product.code},
    )
    return application


def update_draft(
    session: Session, application: LoanApplication, data: Mapping[str, Any], *, actor: Actor
) -> LoanApplication:
    """Change a draft (or a returned application); only the keys present in ``data`` change."""
    if APPLICANT not in capacities(session, actor, application):
        raise NotFound(N_("application %(id)s does not exist"), id=application.id)
    APPLICATION_STATUS.require_action(
        "edit",
        application.status,
        N_("application %(number)s is %(status)s; only a draft or a returned application can be changed"),
        number=application.number,
        status=application.status,
    )
    product = application.product
    if "product_id" in data and data["product_id"] not in (None, ""):
        product = _product(session, data["product_id"])
    values = parse_fields(
        session, data, applicant=application.applicant, product=product, current=application
    )
    before = _snapshot(application)
    if product.id != application.product_id:
        application.product_id = product.id
        application.product = product
    _assign(session, application, values)
    application.updated_at = clock.now_utc()
    session.flush()
    audit.record(
        session,
        actor,
        "application.update",
        "loan_application",
        application.id,
        before=before,
        after=_snapshot(application),
    )
    return application


def _product(session: Session, product_id: object) -> LoanProduct:
    try:
        product = session.get(LoanProduct, int(str(product_id)))
    except ValueError:
        product = None
    if product is None:
        raise ValidationError("product_id", N_("is not a loan product"))
    if product.status is not ProductStatus.ACTIVE:
        raise ValidationError("product_id", N_("is not offered any more; choose an active loan product"))
    return product


def _whole(value: object, field: str, *, minimum: int = 0, maximum: int = 10_000) -> int:
    if isinstance(value, bool | float):
        raise ValidationError(field, N_("must be a whole number"))
    text = str(value).strip()
    if not text.isdigit():
        raise ValidationError(field, N_("must be a whole number"))
    number = int(text)
    if not minimum <= number <= maximum:
        raise ValidationError(
            field, N_("must be between %(minimum)s and %(maximum)s"), minimum=minimum, maximum=maximum
        )
    return number


#: The expected-impact fields of an application and their upper bounds (a typo guard).
IMPACT_FIELDS = (
    ("jobs_created_expected", 100_000),
    ("jobs_kept_expected", 100_000),
    ("homes_expected", 100_000),
    ("land_area_m2", 100_000_000),
)


def _optional_amount(value: object, field: str, *, allow_zero: bool = True) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_amount(value, field=field, allow_zero=allow_zero)


def parse_fields(
    session: Session,
    data: Mapping[str, Any],
    *,
    applicant: Member,
    product: LoanProduct,
    current: LoanApplication | None = None,
) -> dict[str, Any]:
    """Check every given field; all problems are reported together, nothing is assigned here."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    def attempt(name: str, parse: Any) -> None:
        if name not in data:
            return
        try:
            values[name] = parse(data[name])
        except ValidationError as error:
            errors.update(error.fields)

    attempt("amount", lambda v: _optional_amount(v, "amount", allow_zero=False))
    attempt(
        "term_months",
        lambda v: None if str(v or "").strip() == "" else _whole(v, "term_months", minimum=1, maximum=480),
    )
    attempt(
        "grace_periods",
        lambda v: 0 if str(v or "").strip() == "" else _whole(v, "grace_periods", maximum=480),
    )
    attempt("purpose_text", lambda v: _long_text(v, "purpose_text", 4000))
    attempt("own_contribution", lambda v: _optional_amount(v, "own_contribution") or ZERO)
    attempt("repayment_account_id", lambda v: _repayment_account(session, v, applicant))
    attempt("property_address", lambda v: check.optional_text(v, "property_address", max_length=300))
    attempt("cadastral_reference", _cadastral)
    attempt("purchase_price", lambda v: _optional_amount(v, "purchase_price", allow_zero=False))
    attempt("appraisal_value", lambda v: _optional_amount(v, "appraisal_value", allow_zero=False))
    attempt("own_funds", lambda v: _optional_amount(v, "own_funds"))
    attempt("notary_iban", lambda v: (check.iban(v, "notary_iban") or None) if str(v or "").strip() else None)
    attempt("notary_name", lambda v: check.optional_text(v, "notary_name", max_length=200) or None)
    attempt(
        "worker_members",
        lambda v: None if str(v or "").strip() == "" else _whole(v, "worker_members", maximum=10_000),
    )
    attempt("expected_monthly_revenue", lambda v: _optional_amount(v, "expected_monthly_revenue"))
    attempt("expected_monthly_costs", lambda v: _optional_amount(v, "expected_monthly_costs"))
    # Expected impact (optional whole numbers; copied to the loan at disbursement for the impact report)
    for name, maximum in IMPACT_FIELDS:
        attempt(
            name,
            lambda v, n=name, m=maximum: None if str(v or "").strip() == "" else _whole(v, n, maximum=m),
        )
    if "cost_lines" in data:
        try:
            values["cost_lines"] = _cost_lines(data["cost_lines"])
        except ValidationError as error:
            errors.update(error.fields)
    # The product's bounds, as soon as the amount or the term is known.
    amount = values.get("amount", current.amount if current else None)
    term_months = values.get("term_months", current.term_months if current else None)
    grace = values.get("grace_periods", current.grace_periods if current else 0)
    if (
        "amount" not in errors
        and amount is not None
        and not product.amount_min <= amount <= product.amount_max
    ):
        errors["amount"] = Message(
            N_("must be between %(amount_min)s and %(amount_max)s for %(product)s"),
            amount_min=product.amount_min,
            amount_max=product.amount_max,
            product=Names(nl=product.name_nl, en=product.name_en),
        )
    if "term_months" not in errors and term_months is not None:
        months = product.frequency.months
        if not product.term_min_months <= term_months <= product.term_max_months:
            errors["term_months"] = Message(
                N_("must be between %(term_min_months)s and %(term_max_months)s months for %(product)s"),
                term_min_months=product.term_min_months,
                term_max_months=product.term_max_months,
                product=Names(nl=product.name_nl, en=product.name_en),
            )
        elif term_months % months:
            errors["term_months"] = Message(
                N_("must be a multiple of %(months)s months (this loan is repaid quarterly)"), months=months
            )
    if "grace_periods" not in errors and grace and grace > product.max_grace_periods:
        errors["grace_periods"] = Message(
            N_("must be at most %(max_grace_periods)s periods for %(product)s"),
            max_grace_periods=product.max_grace_periods,
            product=Names(nl=product.name_nl, en=product.name_en),
        )
    if errors:
        raise ValidationError(errors)
    return values


def _long_text(value: object, field: str, max_length: int) -> str:
    text = str(value or "").replace("\r\n", "\n").strip()
    if len(text) > max_length:
        raise ValidationError(field, N_("must be at most %(max_length)s characters"), max_length=max_length)
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", text):
        raise ValidationError(field, N_("must not contain control characters"))
    return text


def _cadastral(value: object) -> str:
    text = " ".join(str(value or "").upper().split())
    if text and not _CADASTRAL.match(text):
        raise ValidationError(
            "cadastral_reference",
            N_("must look like a cadastral parcel, e.g. ASD04 K 1234 (municipality, section, number)"),
        )
    return text


def _repayment_account(session: Session, value: object, applicant: Member) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value))
    except ValueError:
        number = 0
    # An id past the column's range is no account (a 20-digit id overflowed the database: a 500).
    account = session.get(DepositAccount, number) if 0 < number < 2**31 else None
    if account is None or account.member_id != applicant.id:
        raise ValidationError(
            "repayment_account_id", N_("must be one of the applicant's own deposit accounts")
        )
    if account.status is not DepositAccountStatus.OPEN:
        raise ValidationError("repayment_account_id", N_("must be an open account"))
    return account.id


def _cost_lines(raw: object) -> list[tuple[str, Decimal]]:
    """[(description, amount)] from CostLineInput, pairs or dicts; blank rows are skipped."""
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        raise ValidationError("cost_lines", N_("must be a list of lines"))
    lines: list[tuple[str, Decimal]] = []
    errors: dict[str, str] = {}
    for index, item in enumerate(raw, start=1):
        if isinstance(item, CostLineInput):
            description, amount = item.description, item.amount
        elif isinstance(item, Mapping):
            description, amount = item.get("description", ""), item.get("amount", "")
        else:
            description, amount = item
        description_text = " ".join(str(description or "").split())
        amount_text = amount if not isinstance(amount, str) else amount.strip()
        if not description_text and amount_text in ("", None):
            continue
        field = f"cost_lines-{index}"
        if not description_text:
            errors[field] = N_("needs a description")
            continue
        if len(description_text) > 200:
            errors[field] = N_("description must be at most 200 characters")
            continue
        try:
            lines.append((description_text, parse_amount(amount, field=field)))
        except ValidationError as error:
            errors.update(error.fields)
    if len(lines) > MAX_COST_LINES:
        errors["cost_lines"] = Message(N_("at most %(max_cost_lines)s lines"), max_cost_lines=MAX_COST_LINES)
    if errors:
        raise ValidationError(errors)
    return lines


def _assign(session: Session, application: LoanApplication, values: dict[str, Any]) -> None:
    for name, value in values.items():
        if name == "cost_lines":
            application.cost_lines.clear()
            session.flush()
            for position, (description, amount) in enumerate(value, start=1):
                application.cost_lines.append(
                    CostLine(position=position, description=description, amount=amount)
                )
        else:
            setattr(application, name, value)
    session.flush()


def _snapshot(application: LoanApplication) -> dict[str, Any]:
    return {
        "amount": application.amount,
        "term_months": application.term_months,
        "product": application.product_id,
        "own_contribution": application.own_contribution,
        "cost_total": application.cost_total,
        "repayment_account": application.repayment_account_id,
    }


def _next_number(session: Session, year: int) -> str:
    prefix = f"KA-{year}-"
    count = (
        session.scalar(
            select(func.count()).select_from(LoanApplication).where(LoanApplication.number.like(f"{prefix}%"))
        )
        or 0
    )
    return f"{prefix}{count + 1:04d}"


# ---------------------------------------------------------------------------------------------
# Submitting, withdrawing, reviewing


def completeness_errors(application: LoanApplication) -> dict[str, str]:
    """What is still missing before the application can be submitted (field -> rule)."""
    errors: dict[str, str] = {}
    product = application.product
    if application.amount is None:
        errors["amount"] = N_("is required")
    if application.term_months is None:
        errors["term_months"] = N_("is required")
    if not application.purpose_text.strip():
        errors["purpose_text"] = N_("is required: describe in your own words what the loan is for")
    if application.repayment_account_id is None:
        errors["repayment_account_id"] = N_("is required: the account the loan is paid to and repaid from")
    if not application.cost_lines:
        errors["cost_lines"] = N_("are required: list what the money will be spent on")
    elif application.amount is not None:
        total = application.cost_total
        expected = application.amount + application.own_contribution
        if total != expected:
            errors["cost_lines"] = Message(
                N_(
                    "add up to %(total)s but must equal the amount plus the own contribution (%(amount)s "
                    "+ %(own_contribution)s = %(expected)s)"
                ),
                total=total,
                amount=application.amount,
                own_contribution=application.own_contribution,
                expected=expected,
            )
    if product.purpose is LoanPurpose.LAND_TRUST_PURCHASE:
        for name in ("property_address", "cadastral_reference"):
            if not getattr(application, name):
                errors[name] = N_("is required for a land purchase")
        for name in ("purchase_price", "appraisal_value", "own_funds"):
            if getattr(application, name) is None:
                errors[name] = N_("is required for a land purchase")
        if (application.notary_iban is None) != (application.notary_name is None):
            errors["notary_name"] = N_("give both the notary's IBAN and name, or neither")
    if product.purpose is LoanPurpose.COOP_STARTUP:
        if not application.worker_members:
            errors["worker_members"] = N_("is required for a co-op startup (at least 1)")
        for name in ("expected_monthly_revenue", "expected_monthly_costs"):
            if getattr(application, name) is None:
                errors[name] = N_("is required for a co-op startup")
    return errors


def submit(
    session: Session, application: LoanApplication, *, actor: Actor, note: str = ""
) -> LoanApplication:
    """Submit a complete draft (or a returned application) to the bank."""
    if APPLICANT not in capacities(session, actor, application):
        raise NotFound(N_("application %(id)s does not exist"), id=application.id)
    require_transition(application.status, S.SUBMITTED)
    errors = completeness_errors(application)
    if errors:
        raise ValidationError(errors)
    gate.require_clear(session, application.applicant_id, gate.Purpose.BORROW, field="applicant")
    transition(session, application, S.SUBMITTED, actor=actor, capacity=APPLICANT, note=note)
    return application


def withdraw(
    session: Session, application: LoanApplication, *, actor: Actor, note: str = ""
) -> LoanApplication:
    """The applicant (or staff for them) withdraws before a decision."""
    if APPLICANT not in capacities(session, actor, application):
        raise NotFound(N_("application %(id)s does not exist"), id=application.id)
    transition(session, application, S.WITHDRAWN, actor=actor, capacity=APPLICANT, note=note)
    return application


def take_for_review(session: Session, application: LoanApplication, *, actor: Actor) -> LoanApplication:
    """A credit officer takes a submitted application; they become its preparer (and may not vote)."""
    if not actor.has_role(*REVIEW_ROLES):
        raise PermissionDenied(N_("only credit officers take applications for review"))
    transition(session, application, S.IN_REVIEW, actor=actor, capacity=CREDIT_OFFICER)
    application.reviewer_id = actor.user_id
    application.reviewer_label = actor.label
    session.flush()
    return application


def return_for_information(
    session: Session, application: LoanApplication, *, actor: Actor, note: str
) -> LoanApplication:
    """Send the application back to the applicant with what is missing (credit officer, before the agenda)."""
    if not actor.has_role(*REVIEW_ROLES):
        raise PermissionDenied(N_("only credit officers return applications before the committee"))
    transition(session, application, S.RETURNED, actor=actor, capacity=CREDIT_OFFICER, note=note)
    return application


def save_review(
    session: Session, application: LoanApplication, data: Mapping[str, Any], *, actor: Actor
) -> LoanApplication:
    """Record the credit officer's review: checklist, risk grade, recommendation, conditions, notes."""
    if not actor.has_role(*REVIEW_ROLES):
        raise PermissionDenied(N_("only credit officers review applications"))
    APPLICATION_STATUS.require_action(
        "review",
        application.status,
        N_("application %(number)s is %(status)s; the review can be changed only while it is in review"),
        number=application.number,
        status=application.status,
    )
    if (
        application.reviewer_id is not None
        and application.reviewer_id != actor.user_id
        and not actor.is_system
    ):
        raise PermissionDenied(
            N_("%(reviewer_label)s prepares this application; ask them to change it"),
            reviewer_label=application.reviewer_label,
        )
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    checklist_raw = data.get("checklist", {})
    if not isinstance(checklist_raw, Mapping):
        errors["checklist"] = N_("must be a set of ticked items")
    else:
        unknown = set(checklist_raw) - set(CHECKLIST_ITEMS)
        if unknown:
            errors["checklist"] = Message(N_("unknown items: %(items)s"), items=", ".join(sorted(unknown)))
        values["checklist"] = {item: bool(checklist_raw.get(item)) for item in CHECKLIST_ITEMS}
    grade = str(data.get("risk_grade") or "").strip().upper()
    if grade:
        try:
            values["risk_grade"] = RiskGrade(grade)
        except ValueError:
            errors["risk_grade"] = N_("must be one of A, B, C, D, E")
    else:
        values["risk_grade"] = None
    product = application.product
    try:
        values["recommended_amount"] = _optional_amount(
            data.get("recommended_amount"), "recommended_amount", allow_zero=False
        )
    except ValidationError as error:
        errors.update(error.fields)
    term_raw = str(data.get("recommended_term_months") or "").strip()
    try:
        values["recommended_term_months"] = (
            _whole(term_raw, "recommended_term_months", minimum=1, maximum=480) if term_raw else None
        )
    except ValidationError as error:
        errors.update(error.fields)
    rate_raw = data.get("recommended_rate_annual")
    try:
        if isinstance(rate_raw, Decimal):
            values["recommended_rate_annual"] = rate_raw
        elif str(rate_raw or "").strip():
            values["recommended_rate_annual"] = parse_rate_percent(rate_raw, "recommended_rate_annual")
        else:
            values["recommended_rate_annual"] = None
    except ValidationError as error:
        errors.update(error.fields)
    try:
        values["proposed_conditions"] = _long_text(
            data.get("proposed_conditions"), "proposed_conditions", 4000
        )
        values["review_notes"] = _long_text(data.get("review_notes"), "review_notes", 8000)
    except ValidationError as error:
        errors.update(error.fields)
    amount = values.get("recommended_amount")
    term = values.get("recommended_term_months")
    if amount is not None and not product.amount_min <= amount <= product.amount_max:
        errors["recommended_amount"] = Message(
            N_("must be between %(amount_min)s and %(amount_max)s"),
            amount_min=product.amount_min,
            amount_max=product.amount_max,
        )
    if term is not None and (
        not product.term_min_months <= term <= product.term_max_months or term % product.frequency.months
    ):
        errors["recommended_term_months"] = Message(
            N_(
                "must be between %(term_min_months)s and %(term_max_months)s months (a multiple of "
                "%(months)s)"
            ),
            term_min_months=product.term_min_months,
            term_max_months=product.term_max_months,
            months=product.frequency.months,
        )
    if errors:
        raise ValidationError(errors)
    before = {"risk_grade": application.risk_grade, "recommended_amount": application.recommended_amount}
    for name, value in values.items():
        setattr(application, name, value)
    if application.reviewer_id is None:
        application.reviewer_id = actor.user_id
        application.reviewer_label = actor.label
    application.updated_at = clock.now_utc()
    session.flush()
    audit.record(
        session,
        actor,
        "application.review",
        "loan_application",
        application.id,
        before=before,
        after={
            "risk_grade": application.risk_grade,
            "recommended_amount": application.recommended_amount,
            "recommended_term_months": application.recommended_term_months,
            "recommended_rate_annual": application.recommended_rate_annual,
            "checklist": ",".join(k for k, v in application.checklist.items() if v),
        },
    )
    return application


def review_gaps(application: LoanApplication) -> dict[str, str]:
    """What the review still lacks before the application can go on a committee agenda."""
    gaps: dict[str, str] = {}
    land = application.product.purpose is LoanPurpose.LAND_TRUST_PURCHASE
    missing = [
        item
        for item in CHECKLIST_ITEMS
        if (land or item not in LAND_ONLY_CHECKS) and not (application.checklist or {}).get(item)
    ]
    if application.applicant.is_person:
        missing = [item for item in missing if item not in ("kvk_extract", "statutes")]
    if missing:
        gaps["checklist"] = Message(N_("not yet ticked: %(checklist_items)s"), checklist_items=tuple(missing))
    if application.risk_grade is None:
        gaps["risk_grade"] = N_("is required")
    for name in ("recommended_amount", "recommended_term_months", "recommended_rate_annual"):
        if getattr(application, name) is None:
            gaps[name] = N_("is required")
    return gaps


# ---------------------------------------------------------------------------------------------
# Figures shown on the form and to the committee


def preview_schedule(
    application: LoanApplication,
    *,
    on: dt.date | None = None,
    amount: Decimal | None = None,
    term_months: int | None = None,
    rate_annual: Decimal | None = None,
    grace_periods: int | None = None,
) -> Schedule | None:
    """The schedule the loan would have if paid out ``on`` (today); None while amount/term are unknown
    or outside the product's bounds."""
    product = application.product
    amount = amount if amount is not None else application.amount
    term_months = term_months if term_months is not None else application.term_months
    if amount is None or term_months is None or term_months % product.frequency.months:
        return None
    try:
        terms = terms_for(
            product,
            principal=amount,
            term_periods=term_months // product.frequency.months,
            disbursed_on=on or clock.today(),
            grace_periods=application.grace_periods if grace_periods is None else grace_periods,
            rate_annual=rate_annual,
        )
    except ValidationError:
        return None
    return build_schedule(terms)


@dataclass(frozen=True)
class Figures:
    """Loan-to-value (land) and debt-service coverage (co-op) with what they were computed from."""

    monthly_instalment: Decimal | None
    ltv_percent: Decimal | None
    funding_gap: Decimal | None
    net_monthly_income: Decimal | None
    dscr: Decimal | None


def figures(application: LoanApplication, schedule: Schedule | None = None) -> Figures:
    """LTV = amount / appraisal value; DSCR = (revenue − costs) / monthly instalment (the regular
    amortising instalment, per month for a quarterly loan)."""
    schedule = schedule if schedule is not None else preview_schedule(application)
    monthly = None
    if schedule is not None:
        per_period = schedule.instalment_amount
        monthly = (per_period / application.product.frequency.months).quantize(Decimal("0.01"), ROUND_HALF_UP)
    ltv = gap = None
    if application.amount is not None and application.appraisal_value:
        ltv = (application.amount * 100 / application.appraisal_value).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if application.purchase_price is not None and application.amount is not None:
        gap = application.purchase_price - application.amount - (application.own_funds or ZERO)
    net = dscr = None
    if application.expected_monthly_revenue is not None and application.expected_monthly_costs is not None:
        net = application.expected_monthly_revenue - application.expected_monthly_costs
        if monthly:
            dscr = (net / monthly).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return Figures(monthly, ltv, gap, net, dscr)


def get_application(session: Session, application_id: int) -> LoanApplication:
    application = session.get(LoanApplication, application_id)
    if application is None:
        raise NotFound(N_("application %(application_id)s does not exist"), application_id=application_id)
    return application


def mark_decided(application: LoanApplication, *, decided_on: dt.date, approved: bool) -> None:
    """Set the decision date and, for an approval, the offer's last valid day (90 days)."""
    application.decided_on = decided_on
    application.offer_expires_on = decided_on + dt.timedelta(days=OFFER_VALID_DAYS) if approved else None


def expire_offers(session: Session, today: dt.date, *, actor: Actor | None = None) -> list[str]:
    """Expire approved offers not disbursed within 90 days (the day after ``offer_expires_on``).

    Idempotent: an expired application is final, so a second run for the same day finds nothing.
    The scheduler calls it as ``expire_offers(session, today)``.
    """
    actor = actor or system_actor("expire-offers")
    due = list(
        session.scalars(
            select(LoanApplication)
            .where(LoanApplication.status == S.APPROVED, LoanApplication.offer_expires_on < today)
            .order_by(LoanApplication.id)
        )
    )
    for application in due:
        transition(
            session,
            application,
            S.EXPIRED,
            actor=actor,
            capacity=SYSTEM,
            note=f"offer valid until {application.offer_expires_on} was not taken up",
        )
    return [application.number for application in due]
