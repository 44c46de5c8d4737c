"""Transaction monitoring (issue 17): rules with thresholds, alerts, cases and notes.

``monitoring_rules`` holds each rule's thresholds, seeded with the defaults (cash deposits from
10 000 euros; structuring: 3 movements from 80 % of 10 000 within 7 days; in and out: 90 % of
5 000 or more gone within 3 days; high-risk countries from any amount; above expected use: more
than 3 times the expected monthly turnover, from 1 000 euros). ``monitoring_alerts`` (unique on
rule, member and key day) with ``monitoring_alert_items`` (the entries behind each alert),
``monitoring_cases`` and the append-only ``monitoring_case_notes``. The run day gains the
``monitoring`` job in the portable ``run_job`` enum.
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None

RUN_JOBS_BEFORE = (
    "repayments",
    "savings_interest",
    "close_day",
    "expire_offers",
    "pool_withdrawals",
    "pool_distribution",
    "month_end_statements",
    "expire_mandates",
    "provisioning",
    "arrears_follow_up",
    "loan_accrual",
)
RUN_JOBS_AFTER = (*RUN_JOBS_BEFORE, "monitoring")
RULE_CODES = ("cash_deposit", "structuring", "in_and_out", "high_risk_country", "above_expected_use")
#: (code, amount in cents, share and factor in 10**8 parts, min_count, window_days)
DEFAULTS = (
    ("cash_deposit", 1_000_000, None, None, None, None),
    ("structuring", 1_000_000, 80_000_000, 3, 7, None),
    ("in_and_out", 500_000, 90_000_000, None, 3, None),
    ("high_risk_country", 0, None, None, None, None),
    ("above_expected_use", 100_000, None, None, None, 300_000_000),
)


def _run_jobs(jobs: tuple[str, ...]) -> None:
    allowed = ", ".join(f"'{job}'" for job in jobs)
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("ck_runs_run_job"), type_="check")
        batch.create_check_constraint(op.f("ck_runs_run_job"), sa.text(f"job IN ({allowed})"))


def _rule_code() -> sa.Enum:
    return sa.Enum(
        *RULE_CODES, name="monitoring_rule_code", native_enum=False, create_constraint=True, length=30
    )


def upgrade() -> None:
    _run_jobs(RUN_JOBS_AFTER)
    op.create_table(
        "monitoring_rules",
        sa.Column("code", _rule_code(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("amount", bank.db.MoneyType(), nullable=False),
        sa.Column("share", bank.db.RateType(), nullable=True),
        sa.Column("min_count", sa.Integer(), nullable=True),
        sa.Column("window_days", sa.Integer(), nullable=True),
        sa.Column("factor", bank.db.RateType(), nullable=True),
        sa.Column("updated_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("updated_by_label", sa.String(length=200), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_monitoring_rules_amount_not_negative")),
        sa.CheckConstraint(
            "share IS NULL OR (share > 0 AND share <= 100000000)",
            name=op.f("ck_monitoring_rules_share_a_fraction"),
        ),
        sa.CheckConstraint(
            "min_count IS NULL OR min_count >= 2", name=op.f("ck_monitoring_rules_count_at_least_two")
        ),
        sa.CheckConstraint(
            "window_days IS NULL OR window_days >= 1", name=op.f("ck_monitoring_rules_window_positive")
        ),
        sa.CheckConstraint(
            "factor IS NULL OR factor > 100000000", name=op.f("ck_monitoring_rules_factor_above_one")
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_monitoring_rules")),
    )
    # Raw values (cents, 10**8 parts): the TypeDecorators would convert Decimals, these are stored as is.
    for code, cents, share, min_count, window_days, factor in DEFAULTS:
        op.execute(
            sa.text(
                "INSERT INTO monitoring_rules (code, active, amount, share, min_count, window_days,"
                " factor, updated_by_label)"
                " VALUES (:code, :active, :amount, :share, :min_count, :window_days, :factor, '')"
            ).bindparams(
                code=code,
                active=True,
                amount=cents,
                share=share,
                min_count=min_count,
                window_days=window_days,
                factor=factor,
            )
        )
    op.create_table(
        "monitoring_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "not_unusual",
                "reported",
                name="monitoring_case_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("open_key", sa.String(length=64), nullable=False),
        sa.Column("opened_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("opened_by_label", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("decided_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_label", sa.String(length=200), nullable=False),
        sa.Column("exported_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("exported_by_label", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "status = 'open' OR (decided_at IS NOT NULL AND decision_reason != '')",
            name=op.f("ck_monitoring_cases_decided_has_when_and_why"),
        ),
        sa.CheckConstraint(
            "status = 'reported' OR exported_at IS NULL",
            name=op.f("ck_monitoring_cases_only_reported_exported"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_monitoring_cases_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["opened_by_id"], ["users.id"], name=op.f("fk_monitoring_cases_opened_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_monitoring_cases_decided_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_cases")),
        sa.UniqueConstraint("open_key", name=op.f("uq_monitoring_cases_open_key")),
    )
    op.create_index(op.f("ix_monitoring_cases_member_id"), "monitoring_cases", ["member_id"])
    op.create_table(
        "monitoring_alerts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule", _rule_code(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("key_on", sa.Date(), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("window_end", sa.Date(), nullable=False),
        sa.Column("amount", bank.db.MoneyType(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "dismissed",
                "in_case",
                name="monitoring_alert_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("raised_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("dismissal_reason", sa.Text(), nullable=False),
        sa.Column("decided_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_label", sa.String(length=200), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_monitoring_alerts_amount_not_negative")),
        sa.CheckConstraint(
            "status != 'in_case' OR case_id IS NOT NULL", name=op.f("ck_monitoring_alerts_in_case_has_case")
        ),
        sa.CheckConstraint(
            "status != 'dismissed' OR (dismissal_reason != '' AND decided_at IS NOT NULL)",
            name=op.f("ck_monitoring_alerts_dismissed_has_reason"),
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_monitoring_alerts_member_id_members")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["monitoring_cases.id"], name=op.f("fk_monitoring_alerts_case_id_monitoring_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_alerts")),
        sa.UniqueConstraint(
            "rule", "member_id", "key_on", name="one_alert_per_rule_member_and_day"
        ),
    )
    op.create_index(op.f("ix_monitoring_alerts_member_id"), "monitoring_alerts", ["member_id"])
    op.create_index(op.f("ix_monitoring_alerts_status"), "monitoring_alerts", ["status"])
    op.create_index(op.f("ix_monitoring_alerts_case_id"), "monitoring_alerts", ["case_id"])
    op.create_table(
        "monitoring_alert_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("value_date", sa.Date(), nullable=False),
        sa.Column("amount", bank.db.MoneyType(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("counterparty_iban", sa.String(length=34), nullable=True),
        sa.Column("counterparty_name", sa.String(length=140), nullable=True),
        sa.CheckConstraint("amount > 0", name=op.f("ck_monitoring_alert_items_amount_positive")),
        sa.CheckConstraint(
            "direction IN ('in', 'out')", name=op.f("ck_monitoring_alert_items_direction_known")
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["monitoring_alerts.id"],
            name=op.f("fk_monitoring_alert_items_alert_id_monitoring_alerts"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_monitoring_alert_items_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_alert_items")),
        sa.UniqueConstraint(
            "alert_id", "entry_id", name="one_item_per_entry"
        ),
    )
    op.create_index(op.f("ix_monitoring_alert_items_alert_id"), "monitoring_alert_items", ["alert_id"])
    op.create_index(op.f("ix_monitoring_alert_items_entry_id"), "monitoring_alert_items", ["entry_id"])
    op.create_table(
        "monitoring_case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("written_by_id", sa.Integer(), nullable=True),
        sa.Column("written_by_label", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["monitoring_cases.id"],
            name=op.f("fk_monitoring_case_notes_case_id_monitoring_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"], ["users.id"], name=op.f("fk_monitoring_case_notes_written_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_case_notes")),
        sa.UniqueConstraint("key", name=op.f("uq_monitoring_case_notes_key")),
    )
    op.create_index(op.f("ix_monitoring_case_notes_case_id"), "monitoring_case_notes", ["case_id"])


def downgrade() -> None:
    op.drop_table("monitoring_case_notes")
    op.drop_table("monitoring_alert_items")
    op.drop_table("monitoring_alerts")
    op.drop_table("monitoring_cases")
    op.drop_table("monitoring_rules")
    op.execute("DELETE FROM runs WHERE job = 'monitoring'")
    _run_jobs(RUN_JOBS_BEFORE)
