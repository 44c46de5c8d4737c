"""Reading stored statements (L15): what the statements page lists."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bank.statements.models import StoredStatement


def recent_statements(session: Session, *, limit: int = 50) -> list[StoredStatement]:
    """The latest stored statements, newest period first, with their account and member loaded."""
    return list(
        session.scalars(
            select(StoredStatement)
            .options(joinedload(StoredStatement.deposit_account), joinedload(StoredStatement.member))
            .order_by(StoredStatement.period_start.desc(), StoredStatement.id.desc())
            .limit(limit)
        )
    )
