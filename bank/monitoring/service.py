"""The compliance officer's verbs: thresholds, alerts raised and dismissed, cases, notes, decisions.

Everything is audited under the monitoring's own object types (``monitoring_rule``,
``monitoring_alert``, ``monitoring_case``), never under the member: the member's data export
lists the audit events about the member, and the member may not learn of an alert or a case
(tipping-off, Wwft art. 23). Nothing here sends mail or touches what the portal shows.

Four eyes on a case's decision: whoever opened a case cannot decide it, neither as "not
unusual" nor as a report to FIU-Nederland. The demo has two compliance officers for that; an
alert on its own is dismissed by one officer, with the reason on record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.errors import N_, Message, PermissionDenied, ValidationError
from bank.monitoring.models import (
    ALERT_STATUS,
    CASE_STATUS,
    Alert,
    AlertItem,
    AlertStatus,
    CaseStatus,
    MonitoringCase,
    MonitoringNote,
    MonitoringRule,
    RuleCode,
)
from bank.monitoring.rules import RULES, Finding, counterparties

#: Who works the monitoring queue (admins pass every staff role check).
ROLES = ("compliance",)
REASON_MAX = 2000
NOTE_MAX = 4000

#: The thresholds the migration seeds (and tests start from): (amount, share, min_count, days, factor).
DEFAULTS: dict[RuleCode, tuple[Decimal, Decimal | None, int | None, int | None, Decimal | None]] = {
    RuleCode.CASH_DEPOSIT: (Decimal("10000.00"), None, None, None, None),
    RuleCode.STRUCTURING: (Decimal("10000.00"), Decimal("0.8"), 3, 7, None),
    RuleCode.IN_AND_OUT: (Decimal("5000.00"), Decimal("0.9"), None, 3, None),
    RuleCode.HIGH_RISK_COUNTRY: (Decimal("0.00"), None, None, None, None),
    RuleCode.ABOVE_EXPECTED_USE: (Decimal("1000.00"), None, None, None, Decimal("3")),
}
#: Which fields each rule uses (the form shows only these; the others stay empty).
RULE_FIELDS: dict[RuleCode, tuple[str, ...]] = {
    RuleCode.CASH_DEPOSIT: ("amount",),
    RuleCode.STRUCTURING: ("amount", "share", "min_count", "window_days"),
    RuleCode.IN_AND_OUT: ("amount", "share", "window_days"),
    RuleCode.HIGH_RISK_COUNTRY: ("amount",),
    RuleCode.ABOVE_EXPECTED_USE: ("amount", "factor"),
}
MAX_WINDOW_DAYS = 31
MAX_COUNT = 50
MAX_FACTOR = Decimal("100")


def require_officer(actor: Actor) -> None:
    if not actor.has_role(*ROLES):
        raise PermissionDenied(N_("only a compliance officer may do this"))


def rules(session: Session) -> list[MonitoringRule]:
    """Every rule, in the order the job runs them (seeded by the migration; the tests seed them too)."""
    found = {rule.code: rule for rule in session.scalars(select(MonitoringRule))}
    return [found[code] for code in RULES if code in found]


def seed_rules(session: Session) -> None:
    """Write the default thresholds of rules that have no row (a database built by ``create_all``)."""
    have = set(session.scalars(select(MonitoringRule.code)))
    for code, (amount, share, min_count, window_days, factor) in DEFAULTS.items():
        if code not in have:
            session.add(
                MonitoringRule(
                    code=code,
                    active=True,
                    amount=amount,
                    share=share,
                    min_count=min_count,
                    window_days=window_days,
                    factor=factor,
                )
            )
    session.flush()


def update_rule(
    session: Session,
    rule: MonitoringRule,
    *,
    active: bool,
    amount: Decimal,
    share: Decimal | None = None,
    min_count: int | None = None,
    window_days: int | None = None,
    factor: Decimal | None = None,
    actor: Actor,
) -> MonitoringRule:
    """Set a rule's thresholds; each refusal names its field, and nothing is written on one."""
    require_officer(actor)
    used = RULE_FIELDS[rule.code]
    errors: dict[str, str] = {}
    strict = rule.code in (RuleCode.CASH_DEPOSIT, RuleCode.STRUCTURING, RuleCode.IN_AND_OUT)
    if amount < 0 or (strict and amount == 0):
        errors["amount"] = Message(N_("must be greater than 0"))
    if "share" in used and (share is None or share <= 0 or share >= 1):
        errors["share"] = Message(
            N_("must be a percentage above %(low)s and below %(high)s"), low=0, high=100
        )
    if "min_count" in used and (min_count is None or not 2 <= min_count <= MAX_COUNT):
        errors["min_count"] = Message(
            N_("must be a whole number from %(low)s to %(high)s"), low=2, high=MAX_COUNT
        )
    if "window_days" in used and (window_days is None or not 1 <= window_days <= MAX_WINDOW_DAYS):
        errors["window_days"] = Message(
            N_("must be a whole number from %(low)s to %(high)s"), low=1, high=MAX_WINDOW_DAYS
        )
    if "factor" in used and (factor is None or factor <= 1 or factor > MAX_FACTOR):
        errors["factor"] = Message(
            N_("must be more than %(low)s and at most %(high)s"), low=1, high=MAX_FACTOR
        )
    if errors:
        raise ValidationError(errors)
    before = _rule_state(rule)
    rule.active = active
    rule.amount = amount
    rule.share = share if "share" in used else None
    rule.min_count = min_count if "min_count" in used else None
    rule.window_days = window_days if "window_days" in used else None
    rule.factor = factor if "factor" in used else None
    rule.updated_at = clock.now_utc()
    rule.updated_by_label = actor.label
    after = _rule_state(rule)
    if before != after:
        audit.record(
            session,
            actor,
            "monitoring.rule_changed",
            "monitoring_rule",
            rule.code.value,
            before=before,
            after=after,
        )
    session.flush()
    return rule


