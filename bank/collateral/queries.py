"""Reading the collateral register: what a loan's securities are worth, cover, and loan-to-value.

:func:`cover_by_loan` is what provisioning asks (loss given default); :func:`register_of_loan`
and :func:`register_of_application` with :func:`valuations` are what the pages show;
:func:`loan_to_value_history` is the loan-to-value over time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql.elements import ColumnElement, SQLCoreOperations

from bank.collateral.models import (
    HAIRCUTS,
    LTV_KINDS,
    VALUED_KINDS,
    Appraisal,
    CollateralItem,
    CollateralKind,
)
from bank.db import among
from bank.ledger.queries import balances, net_debit_by_day
from bank.loans.models import Loan
from bank.money import ZERO, round_cents

#: Before any loan: where a loan account's history is read from.
EARLIEST = dt.date(1900, 1, 1)
#: Loan-to-value is shown to a tenth of a per cent; kept as a fraction to four decimals.
LTV_PLACES = Decimal("0.0001")


def recoverable(
    kind: CollateralKind,
    appraised: Decimal | None,
    *,
    registered_amount: Decimal | None = None,
    prior_claims: Decimal = ZERO,
) -> Decimal:
    """What a valued item is expected to bring in: the appraised value less the kind's haircut,
    less the claims ranking ahead, never below 0 and never above the amount the right is
    registered for. An item not yet appraised brings nothing.

    The haircut comes first because it is what a forced sale loses on the value; the registered
    amount caps what our right can claim from whatever the sale brings.
    """
    if appraised is None:
        return ZERO
    after_haircut = round_cents(appraised * (1 - HAIRCUTS[kind]))
    value = max(after_haircut - (prior_claims or ZERO), ZERO)
    if registered_amount is not None:
        value = min(value, registered_amount)
    return value


def guaranteed(percentage: Decimal, cap: Decimal, exposure: Decimal) -> Decimal:
    """Cover by a municipality or fund: ``percentage`` of the exposure (to the cent), at most ``cap``."""
    if exposure <= 0:
        return ZERO
    return min(round_cents(percentage * exposure), cap)


def cover_by_loan(session: Session, exposures: Mapping[int, Decimal], on: dt.date) -> dict[int, Decimal]:
    """Per loan id of ``exposures``, the amount the bank expects to recover on ``on`` if it defaults.

    The cover of a loan is the sum of

    * each valued item (mortgage, pledge, personal guarantee) at its latest appraisal on or
      before ``on``, after the kind's haircut (``models.HAIRCUTS``), less claims ranking ahead,
      capped at the amount it is registered for (:func:`recoverable`); an item appraised only
      after ``on`` counts nothing on ``on``;
    * each municipal or guarantee-fund cover: its percentage of the exposure, capped at its cap
      (:func:`guaranteed`);

    never more than the exposure itself (and 0.00 for a loan with no register or no exposure).
    Every loan of ``exposures`` is in the answer.

    Loss given default follows from it: ``LGD = (exposure - cover) / exposure`` (0 when the
    exposure is 0), so a fully secured loan has an LGD of 0 and an unsecured one of 1; the
    expected loss is then ``exposure × PD × LGD``, i.e. ``PD × (exposure - cover)``.

    One query whatever the number of loans: the items of the loans with the latest appraisal
    of each on or before ``on`` (a window over the appraisals, ties on a day to the latest
    recorded).
    """
    answer = {loan_id: ZERO for loan_id in exposures}
    if not exposures:
        return answer
    loan_ids = list(exposures)
    # Every item asked about has a loan: the column is nullable only for application items.
    item_loan = cast("SQLCoreOperations[int]", CollateralItem.loan_id)
    latest = (
        select(
            Appraisal.item_id.label("item_id"),
            Appraisal.value.label("value"),
            func.row_number()
            .over(
                partition_by=Appraisal.item_id, order_by=(Appraisal.appraised_on.desc(), Appraisal.id.desc())
            )
            .label("newest"),
        )
        .join(CollateralItem, CollateralItem.id == Appraisal.item_id)
        .where(Appraisal.appraised_on <= on, among(session, item_loan, loan_ids))
        .subquery()
    )
    rows = session.execute(
        select(
            CollateralItem.loan_id,
            CollateralItem.kind,
            CollateralItem.registered_amount,
            CollateralItem.prior_claims,
            CollateralItem.cover_percentage,
            CollateralItem.cover_cap,
            latest.c.value,
        )
        .outerjoin(latest, and_(latest.c.item_id == CollateralItem.id, latest.c.newest == 1))
        .where(among(session, item_loan, loan_ids))
    ).all()
    for loan_id, kind, registered_amount, prior_claims, percentage, cap, value in rows:
        exposure = exposures[loan_id]
        if kind in VALUED_KINDS:
            part = recoverable(kind, value, registered_amount=registered_amount, prior_claims=prior_claims)
        else:
            part = guaranteed(percentage, cap, exposure)
        answer[loan_id] += part
    for loan_id, exposure in exposures.items():
        answer[loan_id] = max(min(answer[loan_id], exposure), ZERO)
    return answer


def loss_given_default(exposure: Decimal, cover: Decimal) -> Decimal:
    """``(exposure - cover) / exposure`` as a fraction to 4 decimals; 0 for no exposure."""
    if exposure <= 0:
        return Decimal("0")
    return ((exposure - min(cover, exposure)) / exposure).quantize(LTV_PLACES, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------------------------
# The register as the pages show it


def _register(session: Session, condition: ColumnElement[bool]) -> list[CollateralItem]:
    return list(
        session.scalars(
            select(CollateralItem)
            .where(condition)
            .options(selectinload(CollateralItem.appraisals))
            .order_by(CollateralItem.rank.is_(None), CollateralItem.rank, CollateralItem.id)
        )
    )


def register_of_loan(session: Session, loan_id: int) -> list[CollateralItem]:
    """The loan's items (mortgages by rank first), with their appraisal history."""
    return _register(session, CollateralItem.loan_id == loan_id)


