"""Room on each page of the two tables every repayment run and posting rewrites in place:
``ledger_accounts`` (the cached totals) and ``loans`` (the run's resume marker) keep half of each
page free on PostgreSQL, so an update writes the new row version beside the old one (a HOT
update) instead of adding a new entry to every index of the table. SQLite has no such setting.

Existing pages keep their rows; the setting applies to pages written from now on (a
``VACUUM FULL`` of the two tables applies it to all rows at once, when the bank can wait).
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("ledger_accounts", "loans")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
