"""Writes of provisioning: the PD table, the credit officer's flags, and the month-end run.

The run (:func:`provision_month_end`) stages every loan on the books at a month-end, computes
its expected loss, stores one row per loan and the month's total, and posts only the change of
the allowance: Dr 5100 / Cr 1190 when it grows, Cr 5100 / Dr 1190 when it is released, key
``provision:{month end}``. After it, account 1190 holds exactly the sum of the stored losses.
Run again for the same month-end it returns what it stored and posts nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, column, insert, select
from sqlalchemy import table as sa_table
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.db import pg_int_array, pg_text_array
from bank.errors import N_, NotFound, PermissionDenied, ValidationError
from bank.ledger import chart
from bank.ledger.service import EntryRequest, account_by_code, credit, debit, post_many
from bank.loans.models import Loan, LoanStatus
from bank.money import RATE_SCALE, ZERO, from_cents, parse_rate_fraction, to_cents
from bank.provisioning import calculator, cover, queries
from bank.provisioning.models import (
    GRADES,
    LoanRiskFlag,
    PdRate,
    PdTable,
    ProvisionMonth,
    RiskFlagKind,
)

#: Who sets the PD table; who flags loans.
TABLE_ROLES = ("admin",)
FLAG_ROLES = ("credit_officer",)
#: The entry kinds of the allowance's moves.
PROVISION_KIND = "loan_loss_provision"
RELEASE_KIND = "loan_loss_release"


def _require_role(actor: Actor, *roles: str) -> None:
    if not actor.has_role(*roles):
        raise PermissionDenied(
            N_("role %(role)s may not do this; it needs %(roles)s"), role=actor.role, roles=" or ".join(roles)
        )


def _probability(value: object, field: str) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError(field, N_("is required"))
    return parse_rate_fraction(
        value,
        field=field,
        maximum=Decimal(1),
        not_a_number=N_("must be a probability such as 0.025"),
        out_of_range=N_("must be a probability between 0 and 1"),
    )


def set_pd_table(
    session: Session,
    *,
    effective_on: dt.date | None,
    default_grade: str | None,
    unsecured_lgd: object,
    probabilities: Mapping[str, object],
    actor: Actor,
    note: str = "",
) -> PdTable:
    """A new version of the PD table, in force from ``effective_on``; every fault named at once.

    ``probabilities`` holds one value per cell, keyed ``pd_<grade>_<stage>`` (``pd_B_2``): the
    12-month probability for stage 1, the lifetime one for stages 2 and 3, each from 0 to 1.
    Earlier versions stay as they were (month-ends already run keep the figures they used); a
    second version for the same day is refused.
    """
    _require_role(actor, *TABLE_ROLES)
    errors: dict[str, str] = {}
    cells: dict[tuple[str, int], Decimal] = {}
    for grade, stage in queries.grades_and_stages():
        name = queries.cell_field(grade, stage)
        try:
            cells[grade, stage] = _probability(probabilities.get(name), name)
        except ValidationError as error:
            errors.update(error.fields)
    try:
        lgd = _probability(unsecured_lgd, "unsecured_lgd")
    except ValidationError as error:
        errors.update(error.fields)
        lgd = ZERO
    grade = (default_grade or "").strip().upper()
    if grade not in GRADES:
        errors["default_grade"] = N_("must be one of A, B, C, D, E")
    if effective_on is None:
        errors["effective_on"] = N_("is required")
    elif session.scalar(select(PdTable.id).where(PdTable.effective_on == effective_on)) is not None:
        errors["effective_on"] = N_("a table is already in force from this day; choose another day")
    if errors:
        raise ValidationError(errors)
    assert effective_on is not None
    table = PdTable(
        effective_on=effective_on,
        default_grade=grade,
        unsecured_lgd=lgd,
        note=note.strip(),
        created_by_id=actor.user_id,
        created_by_label=actor.label,
        rates=[PdRate(grade=g, stage=s, probability=p) for (g, s), p in cells.items()],
    )
    session.add(table)
    session.flush()
    audit.record(
        session,
        actor,
        "provisioning.pd_table",
        "pd_table",
        table.id,
        after={
            "effective_on": effective_on,
            "default_grade": grade,
            "unsecured_lgd": str(lgd),
            **{queries.cell_field(g, s): str(p) for (g, s), p in cells.items()},
        },
    )
    return table


def _loan(session: Session, loan_id: int) -> Loan:
    loan = session.get(Loan, loan_id)
    if loan is None:
        raise NotFound(N_("loan %(id)s does not exist"), id=loan_id)
    return loan


def flag_loan(
    session: Session,
    loan_id: int,
    kind: RiskFlagKind | str,
    *,
    reason: str,
    actor: Actor,
    on: dt.date | None = None,
) -> LoanRiskFlag:
    """Put a loan on the watchlist (stage 2 at least) or mark it credit-impaired (stage 3).

    A credit officer's judgement with its reason, audited; it counts from ``on`` (today) at the
    next month-end. A flag of the same kind already standing is refused.
    """
    _require_role(actor, *FLAG_ROLES)
    loan = _loan(session, loan_id)
    try:
        flag_kind = RiskFlagKind(kind)
    except ValueError:
        raise ValidationError("kind", N_("must be the watchlist or credit-impaired")) from None
    text = (reason or "").strip()
    if not text:
        raise ValidationError("reason", N_("is required"))
    if len(text) > 2000:
        raise ValidationError("reason", N_("may be at most %(maximum)s characters"), maximum=2000)
    if loan.status is not LoanStatus.ACTIVE:
        raise ValidationError("kind", N_("only an active loan can be flagged"))
    day = on or clock.today()
    if day > clock.today():
        raise ValidationError("on", N_("may not be in the future"))
    standing = [flag for flag in queries.current_flags(session, loan.id) if flag.kind is flag_kind]
    if standing:
        raise ValidationError("kind", N_("the loan already has this flag"))
    flag = LoanRiskFlag(
        loan_id=loan.id, kind=flag_kind, reason=text, flagged_on=day, flagged_by_label=actor.label
    )
    session.add(flag)
    session.flush()
    audit.record(
        session,
        actor,
        "loan.risk_flag",
        "loan",
        loan.id,
        after={"kind": flag_kind.value, "reason": text, "on": day},
    )
    return flag


def clear_flag(
    session: Session, flag_id: int, *, reason: str, actor: Actor, on: dt.date | None = None
) -> LoanRiskFlag:
    """Lift a standing flag (from ``on``, today), with the reason; kept in the loan's history."""
    _require_role(actor, *FLAG_ROLES)
    flag = session.get(LoanRiskFlag, flag_id)
    if flag is None:
        raise NotFound(N_("flag %(id)s does not exist"), id=flag_id)
    if flag.cleared_on is not None:
        raise ValidationError("flag_id", N_("the flag was already lifted"))
    text = (reason or "").strip()
    if not text:
        raise ValidationError("reason", N_("is required"))
    day = max(on or clock.today(), flag.flagged_on)
    flag.cleared_on = day
    flag.cleared_reason = text
    flag.cleared_by_label = actor.label
    session.flush()
    audit.record(
        session,
        actor,
        "loan.risk_flag_cleared",
        "loan",
        flag.loan_id,
        before={"kind": flag.kind.value, "reason": flag.reason},
        after={"cleared_on": day, "reason": text},
    )
    return flag


