"""Agenda items numbered uniquely per meeting (issue 12).

An item put on the agenda after another was taken off got the number of the items still on it
plus one, so an agenda read 1, 1, 3. Existing items are renumbered per meeting in their
(position, id) order, then ``(meeting_id, position)`` becomes unique.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    items = sa.table(
        "committee_agenda_items",
        sa.column("id", sa.Integer),
        sa.column("meeting_id", sa.Integer),
        sa.column("position", sa.Integer),
    )
    rows = connection.execute(
        sa.select(items.c.id, items.c.meeting_id).order_by(items.c.meeting_id, items.c.position, items.c.id)
    ).all()
    number: dict[int, int] = {}
    for item_id, meeting_id in rows:
        number[meeting_id] = number.get(meeting_id, 0) + 1
        connection.execute(
            sa.update(items).where(items.c.id == item_id).values(position=number[meeting_id])
        )
    op.create_index(
        "uq_committee_agenda_items_meeting_position",
        "committee_agenda_items",
        ["meeting_id", "position"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_committee_agenda_items_meeting_position", table_name="committee_agenda_items")
