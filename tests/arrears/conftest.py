"""A loan that falls behind: the servicing stories' bank with one borrower who stops paying.

The loan of € 6 000 over 6 months at 12 % is paid out on 15-01-2028 and spent the same day;
its first instalment (€ 1 035,29) falls due on 15-02-2028 and the account is empty, so the
repayment run of that day collects nothing and the loan is in arrears from the 16th. "Today"
is pinned after every date the stories use.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from loans.servicing.conftest import Bank, open_bank
from pypdf import PdfReader
from sqlalchemy.orm import Session
from translations.conftest import app, compiled_catalogue  # noqa: F401  (Dutch pages: the real catalogue)

from bank import clock
from bank.actor import Actor, system
from bank.arrears import jobs
from bank.loans.models import Loan
from bank.members.models import Member
from bank.savings.models import DepositAccount

TODAY = dt.date(2028, 6, 15)
DISBURSED = dt.date(2028, 1, 15)
FIRST_DUE = dt.date(2028, 2, 15)


@pytest.fixture(autouse=True)
def pinned_today() -> Iterator[None]:
    with clock.frozen(TODAY):
        yield


@dataclass
class Story:
    bank: Bank
    member: Member
    account: DepositAccount
    loan: Loan

    @property
    def session(self) -> Session:
        return self.bank.session

    def follow_up(self, day: dt.date) -> tuple[int, int, int]:
        """The close day's follow-up of ``day`` (after that day's repayment run), committed."""
        with clock.frozen(day):
            result = jobs.follow_up(self.session, day, actor=system("test"))
        self.session.commit()
        return result

    def day_past_due(self, days: int) -> dt.date:
        return FIRST_DUE + dt.timedelta(days=days)


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def story(session: Session, actor: Actor) -> Story:
    bank = open_bank(session, actor)
    member, account = bank.borrower("Fietsenmakerij De Spaak")
    loan = bank.book(member, account, "6000.00", 6, DISBURSED)
    # The loan was paid into the account and spent at once: nothing is left for the instalment.
    bank.withdraw(account, str(bank.balance(account.ledger_account_id)), DISBURSED)
    bank.run(FIRST_DUE)  # accrues the first instalment's interest, collects nothing
    return Story(bank, member, account, loan)
