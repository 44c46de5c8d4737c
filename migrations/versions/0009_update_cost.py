"""Cheaper rewrites of the rows every repayment run and posting updates.

* ``ledger_accounts`` (the cached totals) and ``loans`` (the run's resume marker) keep half of
  each page free on PostgreSQL, so an update writes the new row version beside the old one (a
  HOT update) instead of adding a new entry to every index of the table. SQLite has no such
  setting. Existing pages keep their rows; the setting applies to pages written from now on (a
  ``VACUUM FULL`` of the two tables applies it to all rows at once, when the bank can wait).
* ``ix_instalments_loan_id`` goes: the unique (loan_id, schedule_version, number) index starts
  with the loan and answers the same lookups, and an instalment whose status changes (paid) is
  written into every index of its table.
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("ledger_accounts", "loans")


def upgrade() -> None:
    op.drop_index("ix_instalments_loan_id", table_name="instalments")
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} SET (fillfactor = 50)")


def downgrade() -> None:
    op.create_index("ix_instalments_loan_id", "instalments", ["loan_id"])
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
