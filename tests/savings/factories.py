"""The member and savings world every feature's tests build on: people, the co-op bakery, the
neighbourhood savings product and share class, accounts and deposits, staff actors.

One factory (like ``tests/loans/product_factories.py`` for loan products): the portal, statements,
impact-report and pool worlds build their members and accounts here instead of each by hand.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bank.actor import Actor, system
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.service import account_by_code
from bank.members import service as members_service
from bank.members.models import Member
from bank.savings import service as savings
from bank.savings.models import DepositAccount, SavingsProduct
from bank.shares import service as shares
from bank.shares.models import ShareClass

VALID_IBAN = "NL91ABNA0417164300"
OTHER_IBAN = "NL02ABNA0123456789"
THRESHOLD = Decimal("10000.00")
SETUP = system("test-setup")
TELLER = Actor(user_id=None, label="system:test-teller", role="teller")
_numbers = itertools.count(1)


def staff(make_user: Callable[..., Any], role: str = "teller") -> Actor:
    user = make_user(role)
    return Actor(user_id=user.id, label=user.email, role=role)


def product(session: Session, code: str = "WIJKSPAAR", rate: str = "0.0125") -> SavingsProduct:
    return savings.create_product(
        session,
        code=code,
        name_nl="Wijkspaarrekening",
        name_en="Neighbourhood savings",
        rate_annual=Decimal(rate),
        effective_from=dt.date(2020, 1, 1),
        actor=SETUP,
    )


def share_class(session: Session, maximum: int = 40, minimum: int = 1) -> ShareClass:
    return shares.create_share_class(
        session,
        code="A",
        name="Aandeel A",
        nominal_value=Decimal("25.00"),
        min_shares_per_member=minimum,
        max_shares_per_member=maximum,
        actor=SETUP,
    )


def member(
    session: Session,
    *,
    first_name: str = "Test",
    last_name: str | None = None,
    language: str = "nl",
    postcode: str = "1093 BS",
    iban: str | None = VALID_IBAN,
) -> Member:
    """A person-member in Amsterdam (a house number and an e-mail address of their own)."""
    n = next(_numbers)
    return members_service.register_person(
        session,
        actor=SETUP,
        first_name=first_name,
        last_name=last_name or f"Lid{n}",
        date_of_birth=dt.date(1980, 1, 1),
        street="Dapperstraat",
        house_number=str(n),
        postcode=postcode,
        city="Amsterdam",
        email=f"lid{n}.{id(session)}@example.org",
        external_iban=iban,
        language=language,
    )


def coop_bakery(session: Session) -> Member:
    """Bakkerij De Korenschoof, the co-operative that borrows in the portal and statements worlds."""
    return members_service.register_organisation(
        session,
        actor=SETUP,
        legal_name="Bakkerij De Korenschoof coöperatie U.A.",
        legal_form="cooperative",
        kvk_number="12345678",
        street="Javastraat",
        house_number="12",
        postcode="1094 HB",
        city="Amsterdam",
        activity="co-op bakery",
    )


def account(
    session: Session, owner: Member, prod: SavingsProduct, opened_on: dt.date | None = None
) -> DepositAccount:
    return savings.open_account(session, owner, prod, actor=SETUP, opened_on=opened_on or dt.date(2026, 1, 2))


def deposit(session: Session, acct: DepositAccount, amount: str, on: dt.date, memo: str = "") -> None:
    """A teller's cash deposit of ``amount`` on ``on`` (``memo`` is the line's description)."""
    savings.deposit(
        session,
        acct,
        Decimal(amount),
        key=f"deposit-{next(_numbers)}",
        actor=TELLER,
        description=memo,
        value_date=on,
    )


def balance(session: Session, acct: DepositAccount) -> Decimal:
    return ledger_queries.balance(session, acct.ledger_account_id)


def main_balance(session: Session, code: str) -> Decimal:
    return ledger_queries.balance(session, account_by_code(session, code).id)


SETTLEMENT = chart.SETTLEMENT
