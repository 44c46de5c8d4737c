"""Bank statements (issue 14): imported files, their statements and each transaction line.

``statement_imports`` keeps each uploaded file (stored under UPLOAD_DIR, unique by SHA-256) with
its status, booked or refused with the rule it broke; ``bank_statements`` one day statement of one
of the bank's accounts (unique on IBAN, statement id and sequence number); ``bank_statement_lines``
each transaction, what it matched and the entry that booked it.
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statement_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("stored_name", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("format", sa.String(length=20), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "booked",
                "refused",
                name="statement_import_status",
                native_enum=False,
                create_constraint=True,
                length=10,
            ),
            nullable=False,
        ),
        sa.Column("refusal", sa.Text(), nullable=False),
        sa.Column("refusal_template", sa.Text(), nullable=False),
        sa.Column("refusal_params", sa.JSON(), nullable=False),
        sa.Column("imported_at", bank.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=True),
        sa.Column("imported_by_label", sa.String(length=200), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("matched_count", sa.Integer(), nullable=False),
        sa.Column("suspense_count", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status != 'refused' OR refusal != ''", name=op.f("ck_statement_imports_refused_has_reason")
        ),
        sa.ForeignKeyConstraint(
            ["imported_by_id"], ["users.id"], name=op.f("fk_statement_imports_imported_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement_imports")),
        sa.UniqueConstraint("sha256", name=op.f("uq_statement_imports_sha256")),
    )
    op.create_table(
        "bank_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.Column("account_iban", sa.String(length=34), nullable=False),
        sa.Column("statement_id", sa.String(length=35), nullable=False),
        sa.Column("sequence_number", sa.String(length=20), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("opening_balance", bank.db.MoneyType(), nullable=False),
        sa.Column("closing_balance", bank.db.MoneyType(), nullable=False),
        sa.Column("opening_on", sa.Date(), nullable=True),
        sa.Column("closing_on", sa.Date(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["statement_imports.id"],
            name=op.f("fk_bank_statements_import_id_statement_imports"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statements")),
        sa.UniqueConstraint("account_iban", "statement_id", "sequence_number", name="one_statement"),
    )
    with op.batch_alter_table("bank_statements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_bank_statements_account_iban_sequence", ["account_iban", "sequence"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bank_statements_closing_on"), ["closing_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_statements_import_id"), ["import_id"], unique=False)

    op.create_table(
        "bank_statement_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("amount", bank.db.MoneyType(), nullable=False),
        sa.Column("booking_on", sa.Date(), nullable=True),
        sa.Column("value_on", sa.Date(), nullable=True),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=True),
        sa.Column("mandate_id", sa.String(length=35), nullable=True),
        sa.Column("return_reason", sa.String(length=35), nullable=True),
        sa.Column("counterparty_iban", sa.String(length=34), nullable=True),
        sa.Column("counterparty_name", sa.String(length=140), nullable=True),
        sa.Column("remittance", sa.Text(), nullable=True),
        sa.Column("reversal", sa.Boolean(), nullable=False),
        sa.Column("reference", sa.String(length=35), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "matched",
                "suspense",
                "assigned",
                "returned_to_sender",
                name="statement_line_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("matched_by", sa.String(length=30), nullable=False),
        sa.Column("matched_type", sa.String(length=40), nullable=True),
        sa.Column("matched_id", sa.Integer(), nullable=True),
        sa.Column("journal_entry_id", sa.Integer(), nullable=True),
        sa.Column("resolved_entry_id", sa.Integer(), nullable=True),
        sa.Column("resolved_account_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", bank.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_label", sa.String(length=200), nullable=False),
        sa.Column("resolution_note", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "amount != 0 OR journal_entry_id IS NULL", name=op.f("ck_bank_statement_lines_zero_books_nothing")
        ),
        sa.ForeignKeyConstraint(
            ["journal_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_bank_statement_lines_journal_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_account_id"],
            ["deposit_accounts.id"],
            name=op.f("fk_bank_statement_lines_resolved_account_id_deposit_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["resolved_entry_id"],
            ["journal_entries.id"],
            name=op.f("fk_bank_statement_lines_resolved_entry_id_journal_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["bank_statements.id"],
            name=op.f("fk_bank_statement_lines_statement_id_bank_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statement_lines")),
        sa.UniqueConstraint("statement_id", "line_no", name="one_line_number"),
    )
    with op.batch_alter_table("bank_statement_lines", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bank_statement_lines_journal_entry_id"), ["journal_entry_id"], unique=False
        )
        batch_op.create_index("ix_bank_statement_lines_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bank_statement_lines", schema=None) as batch_op:
        batch_op.drop_index("ix_bank_statement_lines_status")
        batch_op.drop_index(batch_op.f("ix_bank_statement_lines_journal_entry_id"))

    op.drop_table("bank_statement_lines")
    with op.batch_alter_table("bank_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_statements_import_id"))
        batch_op.drop_index(batch_op.f("ix_bank_statements_closing_on"))
        batch_op.drop_index("ix_bank_statements_account_iban_sequence")

    op.drop_table("bank_statements")
    op.drop_table("statement_imports")
