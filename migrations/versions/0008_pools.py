"""Investment pools: pools, participations, withdrawal queue, loan funding, distributions, losses,
impact reports; the day's new jobs in ``runs.job``; account 5200 for returns paid to pool participants.
"""

from alembic import op
import sqlalchemy as sa
import bank.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

RUN_JOBS_BEFORE = ("repayments", "savings_interest", "close_day")
RUN_JOBS_AFTER = RUN_JOBS_BEFORE + (
    "expire_offers",
    "pool_withdrawals",
    "pool_distribution",
    "month_end_statements",
)


def _run_jobs(jobs: tuple[str, ...]) -> None:
    """Widen (or narrow) the check constraint of the portable ``run_job`` enum."""
    allowed = ", ".join(f"'{job}'" for job in jobs)
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("ck_runs_run_job"), type_="check")
        batch.create_check_constraint(op.f("ck_runs_run_job"), sa.text(f"job IN ({allowed})"))


def _insert_pool_returns_account() -> None:
    import datetime as dt

    table = sa.table(
        "ledger_accounts",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("type", sa.String),
        sa.column("is_control", sa.Boolean),
        sa.column("may_go_negative", sa.Boolean),
        sa.column("keeps_cached_totals", sa.Boolean),
        sa.column("status", sa.String),
        sa.column("debits_posted", sa.BigInteger),
        sa.column("credits_posted", sa.BigInteger),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    op.bulk_insert(
        table,
        [
            {
                "code": "5200",
                "name": "Returns paid to pool participants",
                "type": "expense",
                "is_control": False,
                "may_go_negative": True,
                "keeps_cached_totals": False,
                "status": "open",
                "debits_posted": 0,
                "credits_posted": 0,
                "created_at": dt.datetime.now(dt.UTC),
            }
        ],
    )


def upgrade() -> None:
    _run_jobs(RUN_JOBS_AFTER)
    _insert_pool_returns_account()
    op.create_table(
        "pools",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("minimum_participation", bank.db.MoneyType(), nullable=False),
        sa.Column("notice_months", sa.Integer(), nullable=False),
        sa.Column("margin_share", bank.db.RateType(), nullable=False),
        sa.Column("target_return_annual", bank.db.RateType(), nullable=False),
        sa.Column("first_loss_buffer", bank.db.MoneyType(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open", "closed", name="pool_status", native_enum=False, create_constraint=True, length=20
            ),
            nullable=False,
        ),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("first_loss_buffer >= 0", name=op.f("ck_pools_buffer_not_negative")),
        sa.CheckConstraint(
            "margin_share >= 0 AND margin_share <= 100000000", name=op.f("ck_pools_margin_share_range")
        ),
        sa.CheckConstraint("minimum_participation > 0", name=op.f("ck_pools_minimum_positive")),
        sa.CheckConstraint(
            "notice_months >= 0 AND notice_months <= 24", name=op.f("ck_pools_notice_months_range")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pools")),
        sa.UniqueConstraint("code", name=op.f("uq_pools_code")),
    )
    op.create_table(
        "pool_distributions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("quarter_start", sa.Date(), nullable=False),
        sa.Column("quarter_end", sa.Date(), nullable=False),
        sa.Column("interest_collected", bank.db.MoneyType(), nullable=False),
        sa.Column("margin_amount", bank.db.MoneyType(), nullable=False),
        sa.Column("amount_distributed", bank.db.MoneyType(), nullable=False),
        sa.Column("participant_count", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("distributed_on", sa.Date(), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "interest_collected >= 0 AND margin_amount >= 0 AND amount_distributed >= 0",
            name=op.f("ck_pool_distributions_amounts_not_negative"),
        ),
        sa.CheckConstraint("quarter_end > quarter_start", name=op.f("ck_pool_distributions_quarter_order")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entries.id"], name=op.f("fk_pool_distributions_entry_id_journal_entries")
        ),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_pool_distributions_pool_id_pools")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_distributions")),
        sa.UniqueConstraint("pool_id", "quarter_start", name="one_distribution_per_quarter"),
    )
    with op.batch_alter_table("pool_distributions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pool_distributions_pool_id"), ["pool_id"], unique=False)

    op.create_table(
        "pool_participations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("deposit_account_id", sa.Integer(), nullable=False),
        sa.Column("ledger_account_id", sa.Integer(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deposit_account_id"],
            ["deposit_accounts.id"],
            name=op.f("fk_pool_participations_deposit_account_id_deposit_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["ledger_account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_pool_participations_ledger_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_pool_participations_member_id_members")
        ),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_pool_participations_pool_id_pools")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_participations")),
        sa.UniqueConstraint("ledger_account_id", name=op.f("uq_pool_participations_ledger_account_id")),
        sa.UniqueConstraint("pool_id", "member_id", name="one_participation_per_member"),
    )
    with op.batch_alter_table("pool_participations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pool_participations_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pool_participations_pool_id"), ["pool_id"], unique=False)

    op.create_table(
        "loan_impact_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column(
            "source",
            sa.Enum(
                "application",
                "annual",
                name="impact_source",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("jobs_created", sa.Integer(), nullable=False),
        sa.Column("jobs_kept", sa.Integer(), nullable=False),
        sa.Column("homes_secured", sa.Integer(), nullable=False),
        sa.Column("land_area_m2", sa.Integer(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "jobs_created >= 0 AND jobs_kept >= 0 AND homes_secured >= 0 AND land_area_m2 >= 0",
            name=op.f("ck_loan_impact_reports_figures_not_negative"),
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_loan_impact_reports_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_loan_impact_reports")),
        sa.UniqueConstraint("loan_id", "year", "source", name="one_report_per_loan_year_source"),
    )
    with op.batch_alter_table("loan_impact_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loan_impact_reports_loan_id"), ["loan_id"], unique=False)

    op.create_table(
        "pool_distribution_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("distribution_id", sa.Integer(), nullable=False),
        sa.Column("participation_id", sa.Integer(), nullable=False),
        sa.Column("weight_cent_days", sa.BigInteger(), nullable=False),
        sa.Column("amount", bank.db.MoneyType(), nullable=False),
        sa.CheckConstraint(
            "amount >= 0 AND weight_cent_days >= 0",
            name=op.f("ck_pool_distribution_shares_share_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["distribution_id"],
            ["pool_distributions.id"],
            name=op.f("fk_pool_distribution_shares_distribution_id_pool_distributions"),
        ),
        sa.ForeignKeyConstraint(
            ["participation_id"],
            ["pool_participations.id"],
            name=op.f("fk_pool_distribution_shares_participation_id_pool_participations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_distribution_shares")),
        sa.UniqueConstraint("distribution_id", "participation_id", name="one_share_per_participant"),
    )
    with op.batch_alter_table("pool_distribution_shares", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pool_distribution_shares_participation_id"), ["participation_id"], unique=False
        )

    op.create_table(
        "pool_loan_fundings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("amount_funded", bank.db.MoneyType(), nullable=False),
        sa.Column("loan_principal", bank.db.MoneyType(), nullable=False),
        sa.Column("funded_on", sa.Date(), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_funded > 0", name=op.f("ck_pool_loan_fundings_amount_positive")),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_pool_loan_fundings_loan_id_loans")),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_pool_loan_fundings_pool_id_pools")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_loan_fundings")),
        sa.UniqueConstraint("loan_id", name=op.f("uq_pool_loan_fundings_loan_id")),
    )
    with op.batch_alter_table("pool_loan_fundings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pool_loan_fundings_pool_id"), ["pool_id"], unique=False)

    op.create_table(
        "pool_losses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("loss_amount", bank.db.MoneyType(), nullable=False),
        sa.Column("absorbed_by_buffer", bank.db.MoneyType(), nullable=False),
        sa.Column("absorbed_by_participants", bank.db.MoneyType(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("buffer_entry_id", sa.Integer(), nullable=True),
        sa.Column("participants_entry_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "absorbed_by_buffer >= 0 AND absorbed_by_participants >= 0 AND absorbed_by_buffer + absorbed_by_participants = loss_amount",
            name=op.f("ck_pool_losses_loss_fully_absorbed"),
        ),
        sa.ForeignKeyConstraint(
            ["buffer_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_pool_losses_buffer_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_pool_losses_loan_id_loans")),
        sa.ForeignKeyConstraint(
            ["participants_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_pool_losses_participants_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(["pool_id"], ["pools.id"], name=op.f("fk_pool_losses_pool_id_pools")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_losses")),
        sa.UniqueConstraint("pool_id", "loan_id", name="one_loss_per_pool_loan"),
    )
    with op.batch_alter_table("pool_losses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pool_losses_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pool_losses_pool_id"), ["pool_id"], unique=False)

    op.create_table(
        "pool_withdrawal_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("participation_id", sa.Integer(), nullable=False),
        sa.Column("amount", bank.db.MoneyType(), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("payable_from", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "waiting",
                "paid",
                "cancelled",
                name="pool_withdrawal_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("request_key", sa.String(length=200), nullable=False),
        sa.Column("cancelled_reason", sa.Text(), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status != 'paid' OR (paid_on IS NOT NULL AND entry_id IS NOT NULL)",
            name=op.f("ck_pool_withdrawal_requests_paid_has_entry"),
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_pool_withdrawal_requests_amount_positive")),
        sa.CheckConstraint(
            "payable_from >= requested_on", name=op.f("ck_pool_withdrawal_requests_payable_after_request")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_pool_withdrawal_requests_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["participation_id"],
            ["pool_participations.id"],
            name=op.f("fk_pool_withdrawal_requests_participation_id_pool_participations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_withdrawal_requests")),
        sa.UniqueConstraint("request_key", name=op.f("uq_pool_withdrawal_requests_request_key")),
    )
    with op.batch_alter_table("pool_withdrawal_requests", schema=None) as batch_op:
        batch_op.create_index("ix_pool_withdrawal_queue", ["status", "payable_from", "id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_pool_withdrawal_requests_participation_id"), ["participation_id"], unique=False
        )

    op.create_table(
        "pool_loss_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loss_id", sa.Integer(), nullable=False),
        sa.Column("participation_id", sa.Integer(), nullable=False),
        sa.Column("amount", bank.db.MoneyType(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_pool_loss_shares_loss_share_not_negative")),
        sa.ForeignKeyConstraint(
            ["loss_id"], ["pool_losses.id"], name=op.f("fk_pool_loss_shares_loss_id_pool_losses")
        ),
        sa.ForeignKeyConstraint(
            ["participation_id"],
            ["pool_participations.id"],
            name=op.f("fk_pool_loss_shares_participation_id_pool_participations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_loss_shares")),
        sa.UniqueConstraint("loss_id", "participation_id", name="one_loss_share_per_participant"),
    )
    with op.batch_alter_table("pool_loss_shares", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pool_loss_shares_participation_id"), ["participation_id"], unique=False
        )

    with op.batch_alter_table("loan_applications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("jobs_created_expected", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("jobs_kept_expected", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("homes_expected", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("land_area_m2", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM ledger_accounts WHERE code = '5200'")
    _run_jobs(RUN_JOBS_BEFORE)
    with op.batch_alter_table("loan_applications", schema=None) as batch_op:
        batch_op.drop_column("land_area_m2")
        batch_op.drop_column("homes_expected")
        batch_op.drop_column("jobs_kept_expected")
        batch_op.drop_column("jobs_created_expected")

    with op.batch_alter_table("pool_loss_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pool_loss_shares_participation_id"))

    op.drop_table("pool_loss_shares")
    with op.batch_alter_table("pool_withdrawal_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pool_withdrawal_requests_participation_id"))
        batch_op.drop_index("ix_pool_withdrawal_queue")

    op.drop_table("pool_withdrawal_requests")
    with op.batch_alter_table("pool_losses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pool_losses_pool_id"))
        batch_op.drop_index(batch_op.f("ix_pool_losses_loan_id"))

    op.drop_table("pool_losses")
    with op.batch_alter_table("pool_loan_fundings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pool_loan_fundings_pool_id"))

    op.drop_table("pool_loan_fundings")
    with op.batch_alter_table("pool_distribution_shares", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pool_distribution_shares_participation_id"))

    op.drop_table("pool_distribution_shares")
    with op.batch_alter_table("loan_impact_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loan_impact_reports_loan_id"))

    op.drop_table("loan_impact_reports")
    with op.batch_alter_table("pool_participations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pool_participations_pool_id"))
        batch_op.drop_index(batch_op.f("ix_pool_participations_member_id"))

    op.drop_table("pool_participations")
    with op.batch_alter_table("pool_distributions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pool_distributions_pool_id"))

    op.drop_table("pool_distributions")
    op.drop_table("pools")
