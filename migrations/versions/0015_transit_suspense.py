"""Accounts 1090 (payments in transit) and 1095 (suspense: unmatched statement items), issue 14.

Both are clearing accounts beside the settlement account 1000: a payout waits on 1090 between
ordering and the statement that shows it left; a receipt nobody could match waits on 1095 until
staff assign it or send it back. Both net to nothing over time, so they keep no cached totals.
"""

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: (code, name): written out here so this revision never changes later.
ACCOUNTS = (
    ("1090", "Payments in transit"),
    ("1095", "Suspense: unmatched statement items"),
)


def _accounts() -> sa.TableClause:
    return sa.table(
        "ledger_accounts",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("type", sa.String),
        sa.column("is_control", sa.Boolean),
        sa.column("may_go_negative", sa.Boolean),
        sa.column("keeps_cached_totals", sa.Boolean),
        sa.column("status", sa.String),
        sa.column("debits_posted", sa.BigInteger),
        sa.column("credits_posted", sa.BigInteger),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )


def upgrade() -> None:
    now = dt.datetime.now(dt.UTC)
    op.bulk_insert(
        _accounts(),
        [
            {
                "code": code,
                "name": name,
                "type": "asset",
                "is_control": False,
                "may_go_negative": True,
                "keeps_cached_totals": False,
                "status": "open",
                "debits_posted": 0,
                "credits_posted": 0,
                "created_at": now,
            }
            for code, name in ACCOUNTS
        ],
    )


def downgrade() -> None:
    table = _accounts()
    op.execute(table.delete().where(table.c.code.in_([code for code, _ in ACCOUNTS])))
