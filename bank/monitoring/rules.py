"""The five monitoring rules, each one set-based query over the members' movements of a window.

A *movement* is a member's side of one journal entry: the postings of the entry on the member's
deposit accounts, netted (credits minus debits, in cents). A transfer between two accounts of
the same member nets to nothing and is no movement; one between two members is money out for one
and money in for the other. The movements of a window are one grouped query
(:func:`movements`); each rule filters and groups them in SQL, so the database does the work over
the day's postings and Python only sees what a rule found (:class:`Finding`).

Cash: the teller's counter deposit books the entry kind ``cash_deposit`` (``savings.deposit`` with
``cash=True``, the deposit form's "Cash at the counter" box); every other deposit is ``deposit``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from typing import Any

from sqlalchemy import BigInteger, Subquery, and_, case, func, literal, or_, select, type_coerce, union_all
from sqlalchemy.orm import Session

from bank.compliance.cdd_models import DueDiligenceFile
from bank.db import among
from bank.ledger.models import JournalEntry, Posting, Side
from bank.money import RATE_SCALE, from_cents, to_cents
from bank.monitoring.countries import HIGH_RISK_COUNTRIES
from bank.monitoring.models import MonitoringRule, RuleCode
from bank.payment_orders.models import PaymentOrder
from bank.payments.statement_models import BankStatementLine
from bank.savings.models import DepositAccount
from bank.savings.service import CASH_DEPOSIT_KIND

#: Entry kinds that bring a member's money in, and take it out, for the structuring rule.
MONEY_IN_KINDS = ("deposit", CASH_DEPOSIT_KIND, "statement_receipt", "suspense_assign", "transfer")
MONEY_OUT_KINDS = ("withdrawal", "transfer")


@dataclass(frozen=True)
class Movement:
    """A member's side of one journal entry: ``net_cents`` positive in, negative out."""

    entry_id: int
    value_date: dt.date
    kind: str
    net_cents: int

    @property
    def amount(self) -> Decimal:
        return from_cents(abs(self.net_cents))

    @property
    def direction(self) -> str:
        return "in" if self.net_cents > 0 else "out"


@dataclass(frozen=True)
class Finding:
    """What a rule found for one member: becomes an alert unless one exists for its key."""

    rule: RuleCode
    member_id: int
    key_on: dt.date
    window_start: dt.date
    window_end: dt.date
    amount: Decimal
    movements: tuple[Movement, ...]
    facts: dict[str, Any] = field(default_factory=dict)


def movements(start: dt.date, end: dt.date) -> Subquery:
    """Every member's movements with a value date in ``[start, end]``: entry, kind, date, member, net."""
    cents = type_coerce(Posting.amount, BigInteger)
    net = func.sum(case((Posting.side == Side.CREDIT, cents), else_=-cents))
    return (
        select(
            Posting.entry_id.label("entry_id"),
            JournalEntry.kind.label("kind"),
            JournalEntry.value_date.label("value_date"),
            DepositAccount.member_id.label("member_id"),
            net.label("net"),
        )
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .join(DepositAccount, DepositAccount.ledger_account_id == Posting.account_id)
        .where(JournalEntry.value_date.between(start, end))
        .group_by(Posting.entry_id, JournalEntry.kind, JournalEntry.value_date, DepositAccount.member_id)
        .having(net != 0)
        .subquery("movements")
    )


def _scaled(fraction: Decimal | None) -> Any:
    """A fraction as the integer of RATE_SCALE parts the queries compare with (exact), typed
    BIGINT: cents times a scaled fraction overflow PostgreSQL's 32-bit integer."""
    return literal(int((fraction or Decimal(0)) * RATE_SCALE), BigInteger)


#: RATE_SCALE as a BIGINT literal, for the same reason.
SCALE = literal(RATE_SCALE, BigInteger)


def _by_member(rows: Any) -> dict[int, list[Movement]]:
    found: dict[int, list[Movement]] = defaultdict(list)
    for row in rows:
        found[row.member_id].append(Movement(row.entry_id, row.value_date, row.kind, int(row.net)))
    return found


def _total(items: list[Movement]) -> Decimal:
    return from_cents(sum(abs(item.net_cents) for item in items))


def cash_deposits(session: Session, rule: MonitoringRule, day: dt.date) -> list[Finding]:
    """Cash deposits of the day at or above the amount (one alert per member and day)."""
    mv = movements(day, day)
    rows = session.execute(
        select(mv)
        .where(mv.c.kind == CASH_DEPOSIT_KIND, mv.c.net >= to_cents(rule.amount))
        .order_by(mv.c.member_id, mv.c.entry_id)
    )
    return [
        Finding(
            RuleCode.CASH_DEPOSIT,
            member_id,
            day,
            day,
            day,
            _total(items),
            tuple(items),
            {"threshold": str(rule.amount), "count": len(items)},
        )
        for member_id, items in _by_member(rows).items()
    ]


