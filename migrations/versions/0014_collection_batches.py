"""Collection batches (issue 14): stored pain.008 files and their items, one per instalment.

``payment_batches`` keeps each file's bytes with their SHA-256 (never rewritten) and its state;
``payment_batch_items`` one direct debit each, its end-to-end id unique across batches.
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payment_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "collection", name="payment_batch_kind", native_enum=False, create_constraint=True, length=20
            ),
            nullable=False,
        ),
        sa.Column(
            "scheme",
            sa.Enum(
                "core",
                "b2b",
                name="payment_batch_scheme",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("pain_version", sa.String(length=20), nullable=False),
        sa.Column("collection_on", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "prepared",
                "exported",
                "settled",
                "partly_returned",
                name="payment_batch_state",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("batch_id", sa.String(length=21), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("xml_bytes", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("number_of_transactions", sa.Integer(), nullable=False),
        sa.Column("control_sum", bank.db.MoneyType(), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_label", sa.String(length=200), nullable=False),
        sa.Column("exported_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("exported_by_id", sa.Integer(), nullable=True),
        sa.Column("exported_by_label", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "state = 'prepared' OR exported_at IS NOT NULL", name=op.f("ck_payment_batches_exported_has_time")
        ),
        sa.CheckConstraint("control_sum > 0", name=op.f("ck_payment_batches_control_sum_positive")),
        sa.CheckConstraint("number_of_transactions > 0", name=op.f("ck_payment_batches_not_empty")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_payment_batches_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["exported_by_id"], ["users.id"], name=op.f("fk_payment_batches_exported_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_batches")),
        sa.UniqueConstraint("batch_id", name=op.f("uq_payment_batches_batch_id")),
        sa.UniqueConstraint("message_id", name=op.f("uq_payment_batches_message_id")),
    )
    with op.batch_alter_table("payment_batches", schema=None) as batch_op:
        batch_op.create_index("ix_payment_batches_collection_on", ["collection_on"], unique=False)

    op.create_table(
        "payment_batch_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("instalment_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("mandate_id", sa.Integer(), nullable=False),
        sa.Column("mandate_reference", sa.String(length=35), nullable=False),
        sa.Column("amount", bank.db.MoneyType(), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=False),
        sa.Column(
            "sequence",
            sa.Enum("FRST", "RCUR", name="batch_item_sequence", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "settled",
                "returned",
                name="batch_item_state",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("return_reason", sa.String(length=4), nullable=True),
        sa.CheckConstraint(
            "state != 'returned' OR return_reason IS NOT NULL",
            name=op.f("ck_payment_batch_items_returned_has_reason"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_batch_items_amount_positive")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["payment_batches.id"], name=op.f("fk_payment_batch_items_batch_id_payment_batches")
        ),
        sa.ForeignKeyConstraint(
            ["instalment_id"],
            ["instalments.id"],
            name=op.f("fk_payment_batch_items_instalment_id_instalments"),
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_payment_batch_items_loan_id_loans")),
        sa.ForeignKeyConstraint(
            ["mandate_id"], ["mandates.id"], name=op.f("fk_payment_batch_items_mandate_id_mandates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_batch_items")),
        sa.UniqueConstraint("end_to_end_id", name=op.f("uq_payment_batch_items_end_to_end_id")),
        sa.UniqueConstraint("instalment_id", name="one_item_per_instalment"),
    )
    with op.batch_alter_table("payment_batch_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_batch_items_batch_id"), ["batch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_batch_items_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_batch_items_mandate_id"), ["mandate_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payment_batch_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_batch_items_mandate_id"))
        batch_op.drop_index(batch_op.f("ix_payment_batch_items_loan_id"))
        batch_op.drop_index(batch_op.f("ix_payment_batch_items_batch_id"))

    op.drop_table("payment_batch_items")
    with op.batch_alter_table("payment_batches", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_batches_collection_on")

    op.drop_table("payment_batches")
