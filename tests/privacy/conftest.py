"""A former member for the privacy tests, built through the real services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from savings import factories
from sqlalchemy import select
from sqlalchemy.orm import Session

from bank.actor import Actor, system
from bank.auth.models import User
from bank.extensions import db
from bank.members import service as members
from bank.members.models import DocumentKind, Member, MemberStatus
from bank.notifications import service as notifications
from bank.savings import service as savings
from bank.savings.models import DepositAccount

SETUP = system("test-setup")
TELLER = Actor(user_id=None, label="system:test-teller", role="teller")


@dataclass
class Former:
    member_id: int
    account_ledger_id: int
    user_id: int


def leave(session: Session, member: Member, on: dt.date) -> None:
    for account in member_accounts(session, member):
        savings.close_account(session, account, actor=TELLER, closed_on=on)
    members.set_status(session, member, MemberStatus.LEFT, actor=SETUP, on=on, reason="verhuisd")


def member_accounts(session: Session, member: Member) -> list[DepositAccount]:
    return list(session.scalars(select(DepositAccount).where(DepositAccount.member_id == member.id)))


@pytest.fixture
def make_former(app: Flask, make_user: Callable[..., User]) -> Callable[..., Former]:
    """A person who had an account, an identity check, a portal log-in and a mail, and left on ``left_on``."""

    teller = make_user("teller")
    counter_actor = Actor(user_id=teller.id, label=teller.email, role="teller")

    def make(left_on: dt.date, *, with_account: bool = True) -> Former:
        with db.unit_of_work(db.new_session()) as s:
            member = factories.member(s, first_name="Lotte", last_name="Vermeulen")
            member.bsn = "111222333"
            member.phone = "06 12345678"
            # Registered well before leaving (the story starts in the past).
            member.created_at = dt.datetime.combine(
                left_on - dt.timedelta(days=500), dt.time(9), tzinfo=dt.UTC
            )
            ledger_id = 0
            if with_account:
                account = factories.account(
                    s, member, factories.product(s), opened_on=left_on - dt.timedelta(days=400)
                )
                ledger_id = account.ledger_account_id
                members.record_identity_check(
                    s,
                    member,
                    actor=counter_actor,
                    document_kind=DocumentKind.PASSPORT,
                    document_number_last4="12AB",
                    checked_on=left_on - dt.timedelta(days=400),
                )
            notifications.enqueue(s, member=member, subject="Welkom Lotte", body="Beste Lotte Vermeulen")
            leave(s, member, left_on)
            member_id = member.id
        user = make_user(
            "member", email="lotte.login@example.org", member_id=member_id, name="Lotte Vermeulen"
        )
        return Former(member_id, ledger_id, user.id)

    return make
