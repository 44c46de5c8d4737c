"""Reading users (L5): who the staff are, and a user's name or e-mail by id, for the pages.

Pages name people by name (services record who acted by log-in e-mail); these are the few
reads they need, so no view writes its own query on ``users``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank.auth.models import User


def staff_users(session: Session) -> list[User]:
    """Every staff log-in (any role but member), by e-mail."""
    return list(session.scalars(select(User).where(User.role != "member").order_by(User.email)))


def active_users_with_role(session: Session, role: str) -> list[User]:
    """The active users of one role, by name (the committee members a meeting can be chaired by)."""
    return list(
        session.scalars(select(User).where(User.role == role, User.is_active.is_(True)).order_by(User.name))
    )


def staff_names(session: Session) -> dict[str, str]:
    """The name of every staff member by log-in e-mail: the actor labels a page shows most."""
    rows = session.execute(select(User.email, User.name).where(User.role != "member")).all()
    return {email: name for email, name in rows}


def name_of(session: Session, email: str) -> str | None:
    """The name of the user who logs in with ``email``, or None when there is none."""
    return session.scalar(select(User.name).where(User.email == email))


def names_by_id(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """Users' names by id (those that exist)."""
    ids = set(user_ids)
    if not ids:
        return {}
    return {
        user_id: name for user_id, name in session.execute(select(User.id, User.name).where(User.id.in_(ids)))
    }


def emails_by_id(session: Session, user_ids: Iterable[int]) -> dict[int, str]:
    """Users' log-in e-mails by id (those that exist)."""
    ids = set(user_ids)
    if not ids:
        return {}
    return {
        user_id: email
        for user_id, email in session.execute(select(User.id, User.email).where(User.id.in_(ids)))
    }
