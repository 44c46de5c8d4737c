"""A small bank for the pool tests, built through the real services (shared by the pool helpers).

* :func:`make_pool` creates a pool with the demo terms (minimum € 50, three months' notice, 25 %
  margin, 3 % target) through ``bank.pools.service.create_pool``; a first-loss buffer books
  the municipal seed capital it needs first.
* :func:`investor` registers a person with a deposit account holding money (``tests.portal.world``).
* :func:`put_in` subscribes an investor to a pool.
* :func:`disburse_pool_loan` books a loan of a pool purpose through
  ``bank.lending.disbursement.book_funded_loan`` to a new (or given) organisation, so the open
  pool of that purpose funds it.

Dates: accounts open on :data:`OPENED_ON`; the tests' "today" is pinned to :data:`TODAY`
(``tests/pools/conftest.py``), so value dates anywhere in 2027-2028 are allowed. Nothing here
commits; the caller commits where a service's edge would.
"""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from loans.servicing.conftest import make_loan_product
from portal.world import IBAN, SETUP, TELLER
from savings.factories import deposit
from savings.factories import member as member_factory
from sqlalchemy import select
from sqlalchemy.orm import Session

from bank.actor import Actor
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger import service as ledger
from bank.lending.disbursement import book_funded_loan
from bank.loans.models import Loan
from bank.loans.products_models import LoanProduct, LoanPurpose
from bank.members import service as members
from bank.members.models import Member
from bank.pools import queries as pool_queries
from bank.pools import service as pools
from bank.pools.models import Participation, Pool
from bank.savings import service as savings
from bank.savings.models import DepositAccount, SavingsProduct
from bank.shares import service as shares

ADMIN = Actor(user_id=None, label="system:test-admin", role="admin")
OPENED_ON = dt.date(2027, 1, 1)
TODAY = dt.date(2028, 12, 31)
#: The demo terms of issue 7.
DEMO_TERMS: dict[str, object] = {
    "minimum_participation": Decimal("50.00"),
    "notice_months": 3,
    "margin_share": Decimal("0.25"),
    "target_return_annual": Decimal("0.03"),
    "first_loss_buffer": Decimal("0.00"),
}
_serial = itertools.count(1)

__all__ = [
    "ADMIN", "DEMO_TERMS", "OPENED_ON", "SETUP", "TELLER", "TODAY", "assert_books_balance", "balance",
    "borrower", "deposit", "disburse_pool_loan", "entry_count", "investor", "loan_product_for", "make_pool",
    "participations_total", "put_in", "savings_product", "seed_capital",
]  # fmt: skip


def savings_product(session: Session) -> SavingsProduct:
    """The one savings product of the pool tests (created on first use)."""
    product = session.scalar(select(SavingsProduct).where(SavingsProduct.code == "POOLSPAAR"))
    if product is None:
        product = savings.create_product(
            session,
            code="POOLSPAAR",
            name_nl="Wijkspaarrekening",
            name_en="Neighbourhood savings",
            rate_annual=Decimal("0"),
            effective_from=OPENED_ON,
            actor=SETUP,
        )
    return product


def seed_capital(session: Session, amount: str | Decimal, on: dt.date = OPENED_ON) -> None:
    """The municipality's seed capital arrives: Dr 1000 / Cr 3100."""
    shares.receive_seed_capital(
        session, Decimal(amount), key=f"pool-test-seed-{next(_serial)}", actor=ADMIN, value_date=on
    )


def make_pool(
    session: Session,
    code: str = "STARTFONDS",
    name: str = "Coöp Startfonds",
    purposes: tuple[str, ...] | list[str] = (LoanPurpose.COOP_STARTUP.value,),
    book_seed: bool = True,
    **overrides: object,
) -> Pool:
    """A pool with the demo terms (override any); seed capital for its buffer is booked if missing
    (unless ``book_seed`` is False)."""
    terms = {**DEMO_TERMS, **overrides}
    buffer = Decimal(str(terms["first_loss_buffer"]))
    if buffer > 0 and book_seed:
        seed = ledger_queries.balance(session, ledger.account_by_code(session, chart.SEED_CAPITAL).id)
        free = seed - pool_queries.buffers_reserved_elsewhere(session, None)
        if free < buffer:
            seed_capital(session, buffer - free)
    return pools.create_pool(
        session,
        code=code,
        name=name,
        purposes=[str(p) for p in purposes],
        actor=ADMIN,
        **terms,  # type: ignore[arg-type]
    )