def register_of_application(session: Session, application_id: int) -> list[CollateralItem]:
    """The items registered on the application (also once they carried over to its loan)."""
    return _register(session, CollateralItem.application_id == application_id)


def items_by_id(session: Session, item_ids: Iterable[int]) -> dict[int, CollateralItem]:
    """Items by id (the conditions that point at them), in one query."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    return {
        item.id: item for item in session.scalars(select(CollateralItem).where(CollateralItem.id.in_(ids)))
    }


def latest_appraisal(item: CollateralItem, on: dt.date) -> Appraisal | None:
    """The item's appraisal in force on ``on`` (the latest dated on or before it)."""
    chosen: Appraisal | None = None
    for appraisal in item.appraisals:  # ordered by date, then id
        if appraisal.appraised_on <= on:
            chosen = appraisal
    return chosen


@dataclass(frozen=True)
class Valuation:
    """One register line as the page shows it on a day."""

    item: CollateralItem
    appraisal: Appraisal | None
    haircut: Decimal
    #: What it is expected to bring in: :func:`recoverable`, or the cover on ``exposure``.
    recoverable: Decimal


@dataclass(frozen=True)
class Register:
    """A register on a day: its lines, their sum, and the cover ``cover_by_loan`` would give."""

    lines: list[Valuation]
    exposure: Decimal
    #: Sum of the lines, never more than the exposure.
    cover: Decimal
    loss_given_default: Decimal
    #: Sum of the latest market values (mortgages and pledges) and the loan-to-value on them.
    market_value: Decimal
    loan_to_value: Decimal | None


def valuations(items: Sequence[CollateralItem], exposure: Decimal, on: dt.date) -> Register:
    """The register of ``items`` on ``on`` against ``exposure``, by :func:`cover_by_loan`'s rules."""
    lines = []
    for item in items:
        appraisal = latest_appraisal(item, on) if item.is_valued else None
        if item.is_valued:
            value = recoverable(
                item.kind,
                appraisal.value if appraisal else None,
                registered_amount=item.registered_amount,
                prior_claims=item.prior_claims,
            )
        else:
            assert item.cover_percentage is not None and item.cover_cap is not None
            value = guaranteed(item.cover_percentage, item.cover_cap, exposure)
        lines.append(
            Valuation(item=item, appraisal=appraisal, haircut=HAIRCUTS[item.kind], recoverable=value)
        )
    total = max(min(sum((line.recoverable for line in lines), ZERO), exposure), ZERO)
    market = market_value(items, on)
    return Register(
        lines=lines,
        exposure=exposure,
        cover=total,
        loss_given_default=loss_given_default(exposure, total),
        market_value=market,
        loan_to_value=ratio(exposure, market),
    )


def market_value(items: Iterable[CollateralItem], on: dt.date) -> Decimal:
    """The latest appraised value on ``on`` of the mortgages and pledges: what LTV divides by."""
    total = ZERO
    for item in items:
        if item.kind in LTV_KINDS:
            appraisal = latest_appraisal(item, on)
            if appraisal is not None:
                total += appraisal.value
    return total


