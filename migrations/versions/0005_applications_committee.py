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

# Applications, committee and outbox (issue 4).
    op.create_table('committee_meetings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('held_on', sa.Date(), nullable=False),
    sa.Column('location', sa.String(length=200), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=False),
    sa.Column('chair_label', sa.String(length=200), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('created_by_label', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['chair_id'], ['users.id'], name=op.f('fk_committee_meetings_chair_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_meetings'))
    )
    with op.batch_alter_table('committee_meetings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_meetings_held_on'), ['held_on'], unique=False)

    op.create_table('outbox_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=True),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'sent', 'failed', 'no_address', name='outbox_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('created_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', bank.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_outbox_messages_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages'))
    )
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_messages_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_outbox_messages_status', ['status'], unique=False)

    op.create_table('loan_applications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=20), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'in_review', 'on_agenda', 'returned', 'approved', 'rejected', 'withdrawn', 'expired', 'disbursed', name='application_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_by_label', sa.String(length=200), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('amount', bank.db.MoneyType(), nullable=True),
    sa.Column('term_months', sa.Integer(), nullable=True),
    sa.Column('grace_periods', sa.Integer(), nullable=False),
    sa.Column('purpose_text', sa.Text(), nullable=False),
    sa.Column('own_contribution', bank.db.MoneyType(), nullable=False),
    sa.Column('repayment_account_id', sa.Integer(), nullable=True),
    sa.Column('property_address', sa.String(length=300), nullable=False),
    sa.Column('cadastral_reference', sa.String(length=60), nullable=False),
    sa.Column('purchase_price', bank.db.MoneyType(), nullable=True),
    sa.Column('appraisal_value', bank.db.MoneyType(), nullable=True),
    sa.Column('own_funds', bank.db.MoneyType(), nullable=True),
    sa.Column('notary_iban', sa.String(length=34), nullable=True),
    sa.Column('notary_name', sa.String(length=200), nullable=True),
    sa.Column('worker_members', sa.Integer(), nullable=True),
    sa.Column('expected_monthly_revenue', bank.db.MoneyType(), nullable=True),
    sa.Column('expected_monthly_costs', bank.db.MoneyType(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_label', sa.String(length=200), nullable=True),
    sa.Column('checklist', sa.JSON(), nullable=False),
    sa.Column('risk_grade', sa.Enum('A', 'B', 'C', 'D', 'E', name='risk_grade', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('recommended_amount', bank.db.MoneyType(), nullable=True),
    sa.Column('recommended_term_months', sa.Integer(), nullable=True),
    sa.Column('recommended_rate_annual', bank.db.RateType(), nullable=True),
    sa.Column('proposed_conditions', sa.Text(), nullable=False),
    sa.Column('review_notes', sa.Text(), nullable=False),
    sa.Column('review_round', sa.Integer(), nullable=False),
    sa.Column('submitted_at', bank.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('offer_expires_on', sa.Date(), nullable=True),
    sa.Column('loan_id', sa.Integer(), nullable=True),
    sa.Column('created_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status != 'approved' OR offer_expires_on IS NOT NULL", name=op.f('ck_loan_applications_approved_has_expiry')),
    sa.CheckConstraint("status != 'disbursed' OR loan_id IS NOT NULL", name=op.f('ck_loan_applications_disbursed_has_loan')),
    sa.CheckConstraint('amount IS NULL OR amount > 0', name=op.f('ck_loan_applications_amount_positive')),
    sa.CheckConstraint('grace_periods >= 0', name=op.f('ck_loan_applications_grace_not_negative')),
    sa.CheckConstraint('own_contribution >= 0', name=op.f('ck_loan_applications_own_contribution_not_negative')),
    sa.CheckConstraint('review_round >= 1', name=op.f('ck_loan_applications_review_round_positive')),
    sa.CheckConstraint('term_months IS NULL OR term_months >= 1', name=op.f('ck_loan_applications_term_positive')),
    sa.CheckConstraint('worker_members IS NULL OR worker_members >= 0', name=op.f('ck_loan_applications_worker_members_not_negative')),
    sa.ForeignKeyConstraint(['applicant_id'], ['members.id'], name=op.f('fk_loan_applications_applicant_id_members')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_loan_applications_created_by_id_users')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_applications_loan_id_loans')),
    sa.ForeignKeyConstraint(['product_id'], ['loan_products.id'], name=op.f('fk_loan_applications_product_id_loan_products')),
    sa.ForeignKeyConstraint(['repayment_account_id'], ['deposit_accounts.id'], name=op.f('fk_loan_applications_repayment_account_id_deposit_accounts')),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_loan_applications_reviewer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_applications')),
    sa.UniqueConstraint('loan_id', name=op.f('uq_loan_applications_loan_id')),
    sa.UniqueConstraint('number', name=op.f('uq_loan_applications_number'))
    )
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_applications_applicant_id'), ['applicant_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loan_applications_product_id'), ['product_id'], unique=False)
        batch_op.create_index('ix_loan_applications_status', ['status'], unique=False)

    op.create_table('application_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('business_plan', 'statutes', 'purchase_agreement', 'annual_accounts', 'appraisal', 'other', name='attachment_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('original_name', sa.String(length=200), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_label', sa.String(length=200), nullable=False),
    sa.Column('uploaded_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('size_bytes > 0 AND size_bytes <= 10485760', name=op.f('ck_application_attachments_size_within_limit')),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_application_attachments_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_application_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_attachments')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_application_attachments_stored_name'))
    )
    with op.batch_alter_table('application_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_attachments_application_id'), ['application_id'], unique=False)

    op.create_table('application_cost_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=200), nullable=False),
    sa.Column('amount', bank.db.MoneyType(), nullable=False),
    sa.CheckConstraint('amount > 0', name=op.f('ck_application_cost_lines_amount_positive')),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_application_cost_lines_application_id_loan_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_cost_lines')),
    sa.UniqueConstraint('application_id', 'position', name='one_line_per_position')
    )
    with op.batch_alter_table('application_cost_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_cost_lines_application_id'), ['application_id'], unique=False)

    op.create_table('application_transitions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=200), nullable=False),
    sa.Column('at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_application_transitions_actor_id_users')),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_application_transitions_application_id_loan_applications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_transitions'))
    )
    with op.batch_alter_table('application_transitions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_transitions_application_id'), ['application_id'], unique=False)

    op.create_table('committee_agenda_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('review_round', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('added_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('added_by_label', sa.String(length=200), nullable=False),
    sa.Column('removed_at', bank.db.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_committee_agenda_items_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['meeting_id'], ['committee_meetings.id'], name=op.f('fk_committee_agenda_items_meeting_id_committee_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_agenda_items')),
    sa.UniqueConstraint('meeting_id', 'application_id', 'review_round', name='once_per_meeting_round')
    )
    with op.batch_alter_table('committee_agenda_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_agenda_items_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_agenda_items_meeting_id'), ['meeting_id'], unique=False)

    op.create_table('committee_conflict_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('user_label', sa.String(length=200), nullable=False),
    sa.Column('has_conflict', sa.Boolean(), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('declared_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_committee_conflict_declarations_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_committee_conflict_declarations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_conflict_declarations')),
    sa.UniqueConstraint('application_id', 'user_id', name='one_per_member')
    )
    with op.batch_alter_table('committee_conflict_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_conflict_declarations_application_id'), ['application_id'], unique=False)

    op.create_table('committee_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('review_round', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sa.Enum('approved', 'rejected', name='decision_outcome', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('chair_id', sa.Integer(), nullable=True),
    sa.Column('chair_label', sa.String(length=200), nullable=False),
    sa.Column('decided_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('votes_approve', sa.Integer(), nullable=False),
    sa.Column('votes_reject', sa.Integer(), nullable=False),
    sa.Column('votes_abstain', sa.Integer(), nullable=False),
    sa.Column('quorum', sa.Integer(), nullable=False),
    sa.Column('recusals', sa.JSON(), nullable=False),
    sa.Column('approved_amount', bank.db.MoneyType(), nullable=True),
    sa.Column('approved_term_months', sa.Integer(), nullable=True),
    sa.Column('approved_rate_annual', bank.db.RateType(), nullable=True),
    sa.Column('approved_grace_periods', sa.Integer(), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.CheckConstraint("(outcome = 'approved' AND votes_approve > votes_reject AND approved_amount IS NOT NULL) OR (outcome = 'rejected' AND votes_reject > votes_approve AND reasons != '')", name=op.f('ck_committee_decisions_majority_of_votes_cast')),
    sa.CheckConstraint('votes_approve + votes_reject + votes_abstain >= quorum', name=op.f('ck_committee_decisions_quorum_reached')),
    sa.CheckConstraint('votes_approve >= 0 AND votes_reject >= 0 AND votes_abstain >= 0', name=op.f('ck_committee_decisions_tally_counts')),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_committee_decisions_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['chair_id'], ['users.id'], name=op.f('fk_committee_decisions_chair_id_users')),
    sa.ForeignKeyConstraint(['meeting_id'], ['committee_meetings.id'], name=op.f('fk_committee_decisions_meeting_id_committee_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_decisions')),
    sa.UniqueConstraint('application_id', 'review_round', name='one_decision_per_round')
    )
    with op.batch_alter_table('committee_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_decisions_application_id'), ['application_id'], unique=False)

    op.create_table('committee_votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('review_round', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('user_label', sa.String(length=200), nullable=False),
    sa.Column('choice', sa.Enum('approve', 'reject', 'abstain', name='vote_choice', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('cast_at', bank.db.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_committee_votes_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_committee_votes_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_votes')),
    sa.UniqueConstraint('application_id', 'review_round', 'user_id', name='one_vote_per_round')
    )
    with op.batch_alter_table('committee_votes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_votes_application_id'), ['application_id'], unique=False)

    op.create_table('committee_conditions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=500), nullable=False),
    sa.Column('met_at', bank.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('met_by_id', sa.Integer(), nullable=True),
    sa.Column('met_by_label', sa.String(length=200), nullable=True),
    sa.Column('evidence_note', sa.Text(), nullable=False),
    sa.CheckConstraint("(met_at IS NULL AND met_by_label IS NULL) OR (met_at IS NOT NULL AND evidence_note != '')", name=op.f('ck_committee_conditions_met_has_evidence')),
    sa.ForeignKeyConstraint(['application_id'], ['loan_applications.id'], name=op.f('fk_committee_conditions_application_id_loan_applications')),
    sa.ForeignKeyConstraint(['decision_id'], ['committee_decisions.id'], name=op.f('fk_committee_conditions_decision_id_committee_decisions')),
    sa.ForeignKeyConstraint(['met_by_id'], ['users.id'], name=op.f('fk_committee_conditions_met_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_committee_conditions')),
    sa.UniqueConstraint('decision_id', 'position', name='one_per_position')
    )
    with op.batch_alter_table('committee_conditions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_committee_conditions_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_committee_conditions_decision_id'), ['decision_id'], unique=False)


def downgrade() -> None:
# Applications, committee and outbox (issue 4): dropped before the loans.
    with op.batch_alter_table('committee_conditions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_conditions_decision_id'))
        batch_op.drop_index(batch_op.f('ix_committee_conditions_application_id'))

    op.drop_table('committee_conditions')
    with op.batch_alter_table('committee_votes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_votes_application_id'))

    op.drop_table('committee_votes')
    with op.batch_alter_table('committee_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_decisions_application_id'))

    op.drop_table('committee_decisions')
    with op.batch_alter_table('committee_conflict_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_conflict_declarations_application_id'))

    op.drop_table('committee_conflict_declarations')
    with op.batch_alter_table('committee_agenda_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_agenda_items_meeting_id'))
        batch_op.drop_index(batch_op.f('ix_committee_agenda_items_application_id'))

    op.drop_table('committee_agenda_items')
    with op.batch_alter_table('application_transitions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_transitions_application_id'))

    op.drop_table('application_transitions')
    with op.batch_alter_table('application_cost_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_cost_lines_application_id'))

    op.drop_table('application_cost_lines')
    with op.batch_alter_table('application_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_attachments_application_id'))

    op.drop_table('application_attachments')
    with op.batch_alter_table('loan_applications', schema=None) as batch_op:
        batch_op.drop_index('ix_loan_applications_status')
        batch_op.drop_index(batch_op.f('ix_loan_applications_product_id'))
        batch_op.drop_index(batch_op.f('ix_loan_applications_applicant_id'))

    op.drop_table('loan_applications')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_messages_status')
        batch_op.drop_index(batch_op.f('ix_outbox_messages_member_id'))

    op.drop_table('outbox_messages')
    with op.batch_alter_table('committee_meetings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_committee_meetings_held_on'))

    op.drop_table('committee_meetings')

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