def investor(
    session: Session,
    first_name: str = "Anna",
    last_name: str = "Jansen",
    *,
    money: str | None = "1000.00",
    on: dt.date = OPENED_ON,
) -> tuple[Member, DepositAccount]:
    """A person-member with a deposit account opened on ``on`` holding ``money`` (deposited that day)."""
    member = member_factory(session, first_name=first_name, last_name=last_name)
    account = savings.open_account(session, member, savings_product(session), actor=SETUP, opened_on=on)
    if money is not None and Decimal(money) > 0:
        deposit(session, account, money, on)
    return member, account


def put_in(
    session: Session,
    pool: Pool,
    member: Member,
    account: DepositAccount,
    amount: str | Decimal,
    on: dt.date = OPENED_ON,
    *,
    key: str | None = None,
) -> Participation:
    """Subscribe ``amount`` from ``account`` to ``pool`` as a teller would."""
    return pools.subscribe(
        session,
        pool=pool,
        member=member,
        deposit_account=account,
        amount=Decimal(amount),
        key=key or f"pool-test-sub-{next(_serial)}",
        actor=TELLER,
        on=on,
    )


def loan_product_for(session: Session, purpose: LoanPurpose | str) -> LoanProduct:
    """The servicing stories' 12 % monthly annuity product for the purpose, created on first use."""
    purpose = LoanPurpose(purpose)
    code = f"T-{purpose.value.upper()}"[:30]
    product = session.scalar(select(LoanProduct).where(LoanProduct.code == code))
    if product is None:
        product = make_loan_product(session, code=code, purpose=purpose, name_en=f"Test {purpose.value}")
    return product


def borrower(
    session: Session,
    name: str = "Bakkerij De Korenschoof",
    *,
    activity: str = "co-op bakery",
    postcode: str = "1092 AB",
    listing_consent: bool = False,
    on: dt.date = OPENED_ON,
) -> tuple[Member, DepositAccount]:
    """An organisation with its repayment account (no money in it)."""
    n = next(_serial)
    member = members.register_organisation(
        session,
        actor=SETUP,
        legal_name=f"{name} coöperatie U.A.",
        legal_form="cooperative",
        kvk_number=f"{70000000 + n}",
        street="Javastraat",
        house_number=str(n),
        postcode=postcode,
        city="Amsterdam",
        activity=activity,
        listing_consent=listing_consent,
        external_iban=IBAN,
    )
    account = savings.open_account(session, member, savings_product(session), actor=SETUP, opened_on=on)
    return member, account


def disburse_pool_loan(
    session: Session,
    *,
    on: dt.date,
    principal: str | Decimal = "10000.00",
    purpose: LoanPurpose | str = LoanPurpose.COOP_STARTUP,
    term_months: int = 24,
    borrower_and_account: tuple[Member, DepositAccount] | None = None,
    key: str | None = None,
    **borrower_fields: object,
) -> Loan:
    """Disburse a loan of ``purpose`` on ``on`` through book_funded_loan (the pool funds it).

    ``borrower_fields`` (name, activity, postcode, listing_consent) describe a new borrower
    when none is given.
    """
    member, account = borrower_and_account or borrower(session, **borrower_fields)  # type: ignore[arg-type]
    loan = book_funded_loan(
        session,
        borrower=member,
        product=loan_product_for(session, purpose),
        principal=Decimal(principal),
        term_periods=term_months,
        disbursed_on=on,
        repayment_account=account,
        actor=SETUP,
        key=key or f"pool-test-loan-{next(_serial)}",
    )
    session.refresh(loan)
    return loan


def balance(session: Session, ledger_account_id: int) -> Decimal:
    return ledger_queries.balance(session, ledger_account_id)


def entry_count(session: Session) -> int:
    """Journal entries written so far (a refusal must leave it unchanged)."""
    from sqlalchemy import func

    from bank.ledger.models import JournalEntry

    return int(session.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def participations_total(session: Session) -> Decimal:
    """The 2100 control account's balance: the sum of every participation's ledger child."""
    return ledger_queries.balance(session, ledger.account_by_code(session, chart.POOL_PARTICIPATIONS).id)


def assert_books_balance(session: Session) -> None:
    """The trial balance sums to zero and bank.ledger.queries.verify finds nothing wrong."""
    session.flush()
    rows = ledger_queries.trial_balance(session)
    assert sum((r.debit_total - r.credit_total for r in rows), Decimal("0")) == 0
    assert ledger_queries.verify(session) == []