def structuring(session: Session, rule: MonitoringRule, day: dt.date) -> list[Finding]:
    """At least ``min_count`` deposits or withdrawals each in ``[share × amount, amount)`` within the
    window of ``window_days`` days ending on ``day``, one of them on ``day`` (so a pattern is
    raised on the day it completes, and again only when it grows)."""
    start = day - dt.timedelta(days=(rule.window_days or 7) - 1)
    mv = movements(start, day)
    high = to_cents(rule.amount)
    low = int((Decimal(high) * (rule.share or Decimal(0))).to_integral_value(ROUND_CEILING))
    just_below = (
        select(mv)
        .where(
            or_(
                and_(mv.c.kind.in_(MONEY_IN_KINDS), mv.c.net >= low, mv.c.net < high),
                and_(mv.c.kind.in_(MONEY_OUT_KINDS), -mv.c.net >= low, -mv.c.net < high),
            )
        )
        .subquery("just_below")
    )
    members = (
        select(just_below.c.member_id)
        .group_by(just_below.c.member_id)
        .having(func.count() >= (rule.min_count or 2), func.max(just_below.c.value_date) == day)
    )
    rows = session.execute(
        select(just_below)
        .where(just_below.c.member_id.in_(members))
        .order_by(just_below.c.member_id, just_below.c.value_date, just_below.c.entry_id)
    )
    return [
        Finding(
            RuleCode.STRUCTURING,
            member_id,
            day,
            start,
            day,
            _total(items),
            tuple(items),
            {"threshold": str(rule.amount), "low": str(from_cents(low)), "count": len(items)},
        )
        for member_id, items in _by_member(rows).items()
    ]


def in_and_out(session: Session, rule: MonitoringRule, day: dt.date) -> list[Finding]:
    """An amount of at least ``amount`` received in the last ``window_days`` days of which at least
    ``share`` has left again, the share reached on ``day`` (not already before it)."""
    window = rule.window_days or 3
    mv = movements(day - dt.timedelta(days=window), day)
    incoming = select(mv).where(mv.c.net >= to_cents(rule.amount)).subquery("incoming")
    outgoing = select(mv).where(mv.c.net < 0).subquery("outgoing")
    share = _scaled(rule.share)
    out_total = func.sum(-outgoing.c.net)
    out_before = func.sum(case((outgoing.c.value_date < day, -outgoing.c.net), else_=0))
    pairs = session.execute(
        select(
            incoming.c.entry_id,
            incoming.c.member_id,
            incoming.c.value_date,
            incoming.c.kind,
            incoming.c.net,
            out_total.label("out_total"),
        )
        .join(
            outgoing,
            and_(
                outgoing.c.member_id == incoming.c.member_id,
                outgoing.c.value_date >= incoming.c.value_date,
                outgoing.c.entry_id != incoming.c.entry_id,
            ),
        )
        .group_by(
            incoming.c.entry_id, incoming.c.member_id, incoming.c.value_date, incoming.c.kind, incoming.c.net
        )
        .having(out_total * SCALE >= incoming.c.net * share, out_before * SCALE < incoming.c.net * share)
        .order_by(incoming.c.member_id, incoming.c.value_date, incoming.c.entry_id)
    ).all()
    if not pairs:
        return []
    first_in: dict[int, Any] = {}
    for row in pairs:
        first_in.setdefault(row.member_id, row)
    outs = _by_member(
        session.execute(
            select(outgoing)
            .where(among(session, outgoing.c.member_id, list(first_in)))
            .order_by(outgoing.c.member_id, outgoing.c.value_date, outgoing.c.entry_id)
        )
    )
    findings = []
    for member_id, received in first_in.items():
        later = [item for item in outs.get(member_id, []) if item.value_date >= received.value_date]
        came_in = Movement(received.entry_id, received.value_date, received.kind, int(received.net))
        findings.append(
            Finding(
                RuleCode.IN_AND_OUT,
                member_id,
                day,
                received.value_date,
                day,
                came_in.amount,
                (came_in, *later),
                {
                    "received": str(came_in.amount),
                    "left": str(from_cents(int(received.out_total))),
                    "share": str(rule.share),
                    "days": window,
                },
            )
        )
    return findings


def high_risk_countries(session: Session, rule: MonitoringRule, day: dt.date) -> list[Finding]:
    """Money of the day to an IBAN (payment orders) or from one (the clearing bank's statement
    lines) of a high-risk third country, each payment at least ``amount``."""
    mv = movements(day, day)
    least = to_cents(rule.amount)
    codes = sorted(HIGH_RISK_COUNTRIES)

    def country(iban: Any) -> Any:
        return func.upper(func.substr(iban, 1, 2))

    received = (
        select(mv, BankStatementLine.counterparty_iban.label("iban"))
        .join(
            BankStatementLine,
            or_(
                BankStatementLine.journal_entry_id == mv.c.entry_id,
                BankStatementLine.resolved_entry_id == mv.c.entry_id,
            ),
        )
        .where(mv.c.net >= least, mv.c.net > 0, country(BankStatementLine.counterparty_iban).in_(codes))
    )
    paid = (
        select(mv, PaymentOrder.creditor_iban.label("iban"))
        .join(PaymentOrder, PaymentOrder.order_entry_id == mv.c.entry_id)
        .where(-mv.c.net >= least, mv.c.net < 0, country(PaymentOrder.creditor_iban).in_(codes))
    )
    both = union_all(received, paid).subquery("high_risk")
    rows = session.execute(select(both).order_by(both.c.member_id, both.c.entry_id)).all()
    countries: dict[int, set[str]] = defaultdict(set)
    for row in rows:
        countries[row.member_id].add(str(row.iban)[:2].upper())
    return [
        Finding(
            RuleCode.HIGH_RISK_COUNTRY,
            member_id,
            day,
            day,
            day,
            _total(items),
            tuple(items),
            {"countries": sorted(countries[member_id]), "count": len(items)},
        )
        for member_id, items in _by_member(rows).items()
    ]


