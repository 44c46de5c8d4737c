"""What the demo's steps hand on to the steps after them, with a name and a type for each.

It was a dict: a typo in a key, or a step that read a key before the step that wrote it, only
showed as a wrong demo. Each field says which step fills it; a field is at its empty default
until then, and a step run on its own (the tests do) finds the defaults of the steps it skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import config
from bank import clock

if TYPE_CHECKING:
    from bank.applications.models import LoanApplication
    from bank.approvals.models import Approval
    from bank.auth.models import User
    from bank.demo.pools import PoolLaunch
    from bank.loans.models import Loan
    from bank.loans.products_models import LoanProduct
    from bank.members.models import Member
    from bank.payments.models import Mandate
    from bank.pools.models import Pool, WithdrawalRequest
    from bank.savings.models import DepositAccount, SavingsProduct
    from bank.shares.models import ShareClass

#: The demo bank opened a year before today.
OPENED_YEARS_AGO = 1


def opened_on() -> dt.date:
    """The day the demo bank opened: the same day of the year, a year before today."""
    today = clock.today()
    return today.replace(year=today.year - OPENED_YEARS_AGO)


@dataclass
class DemoContext:
    """The demo being built: the settings it was given and what each step made."""

    #: The day the bank opened; the story runs from here to yesterday.
    opened_on: dt.date = field(default_factory=opened_on)
    #: Where the statements step and the close days store statement PDFs (``bank demo`` passes
    #: the app's ``STATEMENT_DIR``; None: the default configuration's).
    statement_dir: str | None = None
    #: Where the mandates step stores the signed forms (``bank demo`` passes the app's
    #: ``UPLOAD_DIR``; None: the default configuration's).
    upload_dir: str | None = None
    #: (e-mail, role) of every log-in the steps made, staff first.
    logins: list[tuple[str, str]] = field(default_factory=list)

    # staff: e-mail -> the staff user.
    users: dict[str, User] = field(default_factory=dict)

    # members: every member in member-number order (persons and organisations) ...
    members: list[Member] = field(default_factory=list)
    #: ... the person-members ...
    persons: list[Member] = field(default_factory=list)
    #: ... the organisations by a short key ("bakery", "clt", ...) ...
    organisations: dict[str, Member] = field(default_factory=dict)
    #: ... org key -> the persons who represent it (the first is the chair) ...
    representatives: dict[str, list[Member]] = field(default_factory=dict)
    #: ... member id -> the day they registered (a first share is paid from then) ...
    registered_on: dict[int, dt.date] = field(default_factory=dict)
    #: ... registered in the last weeks without a paid share yet (applicants) ...
    pending_applicants: list[Member] = field(default_factory=list)
    #: ... and applicants who withdrew before paying a share (status "left").
    members_left: list[Member] = field(default_factory=list)

    # money: savings products by code ("WIJKSPAAR", "BUFFER") ...
    savings_products: dict[str, SavingsProduct] = field(default_factory=dict)
    #: ... member id -> the member's main (Wijkspaarrekening) account ...
    deposit_accounts: dict[int, DepositAccount] = field(default_factory=dict)
    #: ... the member share class (€ 25, 1 to 40 per member) ...
    share_class: ShareClass | None = None
    #: ... and the large withdrawal waiting for a second teller (four eyes).
    pending_withdrawal: Approval | None = None

    # products: code -> the active version of each loan product.
    loan_products: dict[str, LoanProduct] = field(default_factory=dict)

    # pools, first step: the pools by code, and what their second step goes on with (then None).
    pools: dict[str, Pool] = field(default_factory=dict)
    pool_launch: PoolLaunch | None = None
    # pools, second step: the withdrawal requests made.
    pool_withdrawals: list[WithdrawalRequest] = field(default_factory=list)

    # applications: the loans booked (disbursed over the past year) ...
    loans: list[Loan] = field(default_factory=list)
    #: ... and every application by its story's key.
    applications: dict[str, LoanApplication] = field(default_factory=dict)

    # mandates: the borrowers' SEPA mandates (one amended, one revoked).
    mandates: list[Mandate] = field(default_factory=list)

    # servicing: the last day the close-day runs were done for (yesterday).
    serviced_through: dt.date | None = None
    # statements: how many month-end statements were stored.
    statements_produced: int = 0
    # portal: the members' log-ins.
    portal_users: list[User] = field(default_factory=list)

    def upload_folder(self) -> str:
        """Where the demo keeps uploads: the app's ``UPLOAD_DIR`` given to ``bank demo``, else
        the default configuration's (a step run on its own, as the tests do)."""
        return str(self.upload_dir) if self.upload_dir else config.Config.UPLOAD_DIR
