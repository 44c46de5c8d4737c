"""Returns of direct debits and refund claims (issue 14): a product's return fee, the return's
date and the unauthorised-claim flag on an item and its mandate, and an instalment collectable
again after a return (one *live* item per instalment instead of one item for ever).
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

_LIVE = "state != 'returned'"


def upgrade() -> None:
    with op.batch_alter_table("loan_products") as batch:
        batch.add_column(sa.Column("return_fee", sa.BigInteger(), nullable=False, server_default="0"))
        batch.create_check_constraint("return_fee_not_negative", "return_fee >= 0")
    with op.batch_alter_table("mandates") as batch:
        batch.add_column(sa.Column("unauthorised_claim_on", sa.Date(), nullable=True))
    with op.batch_alter_table("payment_batch_items") as batch:
        batch.add_column(sa.Column("returned_on", sa.Date(), nullable=True))
        batch.add_column(
            sa.Column("unauthorised_claim", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch.create_check_constraint("returned_has_date", "state != 'returned' OR returned_on IS NOT NULL")
        batch.drop_constraint("one_item_per_instalment", type_="unique")
        batch.create_index("ix_payment_batch_items_instalment_id", ["instalment_id"], unique=False)
        batch.create_index(
            "ix_payment_batch_items_one_live_per_instalment",
            ["instalment_id"],
            unique=True,
            sqlite_where=sa.text(_LIVE),
            postgresql_where=sa.text(_LIVE),
        )


def downgrade() -> None:
    with op.batch_alter_table("payment_batch_items") as batch:
        batch.drop_index("ix_payment_batch_items_one_live_per_instalment")
        batch.drop_index("ix_payment_batch_items_instalment_id")
        batch.create_unique_constraint("one_item_per_instalment", ["instalment_id"])
        batch.drop_constraint("returned_has_date", type_="check")
        batch.drop_column("unauthorised_claim")
        batch.drop_column("returned_on")
    with op.batch_alter_table("mandates") as batch:
        batch.drop_column("unauthorised_claim_on")
    with op.batch_alter_table("loan_products") as batch:
        batch.drop_constraint("return_fee_not_negative", type_="check")
        batch.drop_column("return_fee")
