"""Payouts (issue 14): payment orders and the pain.001 batches that carry them.

``payment_orders`` one credit transfer each (booked Dr paying account / Cr 1090 when ordered),
its end-to-end id unique across every file; ``payout_batches`` the stored pain.001 files (bytes
with their SHA-256, never rewritten) with who prepared, released and exported each;
``payout_batch_items`` ties an order to the one batch that carried it.
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "payout_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pain_version", sa.String(length=20), nullable=False),
        sa.Column("execution_on", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "prepared",
                "released",
                "exported",
                name="payout_batch_state",
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
        sa.Column("needs_second_person", sa.Boolean(), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_label", sa.String(length=200), nullable=False),
        sa.Column("released_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("released_by_label", sa.String(length=200), nullable=False),
        sa.Column("exported_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("exported_by_id", sa.Integer(), nullable=True),
        sa.Column("exported_by_label", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "state != 'exported' OR exported_at IS NOT NULL", name=op.f("ck_payout_batches_exported_has_time")
        ),
        sa.CheckConstraint(
            "state = 'prepared' OR released_at IS NOT NULL", name=op.f("ck_payout_batches_released_has_time")
        ),
        sa.CheckConstraint("control_sum > 0", name=op.f("ck_payout_batches_control_sum_positive")),
        sa.CheckConstraint("number_of_transactions > 0", name=op.f("ck_payout_batches_not_empty")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_payout_batches_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["exported_by_id"], ["users.id"], name=op.f("fk_payout_batches_exported_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["users.id"], name=op.f("fk_payout_batches_released_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_batches")),
        sa.UniqueConstraint("batch_id", name=op.f("uq_payout_batches_batch_id")),
        sa.UniqueConstraint("message_id", name=op.f("uq_payout_batches_message_id")),
    )
    with op.batch_alter_table("payout_batches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_batches_execution_on"), ["execution_on"], unique=False)

    op.create_table(
        "payment_orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "withdrawal",
                "disbursement",
                "share_redemption",
                "pool_withdrawal",
                "pool_distribution",
                "other",
                name="payment_order_source",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("paying_account_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.Column("amount", bank.db.MoneyType(), nullable=False),
        sa.Column("creditor_name", sa.String(length=70), nullable=False),
        sa.Column("creditor_iban", sa.String(length=34), nullable=False),
        sa.Column("creditor_bic", sa.String(length=11), nullable=True),
        sa.Column("remittance", sa.String(length=140), nullable=False),
        sa.Column("execution_on", sa.Date(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "ordered",
                "in_batch",
                "exported",
                "settled",
                "rejected",
                "returned",
                name="payment_order_state",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("order_entry_id", sa.Integer(), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=True),
        sa.Column("settle_entry_id", sa.Integer(), nullable=True),
        sa.Column("refused_on", sa.Date(), nullable=True),
        sa.Column("refuse_entry_id", sa.Integer(), nullable=True),
        sa.Column("reason_code", sa.String(length=4), nullable=True),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_label", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "state != 'settled' OR settled_on IS NOT NULL", name=op.f("ck_payment_orders_settled_has_date")
        ),
        sa.CheckConstraint(
            "state NOT IN ('rejected', 'returned') OR reason_code IS NOT NULL",
            name=op.f("ck_payment_orders_refused_has_reason"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_orders_amount_positive")),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_payment_orders_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_payment_orders_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["order_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_payment_orders_order_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["paying_account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_payment_orders_paying_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["refuse_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_payment_orders_refuse_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["settle_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_payment_orders_settle_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_orders")),
        sa.UniqueConstraint("end_to_end_id", name=op.f("uq_payment_orders_end_to_end_id")),
        sa.UniqueConstraint("key", name=op.f("uq_payment_orders_key")),
    )
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_orders_member_id"), ["member_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_payment_orders_paying_account_id"), ["paying_account_id"], unique=False
        )
        batch_op.create_index("ix_payment_orders_state_execution_on", ["state", "execution_on"], unique=False)

    op.create_table(
        "payout_batch_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["payout_batches.id"], name=op.f("fk_payout_batch_items_batch_id_payout_batches")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["payment_orders.id"], name=op.f("fk_payout_batch_items_order_id_payment_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payout_batch_items")),
        sa.UniqueConstraint("order_id", name=op.f("uq_payout_batch_items_order_id")),
    )
    with op.batch_alter_table("payout_batch_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payout_batch_items_batch_id"), ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("payout_batch_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_batch_items_batch_id"))

    op.drop_table("payout_batch_items")
    with op.batch_alter_table("payment_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_orders_state_execution_on")
        batch_op.drop_index(batch_op.f("ix_payment_orders_paying_account_id"))
        batch_op.drop_index(batch_op.f("ix_payment_orders_member_id"))

    op.drop_table("payment_orders")
    with op.batch_alter_table("payout_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payout_batches_execution_on"))

    op.drop_table("payout_batches")
