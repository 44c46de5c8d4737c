"""Loan applications, committee, decisions, loans and stored schedules.

Placeholder in the revision chain until this capability's tables land; fill it in place.
"""

from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import bank.db  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
