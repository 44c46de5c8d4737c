"""Privacy (issue 17): erasure requests, erasures, the members' ``anonymised_on`` and the
``retention`` job in the portable ``run_job`` enum.
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0029"
down_revision = "0028"
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
    "provisioning",
    "arrears_follow_up",
    "loan_accrual",
    "monitoring",
)
RUN_JOBS_AFTER = (*RUN_JOBS_BEFORE, "retention")


def _run_jobs(jobs: tuple[str, ...]) -> None:
    """Widen (or narrow) the check constraint of the portable ``run_job`` enum."""
    allowed = ", ".join(f"'{job}'" for job in jobs)
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("ck_runs_run_job"), type_="check")
        batch.create_check_constraint(op.f("ck_runs_run_job"), sa.text(f"job IN ({allowed})"))


def upgrade() -> None:
    _run_jobs(RUN_JOBS_AFTER)
    with op.batch_alter_table("members") as batch:
        batch.add_column(sa.Column("anonymised_on", sa.Date(), nullable=True))
    op.create_table(
        "erasure_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "portal",
                "staff",
                name="erasure_channel",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_label", sa.String(length=200), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("erasable_on", sa.Date(), nullable=True),
        sa.Column("erased_now", sa.JSON(), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_erasure_requests_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_erasure_requests_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure_requests")),
    )
    op.create_index(op.f("ix_erasure_requests_member_id"), "erasure_requests", ["member_id"], unique=False)
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("erased_on", sa.Date(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("actor_label", sa.String(length=200), nullable=False),
        sa.Column("member_number", sa.Integer(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_erasures_member_id_members")),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_erasures_run_id_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasures")),
        sa.UniqueConstraint("member_id", name=op.f("uq_erasures_member_id")),
    )
    op.create_index(op.f("ix_erasures_run_id"), "erasures", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_erasures_run_id"), table_name="erasures")
    op.drop_table("erasures")
    op.drop_index(op.f("ix_erasure_requests_member_id"), table_name="erasure_requests")
    op.drop_table("erasure_requests")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("anonymised_on")
    op.execute("DELETE FROM runs WHERE job = 'retention'")
    _run_jobs(RUN_JOBS_BEFORE)
