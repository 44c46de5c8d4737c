"""Screening (issue 17): list loads, their entries, and the hits members gave against them.

``screening_list_loads`` keeps each list file loaded (kind, name, SHA-256, counts, who, when; the
newest of a kind is current), ``screening_list_entries`` what each load held, ``screening_hits``
each subject that may be a list entry and what compliance decided (four-eyes clearing or a
confirmed match, an administrator's lift).
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "screening_list_loads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "eu", "ftm", name="screening_list_kind", native_enum=False, create_constraint=True, length=10
            ),
            nullable=False,
        ),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("person_count", sa.Integer(), nullable=False),
        sa.Column("organisation_count", sa.Integer(), nullable=False),
        sa.Column("is_current", sa.Boolean(), nullable=False),
        sa.Column("loaded_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("loaded_by_id", sa.Integer(), nullable=True),
        sa.Column("loaded_by_label", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "entry_count = person_count + organisation_count",
            name=op.f("ck_screening_list_loads_counts_add_up"),
        ),
        sa.CheckConstraint("entry_count > 0", name=op.f("ck_screening_list_loads_has_entries")),
        sa.ForeignKeyConstraint(
            ["loaded_by_id"], ["users.id"], name=op.f("fk_screening_list_loads_loaded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_list_loads")),
        sa.UniqueConstraint("sha256", name=op.f("uq_screening_list_loads_sha256")),
    )
    with op.batch_alter_table("screening_list_loads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_list_loads_is_current"), ["is_current"], unique=False)

    op.create_table(
        "screening_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("entry_key", sa.String(length=200), nullable=False),
        sa.Column("is_person", sa.Boolean(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("birth_dates", sa.JSON(), nullable=False),
        sa.Column("nationalities", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["screening_list_loads.id"],
            name=op.f("fk_screening_list_entries_load_id_screening_list_loads"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_list_entries")),
    )
    with op.batch_alter_table("screening_list_entries", schema=None) as batch_op:
        batch_op.create_index("ix_screening_list_entries_load_entry", ["load_id", "entry_key"], unique=True)

    op.create_table(
        "screening_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "subject_kind",
            sa.Enum(
                "member",
                "ubo",
                name="screening_subject_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("subject_name", sa.String(length=300), nullable=False),
        sa.Column("subject_birth_date", sa.Date(), nullable=True),
        sa.Column("subject_is_person", sa.Boolean(), nullable=False),
        sa.Column("load_id", sa.Integer(), nullable=False),
        sa.Column("list_entry_id", sa.Integer(), nullable=False),
        sa.Column("entry_source", sa.String(length=10), nullable=False),
        sa.Column("entry_key", sa.String(length=200), nullable=False),
        sa.Column("is_sanction", sa.Boolean(), nullable=False),
        sa.Column("is_pep", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "clearing_proposed",
                "cleared",
                "confirmed",
                "lifted",
                name="screening_hit_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("proposed_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("proposed_by_id", sa.Integer(), nullable=True),
        sa.Column("proposed_by_label", sa.String(length=200), nullable=True),
        sa.Column("proposal_reason", sa.Text(), nullable=False),
        sa.Column("decided_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_label", sa.String(length=200), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("lifted_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("lifted_by_id", sa.Integer(), nullable=True),
        sa.Column("lifted_by_label", sa.String(length=200), nullable=True),
        sa.Column("lift_reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status != 'lifted' OR lifted_by_label IS NOT NULL", name=op.f("ck_screening_hits_lifted_has_who")
        ),
        sa.CheckConstraint(
            "status NOT IN ('cleared', 'confirmed', 'lifted') OR decided_by_label IS NOT NULL",
            name=op.f("ck_screening_hits_decided_has_who"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('clearing_proposed', 'cleared') OR proposed_by_label IS NOT NULL",
            name=op.f("ck_screening_hits_clearing_was_proposed"),
        ),
        sa.CheckConstraint("score >= 0 AND score <= 100", name=op.f("ck_screening_hits_score_in_range")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_screening_hits_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["lifted_by_id"], ["users.id"], name=op.f("fk_screening_hits_lifted_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["list_entry_id"],
            ["screening_list_entries.id"],
            name=op.f("fk_screening_hits_list_entry_id_screening_list_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["screening_list_loads.id"],
            name=op.f("fk_screening_hits_load_id_screening_list_loads"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_screening_hits_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_screening_hits_proposed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_hits")),
    )
    with op.batch_alter_table("screening_hits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_screening_hits_member_id"), ["member_id"], unique=False)
        batch_op.create_index("ix_screening_hits_status", ["status"], unique=False)
        batch_op.create_index(
            "ix_screening_hits_subject",
            ["subject_kind", "subject_id", "entry_source", "entry_key"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("screening_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_screening_hits_subject")
        batch_op.drop_index("ix_screening_hits_status")
        batch_op.drop_index(batch_op.f("ix_screening_hits_member_id"))

    op.drop_table("screening_hits")
    with op.batch_alter_table("screening_list_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_screening_list_entries_load_entry")

    op.drop_table("screening_list_entries")
    with op.batch_alter_table("screening_list_loads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_screening_list_loads_is_current"))

    op.drop_table("screening_list_loads")
