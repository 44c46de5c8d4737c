"""Daily interest accrual on loans (issue 16).

``loans`` gains the accrual's small state: ``interest_accrued_through`` (the date the running
period's interest is recognised through), ``accrual_instalment_id`` and ``interest_accrued`` (the
instalment whose period runs and the cents of its interest accrued so far) and
``accrual_period_start``; the run day gains the ``loan_accrual`` job in the portable ``run_job``
enum. Existing loans start with no state: the first run accrues their running period from its start.
"""

import sqlalchemy as sa
from alembic import op

import bank.db

revision = "0023"
down_revision = "0022"
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
)
RUN_JOBS_AFTER = (*RUN_JOBS_BEFORE, "loan_accrual")


def _run_jobs(jobs: tuple[str, ...]) -> None:
    """Widen (or narrow) the check constraint of the portable ``run_job`` enum."""
    allowed = ", ".join(f"'{job}'" for job in jobs)
    with op.batch_alter_table("runs") as batch:
        batch.drop_constraint(op.f("ck_runs_run_job"), type_="check")
        batch.create_check_constraint(op.f("ck_runs_run_job"), sa.text(f"job IN ({allowed})"))


def upgrade() -> None:
    _run_jobs(RUN_JOBS_AFTER)
    with op.batch_alter_table("loans") as batch:
        batch.add_column(sa.Column("interest_accrued_through", sa.Date(), nullable=True))
        batch.add_column(sa.Column("accrual_instalment_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("interest_accrued", bank.db.MoneyType(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("accrual_period_start", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loans") as batch:
        batch.drop_column("accrual_period_start")
        batch.drop_column("interest_accrued")
        batch.drop_column("accrual_instalment_id")
        batch.drop_column("interest_accrued_through")
    op.execute("DELETE FROM runs WHERE job = 'loan_accrual'")
    _run_jobs(RUN_JOBS_BEFORE)
