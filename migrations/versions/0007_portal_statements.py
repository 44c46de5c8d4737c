"""Member portal invites, stored statements.

Placeholder in the revision chain until this capability's tables land; fill it in place.
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import bank.db  # noqa: F401

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _upgrade_portal()
    _upgrade_statements()


def _upgrade_portal() -> None:
    """Member portal: one-time access tokens (invitations, password resets) and pending profile changes."""
    op.create_table('portal_access_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.Enum('invite', 'password_reset', name='portal_token_purpose', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('sent_to', sa.String(length=254), nullable=False),
    sa.Column('created_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('used_at', bank.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', bank.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('expires_at > created_at', name=op.f('ck_portal_access_tokens_expires_after_created')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_portal_access_tokens_created_by_id_users')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_portal_access_tokens_member_id_members')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_portal_access_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_access_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_portal_access_tokens_token_hash'))
    )
    op.create_index(op.f('ix_portal_access_tokens_member_id'), 'portal_access_tokens', ['member_id'], unique=False)
    op.create_index('ix_portal_access_tokens_user_purpose', 'portal_access_tokens', ['user_id', 'purpose'], unique=False)
    op.create_table('portal_profile_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=40), nullable=False),
    sa.Column('old_value', sa.String(length=254), nullable=True),
    sa.Column('new_value', sa.String(length=254), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'withdrawn', name='portal_change_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', bank.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name=op.f('ck_portal_profile_changes_decided_has_time')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_portal_profile_changes_decided_by_id_users')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_portal_profile_changes_member_id_members')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_portal_profile_changes_requested_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_portal_profile_changes'))
    )
    op.create_index(op.f('ix_portal_profile_changes_member_id'), 'portal_profile_changes', ['member_id'], unique=False)
    op.create_index('ix_portal_profile_changes_status', 'portal_profile_changes', ['status', 'requested_at'], unique=False)


def downgrade() -> None:
    _downgrade_statements()
    _downgrade_portal()


def _downgrade_portal() -> None:
    op.drop_index('ix_portal_profile_changes_status', table_name='portal_profile_changes')
    op.drop_index(op.f('ix_portal_profile_changes_member_id'), table_name='portal_profile_changes')
    op.drop_table('portal_profile_changes')
    op.drop_index('ix_portal_access_tokens_user_purpose', table_name='portal_access_tokens')
    op.drop_index(op.f('ix_portal_access_tokens_member_id'), table_name='portal_access_tokens')
    op.drop_table('portal_access_tokens')


def _upgrade_statements() -> None:
    """Stored monthly statements (the PDF file lives under STATEMENT_DIR, checked by its sha256)."""
    op.create_table('stored_statements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('account_monthly', name='statement_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('deposit_account_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('relative_path', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('opening_balance', bank.db.MoneyType(), nullable=False),
    sa.Column('closing_balance', bank.db.MoneyType(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('produced_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('produced_by', sa.String(length=200), nullable=False),
    sa.CheckConstraint('line_count >= 0', name=op.f('ck_stored_statements_line_count_not_negative')),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_stored_statements_period_ordered')),
    sa.CheckConstraint('size_bytes > 0', name=op.f('ck_stored_statements_size_positive')),
    sa.ForeignKeyConstraint(['deposit_account_id'], ['deposit_accounts.id'], name=op.f('fk_stored_statements_deposit_account_id_deposit_accounts')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_stored_statements_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_statements')),
    sa.UniqueConstraint('deposit_account_id', 'kind', 'period_start', name='one_per_account_period'),
    sa.UniqueConstraint('relative_path', name=op.f('uq_stored_statements_relative_path'))
    )
    op.create_index('ix_stored_statements_member_period', 'stored_statements', ['member_id', 'period_end'], unique=False)


def _downgrade_statements() -> None:
    op.drop_index('ix_stored_statements_member_period', table_name='stored_statements')
    op.drop_table('stored_statements')