def ratio(amount: Decimal, value: Decimal) -> Decimal | None:
    """``amount / value`` to four decimals (0.6250 is 62.5 %); None when there is no value."""
    if value <= 0:
        return None
    return (amount / value).quantize(LTV_PLACES, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LtvPoint:
    on: dt.date
    #: Outstanding principal on the day (the loan's 1100 child account), or the amount asked.
    principal: Decimal
    market_value: Decimal
    loan_to_value: Decimal | None
    #: Why this day is a point: "disbursed", "appraisal", "today".
    reason: str


def loan_to_value_history(
    session: Session, loan: Loan, items: Sequence[CollateralItem], today: dt.date
) -> list[LtvPoint]:
    """Loan-to-value at the payout, at each appraisal date since, and today.

    Outstanding principal (the ledger's balance of the loan's principal account at the end of
    the day) over the latest appraised market value of its mortgages and pledges on that day.
    One read whatever the number of dates: the principal account's postings by day (the
    items and their appraisals are loaded by the caller).
    """
    days: dict[dt.date, str] = {loan.disbursed_on: "disbursed"}
    for item in items:
        if item.kind in LTV_KINDS:
            for appraisal in item.appraisals:
                if loan.disbursed_on < appraisal.appraised_on <= today:
                    days.setdefault(appraisal.appraised_on, "appraisal")
    if today >= loan.disbursed_on:
        days[today] = "today"
    # The principal account is debit-normal: its balance on a day is the sum of its net debits
    # up to that day, read per value date in one query.
    by_day = net_debit_by_day(session, loan.principal_account_id, EARLIEST, today)
    points = []
    for day in sorted(days):
        if day > today:
            continue
        principal = sum((amount for posted_on, amount in by_day.items() if posted_on <= day), ZERO)
        value = market_value(items, day)
        points.append(
            LtvPoint(
                on=day,
                principal=principal,
                market_value=value,
                loan_to_value=ratio(principal, value),
                reason=days[day],
            )
        )
    return points


# ---------------------------------------------------------------------------------------------
# The portfolio: every loan with a register


@dataclass(frozen=True)
class SecuredLoan:
    """One line of the register's overview: a loan, what it owes and what secures it."""

    loan: Loan
    items: int
    exposure: Decimal
    market_value: Decimal
    loan_to_value: Decimal | None
    cover: Decimal
    loss_given_default: Decimal


def market_values(session: Session, loan_ids: Sequence[int], on: dt.date) -> dict[int, Decimal]:
    """Per loan, the latest appraised value on ``on`` of its mortgages and pledges, in one query."""
    if not loan_ids:
        return {}
    item_loan = cast("SQLCoreOperations[int]", CollateralItem.loan_id)
    latest = (
        select(
            CollateralItem.loan_id.label("loan_id"),
            Appraisal.value.label("value"),
            func.row_number()
            .over(
                partition_by=Appraisal.item_id, order_by=(Appraisal.appraised_on.desc(), Appraisal.id.desc())
            )
            .label("newest"),
        )
        .join(CollateralItem, CollateralItem.id == Appraisal.item_id)
        .where(
            Appraisal.appraised_on <= on,
            CollateralItem.kind.in_(sorted(LTV_KINDS)),
            among(session, item_loan, list(loan_ids)),
        )
        .subquery()
    )
    values = {loan_id: ZERO for loan_id in loan_ids}
    for loan_id, value in session.execute(
        select(latest.c.loan_id, latest.c.value).where(latest.c.newest == 1)
    ):
        values[loan_id] += value
    return values


def secured_loans(session: Session, on: dt.date) -> list[SecuredLoan]:
    """Every loan with a register against its outstanding principal now, most exposed first:
    loan-to-value on ``on``'s appraisals, expected recovery and LGD by :func:`cover_by_loan`.

    A fixed number of queries: the loans and their counts, their balances, the market values,
    the cover.
    """
    rows = session.execute(
        select(Loan, func.count(CollateralItem.id))
        .join(CollateralItem, CollateralItem.loan_id == Loan.id)
        .options(selectinload(Loan.borrower))
        .group_by(Loan.id)
        .order_by(Loan.number)
    ).all()
    loans = {loan.id: (loan, count) for loan, count in rows}
    principal = balances(session, [loan.principal_account_id for loan, _count in loans.values()])
    wanted = {
        loan_id: principal.get(loan.principal_account_id, ZERO) for loan_id, (loan, _count) in loans.items()
    }
    covers = cover_by_loan(session, wanted, on)
    values = market_values(session, list(loans), on)
    lines = [
        SecuredLoan(
            loan=loan,
            items=count,
            exposure=wanted[loan_id],
            market_value=values[loan_id],
            loan_to_value=ratio(wanted[loan_id], values[loan_id]),
            cover=covers[loan_id],
            loss_given_default=loss_given_default(wanted[loan_id], covers[loan_id]),
        )
        for loan_id, (loan, count) in loans.items()
    ]
    return sorted(lines, key=lambda line: (-line.exposure, line.loan.number))
