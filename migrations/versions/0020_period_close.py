"""Period close (issue 16): closed months and years of the books, and corrections that say so.

``ledger_closed_months`` one row per closed month (its first and last day, who closed it and
when); months close in order and never reopen. ``ledger_closed_years`` one row per closed year
with its closing entry (the result moved to reserves). ``journal_entries.corrects_month``: the
closed month a correction (dated in the open period) corrects.
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_closed_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("closed_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_by_label", sa.String(length=200), nullable=False),
        sa.CheckConstraint("first_day <= last_day", name=op.f("ck_ledger_closed_months_month_in_order")),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_ledger_closed_months_closed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_closed_months")),
        sa.UniqueConstraint("first_day", name=op.f("uq_ledger_closed_months_first_day")),
        sa.UniqueConstraint("last_day", name=op.f("uq_ledger_closed_months_last_day")),
    )
    op.create_table(
        "ledger_closed_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("closed_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_by_label", sa.String(length=200), nullable=False),
        sa.Column("closing_entry_id", sa.Integer(), nullable=True),
        sa.Column("result", bank.db.MoneyType(), nullable=False),
        sa.ForeignKeyConstraint(
            ["closed_by_id"], ["users.id"], name=op.f("fk_ledger_closed_years_closed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["closing_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_ledger_closed_years_closing_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_closed_years")),
        sa.UniqueConstraint("closing_entry_id", name=op.f("uq_ledger_closed_years_closing_entry_id")),
        sa.UniqueConstraint("year", name=op.f("uq_ledger_closed_years_year")),
    )
    _never_reopened()
    # A nullable column: a plain ALTER TABLE on SQLite too, so the append-only triggers stay.
    op.add_column("journal_entries", sa.Column("corrects_month", sa.Date(), nullable=True))


CLOSED_TABLES = ("ledger_closed_months", "ledger_closed_years")


def _never_reopened() -> None:
    """A closed period never reopens: its row is refused an update or a delete, as entries are."""
    dialect = op.get_bind().dialect.name
    for table in CLOSED_TABLES:
        if dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION refuse_append_only_change()"
            )
        elif dialect == "sqlite":
            for action in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_append_only_{action.lower()} BEFORE {action} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: a closed period never reopens'); END"
                )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in CLOSED_TABLES:
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif dialect == "sqlite":
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only_{action}")
    op.drop_column("journal_entries", "corrects_month")
    op.drop_table("ledger_closed_years")
    op.drop_table("ledger_closed_months")
