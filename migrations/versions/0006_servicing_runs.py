"""Loan servicing: collections, arrears, runs, savings interest.

Adds the run bookkeeping of loans and instalments (serviced_through, late fee and penalty
markers), an index the repayment run streams by, and the ``runs`` / ``run_shortfalls`` tables.
"""

from alembic import op
import sqlalchemy as sa
import bank.db

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("loans") as batch:
        batch.add_column(sa.Column("serviced_through", sa.Date(), nullable=True))
    with op.batch_alter_table("instalments") as batch:
        batch.add_column(sa.Column("late_fee_charged_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("penalty_accrued_through", sa.Date(), nullable=True))
    op.create_index(
        "ix_instalments_status_loan_due_on", "instalments", ["status", "loan_id", "due_on"], unique=False
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "job",
            sa.Enum("repayments", "savings_interest", "close_day", name="run_job", native_enum=False,
                    create_constraint=True, length=30),
            nullable=False,
        ),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("running", "completed", "failed", name="run_status", native_enum=False,
                    create_constraint=True, length=20),
            nullable=False,
        ),
        sa.Column("started_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_by", sa.String(length=200), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("due_count", sa.Integer(), nullable=False),
        sa.Column("collected_full_count", sa.Integer(), nullable=False),
        sa.Column("collected_partial_count", sa.Integer(), nullable=False),
        sa.Column("collected_nothing_count", sa.Integer(), nullable=False),
        sa.Column("amount_due", bank.db.MoneyType(), nullable=False),
        sa.Column("amount_collected", bank.db.MoneyType(), nullable=False),
        sa.Column("amount_accrued", bank.db.MoneyType(), nullable=False),
        sa.Column("amount_charged", bank.db.MoneyType(), nullable=False),
        sa.Column("entries_posted", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "due_count >= 0 AND collected_full_count >= 0 AND collected_partial_count >= 0"
            " AND collected_nothing_count >= 0 AND entries_posted >= 0",
            name=op.f("ck_runs_counts_not_negative"),
        ),
        sa.CheckConstraint(
            "status != 'completed' OR finished_at IS NOT NULL", name=op.f("ck_runs_completed_has_end")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_runs")),
        sa.UniqueConstraint("job", "business_date", name="one_run_per_job_and_date"),
    )
    op.create_index("ix_runs_business_date", "runs", ["business_date"], unique=False)
    op.create_table(
        "run_shortfalls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("amount_due", bank.db.MoneyType(), nullable=False),
        sa.Column("amount_collected", bank.db.MoneyType(), nullable=False),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "amount_collected >= 0 AND amount_collected < amount_due", name=op.f("ck_run_shortfalls_short_of_due")
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_run_shortfalls_loan_id_loans")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_run_shortfalls_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_shortfalls")),
        sa.UniqueConstraint("run_id", "loan_id", name="one_row_per_loan"),
    )
    op.create_index(op.f("ix_run_shortfalls_loan_id"), "run_shortfalls", ["loan_id"], unique=False)
    op.create_index(op.f("ix_run_shortfalls_run_id"), "run_shortfalls", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_run_shortfalls_run_id"), table_name="run_shortfalls")
    op.drop_index(op.f("ix_run_shortfalls_loan_id"), table_name="run_shortfalls")
    op.drop_table("run_shortfalls")
    op.drop_index("ix_runs_business_date", table_name="runs")
    op.drop_table("runs")
    op.drop_index("ix_instalments_status_loan_due_on", table_name="instalments")
    with op.batch_alter_table("instalments") as batch:
        batch.drop_column("penalty_accrued_through")
        batch.drop_column("late_fee_charged_on")
    with op.batch_alter_table("loans") as batch:
        batch.drop_column("serviced_through")