def _rule_state(rule: MonitoringRule) -> dict[str, object]:
    return {
        "active": rule.active,
        "amount": rule.amount,
        "share": rule.share,
        "min_count": rule.min_count,
        "window_days": rule.window_days,
        "factor": rule.factor,
    }


# --- the close day: findings become alerts --------------------------------------------------------


def run_rules(session: Session, day: dt.date) -> dict[RuleCode, tuple[int, int]]:
    """Every active rule over ``day``: (found, raised new) per rule. Re-running the day raises nothing
    twice (an alert is unique on rule, member and key day)."""
    counts: dict[RuleCode, tuple[int, int]] = {}
    for rule in rules(session):
        if not rule.active:
            continue
        findings = RULES[rule.code](session, rule, day)
        counts[rule.code] = (len(findings), len(raise_alerts(session, findings)))
    return counts


def raise_alerts(session: Session, findings: Iterable[Finding]) -> list[Alert]:
    """Alerts for the findings that have none yet, with the transactions behind them."""
    todo = list(findings)
    if not todo:
        return []
    keys = {(f.rule, f.member_id, f.key_on) for f in todo}
    existing = {
        (row.rule, row.member_id, row.key_on)
        for row in session.execute(
            select(Alert.rule, Alert.member_id, Alert.key_on).where(
                tuple_(Alert.rule, Alert.member_id, Alert.key_on).in_(list(keys))
            )
        )
    }
    fresh = [f for f in todo if (f.rule, f.member_id, f.key_on) not in existing]
    others = counterparties(session, sorted({m.entry_id for f in fresh for m in f.movements}))
    raised = []
    for finding in fresh:
        alert = Alert(
            rule=finding.rule,
            member_id=finding.member_id,
            key_on=finding.key_on,
            window_start=finding.window_start,
            window_end=finding.window_end,
            amount=finding.amount,
            facts=finding.facts,
            status=AlertStatus.OPEN,
            raised_at=clock.now_utc(),
        )
        for movement in finding.movements:
            iban, name = others.get(movement.entry_id, (None, None))
            alert.items.append(
                AlertItem(
                    entry_id=movement.entry_id,
                    value_date=movement.value_date,
                    amount=movement.amount,
                    direction=movement.direction,
                    kind=movement.kind,
                    counterparty_iban=iban,
                    counterparty_name=name,
                )
            )
        session.add(alert)
        raised.append(alert)
    session.flush()
    return raised


# --- alerts and cases -----------------------------------------------------------------------------


def _reason(text: str | None, field: str, maximum: int = REASON_MAX) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise ValidationError(field, N_("is required"))
    if len(cleaned) > maximum:
        raise ValidationError(field, N_("may be at most %(max)s characters"), max=maximum)
    return cleaned


def dismiss_alert(session: Session, alert: Alert, *, reason: str, actor: Actor) -> Alert:
    """Close an open alert as nothing to investigate, with the reason."""
    require_officer(actor)
    why = _reason(reason, "reason")
    ALERT_STATUS.require(alert.status, AlertStatus.DISMISSED, N_("only an open alert can be dismissed"))
    alert.status = AlertStatus.DISMISSED
    alert.dismissal_reason = why
    alert.decided_at = clock.now_utc()
    alert.decided_by_label = actor.label
    audit.record(
        session,
        actor,
        "monitoring.alert_dismissed",
        "monitoring_alert",
        alert.id,
        before={"status": AlertStatus.OPEN},
        after={"status": AlertStatus.DISMISSED, "rule": alert.rule, "reason": why},
    )
    session.flush()
    return alert


