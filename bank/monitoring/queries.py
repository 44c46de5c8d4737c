"""Reads of the compliance queue: alerts, cases, and what the FIU-NL report of a case contains."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bank.db import among
from bank.ledger.models import Posting
from bank.monitoring.goaml import Report, ReportedTransaction
from bank.monitoring.models import Alert, AlertItem, AlertStatus, CaseStatus, MonitoringCase
from bank.savings.models import DepositAccount
from bank.savings.service import CASH_DEPOSIT_KIND


def alerts(
    session: Session, status: AlertStatus | None = AlertStatus.OPEN, *, limit: int = 200
) -> list[Alert]:
    """Alerts with the given status (all when None), newest day first, with their member and items."""
    query = select(Alert).options(selectinload(Alert.member), selectinload(Alert.items))
    if status is not None:
        query = query.where(Alert.status == status)
    return list(session.scalars(query.order_by(Alert.key_on.desc(), Alert.id.desc()).limit(limit)))


def open_alerts_of_member(session: Session, member_id: int) -> list[Alert]:
    return list(
        session.scalars(
            select(Alert)
            .where(Alert.member_id == member_id, Alert.status == AlertStatus.OPEN)
            .order_by(Alert.key_on, Alert.id)
        )
    )


def cases(session: Session, status: CaseStatus | None = None, *, limit: int = 200) -> list[MonitoringCase]:
    query = select(MonitoringCase).options(
        selectinload(MonitoringCase.member), selectinload(MonitoringCase.alerts)
    )
    if status is not None:
        query = query.where(MonitoringCase.status == status)
    return list(session.scalars(query.order_by(MonitoringCase.id.desc()).limit(limit)))


def open_alert_count(session: Session) -> int:
    return len(session.scalars(select(Alert.id).where(Alert.status == AlertStatus.OPEN)).all())


def report_of(session: Session, case: MonitoringCase, *, submitted_at: dt.datetime) -> Report:
    """What the FIU-NL report of ``case`` says: every transaction behind its alerts, once, in date order."""
    items: dict[int, AlertItem] = {}
    for alert in case.alerts:
        for item in alert.items:
            items.setdefault(item.entry_id, item)
    accounts = dict(
        session.execute(
            select(Posting.entry_id, DepositAccount.number)
            .join(DepositAccount, DepositAccount.ledger_account_id == Posting.account_id)
            .where(among(session, Posting.entry_id, list(items)), DepositAccount.member_id == case.member_id)
            .order_by(Posting.id)
        ).all()
    )
    transactions = [
        ReportedTransaction(
            entry_id=item.entry_id,
            value_date=item.value_date,
            amount=item.amount,
            direction=item.direction,
            kind=item.kind,
            cash=item.kind == CASH_DEPOSIT_KIND,
            account_number=accounts.get(item.entry_id, ""),
            counterparty_iban=item.counterparty_iban,
            counterparty_name=item.counterparty_name,
        )
        for item in sorted(items.values(), key=lambda i: (i.value_date, i.entry_id))
    ]
    return Report(
        case_id=case.id,
        member=case.member,
        indicators=sorted({alert.rule.value for alert in case.alerts}),
        reason=case.decision_reason,
        action=case.reason,
        transactions=transactions,
        submitted_at=submitted_at,
    )
