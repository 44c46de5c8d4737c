"""Compliance (issue 17): the staff role ``compliance`` (the compliance officer, medewerker naleving).

The users' role check constraint gains the new role; downgrading refuses while a compliance
user exists rather than silently changing their role.
"""

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

ROLES_BEFORE = ("admin", "committee", "credit_officer", "teller", "member")
ROLES_AFTER = ("admin", "committee", "compliance", "credit_officer", "teller", "member")


def _roles(roles: tuple[str, ...]) -> None:
    allowed = ", ".join(f"'{role}'" for role in roles)
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint(op.f("ck_users_role_known"), type_="check")
        batch.create_check_constraint(op.f("ck_users_role_known"), sa.text(f"role IN ({allowed})"))


def upgrade() -> None:
    _roles(ROLES_AFTER)


def downgrade() -> None:
    left = op.get_bind().scalar(sa.text("SELECT count(*) FROM users WHERE role = 'compliance'"))
    if left:
        raise RuntimeError(f"{left} user(s) have the compliance role; change their role before downgrading")
    _roles(ROLES_BEFORE)
