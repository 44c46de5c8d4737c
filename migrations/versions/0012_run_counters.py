"""The run record's general counters: items and money of every job under their own names (issue 15).

The runs table had the repayment run's counters only, and the other jobs borrowed them: paid pool
withdrawals in ``collected_full_count``, the bank's distribution margin in ``amount_charged``,
statements stored in ``collected_full_count``, savings interest in ``amount_accrued``. Six general
columns take those figures (``Run`` documents each job's meaning); the repayment counters are left
to the repayment run. Existing rows keep their figures: they are moved to the new columns and the
borrowed ones set back to zero (and moved back on downgrade).
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

#: Per job: (old column, new column) for the figures the job kept in a repayment counter.
MOVES: dict[str, list[tuple[str, str]]] = {
    "pool_withdrawals": [
        ("due_count", "items_count"),
        ("collected_full_count", "items_done"),
        ("collected_nothing_count", "items_waiting"),
        ("amount_collected", "amount_out"),
    ],
    "pool_distribution": [
        ("due_count", "items_count"),
        ("amount_due", "amount_in"),
        ("amount_charged", "amount_kept"),
        ("amount_accrued", "amount_out"),
    ],
    "month_end_statements": [
        ("due_count", "items_count"),
        ("collected_full_count", "items_done"),
    ],
    "savings_interest": [
        ("due_count", "items_count"),
        ("collected_full_count", "items_done"),
        ("amount_accrued", "amount_out"),
    ],
}
COUNTS = ("items_count", "items_done", "items_waiting")
AMOUNTS = ("amount_in", "amount_kept", "amount_out")


def _move(pairs: list[tuple[str, str]], job: str, *, back: bool) -> None:
    runs = sa.table("runs", sa.column("job", sa.String), *(sa.column(c) for pair in pairs for c in pair))
    values = {}
    for old, new in pairs:
        source, target = (new, old) if back else (old, new)
        values[target] = runs.c[source]
        values[source] = 0
    op.get_bind().execute(sa.update(runs).where(runs.c.job == job).values(values))


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        for name in COUNTS:
            batch.add_column(sa.Column(name, sa.Integer(), nullable=False, server_default="0"))
        for name in AMOUNTS:
            batch.add_column(sa.Column(name, bank.db.MoneyType(), nullable=False, server_default="0"))
        batch.create_check_constraint(
            "items_not_negative", "items_count >= 0 AND items_done >= 0 AND items_waiting >= 0"
        )
    for job, pairs in MOVES.items():
        _move(pairs, job, back=False)


def downgrade() -> None:
    for job, pairs in MOVES.items():
        _move(pairs, job, back=True)
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("ck_runs_items_not_negative"), type_="check")
        for name in (*AMOUNTS, *COUNTS):
            batch.drop_column(name)
