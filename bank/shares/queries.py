"""Reads of member shares: a member's holdings, totals per class."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bank.ledger import queries as ledger_queries
from bank.shares.models import ShareClass, ShareHolding


@dataclass(frozen=True)
class HoldingRow:
    holding: ShareHolding
    share_class: ShareClass
    #: Paid-in capital (the ledger balance).
    amount: Decimal
    shares: int


def holdings_of_member(session: Session, member_id: int) -> list[HoldingRow]:
    holdings = list(
        session.scalars(
            select(ShareHolding)
            .options(joinedload(ShareHolding.share_class))
            .where(ShareHolding.member_id == member_id)
            .order_by(ShareHolding.share_class_id)
        )
    )
    balances = ledger_queries.balances(session, [h.ledger_account_id for h in holdings])
    rows = []
    for holding in holdings:
        amount = balances[holding.ledger_account_id]
        rows.append(
            HoldingRow(holding, holding.share_class, amount, int(amount / holding.share_class.nominal_value))
        )
    return rows


def share_classes(session: Session) -> list[ShareClass]:
    return list(session.scalars(select(ShareClass).order_by(ShareClass.id)))
