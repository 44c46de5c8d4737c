"""The bank's chart of accounts (DESIGN.md, "Main accounts").

The first Alembic revision inserts exactly these rows; child accounts are opened by the
domain packages through :func:`bank.ledger.service.open_child_account`.
"""

from __future__ import annotations

from typing import NamedTuple

from bank.ledger.models import AccountType


class MainAccount(NamedTuple):
    code: str
    name: str
    type: AccountType
    is_control: bool
    #: False for busy system accounts whose balance is summed from postings.
    keeps_cached_totals: bool


SETTLEMENT = "1000"
PAYMENTS_IN_TRANSIT = "1090"
SUSPENSE = "1095"
LOAN_PRINCIPAL = "1100"
INTEREST_RECEIVABLE = "1110"
FEES_RECEIVABLE = "1120"
LOAN_LOSS_ALLOWANCE = "1190"
MEMBER_DEPOSITS = "2000"
POOL_PARTICIPATIONS = "2100"
SHARE_CAPITAL = "3000"
SEED_CAPITAL = "3100"
RESERVES = "3200"
INTEREST_INCOME = "4000"
FEE_INCOME = "4100"
SAVINGS_INTEREST_EXPENSE = "5000"
IMPAIRMENT_EXPENSE = "5100"
POOL_RETURNS_EXPENSE = "5200"

MAIN_ACCOUNTS: tuple[MainAccount, ...] = (
    MainAccount(SETTLEMENT, "Settlement account at the clearing bank", AccountType.ASSET, False, False),
    MainAccount(PAYMENTS_IN_TRANSIT, "Payments in transit", AccountType.ASSET, False, False),
    MainAccount(SUSPENSE, "Suspense: unmatched statement items", AccountType.ASSET, False, False),
    MainAccount(LOAN_PRINCIPAL, "Loan principal", AccountType.ASSET, True, True),
    MainAccount(INTEREST_RECEIVABLE, "Interest receivable", AccountType.ASSET, True, True),
    MainAccount(FEES_RECEIVABLE, "Fees and penalties receivable", AccountType.ASSET, True, True),
    MainAccount(LOAN_LOSS_ALLOWANCE, "Loan loss allowance", AccountType.ASSET, False, False),
    MainAccount(MEMBER_DEPOSITS, "Member deposits", AccountType.LIABILITY, True, True),
    MainAccount(POOL_PARTICIPATIONS, "Investment pool participations", AccountType.LIABILITY, True, True),
    MainAccount(SHARE_CAPITAL, "Member share capital", AccountType.EQUITY, True, True),
    MainAccount(SEED_CAPITAL, "Municipal seed capital", AccountType.EQUITY, False, False),
    MainAccount(RESERVES, "Reserves", AccountType.EQUITY, False, False),
    MainAccount(INTEREST_INCOME, "Loan interest income", AccountType.INCOME, False, False),
    MainAccount(FEE_INCOME, "Fee and penalty income", AccountType.INCOME, False, False),
    MainAccount(SAVINGS_INTEREST_EXPENSE, "Savings interest expense", AccountType.EXPENSE, False, False),
    MainAccount(IMPAIRMENT_EXPENSE, "Impairment and write-offs", AccountType.EXPENSE, False, False),
    MainAccount(POOL_RETURNS_EXPENSE, "Returns paid to pool participants", AccountType.EXPENSE, False, False),
)