#: ``loan_provisions`` for the run's one multi-row insert, written in the stored units directly
#: (integer cents for ``MoneyType``, integer hundred-millionths for ``RateType``, the enum's
#: value): the typed columns would turn every value of 100 000 rows into a Decimal and back.
#: ``tests/provisioning`` reads the rows back through the model, so the two cannot drift apart.
_ROW_COLUMNS = (
    "run_id",
    "loan_id",
    "purpose",
    "grade",
    "grade_defaulted",
    "stage",
    "reason",
    "days_past_due",
    "exposure",
    "cover",
    "probability",
    "lgd",
    "ecl",
)
_PROVISION_ROWS = sa_table(
    "loan_provisions",
    *(column(name) for name in _ROW_COLUMNS),
    column("month_end", Date),
)


#: PostgreSQL array types of the row columns, for the one ``INSERT … SELECT FROM unnest(…)``.
_PG_ARRAYS = {
    "run_id": "bigint",
    "loan_id": "bigint",
    "purpose": "text",
    "grade": "text",
    "grade_defaulted": "boolean",
    "stage": "int",
    "reason": "text",
    "days_past_due": "int",
    "exposure": "bigint",
    "cover": "bigint",
    "probability": "bigint",
    "lgd": "bigint",
    "ecl": "bigint",
}


def _pg_array(name: str, rows: list[dict[str, Any]]) -> str:
    """One column of the rows as a PostgreSQL array literal (psycopg's list adapter was half
    the run: it inspects every element)."""
    values = [row[name] for row in rows]
    kind = _PG_ARRAYS[name]
    if kind == "text":
        return pg_text_array(values)
    if kind == "boolean":
        return "{" + ",".join("t" if value else "f" for value in values) + "}"
    return pg_int_array(values)


