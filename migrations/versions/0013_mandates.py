"""SEPA direct-debit mandates and their amendments; a loan's collection method (issue 14).

``mandates`` and ``mandate_amendments`` are new; ``loans`` gains ``collection_method``
(``repayment_account`` for every existing loan: today's way) and ``mandate_id``; the run day
gains the ``expire_mandates`` job in the portable ``run_job`` enum.
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0013"
down_revision = "0012"
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
)
RUN_JOBS_AFTER = (*RUN_JOBS_BEFORE, "expire_mandates")


def _run_jobs(jobs: tuple[str, ...]) -> None:
    """Widen (or narrow) the check constraint of the portable ``run_job`` enum."""
    allowed = ", ".join(f"'{job}'" for job in jobs)
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("ck_runs_run_job"), type_="check")
        batch.create_check_constraint(op.f("ck_runs_run_job"), sa.text(f"job IN ({allowed})"))


def upgrade() -> None:
    _run_jobs(RUN_JOBS_AFTER)
    op.create_table(
        "mandates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=35), nullable=False),
        sa.Column(
            "scheme",
            sa.Enum("core", "b2b", name="mandate_scheme", native_enum=False, create_constraint=True, length=10),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "active", "revoked", "expired", name="mandate_status", native_enum=False,
                create_constraint=True, length=20,
            ),
            nullable=False,
        ),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("debtor_name", sa.String(length=70), nullable=False),
        sa.Column("iban", sa.String(length=34), nullable=False),
        sa.Column("bic", sa.String(length=11), nullable=False),
        sa.Column("creditor_id", sa.String(length=35), nullable=False),
        sa.Column("first_collected_on", sa.Date(), nullable=True),
        sa.Column("last_collected_on", sa.Date(), nullable=True),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=False),
        sa.Column("revoked_by_label", sa.String(length=200), nullable=False),
        sa.Column("revoked_by_member", sa.Boolean(), nullable=False),
        sa.Column("expired_on", sa.Date(), nullable=True),
        sa.Column("document_name", sa.String(length=200), nullable=True),
        sa.Column("document_stored_name", sa.String(length=64), nullable=True),
        sa.Column("document_content_type", sa.String(length=100), nullable=True),
        sa.Column("document_size_bytes", sa.Integer(), nullable=True),
        sa.Column("document_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_label", sa.String(length=200), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(), nullable=False),
        sa.CheckConstraint("status != 'revoked' OR revoked_on IS NOT NULL", name=op.f("ck_mandates_revoked_has_date")),
        sa.CheckConstraint("status != 'expired' OR expired_on IS NOT NULL", name=op.f("ck_mandates_expired_has_date")),
        sa.CheckConstraint(
            "last_collected_on IS NULL OR first_collected_on IS NOT NULL", name=op.f("ck_mandates_last_after_first")
        ),
        sa.CheckConstraint(
            "document_size_bytes IS NULL OR document_size_bytes > 0", name=op.f("ck_mandates_document_not_empty")
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_mandates_created_by_id_users")),
        sa.ForeignKeyConstraint(["member_id"], ["members.id"], name=op.f("fk_mandates_member_id_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandates")),
        sa.UniqueConstraint("reference", name=op.f("uq_mandates_reference")),
        sa.UniqueConstraint("document_stored_name", name=op.f("uq_mandates_document_stored_name")),
    )
    op.create_index("ix_mandates_member_id", "mandates", ["member_id"])
    op.create_index("ix_mandates_status", "mandates", ["status"])
    op.create_table(
        "mandate_amendments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mandate_id", sa.Integer(), nullable=False),
        sa.Column("amended_on", sa.Date(), nullable=False),
        sa.Column("original_reference", sa.String(length=35), nullable=True),
        sa.Column("new_reference", sa.String(length=35), nullable=True),
        sa.Column("original_iban", sa.String(length=34), nullable=True),
        sa.Column("original_bic", sa.String(length=11), nullable=True),
        sa.Column("new_iban", sa.String(length=34), nullable=True),
        sa.Column("new_bic", sa.String(length=11), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("carried_on", sa.Date(), nullable=True),
        sa.Column("recorded_by_label", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", bank.db.UtcDateTime(), nullable=False),
        sa.CheckConstraint(
            "original_reference IS NOT NULL OR original_iban IS NOT NULL",
            name=op.f("ck_mandate_amendments_something_amended"),
        ),
        sa.ForeignKeyConstraint(
            ["mandate_id"], ["mandates.id"], name=op.f("fk_mandate_amendments_mandate_id_mandates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandate_amendments")),
    )
    op.create_index("ix_mandate_amendments_mandate_id", "mandate_amendments", ["mandate_id"])
    with op.batch_alter_table("loans") as batch:
        batch.add_column(
            sa.Column(
                "collection_method",
                sa.Enum(
                    "repayment_account", "mandate", name="collection_method", native_enum=False,
                    create_constraint=True, length=20,
                ),
                nullable=False,
                server_default="repayment_account",
            )
        )
        batch.add_column(sa.Column("mandate_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_loans_mandate_id_mandates"), "mandates", ["mandate_id"], ["id"])
        batch.create_index("ix_loans_mandate_id", ["mandate_id"])
        batch.create_check_constraint(
            "mandate_when_collected_by_mandate",
            "collection_method = 'repayment_account' OR mandate_id IS NOT NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("loans") as batch:
        batch.drop_constraint(op.f("ck_loans_mandate_when_collected_by_mandate"), type_="check")
        batch.drop_constraint(op.f("ck_loans_collection_method"), type_="check")
        batch.drop_index("ix_loans_mandate_id")
        batch.drop_constraint(op.f("fk_loans_mandate_id_mandates"), type_="foreignkey")
        batch.drop_column("mandate_id")
        batch.drop_column("collection_method")
    op.drop_index("ix_mandate_amendments_mandate_id", table_name="mandate_amendments")
    op.drop_table("mandate_amendments")
    op.drop_index("ix_mandates_status", table_name="mandates")
    op.drop_index("ix_mandates_member_id", table_name="mandates")
    op.drop_table("mandates")
    op.execute("DELETE FROM runs WHERE job = 'expire_mandates'")
    _run_jobs(RUN_JOBS_BEFORE)
