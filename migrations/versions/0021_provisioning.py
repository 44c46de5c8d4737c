"""Provisions (issue 16): the PD tables, the loans' risk flags, the month-end results per loan.

``pd_tables`` and ``pd_rates`` the probability-of-default table per effective date (grade x
stage); ``loan_risk_flags`` the credit officer's watchlist and credit-impaired flags with their
history; ``provision_months`` one row per month-end run; ``loan_provisions`` each loan's stage and
expected loss at a month-end. The run day gains the ``provisioning`` job in the portable
``run_job`` enum.
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

RUN_JOBS_BEFORE = (
    "repayments",
    "savings_interest",
    "close_day",
    "expire_offers",
    "pool_withdrawals",
    "pool_distribution",
    "month_end_statements",
    "expire_mandates",
)
RUN_JOBS_AFTER = (*RUN_JOBS_BEFORE, "provisioning")


def _run_jobs(jobs: tuple[str, ...]) -> None:
    """Widen (or narrow) the check constraint of the portable ``run_job`` enum."""
    allowed = ", ".join(f"'{job}'" for job in jobs)
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("ck_runs_run_job"), type_="check")
        batch.create_check_constraint(op.f("ck_runs_run_job"), sa.text(f"job IN ({allowed})"))


def upgrade() -> None:
    _run_jobs(RUN_JOBS_AFTER)
    op.create_table(
        "pd_tables",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("default_grade", sa.String(length=1), nullable=False),
        sa.Column("unsecured_lgd", bank.db.RateType(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_label", sa.String(length=200), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "default_grade IN ('A', 'B', 'C', 'D', 'E')", name=op.f("ck_pd_tables_default_grade_known")
        ),
        sa.CheckConstraint(
            "unsecured_lgd >= 0 AND unsecured_lgd <= 100000000", name=op.f("ck_pd_tables_unsecured_lgd_range")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_pd_tables_created_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pd_tables")),
        sa.UniqueConstraint("effective_on", name=op.f("uq_pd_tables_effective_on")),
    )
    op.create_table(
        "pd_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("table_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("probability", bank.db.RateType(), nullable=False),
        sa.CheckConstraint("grade IN ('A', 'B', 'C', 'D', 'E')", name=op.f("ck_pd_rates_grade_known")),
        sa.CheckConstraint(
            "probability >= 0 AND probability <= 100000000", name=op.f("ck_pd_rates_probability_range")
        ),
        sa.CheckConstraint("stage IN (1, 2, 3)", name=op.f("ck_pd_rates_stage_known")),
        sa.ForeignKeyConstraint(["table_id"], ["pd_tables.id"], name=op.f("fk_pd_rates_table_id_pd_tables")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pd_rates")),
        sa.UniqueConstraint("table_id", "grade", "stage", name="one_rate_per_cell"),
    )
    with op.batch_alter_table("pd_rates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pd_rates_table_id"), ["table_id"], unique=False)

    op.create_table(
        "provision_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month_end", sa.Date(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("pd_table_id", sa.Integer(), nullable=False),
        sa.Column("loans_count", sa.Integer(), nullable=False),
        sa.Column("total_ecl", bank.db.MoneyType(), nullable=False),
        sa.Column("allowance_before", bank.db.MoneyType(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_provision_months_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(
            ["pd_table_id"], ["pd_tables.id"], name=op.f("fk_provision_months_pd_table_id_pd_tables")
        ),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_provision_months_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provision_months")),
        sa.UniqueConstraint("month_end", name=op.f("uq_provision_months_month_end")),
    )
    op.create_table(
        "loan_provisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month_end", sa.Date(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("grade_defaulted", sa.Boolean(), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "current",
                "arrears",
                "watchlist",
                "forborne",
                "credit_impaired",
                name="stage_reason",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("exposure", bank.db.MoneyType(), nullable=False),
        sa.Column("cover", bank.db.MoneyType(), nullable=True),
        sa.Column("probability", bank.db.RateType(), nullable=False),
        sa.Column("lgd", bank.db.RateType(), nullable=False),
        sa.Column("ecl", bank.db.MoneyType(), nullable=False),
        sa.CheckConstraint(
            "ecl >= 0 AND ecl <= exposure", name=op.f("ck_loan_provisions_ecl_within_exposure")
        ),
        sa.CheckConstraint("stage IN (1, 2, 3)", name=op.f("ck_loan_provisions_stage_known")),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_loan_provisions_loan_id_loans")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_loan_provisions_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_provisions")),
        sa.UniqueConstraint("month_end", "loan_id", name="one_provision_per_loan_and_month"),
    )
    with op.batch_alter_table("loan_provisions", schema=None) as batch_op:
        batch_op.create_index("ix_loan_provisions_loan_id", ["loan_id"], unique=False)

    op.create_table(
        "loan_risk_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "watchlist",
                "credit_impaired",
                name="risk_flag_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("flagged_on", sa.Date(), nullable=False),
        sa.Column("flagged_by_label", sa.String(length=200), nullable=False),
        sa.Column("cleared_on", sa.Date(), nullable=True),
        sa.Column("cleared_reason", sa.Text(), nullable=False),
        sa.Column("cleared_by_label", sa.String(length=200), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cleared_on IS NULL OR cleared_on >= flagged_on",
            name=op.f("ck_loan_risk_flags_cleared_after_flagged"),
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_loan_risk_flags_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_risk_flags")),
    )
    with op.batch_alter_table("loan_risk_flags", schema=None) as batch_op:
        batch_op.create_index("ix_loan_risk_flags_loan_id", ["loan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("loan_risk_flags", schema=None) as batch_op:
        batch_op.drop_index("ix_loan_risk_flags_loan_id")

    op.drop_table("loan_risk_flags")
    with op.batch_alter_table("loan_provisions", schema=None) as batch_op:
        batch_op.drop_index("ix_loan_provisions_loan_id")

    op.drop_table("loan_provisions")
    op.drop_table("provision_months")
    with op.batch_alter_table("pd_rates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pd_rates_table_id"))

    op.drop_table("pd_rates")
    op.drop_table("pd_tables")
    _run_jobs(RUN_JOBS_BEFORE)
