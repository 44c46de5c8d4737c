"""Forbearance (issue 16): measures per loan, and the limit above which the committee decides.

``forbearance_measures`` keeps each request (payment holiday, term extension, lower rate), its
decision and the schedule version a grant created, with the 24-month probation; loan products
gain ``forbearance_committee_above`` (existing versions get 25 000 euros).
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "forbearance_measures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requested",
                "granted",
                "rejected",
                "withdrawn",
                name="forbearance_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("holiday_periods", sa.Integer(), nullable=False),
        sa.Column("extension_periods", sa.Integer(), nullable=False),
        sa.Column("rate_annual_before", bank.db.RateType(), nullable=False),
        sa.Column("rate_annual_new", bank.db.RateType(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("outstanding_principal", bank.db.MoneyType(), nullable=False),
        sa.Column("needs_committee", sa.Boolean(), nullable=False),
        sa.Column("instalment_before", bank.db.MoneyType(), nullable=False),
        sa.Column("instalment_after", bank.db.MoneyType(), nullable=False),
        sa.Column("periods_before", sa.Integer(), nullable=False),
        sa.Column("periods_after", sa.Integer(), nullable=False),
        sa.Column("request_key", sa.String(length=80), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_label", sa.String(length=200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_label", sa.String(length=200), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("schedule_version", sa.Integer(), nullable=True),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("probation_until", sa.Date(), nullable=True),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status != 'granted' OR (schedule_version IS NOT NULL AND probation_until IS NOT NULL)",
            name=op.f("ck_forbearance_measures_granted_has_schedule"),
        ),
        sa.CheckConstraint(
            "status = 'requested' OR (decided_on IS NOT NULL AND decided_by_label IS NOT NULL)",
            name=op.f("ck_forbearance_measures_decided_has_who_and_when"),
        ),
        sa.CheckConstraint(
            "extension_periods >= 0", name=op.f("ck_forbearance_measures_extension_not_negative")
        ),
        sa.CheckConstraint(
            "holiday_periods > 0 OR extension_periods > 0 OR rate_annual_new IS NOT NULL",
            name=op.f("ck_forbearance_measures_changes_something"),
        ),
        sa.CheckConstraint("holiday_periods >= 0", name=op.f("ck_forbearance_measures_holiday_not_negative")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_forbearance_measures_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_forbearance_measures_loan_id_loans")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_forbearance_measures_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forbearance_measures")),
        sa.UniqueConstraint("request_key", name=op.f("uq_forbearance_measures_request_key")),
    )
    with op.batch_alter_table("forbearance_measures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forbearance_measures_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index("ix_forbearance_measures_status", ["status"], unique=False)

    with op.batch_alter_table("loan_products", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "forbearance_committee_above", bank.db.MoneyType(), server_default="25000", nullable=False
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_loan_products_forbearance_limit_not_negative"),
            sa.text("forbearance_committee_above >= 0"),
        )


def downgrade() -> None:
    with op.batch_alter_table("loan_products", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_loan_products_forbearance_limit_not_negative"), type_="check")
        batch_op.drop_column("forbearance_committee_above")

    with op.batch_alter_table("forbearance_measures", schema=None) as batch_op:
        batch_op.drop_index("ix_forbearance_measures_status")
        batch_op.drop_index(batch_op.f("ix_forbearance_measures_loan_id"))

    op.drop_table("forbearance_measures")
