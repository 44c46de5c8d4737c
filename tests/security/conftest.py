"""A member with savings and a portal log-in, built through the real services, for the attack replays."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from flask import Flask
from loans.servicing.conftest import Bank, make_loan_product, open_bank
from sqlalchemy.orm import Session

from bank.actor import Actor, system
from bank.auth.models import User
from bank.extensions import db
from bank.members import service as members
from bank.members.models import Member
from bank.notifications import secret_mail
from bank.savings import service as savings
from bank.savings.models import DepositAccount

SETUP = system("security-setup")
TELLER = Actor(user_id=None, label="system:test-teller", role="teller")
IBAN = "NL91ABNA0417164300"
ATTACKER_IBAN = "NL02ABNA0123456789"
_serial = itertools.count(1)


@dataclass
class Saver:
    member: Member
    account: DepositAccount


def new_saver(balance: str = "40000.00", *, email: str | None = None) -> Saver:
    """A person-member with a savings account holding ``balance``."""
    n = next(_serial)
    with db.unit_of_work(db.new_session()) as s:
        member = members.register_person(
            s,
            actor=SETUP,
            first_name="Sanne",
            last_name=f"Spaarder{n}",
            date_of_birth=dt.date(1980, 1, 1),
            street="Dapperstraat",
            house_number=str(n),
            postcode="1093 BS",
            city="Amsterdam",
            email=email or f"sanne.{n}@example.org",
            external_iban=IBAN,
            language="nl",
        )
        product = savings.create_product(
            s,
            code=f"SEC{n}",
            name_nl=f"Spaarrekening {n}",
            name_en=f"Savings {n}",
            rate_annual=Decimal("0.01"),
            effective_from=dt.date(2026, 1, 1),
            actor=SETUP,
        )
        account = savings.open_account(s, member, product, actor=SETUP, opened_on=dt.date(2026, 1, 5))
        savings.deposit(
            s, account, Decimal(balance), key=f"sec-{n}", actor=SETUP, value_date=dt.date(2026, 1, 5)
        )
        s.flush()
        s.expunge_all()
    return Saver(member=member, account=account)


@pytest.fixture
def saver(app: Flask) -> Saver:
    return new_saver()


@pytest.fixture
def saver_user(saver: Saver, make_user: Callable[..., User]) -> User:
    return make_user("member", email=saver.member.email, member_id=saver.member.id, name="Sanne")


def mailed_link(to: str) -> str:
    """The path of the newest link mailed to ``to``, as the addressee receives it."""
    body = [body for address, _subject, body in secret_mail.TRANSPORT.sent if address == to][-1]
    match = re.search(r"https?://[^/\s]+(/[^\s]+)", body)
    assert match, body
    return match.group(1)


def mailed_bodies(to: str) -> list[str]:
    return [body for address, _subject, body in secret_mail.TRANSPORT.sent if address == to]


@pytest.fixture
def bank(session: Session) -> Bank:
    """The servicing tests' small bank (a savings and a loan product), for searches over loans."""
    return open_bank(session, SETUP)


def seed_objects(saver: Saver) -> None:
    """A loan product, a draft application and a loan (all id 1), so their forms are reached."""
    import datetime as dt
    from decimal import Decimal

    from bank.applications.service import create_draft
    from bank.extensions import db
    from bank.loans.service import book_loan
    from bank.members.models import Member
    from bank.savings.models import DepositAccount

    with db.unit_of_work(db.new_session()) as s:
        product = make_loan_product(s)
        member = s.get(Member, saver.member.id)
        create_draft(s, applicant=member, product=product, actor=SETUP)
        book_loan(
            s,
            borrower=member,
            product=product,
            principal=Decimal("5000.00"),
            term_periods=12,
            disbursed_on=dt.date(2026, 2, 2),
            repayment_account=s.get(DepositAccount, saver.account.id),
            actor=SETUP,
            key="fuzz-loan",
        )
