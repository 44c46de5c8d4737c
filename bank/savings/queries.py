"""Reads of deposit accounts: a member's accounts with balances, listings, products."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.service import account_by_code
from bank.members.models import Member
from bank.savings import numbers
from bank.savings.models import DepositAccount, DepositAccountStatus, SavingsProduct


@dataclass(frozen=True)
class AccountRow:
    account: DepositAccount
    balance: Decimal


def account_by_id(session: Session, account_id: object) -> DepositAccount | None:
    """The deposit account with id ``account_id`` (as a form sent it), or None when there is none."""
    try:
        return session.get(DepositAccount, int(str(account_id)))
    except (TypeError, ValueError):
        return None


def accounts_of_member(session: Session, member_id: int) -> list[AccountRow]:
    """A member's accounts (closed last) with their balances, in two queries."""
    accounts = list(
        session.scalars(
            select(DepositAccount)
            .options(joinedload(DepositAccount.product))
            .where(DepositAccount.member_id == member_id)
            .order_by(DepositAccount.status == DepositAccountStatus.CLOSED, DepositAccount.number)
        )
    )
    balances = ledger_queries.balances(session, [a.ledger_account_id for a in accounts])
    return [AccountRow(a, balances[a.ledger_account_id]) for a in accounts]


def search_accounts(
    session: Session, query: str = "", *, page: int = 1, per_page: int = 50
) -> tuple[list[AccountRow], int]:
    """Accounts by (part of) their number or the member's name, with balances; (rows, total)."""
    statement = select(DepositAccount).join(Member, Member.id == DepositAccount.member_id)
    text = (query or "").strip()
    if text:
        digits = numbers.normalise(text)
        # autoescape: "%" and "_" are searched for literally, not as wildcards.
        conditions = [func.lower(Member.display_name).contains(text.lower(), autoescape=True)]
        if digits.isdigit():
            conditions.append(DepositAccount.number.like(f"{digits}%"))
            if len(digits) <= 9:
                conditions.append(Member.number == int(digits))
        statement = statement.where(or_(*conditions))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    accounts = list(
        session.scalars(
            statement.options(joinedload(DepositAccount.member), joinedload(DepositAccount.product))
            .order_by(DepositAccount.number)
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
    )
    balances = ledger_queries.balances(session, [a.ledger_account_id for a in accounts])
    return [AccountRow(a, balances[a.ledger_account_id]) for a in accounts], total


def transactions(
    session: Session, account: DepositAccount, *, page: int = 1, per_page: int = 25
) -> tuple[list[ledger_queries.HistoryLine], int]:
    """One page of the account's bookings, newest first, each with its running balance."""
    lines, total, _opening = ledger_queries.history(
        session, account.ledger_account_id, page=page, per_page=per_page, newest_first=True
    )
    return lines, total


def active_products(session: Session) -> list[SavingsProduct]:
    return list(
        session.scalars(
            select(SavingsProduct).where(SavingsProduct.active.is_(True)).order_by(SavingsProduct.id)
        )
    )


def product_by_code(session: Session, code: str) -> SavingsProduct | None:
    return session.scalar(select(SavingsProduct).where(SavingsProduct.code == code))


def rate_on(session: Session, product_id: int, on: dt.date) -> Decimal | None:
    """The product's annual rate in force on a date (for the interest run of issue 5)."""
    product = session.get(SavingsProduct, product_id)
    return product.rate_on(on) if product is not None else None


def total_deposits(session: Session) -> Decimal:
    return ledger_queries.balance(session, account_by_code(session, chart.MEMBER_DEPOSITS).id)


def open_accounts_of(session: Session, member_id: int) -> list[DepositAccount]:
    """A member's open deposit accounts, oldest first (where a loan may be repaid from)."""
    return list(
        session.scalars(
            select(DepositAccount)
            .where(DepositAccount.member_id == member_id, DepositAccount.status == DepositAccountStatus.OPEN)
            .order_by(DepositAccount.id)
        )
    )


def all_products(session: Session) -> list[SavingsProduct]:
    """Every savings product, active or not, in the order they were made."""
    return list(session.scalars(select(SavingsProduct).order_by(SavingsProduct.id)))


def account_counts_by_product(session: Session) -> dict[int, int]:
    """How many accounts that are not closed each savings product has, by product id."""
    rows = session.execute(
        select(DepositAccount.product_id, func.count())
        .where(DepositAccount.status != DepositAccountStatus.CLOSED)
        .group_by(DepositAccount.product_id)
    ).all()
    return {product_id: count for product_id, count in rows}