def open_case(
    session: Session, alerts: list[Alert], *, reason: str, key: str, actor: Actor
) -> MonitoringCase:
    """A case of one member from one or more of the member's open alerts (a form sent twice: one case)."""
    require_officer(actor)
    why = _reason(reason, "reason")
    key = (key or "").strip()[:64]
    if not key:
        raise ValidationError("reason", N_("the form has expired: open the page again"))
    existing = session.scalar(select(MonitoringCase).where(MonitoringCase.open_key == key))
    if existing is not None:
        return existing
    if not alerts:
        raise ValidationError("alerts", N_("choose at least one open alert"))
    members = {alert.member_id for alert in alerts}
    if len(members) > 1:
        raise ValidationError("alerts", N_("a case is about one member: choose alerts of one member"))
    for alert in alerts:
        ALERT_STATUS.require(alert.status, AlertStatus.IN_CASE, N_("only open alerts can go into a case"))
    case = MonitoringCase(
        member_id=alerts[0].member_id,
        status=CaseStatus.OPEN,
        open_key=key,
        opened_at=clock.now_utc(),
        opened_by_id=actor.user_id,
        opened_by_label=actor.label,
        reason=why,
    )
    session.add(case)
    session.flush()
    for alert in alerts:
        alert.status = AlertStatus.IN_CASE
        alert.case_id = case.id
    audit.record(
        session,
        actor,
        "monitoring.case_opened",
        "monitoring_case",
        case.id,
        after={"alerts": [alert.id for alert in alerts], "reason": why},
    )
    session.flush()
    return case


def add_note(session: Session, case: MonitoringCase, *, text: str, key: str, actor: Actor) -> MonitoringNote:
    """Add a note to a case (open or decided: what came later is noted too); a form sent twice adds one."""
    require_officer(actor)
    body = _reason(text, "text", NOTE_MAX)
    key = (key or "").strip()[:64]
    if not key:
        raise ValidationError("text", N_("the form has expired: open the page again"))
    existing = session.scalar(select(MonitoringNote).where(MonitoringNote.key == key))
    if existing is not None:
        return existing
    note = MonitoringNote(
        case_id=case.id,
        key=key,
        text=body,
        written_at=clock.now_utc(),
        written_by_id=actor.user_id,
        written_by_label=actor.label,
    )
    session.add(note)
    session.flush()
    audit.record(session, actor, "monitoring.case_note", "monitoring_case", case.id, after={"note": note.id})
    return note


def decider_refusal(case: MonitoringCase, actor: Actor) -> str | None:
    """Why ``actor`` may not decide ``case`` (the pages hide the buttons then), or None."""
    if case.status is not CaseStatus.OPEN:
        return N_("this case has been decided")
    if actor.user_id is not None and actor.user_id == case.opened_by_id:
        return N_("four eyes: the officer who opened a case cannot decide it")
    return None


def decide_case(
    session: Session, case: MonitoringCase, *, unusual: bool, reason: str, actor: Actor
) -> MonitoringCase:
    """Decide a case: reported as unusual (the reason is the indicator sent to FIU-Nederland) or
    not unusual (closed with the reason). Four eyes: not by the officer who opened it."""
    require_officer(actor)
    why = _reason(reason, "reason")
    target = CaseStatus.REPORTED if unusual else CaseStatus.NOT_UNUSUAL
    CASE_STATUS.require(case.status, target, N_("this case has been decided"))
    refusal = decider_refusal(case, actor)
    if refusal is not None:
        raise PermissionDenied(refusal)
    case.status = target
    case.decision_reason = why
    case.decided_at = clock.now_utc()
    case.decided_by_id = actor.user_id
    case.decided_by_label = actor.label
    audit.record(
        session,
        actor,
        "monitoring.case_reported" if unusual else "monitoring.case_not_unusual",
        "monitoring_case",
        case.id,
        before={"status": CaseStatus.OPEN},
        after={"status": target, "reason": why},
    )
    session.flush()
    return case


def mark_exported(session: Session, case: MonitoringCase, *, actor: Actor) -> MonitoringCase:
    """Record a download of the FIU-NL report (the first marks the case exported; each is audited)."""
    require_officer(actor)
    if case.status is not CaseStatus.REPORTED:
        raise ValidationError("case", N_("only a case reported as unusual can be exported"))
    first = case.exported_at is None
    if first:
        case.exported_at = clock.now_utc()
        case.exported_by_label = actor.label
    audit.record(
        session,
        actor,
        "monitoring.case_exported",
        "monitoring_case",
        case.id,
        after={"first_export": first, "transaction_count": sum(len(alert.items) for alert in case.alerts)},
    )
    session.flush()
    return case