def expected_monthly_turnover(session: Session, member_ids: list[int]) -> dict[int, Decimal]:
    """The monthly turnover each member said to expect, from their due-diligence file, by member.

    Members without a stated expectation are left out: without one there is nothing to be far
    above, so the rule "above expected use" says nothing about them.
    """
    rows = session.execute(
        select(DueDiligenceFile.member_id, DueDiligenceFile.expected_monthly_turnover).where(
            among(session, DueDiligenceFile.member_id, member_ids),
            DueDiligenceFile.expected_monthly_turnover.is_not(None),
        )
    )
    return {member_id: amount for member_id, amount in rows if amount is not None}


def above_expected_use(session: Session, rule: MonitoringRule, day: dt.date) -> list[Finding]:
    """The month's turnover (money in plus money out, from the month's first day through ``day``)
    above ``factor`` times the member's expected monthly turnover; one alert per member and month."""
    first = day.replace(day=1)
    mv = movements(first, day)
    active = session.scalars(select(mv.c.member_id).distinct()).all()
    expectations = expected_monthly_turnover(session, list(active)) if active else {}
    return above_expected_use_given(session, rule, day, expectations)


def above_expected_use_given(
    session: Session, rule: MonitoringRule, day: dt.date, expectations: Mapping[int, Decimal]
) -> list[Finding]:
    """:func:`above_expected_use` with the expectations given (member id -> expected per month)."""
    known = {member_id: amount for member_id, amount in expectations.items() if amount > 0}
    if not known:
        return []
    first = day.replace(day=1)
    mv = movements(first, day)
    factor = _scaled(rule.factor)
    expected = case(
        *(
            (mv.c.member_id == member_id, literal(to_cents(amount), BigInteger))
            for member_id, amount in known.items()
        ),
        else_=None,
    )
    turnover = func.sum(func.abs(mv.c.net))
    over = (
        select(mv.c.member_id)
        .where(among(session, mv.c.member_id, list(known)))
        .group_by(mv.c.member_id)
        .having(
            turnover * SCALE > func.max(expected) * factor,
            turnover >= to_cents(rule.amount),
        )
    )
    rows = session.execute(
        select(mv).where(mv.c.member_id.in_(over)).order_by(mv.c.member_id, mv.c.value_date, mv.c.entry_id)
    )
    return [
        Finding(
            RuleCode.ABOVE_EXPECTED_USE,
            member_id,
            first,
            first,
            day,
            _total(items),
            tuple(items),
            {"expected": str(known[member_id]), "factor": str(rule.factor), "count": len(items)},
        )
        for member_id, items in _by_member(rows).items()
    ]


#: Each rule's query, in the order the job runs them.
RULES: dict[RuleCode, Callable[[Session, MonitoringRule, dt.date], list[Finding]]] = {
    RuleCode.CASH_DEPOSIT: cash_deposits,
    RuleCode.STRUCTURING: structuring,
    RuleCode.IN_AND_OUT: in_and_out,
    RuleCode.HIGH_RISK_COUNTRY: high_risk_countries,
    RuleCode.ABOVE_EXPECTED_USE: above_expected_use,
}


def counterparties(session: Session, entry_ids: list[int]) -> dict[int, tuple[str | None, str | None]]:
    """The other party of entries where the bank knows it: (IBAN, name) by entry."""
    found: dict[int, tuple[str | None, str | None]] = {}
    if not entry_ids:
        return found
    wanted = set(entry_ids)
    for order in session.execute(
        select(PaymentOrder.order_entry_id, PaymentOrder.creditor_iban, PaymentOrder.creditor_name).where(
            among(session, PaymentOrder.order_entry_id, entry_ids)
        )
    ):
        found[order.order_entry_id] = (order.creditor_iban, order.creditor_name)
    for line in session.execute(
        select(
            BankStatementLine.journal_entry_id,
            BankStatementLine.resolved_entry_id,
            BankStatementLine.counterparty_iban,
            BankStatementLine.counterparty_name,
        ).where(
            # The entries behind a day's alerts: a short list, so a plain IN.
            or_(
                BankStatementLine.journal_entry_id.in_(entry_ids),
                BankStatementLine.resolved_entry_id.in_(entry_ids),
            )
        )
    ):
        for entry_id in (line.resolved_entry_id, line.journal_entry_id):
            if entry_id is not None and entry_id in wanted:
                found.setdefault(entry_id, (line.counterparty_iban, line.counterparty_name))
    return found
