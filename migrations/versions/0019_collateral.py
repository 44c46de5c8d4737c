"""The collateral register (issue 16): items on applications and loans, their appraisals.

``collateral_items`` one security each (mortgage with rank, registered amount and cadastral
reference; pledge; personal guarantee; municipal or guarantee-fund cover with percentage and cap),
on an application and, from the payout, on its loan; the notary deed stored like an attachment.
``collateral_appraisals`` the append-only appraisal history. ``committee_conditions`` gains a
nullable reference to the register item a condition is about.
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collateral_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=True),
        sa.Column("loan_id", sa.Integer(), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "mortgage",
                "pledge",
                "personal_guarantee",
                "municipal_guarantee",
                "guarantee_fund",
                name="collateral_kind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=300), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("registered_amount", bank.db.MoneyType(), nullable=True),
        sa.Column("cadastral_reference", sa.String(length=60), nullable=False),
        sa.Column("prior_claims", bank.db.MoneyType(), nullable=False),
        sa.Column("guarantor_name", sa.String(length=200), nullable=False),
        sa.Column("guarantor_member_id", sa.Integer(), nullable=True),
        sa.Column("cover_percentage", bank.db.RateType(), nullable=True),
        sa.Column("cover_cap", bank.db.MoneyType(), nullable=True),
        sa.Column("deed_original_name", sa.String(length=200), nullable=True),
        sa.Column("deed_stored_name", sa.String(length=64), nullable=True),
        sa.Column("deed_content_type", sa.String(length=100), nullable=True),
        sa.Column("deed_size_bytes", sa.Integer(), nullable=True),
        sa.Column("deed_sha256", sa.String(length=64), nullable=True),
        sa.Column("deed_uploaded_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("deed_uploaded_by_label", sa.String(length=200), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_label", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "kind != 'mortgage' OR (rank IS NOT NULL AND registered_amount IS NOT NULL"
            " AND cadastral_reference != '')",
            name=op.f("ck_collateral_items_mortgage_registered"),
        ),
        sa.CheckConstraint(
            "kind != 'personal_guarantee' OR (guarantor_name != '' AND registered_amount IS NOT NULL)",
            name=op.f("ck_collateral_items_guarantee_has_guarantor"),
        ),
        sa.CheckConstraint(
            "kind NOT IN ('municipal_guarantee', 'guarantee_fund') OR (cover_percentage IS NOT NULL"
            " AND cover_percentage > 0 AND cover_percentage <= 100000000 AND cover_cap IS NOT NULL"
            " AND cover_cap > 0)",
            name=op.f("ck_collateral_items_cover_has_percentage_and_cap"),
        ),
        sa.CheckConstraint(
            "application_id IS NOT NULL OR loan_id IS NOT NULL",
            name=op.f("ck_collateral_items_belongs_somewhere"),
        ),
        sa.CheckConstraint("prior_claims >= 0", name=op.f("ck_collateral_items_prior_claims_not_negative")),
        sa.CheckConstraint("rank IS NULL OR rank >= 1", name=op.f("ck_collateral_items_rank_positive")),
        sa.CheckConstraint(
            "registered_amount IS NULL OR registered_amount > 0",
            name=op.f("ck_collateral_items_registered_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["loan_applications.id"],
            name=op.f("fk_collateral_items_application_id_loan_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_collateral_items_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["guarantor_member_id"],
            ["members.id"],
            name=op.f("fk_collateral_items_guarantor_member_id_members"),
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_collateral_items_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collateral_items")),
        sa.UniqueConstraint("deed_stored_name", name=op.f("uq_collateral_items_deed_stored_name")),
    )
    with op.batch_alter_table("collateral_items", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_collateral_items_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_collateral_items_loan_id"), ["loan_id"], unique=False)

    op.create_table(
        "collateral_appraisals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("appraised_on", sa.Date(), nullable=False),
        sa.Column("value", bank.db.MoneyType(), nullable=False),
        sa.Column("appraiser", sa.String(length=200), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_label", sa.String(length=200), nullable=False),
        sa.CheckConstraint("value >= 0", name=op.f("ck_collateral_appraisals_value_not_negative")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["collateral_items.id"],
            name=op.f("fk_collateral_appraisals_item_id_collateral_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collateral_appraisals")),
    )
    with op.batch_alter_table("collateral_appraisals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collateral_appraisals_item_id"), ["item_id"], unique=False)

    with op.batch_alter_table("committee_conditions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("collateral_item_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_committee_conditions_collateral_item_id"), ["collateral_item_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_committee_conditions_collateral_item_id_collateral_items"),
            "collateral_items",
            ["collateral_item_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("committee_conditions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_committee_conditions_collateral_item_id_collateral_items"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_committee_conditions_collateral_item_id"))
        batch_op.drop_column("collateral_item_id")

    with op.batch_alter_table("collateral_appraisals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collateral_appraisals_item_id"))

    op.drop_table("collateral_appraisals")
    with op.batch_alter_table("collateral_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collateral_items_loan_id"))
        batch_op.drop_index(batch_op.f("ix_collateral_items_application_id"))

    op.drop_table("collateral_items")
