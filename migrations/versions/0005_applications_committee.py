"""Loans and stored schedules; loan applications and the committee.

Loans, schedule versions and instalments are created at disbursement (issue 4) and serviced
by the runs (issue 5).
"""

from alembic import op
import sqlalchemy as sa
import bank.db

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('loans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('active', 'paid_off', 'written_off', name='loan_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('borrower_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.Enum('coop_startup', 'land_trust_purchase', 'association', 'housing_coop', 'other', name='loan_purpose', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('principal', bank.db.MoneyType(), nullable=False),
    sa.Column('rate_annual', bank.db.RateType(), nullable=False),
    sa.Column('method', sa.Enum('annuity', 'linear', 'bullet', name='loan_method', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('frequency', sa.Enum('monthly', 'quarterly', name='loan_frequency', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('term_periods', sa.Integer(), nullable=False),
    sa.Column('grace_periods', sa.Integer(), nullable=False),
    sa.Column('instalment_multiple', bank.db.MoneyType(), nullable=False),
    sa.Column('day_count', sa.Enum('30/360', 'actual/365', name='loan_day_count', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('arrangement_fee', bank.db.MoneyType(), nullable=False),
    sa.Column('late_fee', bank.db.MoneyType(), nullable=False),
    sa.Column('penalty_rate_annual', bank.db.RateType(), nullable=False),
    sa.Column('tolerance_days', sa.Integer(), nullable=False),
    sa.Column('allocation_order', sa.String(length=100), nullable=False),
    sa.Column('disbursed_on', sa.Date(), nullable=False),
    sa.Column('first_due_on', sa.Date(), nullable=False),
    sa.Column('repayment_account_id', sa.Integer(), nullable=False),
    sa.Column('principal_account_id', sa.Integer(), nullable=False),
    sa.Column('interest_account_id', sa.Integer(), nullable=False),
    sa.Column('fees_account_id', sa.Integer(), nullable=False),
    sa.Column('paid_to_iban', sa.String(length=34), nullable=True),
    sa.Column('paid_to_name', sa.String(length=200), nullable=True),
    sa.Column('schedule_version', sa.Integer(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('grace_periods >= 0 AND grace_periods < term_periods', name=op.f('ck_loans_grace_below_term')),
    sa.CheckConstraint('principal > 0', name=op.f('ck_loans_principal_positive')),
    sa.CheckConstraint('schedule_version >= 1', name=op.f('ck_loans_schedule_version_positive')),
    sa.CheckConstraint('term_periods >= 1 AND term_periods <= 480', name=op.f('ck_loans_term_within_limits')),
    sa.ForeignKeyConstraint(['borrower_id'], ['members.id'], name=op.f('fk_loans_borrower_id_members')),
    sa.ForeignKeyConstraint(['fees_account_id'], ['ledger_accounts.id'], name=op.f('fk_loans_fees_account_id_ledger_accounts')),
    sa.ForeignKeyConstraint(['interest_account_id'], ['ledger_accounts.id'], name=op.f('fk_loans_interest_account_id_ledger_accounts')),
    sa.ForeignKeyConstraint(['principal_account_id'], ['ledger_accounts.id'], name=op.f('fk_loans_principal_account_id_ledger_accounts')),
    sa.ForeignKeyConstraint(['product_id'], ['loan_products.id'], name=op.f('fk_loans_product_id_loan_products')),
    sa.ForeignKeyConstraint(['repayment_account_id'], ['deposit_accounts.id'], name=op.f('fk_loans_repayment_account_id_deposit_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loans')),
    sa.UniqueConstraint('fees_account_id', name=op.f('uq_loans_fees_account_id')),
    sa.UniqueConstraint('interest_account_id', name=op.f('uq_loans_interest_account_id')),
    sa.UniqueConstraint('number', name=op.f('uq_loans_number')),
    sa.UniqueConstraint('principal_account_id', name=op.f('uq_loans_principal_account_id'))
    )
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loans_borrower_id'), ['borrower_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_repayment_account_id'), ['repayment_account_id'], unique=False)
        batch_op.create_index('ix_loans_status', ['status'], unique=False)

    op.create_table('instalments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('schedule_version', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('principal_due', bank.db.MoneyType(), nullable=False),
    sa.Column('interest_due', bank.db.MoneyType(), nullable=False),
    sa.Column('fees_due', bank.db.MoneyType(), nullable=False),
    sa.Column('penalties_due', bank.db.MoneyType(), nullable=False),
    sa.Column('principal_paid', bank.db.MoneyType(), nullable=False),
    sa.Column('interest_paid', bank.db.MoneyType(), nullable=False),
    sa.Column('fees_paid', bank.db.MoneyType(), nullable=False),
    sa.Column('penalties_paid', bank.db.MoneyType(), nullable=False),
    sa.Column('balance_after', bank.db.MoneyType(), nullable=False),
    sa.Column('interest_accrued_on', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('open', 'paid', 'superseded', 'written_off', name='instalment_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.CheckConstraint('fees_paid >= 0 AND fees_paid <= fees_due', name=op.f('ck_instalments_fees_paid_within_due')),
    sa.CheckConstraint('interest_paid >= 0 AND interest_paid <= interest_due', name=op.f('ck_instalments_interest_paid_within_due')),
    sa.CheckConstraint('penalties_paid >= 0 AND penalties_paid <= penalties_due', name=op.f('ck_instalments_penalties_paid_within_due')),
    sa.CheckConstraint('principal_due >= 0 AND interest_due >= 0', name=op.f('ck_instalments_dues_not_negative')),
    sa.CheckConstraint('principal_paid >= 0 AND principal_paid <= principal_due', name=op.f('ck_instalments_principal_paid_within_due')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_instalments_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_instalments')),
    sa.UniqueConstraint('loan_id', 'schedule_version', 'number', name='one_number_per_version')
    )
    with op.batch_alter_table('instalments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_instalments_loan_id'), ['loan_id'], unique=False)
        batch_op.create_index('ix_instalments_status_due_on', ['status', 'due_on'], unique=False)

    op.create_table('loan_schedule_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=40), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_loan_schedule_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_schedule_versions_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_schedule_versions')),
    sa.UniqueConstraint('loan_id', 'version', name='one_row_per_version')
    )
    with op.batch_alter_table('loan_schedule_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_schedule_versions_loan_id'), ['loan_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('loan_schedule_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_schedule_versions_loan_id'))

    op.drop_table('loan_schedule_versions')
    with op.batch_alter_table('instalments', schema=None) as batch_op:
        batch_op.drop_index('ix_instalments_status_due_on')
        batch_op.drop_index(batch_op.f('ix_instalments_loan_id'))

    op.drop_table('instalments')
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index('ix_loans_status')
        batch_op.drop_index(batch_op.f('ix_loans_repayment_account_id'))
        batch_op.drop_index(batch_op.f('ix_loans_product_id'))
        batch_op.drop_index(batch_op.f('ix_loans_borrower_id'))

    op.drop_table('loans')