def _insert_rows(session: Session, month_end: dt.date, rows: list[dict[str, Any]]) -> None:
    """The month-end's rows in one statement (PostgreSQL: ``unnest`` of one array per column) or
    one DBAPI executemany (SQLite): SQLAlchemy's per-row parameter handling was a third of a
    100 000-loan run. The columns are ``_ROW_COLUMNS``, the model's (the tests read them back)."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        columns = ", ".join(_ROW_COLUMNS)
        arrays = ", ".join(f"%({name})s::{_PG_ARRAYS[name]}[]" for name in _ROW_COLUMNS)
        connection.exec_driver_sql(
            f"INSERT INTO loan_provisions (month_end, {columns})"
            f" SELECT %(month_end)s::date, * FROM unnest({arrays})",
            {"month_end": month_end, **{name: _pg_array(name, rows) for name in _ROW_COLUMNS}},
        )
        return
    compiled = insert(_PROVISION_ROWS).compile(dialect=connection.dialect)
    names = list(compiled.positiontup or [])
    day = month_end.isoformat()
    for row in rows:
        row["month_end"] = day
    connection.exec_driver_sql(str(compiled), [tuple(row[name] for name in names) for row in rows])


class _ExposureMoney(Mapping[int, Decimal]):
    """The exposures in cents, read as money only for the loans the register is asked about."""

    def __init__(self, cents: dict[int, int]) -> None:
        self._cents = cents

    def __getitem__(self, loan_id: int) -> Decimal:
        return from_cents(self._cents[loan_id])

    def __iter__(self) -> Iterator[int]:
        return iter(self._cents)

    def __len__(self) -> int:
        return len(self._cents)


def provision_month_end(
    session: Session, month_end: dt.date, *, actor: Actor, run_id: int | None = None
) -> ProvisionMonth:
    """Stage every loan at ``month_end``, store its expected loss, post the allowance's change.

    Set-based: four reads for the loans (``queries.loans_at``, days past due, flags, forborne),
    one ask of the collateral register for all of them, integer arithmetic per loan, one
    multi-row insert, one entry. Refused when no PD table is in force or the day is not a
    month's last. A month-end already provisioned is returned as it was stored.
    """
    if not queries.is_month_end(month_end):
        raise ValidationError("date", N_("must be the last day of a month"))
    existing = queries.month(session, month_end)
    if existing is not None:
        return existing
    table = queries.table_in_force(session, month_end)
    if table is None:
        raise ValidationError("date", N_("no probability-of-default table is in force on this day"))
    loans = queries.loans_at(session, month_end)
    overdue = queries.days_past_due_at(session, month_end)
    flags = queries.flags_at(session, month_end)
    forborne = queries.forborne_loan_ids(session, month_end)
    covers = cover.cover_by_loan(
        session, _ExposureMoney({facts.loan_id: max(facts.exposure_cents, 0) for facts in loans}), month_end
    )
    parts = {(rate.grade, rate.stage): int(rate.probability * RATE_SCALE) for rate in table.rates}
    unsecured = int(table.unsecured_lgd * RATE_SCALE)
    rows = []
    total = 0
    for facts in loans:
        days = max(overdue.get(facts.loan_id, 0), 0)
        flagged = flags.get(facts.loan_id, set())
        stage, reason = calculator.stage_of(
            days,
            watchlist=RiskFlagKind.WATCHLIST in flagged,
            credit_impaired=RiskFlagKind.CREDIT_IMPAIRED in flagged,
            forborne=facts.loan_id in forborne,
        )
        grade = facts.grade or table.default_grade
        probability = parts[grade, stage]
        loan_cover = covers.get(facts.loan_id)
        cover_cents = None if loan_cover is None else to_cents(loan_cover)
        lgd, ecl = calculator.expected_loss_cents(
            facts.exposure_cents, probability, cover_cents=cover_cents, unsecured_lgd_parts=unsecured
        )
        total += ecl
        rows.append(
            {
                "month_end": month_end,
                "run_id": run_id,
                "loan_id": facts.loan_id,
                "purpose": facts.purpose,
                "grade": grade,
                "grade_defaulted": facts.grade is None,
                "stage": stage,
                "reason": reason,
                "days_past_due": days,
                "exposure": max(facts.exposure_cents, 0),
                "cover": cover_cents,
                "probability": probability,
                "lgd": lgd,
                "ecl": ecl,
            }
        )
    if rows:
        _insert_rows(session, month_end, rows)
    before = queries.allowance_balance(session)
    target = from_cents(total)
    change = target - before
    entry_id = None
    if change != 0:
        expense = account_by_code(session, chart.IMPAIRMENT_EXPENSE).id
        allowance = account_by_code(session, chart.LOAN_LOSS_ALLOWANCE).id
        if change > 0:
            kind, lines = PROVISION_KIND, (debit(expense, change), credit(allowance, change))
            memo = f"Loan loss allowance {month_end}: added {change}"
        else:
            kind, lines = RELEASE_KIND, (debit(allowance, -change), credit(expense, -change))
            memo = f"Loan loss allowance {month_end}: released {-change}"
        (entry_id,) = post_many(
            session, [EntryRequest(f"provision:{month_end}", kind, lines, month_end, memo)], actor=actor
        )
    provision = ProvisionMonth(
        month_end=month_end,
        run_id=run_id,
        pd_table_id=table.id,
        loans_count=len(rows),
        total_ecl=target,
        allowance_before=before,
        entry_id=entry_id,
    )
    session.add(provision)
    session.flush()
    audit.record(
        session,
        actor,
        "provisioning.month_end",
        "provision_month",
        f"{month_end}",
        after={"loans": len(rows), "total_ecl": target, "change": change, "pd_table": table.id},
    )
    return provision
