"""Security (issue 13): single-use second-factor codes, enrolment links, payout IBAN changes.

* ``users.totp_last_step``: the time step of the last accepted code, so a code works once.
* ``users.failed_second_factors``: wrong codes count until a right code (a password does not reset it).
* ``users.totp_setup_secret``: the secret being enrolled lives on the server, not in the cookie.
* ``second_factor_links``: admin-issued single-use links for staff to enrol their authenticator.
* ``members.external_iban_changed_at``: payouts to an IBAN changed in the last 30 days need approval.
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.add_column(
        "users", sa.Column("failed_second_factors", sa.Integer(), server_default="0", nullable=False)
    )
    op.add_column("users", sa.Column("totp_setup_secret", sa.String(length=64), nullable=True))
    op.add_column(
        "members", sa.Column("external_iban_changed_at", bank.db.UtcDateTime(timezone=True), nullable=True)
    )
    op.create_table(
        "second_factor_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("used_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "expires_at > created_at", name=op.f("ck_second_factor_links_expires_after_created")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_second_factor_links_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_second_factor_links_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_second_factor_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_second_factor_links_token_hash")),
    )
    op.create_index(op.f("ix_second_factor_links_user_id"), "second_factor_links", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_second_factor_links_user_id"), table_name="second_factor_links")
    op.drop_table("second_factor_links")
    with op.batch_alter_table("members") as batch:
        batch.drop_column("external_iban_changed_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("totp_setup_secret")
        batch.drop_column("failed_second_factors")
        batch.drop_column("totp_last_step")
