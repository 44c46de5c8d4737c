"""Creating users and checking log-ins: argon2id hashes, 12-character passwords, lock-out."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import ROLES, Actor
from bank.auth.models import User
from bank.errors import ValidationError

MIN_PASSWORD_LENGTH = 12
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the e-mail is unknown, so timing does not reveal users."""
    return _hasher.hash("wijkbank timing equaliser")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password_rules(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError(field, f"must be at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > 200:
        raise ValidationError(field, "must be at most 200 characters")


def normalise_email(email: str, *, field: str = "email") -> str:
    value = (email or "").strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise ValidationError(field, "must be a valid e-mail address")
    return value


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    role: str,
    password: str | None,
    actor: Actor,
    member_id: int | None = None,
    language: str = "nl",
) -> User:
    """Create a log-in; a member may be created without a password (set through an invite)."""
    email = normalise_email(email)
    if role not in ROLES:
        raise ValidationError("role", f"must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise ValidationError("name", "is required")
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise ValidationError("email", "is already in use by another user")
    if password is not None:
        check_password_rules(password)
    user = User(
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password) if password else "",
        member_id=member_id,
        language=language,
        created_by_id=actor.user_id,
        failed_logins=0,
        failed_second_factors=0,
        session_version=0,
        is_active=True,
    )
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", "user", user.id, after={"email": email, "role": role})
    return user


def set_password(session: Session, user: User, password: str, *, actor: Actor) -> None:
    check_password_rules(password)
    user.password_hash = hash_password(password)
    user.session_version += 1
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, actor, "user.password_set", "user", user.id)


class LoginRefused(Exception):
    """Wrong e-mail or password, an inactive user, or a locked account; ``reason`` says which."""

    def __init__(self, reason: str, locked_until: dt.datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.locked_until = locked_until


def authenticate(session: Session, email: str, password: str, *, ip_address: str | None) -> User:
    """Check a log-in; counts failures and locks the account after five for fifteen minutes.

    The failure counting is part of the caller's transaction, so the caller must commit even
    when this raises (the web layer does).
    """
    now = clock.now_utc()
    user = session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    anonymous = Actor(
        user_id=None, label=f"anonymous:{(email or '')[:100]}", role="anonymous", ip_address=ip_address
    )
    if user is None or not user.is_active or not user.password_hash:
        with contextlib.suppress(VerificationError, InvalidHashError):
            _hasher.verify(_dummy_hash(), password or "")
        audit.record(
            session,
            anonymous,
            "login.failed",
            "user",
            user.id if user else None,
            detail="unknown or inactive",
        )
        raise LoginRefused("invalid")
    actor = Actor(user_id=user.id, label=user.email, role=user.role, ip_address=ip_address)
    if user.locked_until is not None and user.locked_until > now:
        audit.record(session, actor, "login.refused_locked", "user", user.id)
        raise LoginRefused("locked", user.locked_until)
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        locked = _count_failure(user, now)
        detail = "account locked for 15 minutes" if locked else f"failed attempt {user.failed_logins}"
        audit.record(session, actor, "login.failed", "user", user.id, detail=detail)
        if locked:
            raise LoginRefused("locked", user.locked_until) from None
        raise LoginRefused("invalid") from None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    user.session_version += 1
    audit.record(session, actor, "login.succeeded", "user", user.id)
    return user


def _count_failure(user: User, now: dt.datetime) -> bool:
    """One more failed attempt; the fifth locks the account for LOCKOUT. True when now locked."""
    user.failed_logins += 1
    if user.failed_logins >= MAX_FAILED_LOGINS:
        user.locked_until = now + LOCKOUT
        user.failed_logins = 0
        return True
    return False


def second_factor_failed(session: Session, user: User, *, ip_address: str | None) -> bool:
    """A wrong TOTP code counts like a wrong password (five lock the account); audited.

    Returns True when the account is now locked; the caller then ends the half-open session.
    Without this a stolen password would allow unlimited guesses at six digits.
    """
    now = clock.now_utc()
    locked = _count_failure(user, now)
    if locked:
        user.session_version += 1
    actor = Actor(user_id=user.id, label=user.email, role=user.role, ip_address=ip_address)
    detail = "account locked for 15 minutes" if locked else f"failed attempt {user.failed_logins}"
    audit.record(session, actor, "login.totp_failed", "user", user.id, detail=detail)
    return locked


def end_sessions(session: Session, user: User, *, actor: Actor) -> None:
    """Log out everywhere: the session cookies carry ``session_version``, bumping it voids them.

    Flask's sessions are signed cookies held by the browser; without this a copied cookie
    would stay valid after log-out.
    """
    user.session_version += 1
    audit.record(session, actor, "logout", "user", user.id)


def actor_for(user: User, ip_address: str | None = None) -> Actor:
    return Actor(
        user_id=user.id, label=user.email, role=user.role, ip_address=ip_address, member_id=user.member_id
    )
