"""Compliance (issue 17): customer due diligence (cliëntenonderzoek).

``risk_assessments`` keeps every assessment (class, reasons, review date, enhanced due diligence
and its second person's decision); ``due_diligence_files`` one row per member with the facts and
the assessment in force; ``identity_documents`` the documents seen (full number, shown masked);
``beneficial_owners`` an organisation's UBOs; members gain ``rsin``.
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "beneficial_owners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=False),
        sa.Column("nationality", sa.String(length=2), nullable=False),
        sa.Column("residence_country", sa.String(length=2), nullable=False),
        sa.Column(
            "interest",
            sa.Enum(
                "ownership",
                "voting_rights",
                "senior_manager",
                name="interest_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("share_percent", bank.db.RateType(), nullable=True),
        sa.Column(
            "document_kind",
            sa.Enum(
                "passport",
                "id_card",
                "driving_licence",
                "residence_permit",
                "kvk_extract",
                name="document_kind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("document_number_last4", sa.String(length=4), nullable=False),
        sa.Column("added_by_label", sa.String(length=200), nullable=False),
        sa.Column("added_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "share_percent IS NULL OR (share_percent > 0 AND share_percent <= 10000000000)",
            name=op.f("ck_beneficial_owners_share_in_range"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_beneficial_owners_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"], ["members.id"], name=op.f("fk_beneficial_owners_organisation_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_beneficial_owners")),
    )
    with op.batch_alter_table("beneficial_owners", schema=None) as batch_op:
        batch_op.create_index("ix_beneficial_owners_organisation", ["organisation_id"], unique=False)

    op.create_table(
        "risk_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessed_by_id", sa.Integer(), nullable=True),
        sa.Column("assessed_by_label", sa.String(length=200), nullable=False),
        sa.Column(
            "computed_class",
            sa.Enum(
                "low",
                "normal",
                "high",
                name="computed_risk_class",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column(
            "risk_class",
            sa.Enum(
                "low",
                "normal",
                "high",
                name="risk_class",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("raise_reason", sa.Text(), nullable=False),
        sa.Column("review_due_on", sa.Date(), nullable=False),
        sa.Column(
            "edd_status",
            sa.Enum(
                "not_needed",
                "pending",
                "approved",
                "rejected",
                name="edd_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("edd_decided_by_id", sa.Integer(), nullable=True),
        sa.Column("edd_decided_by_label", sa.String(length=200), nullable=True),
        sa.Column("edd_decided_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("edd_note", sa.Text(), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(edd_status IN ('not_needed', 'pending') AND edd_decided_at IS NULL)"
            " OR (edd_status IN ('approved', 'rejected') AND edd_decided_at IS NOT NULL)",
            name=op.f("ck_risk_assessments_edd_decision_complete"),
        ),
        sa.CheckConstraint(
            "risk_class = 'high' OR edd_status = 'not_needed'",
            name=op.f("ck_risk_assessments_edd_only_for_high"),
        ),
        sa.CheckConstraint(
            "review_due_on > assessed_on", name=op.f("ck_risk_assessments_review_after_assessment")
        ),
        sa.ForeignKeyConstraint(
            ["assessed_by_id"], ["users.id"], name=op.f("fk_risk_assessments_assessed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["edd_decided_by_id"], ["users.id"], name=op.f("fk_risk_assessments_edd_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_risk_assessments_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_assessments")),
    )
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.create_index("ix_risk_assessments_member", ["member_id", "id"], unique=False)

    op.create_table(
        "due_diligence_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("residence_country", sa.String(length=2), nullable=False),
        sa.Column("nationality", sa.String(length=2), nullable=True),
        sa.Column("pep", sa.Boolean(), nullable=False),
        sa.Column("pep_reason", sa.Text(), nullable=False),
        sa.Column("sanctions_hit", sa.Boolean(), nullable=False),
        sa.Column("sanctions_reason", sa.Text(), nullable=False),
        sa.Column(
            "sector",
            sa.Enum(
                "food_and_retail",
                "craft_and_repair",
                "care_and_education",
                "energy",
                "housing_and_land",
                "culture_and_sport",
                "neighbourhood",
                "cash_intensive_trade",
                "crypto_assets",
                "gambling",
                "real_estate_dealing",
                "precious_goods",
                "money_transfer",
                "other",
                name="activity_sector",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("expected_monthly_turnover", bank.db.MoneyType(), nullable=True),
        sa.Column(
            "purpose",
            sa.Enum(
                "saving",
                "payments",
                "borrowing",
                "business",
                "third_party_funds",
                "other",
                name="relation_purpose",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=True,
        ),
        sa.Column("latest_assessment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["latest_assessment_id"],
            ["risk_assessments.id"],
            name=op.f("fk_due_diligence_files_latest_assessment_id_risk_assessments"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_due_diligence_files_member_id_members")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_due_diligence_files")),
        sa.UniqueConstraint("member_id", name=op.f("uq_due_diligence_files_member_id")),
    )
    op.create_table(
        "identity_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "passport",
                "id_card",
                "driving_licence",
                "residence_permit",
                "kvk_extract",
                name="document_kind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("issuing_country", sa.String(length=2), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("identity_check_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by_label", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("expires_on > issued_on", name=op.f("ck_identity_documents_expires_after_issue")),
        sa.ForeignKeyConstraint(
            ["identity_check_id"],
            ["identity_checks.id"],
            name=op.f("fk_identity_documents_identity_check_id_identity_checks"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_identity_documents_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_identity_documents_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_documents")),
    )
    with op.batch_alter_table("identity_documents", schema=None) as batch_op:
        batch_op.create_index("ix_identity_documents_member", ["member_id"], unique=False)

    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rsin", sa.String(length=9), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_column("rsin")

    with op.batch_alter_table("identity_documents", schema=None) as batch_op:
        batch_op.drop_index("ix_identity_documents_member")

    op.drop_table("identity_documents")
    op.drop_table("due_diligence_files")
    with op.batch_alter_table("risk_assessments", schema=None) as batch_op:
        batch_op.drop_index("ix_risk_assessments_member")

    op.drop_table("risk_assessments")
    with op.batch_alter_table("beneficial_owners", schema=None) as batch_op:
        batch_op.drop_index("ix_beneficial_owners_organisation")

    op.drop_table("beneficial_owners")
