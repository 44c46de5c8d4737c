"""Reminder ladders: which letter a loan in arrears gets on which day past due, per product.

A ladder is a short list of steps (days past due → letter kind), stored per product code as
text ("5:reminder,15:second_reminder,…"). The rules a ladder must keep are checked here, once,
for the admin's form and anything else that saves one: days are whole numbers from 1 to
:data:`MAX_STEP_DAYS`, strictly ascending, and each kind is known and used at most once (a
letter kind is sent at most once per arrears episode).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.arrears.models import LetterKind, ReminderLadder
from bank.errors import N_, PermissionDenied, ValidationError

#: The longest a step may wait: a year past due is long past any follow-up.
MAX_STEP_DAYS = 365
#: Steps a ladder may hold (one per kind).
MAX_STEPS = len(LetterKind)


@dataclass(frozen=True)
class Step:
    days: int
    kind: LetterKind


#: The bank's standard follow-up when a product has no ladder of its own.
DEFAULT_LADDER: tuple[Step, ...] = (
    Step(5, LetterKind.REMINDER),
    Step(15, LetterKind.SECOND_REMINDER),
    Step(30, LetterKind.NOTICE_OF_DEFAULT),
    Step(60, LetterKind.HANDOVER),
)


def validate_steps(rows: Sequence[tuple[object, object]]) -> tuple[Step, ...]:
    """Steps from (days, kind) as typed (text or numbers); an empty row (both blank) is skipped.

    A refusal names the row's field: ``steps-1-days`` ("must be higher than the step before"),
    ``steps-0-kind`` ("is not a letter kind"). Every broken field is named at once.
    """
    errors: dict[str, str] = {}
    steps: list[Step] = []
    kinds_seen: set[LetterKind] = set()
    previous_days: int | None = None
    for index, (days_text, kind_text) in enumerate(rows):
        days_raw = str(days_text if days_text is not None else "").strip()
        kind_raw = str(kind_text if kind_text is not None else "").strip()
        if not days_raw and not kind_raw:
            continue
        days_field, kind_field = f"steps-{index}-days", f"steps-{index}-kind"
        days: int | None = None
        if not days_raw:
            errors[days_field] = N_("is required")
        elif not (days_raw.isascii() and days_raw.isdigit()):
            errors[days_field] = N_("must be a whole number of days")
        else:
            days = int(days_raw)
            if not 1 <= days <= MAX_STEP_DAYS:
                errors[days_field] = N_("must be between 1 and 365 days past due")
                days = None
            elif previous_days is not None and days <= previous_days:
                errors[days_field] = N_("must be higher than the step before (days ascending)")
        kind: LetterKind | None = None
        if not kind_raw:
            errors[kind_field] = N_("is required")
        elif kind_raw not in {k.value for k in LetterKind}:
            errors[kind_field] = N_("is not a letter kind")
        else:
            kind = LetterKind(kind_raw)
            if kind in kinds_seen:
                errors[kind_field] = N_("is already a step of this ladder")
            kinds_seen.add(kind)
        if days is not None:
            previous_days = days
        if days is not None and kind is not None:
            steps.append(Step(days, kind))
    if errors:
        raise ValidationError(errors)
    return tuple(steps)


def to_text(steps: Iterable[Step]) -> str:
    return ",".join(f"{step.days}:{step.kind.value}" for step in steps)


def from_text(text: str) -> tuple[Step, ...]:
    """The steps of a stored ladder (written by :func:`to_text`, so already valid)."""
    steps = []
    for part in text.split(","):
        if part:
            days, kind = part.split(":", 1)
            steps.append(Step(int(days), LetterKind(kind)))
    return tuple(steps)


def ladder_of(session: Session, product_code: str) -> tuple[Step, ...]:
    """The ladder of a product: its own, else the default."""
    row = session.scalar(select(ReminderLadder).where(ReminderLadder.product_code == product_code))
    return DEFAULT_LADDER if row is None else from_text(row.steps)


def is_default(session: Session, product_code: str) -> bool:
    return (
        session.scalar(select(ReminderLadder.id).where(ReminderLadder.product_code == product_code)) is None
    )


def ladders(session: Session, product_codes: Iterable[str]) -> dict[str, tuple[Step, ...]]:
    """The ladder of each product code (one query); codes without a ladder get the default."""
    codes = set(product_codes)
    found = {
        row.product_code: from_text(row.steps)
        for row in session.scalars(select(ReminderLadder).where(ReminderLadder.product_code.in_(codes)))
    }
    return {code: found.get(code, DEFAULT_LADDER) for code in codes}


def set_ladder(
    session: Session, product_code: str, rows: Sequence[tuple[object, object]], *, actor: Actor
) -> tuple[Step, ...]:
    """Save a product's ladder (admins only); nothing is written when a row is refused."""
    if not actor.has_role("admin"):
        raise PermissionDenied(N_("only an administrator may change a reminder ladder"))
    steps = validate_steps(rows)
    row = session.scalar(select(ReminderLadder).where(ReminderLadder.product_code == product_code))
    before = row.steps if row is not None else to_text(DEFAULT_LADDER)
    if row is None:
        row = ReminderLadder(product_code=product_code)
        session.add(row)
    row.steps = to_text(steps)
    row.updated_at = clock.now_utc()
    row.updated_by_id = actor.user_id
    session.flush()
    audit.record(
        session,
        actor,
        "arrears.ladder_update",
        "loan_product",
        product_code,
        before={"steps": before},
        after={"steps": row.steps},
    )
    return steps
