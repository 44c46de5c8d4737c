"""Arrears follow-up (issue 16): reminder ladders, arrears episodes, reminder letters, collection cases.

``reminder_ladders`` one ladder per product code; ``arrears_episodes`` one stretch of a loan in
arrears; ``reminder_letters`` the PDFs sent, one per kind and episode; ``collection_cases`` with
their ``collection_contacts``, ``collection_notes`` and ``payment_promises``. The run day gains
the ``arrears_follow_up`` job in the portable ``run_job`` enum.
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0022"
down_revision = "0021"
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
)
RUN_JOBS_AFTER = (*RUN_JOBS_BEFORE, "arrears_follow_up")


def _run_jobs(jobs: tuple[str, ...]) -> None:
    """Widen (or narrow) the check constraint of the portable ``run_job`` enum."""
    allowed = ", ".join(f"'{job}'" for job in jobs)
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("ck_runs_run_job"), type_="check")
        batch.create_check_constraint(op.f("ck_runs_run_job"), sa.text(f"job IN ({allowed})"))


def upgrade() -> None:
    _run_jobs(RUN_JOBS_AFTER)
    op.create_table(
        "reminder_ladders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_code", sa.String(length=30), nullable=False),
        sa.Column("steps", sa.String(length=300), nullable=False),
        sa.Column("updated_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["users.id"], name=op.f("fk_reminder_ladders_updated_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_ladders")),
        sa.UniqueConstraint("product_code", name=op.f("uq_reminder_ladders_product_code")),
    )
    op.create_table(
        "arrears_episodes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "ended_on IS NULL OR ended_on >= opened_on", name=op.f("ck_arrears_episodes_ends_after_it_opens")
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_arrears_episodes_loan_id_loans")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arrears_episodes")),
        sa.UniqueConstraint("loan_id", "opened_on", name="one_episode_per_loan_and_day"),
    )
    with op.batch_alter_table("arrears_episodes", schema=None) as batch_op:
        batch_op.create_index("ix_arrears_episodes_ended_on", ["ended_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_arrears_episodes_loan_id"), ["loan_id"], unique=False)

    op.create_table(
        "collection_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "escalated",
                "closed",
                name="collection_case_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("escalated_on", sa.Date(), nullable=True),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("close_reason", sa.Text(), nullable=False),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status != 'closed' OR closed_on IS NOT NULL", name=op.f("ck_collection_cases_closed_has_date")
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_collection_cases_loan_id_loans")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_collection_cases_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_cases")),
    )
    with op.batch_alter_table("collection_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_cases_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_collection_cases_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_collection_cases_status", ["status"], unique=False)

    op.create_table(
        "collection_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("contacted_on", sa.Date(), nullable=False),
        sa.Column(
            "channel",
            sa.Enum(
                "phone",
                "email",
                "letter",
                "visit",
                "meeting",
                name="contact_channel",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["collection_cases.id"], name=op.f("fk_collection_contacts_case_id_collection_cases")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_collection_contacts_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_contacts")),
    )
    with op.batch_alter_table("collection_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_contacts_case_id"), ["case_id"], unique=False)

    op.create_table(
        "collection_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("written_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["collection_cases.id"], name=op.f("fk_collection_notes_case_id_collection_cases")
        ),
        sa.ForeignKeyConstraint(
            ["written_by_id"], ["users.id"], name=op.f("fk_collection_notes_written_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_notes")),
    )
    with op.batch_alter_table("collection_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collection_notes_case_id"), ["case_id"], unique=False)

    op.create_table(
        "payment_promises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("amount", bank.db.MoneyType(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("promised_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "kept",
                "broken",
                name="payment_promise_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("paid_amount", bank.db.MoneyType(), nullable=False),
        sa.Column("checked_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status = 'pending' OR checked_on IS NOT NULL", name=op.f("ck_payment_promises_checked_has_date")
        ),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payment_promises_amount_positive")),
        sa.CheckConstraint("paid_amount >= 0", name=op.f("ck_payment_promises_paid_not_negative")),
        sa.CheckConstraint("promised_on >= made_on", name=op.f("ck_payment_promises_promised_after_made")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["collection_cases.id"], name=op.f("fk_payment_promises_case_id_collection_cases")
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_payment_promises_loan_id_loans")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_payment_promises_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_promises")),
    )
    with op.batch_alter_table("payment_promises", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_promises_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_promises_loan_id"), ["loan_id"], unique=False)
        batch_op.create_index(
            "ix_payment_promises_status_promised_on", ["status", "promised_on"], unique=False
        )

    op.create_table(
        "reminder_letters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loan_id", sa.Integer(), nullable=False),
        sa.Column("episode_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "reminder",
                "second_reminder",
                "notice_of_default",
                "handover",
                name="letter_kind",
                native_enum=False,
                create_constraint=True,
                length=30,
            ),
            nullable=False,
        ),
        sa.Column("step_days", sa.Integer(), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=False),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("amount_overdue", bank.db.MoneyType(), nullable=False),
        sa.Column("pay_by", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("outbox_message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_overdue >= 0", name=op.f("ck_reminder_letters_amount_not_negative")),
        sa.CheckConstraint("days_past_due >= 1", name=op.f("ck_reminder_letters_days_past_due_positive")),
        sa.ForeignKeyConstraint(
            ["episode_id"],
            ["arrears_episodes.id"],
            name=op.f("fk_reminder_letters_episode_id_arrears_episodes"),
        ),
        sa.ForeignKeyConstraint(["loan_id"], ["loans.id"], name=op.f("fk_reminder_letters_loan_id_loans")),
        sa.ForeignKeyConstraint(
            ["outbox_message_id"],
            ["outbox_messages.id"],
            name=op.f("fk_reminder_letters_outbox_message_id_outbox_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_letters")),
        sa.UniqueConstraint("episode_id", "kind", name="one_letter_per_kind_and_episode"),
    )
    with op.batch_alter_table("reminder_letters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_letters_episode_id"), ["episode_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reminder_letters_loan_id"), ["loan_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reminder_letters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_letters_loan_id"))
        batch_op.drop_index(batch_op.f("ix_reminder_letters_episode_id"))

    op.drop_table("reminder_letters")
    with op.batch_alter_table("payment_promises", schema=None) as batch_op:
        batch_op.drop_index("ix_payment_promises_status_promised_on")
        batch_op.drop_index(batch_op.f("ix_payment_promises_loan_id"))
        batch_op.drop_index(batch_op.f("ix_payment_promises_case_id"))

    op.drop_table("payment_promises")
    with op.batch_alter_table("collection_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_notes_case_id"))

    op.drop_table("collection_notes")
    with op.batch_alter_table("collection_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collection_contacts_case_id"))

    op.drop_table("collection_contacts")
    with op.batch_alter_table("collection_cases", schema=None) as batch_op:
        batch_op.drop_index("ix_collection_cases_status")
        batch_op.drop_index(batch_op.f("ix_collection_cases_owner_id"))
        batch_op.drop_index(batch_op.f("ix_collection_cases_loan_id"))

    op.drop_table("collection_cases")
    with op.batch_alter_table("arrears_episodes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_arrears_episodes_loan_id"))
        batch_op.drop_index("ix_arrears_episodes_ended_on")

    op.drop_table("arrears_episodes")
    op.drop_table("reminder_ladders")
    op.execute("DELETE FROM runs WHERE job = 'arrears_follow_up'")
    _run_jobs(RUN_JOBS_BEFORE)
