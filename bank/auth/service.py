"""Creating users and checking log-ins: argon2id hashes, 12-character passwords, lock-out."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import hmac
import re
import secrets

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import ROLES, Actor
from bank.auth.models import SecondFactorLink, User
from bank.errors import N_, BankError, PermissionDenied, ValidationError

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
        raise ValidationError(
            field,
            N_("must be at least %(min_password_length)s characters"),
            min_password_length=MIN_PASSWORD_LENGTH,
        )
    if len(password) > 200:
        raise ValidationError(field, N_("must be at most 200 characters"))


def normalise_email(email: str, *, field: str = "email") -> str:
    value = (email or "").strip().lower()
    if not _EMAIL.match(value) or len(value) > 254:
        raise ValidationError(field, N_("must be a valid e-mail address"))
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
        raise ValidationError("role", N_("must be one of %(roles)s"), roles=tuple(ROLES))
    if not name.strip():
        raise ValidationError("name", N_("is required"))
    if session.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise ValidationError("email", N_("is already in use by another user"))
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


def password_matches(user: User, password: str) -> bool:
    """Whether ``password`` is the user's (re-authentication before a sensitive change)."""
    if not user.password_hash:
        return False
    try:
        return _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


class LoginRefused(Exception):
    """Wrong e-mail or password, an inactive user, or a locked account; ``reason`` says which."""

    def __init__(self, reason: str, locked_until: dt.datetime | None = None, *, known: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.locked_until = locked_until
        #: False for an address without an active log-in (the web layer counts those apart,
        #: so that their lock-out message matches a known account's).
        self.known = known


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
        raise LoginRefused("invalid", known=False)
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
    """A wrong TOTP code: five in a row lock the account for 15 minutes; audited.

    The count is kept apart from the password's (``failed_second_factors``) and only a right
    code resets it: otherwise someone with the password would log in again before each fifth
    guess and guess at six digits for ever. Returns True when the account is now locked; the
    caller then ends the half-open session.
    """
    now = clock.now_utc()
    user.failed_second_factors = (user.failed_second_factors or 0) + 1
    locked = user.failed_second_factors % MAX_FAILED_LOGINS == 0
    if locked:
        user.locked_until = now + LOCKOUT
        user.session_version += 1
    actor = Actor(user_id=user.id, label=user.email, role=user.role, ip_address=ip_address)
    detail = "account locked for 15 minutes" if locked else f"failed attempt {user.failed_second_factors}"
    audit.record(session, actor, "login.totp_failed", "user", user.id, detail=detail)
    return locked


#: Codes of the previous, current and next 30-second step are accepted (clock drift).
TOTP_WINDOW = 1


def matching_step(secret: str, code: str, *, after: int | None = None) -> int | None:
    """The time step whose code ``code`` is (within :data:`TOTP_WINDOW`), if later than ``after``."""
    code = (code or "").strip()
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(clock.now_utc())
    for step in range(now_step - TOTP_WINDOW, now_step + TOTP_WINDOW + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def check_second_factor(session: Session, user: User, code: str, *, ip_address: str | None) -> bool:
    """Whether ``code`` is the user's current code and was never used before (single use).

    A right code resets the wrong-code count and is remembered by its time step, so the same
    code (or an older one) is refused afterwards, also in another browser. A wrong or replayed
    code counts as a failure (:func:`second_factor_failed`).
    """
    if not user.totp_secret:
        return False
    step = matching_step(user.totp_secret, code, after=user.totp_last_step)
    if step is None:
        second_factor_failed(session, user, ip_address=ip_address)
        return False
    user.totp_last_step = step
    user.failed_second_factors = 0
    return True


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


# ---------------------------------------------------------------------------------------------
# Staff second-factor enrolment through an admin-issued, single-use link

#: An enrolment link works this long, once.
ENROLMENT_VALID_FOR = dt.timedelta(hours=24)


class EnrolmentRefused(BankError):
    """The enrolment link is unknown, used, replaced or expired; ``reason`` says which."""

    code = "enrolment_refused"
    http_status = 410

    def __init__(self, reason: str) -> None:
        super().__init__(
            N_("This set-up link is not valid (%(reason)s); ask an administrator for a new one."),
            reason=reason,
        )
        self.reason = reason


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_enrolment_link(session: Session, user: User, *, actor: Actor) -> str:
    """A new single-use token for ``user`` to enrol an authenticator app; older links stop working.

    Only an administrator (or the command line) issues one, for a staff log-in. Until it is used
    the user's current second factor (if any) keeps working. Returns the token (only its hash is
    stored), for the caller to put in a link.
    """
    if actor.role not in ("admin", "system"):
        raise PermissionDenied(N_("only an administrator issues second-factor set-up links"))
    if not user.is_staff or not user.is_active:
        raise ValidationError("email", N_("is not an active staff log-in"))
    now = clock.now_utc()
    for earlier in session.scalars(
        select(SecondFactorLink).where(
            SecondFactorLink.user_id == user.id,
            SecondFactorLink.used_at.is_(None),
            SecondFactorLink.revoked_at.is_(None),
        )
    ):
        earlier.revoked_at = now
    token = secrets.token_urlsafe(32)
    link = SecondFactorLink(
        token_hash=_token_hash(token),
        user_id=user.id,
        created_by_id=actor.user_id,
        created_at=now,
        expires_at=now + ENROLMENT_VALID_FOR,
    )
    session.add(link)
    user.totp_setup_secret = None
    session.flush()
    audit.record(session, actor, "user.second_factor_link", "user", user.id, detail=f"link {link.id}")
    return token


def enrolment_link(session: Session, token: str) -> SecondFactorLink:
    """The link row for a token that may still be used, or :class:`EnrolmentRefused`."""
    link = session.scalar(
        select(SecondFactorLink).where(SecondFactorLink.token_hash == _token_hash(token or ""))
    )
    if link is None:
        raise EnrolmentRefused("unknown")
    if link.used_at is not None:
        raise EnrolmentRefused("used")
    if link.revoked_at is not None:
        raise EnrolmentRefused("replaced")
    if link.expires_at <= clock.now_utc():
        raise EnrolmentRefused("expired")
    return link


def enrolment_secret(session: Session, link: SecondFactorLink) -> tuple[User, str]:
    """The secret being enrolled through ``link``: made once and kept on the server (never in a cookie)."""
    user = session.get(User, link.user_id)
    if user is None or not user.is_active:
        raise EnrolmentRefused("inactive")
    if not user.totp_setup_secret:
        user.totp_setup_secret = pyotp.random_base32()
        session.flush()
    return user, user.totp_setup_secret


def complete_enrolment(
    session: Session, token: str, *, password: str, code: str, ip_address: str | None
) -> User | None:
    """Switch the new secret on when the holder of the link knows the password and shows a code.

    Returns the user, or None when the password or code was wrong (counted like a failed
    log-in or code; the caller commits the count).
    """
    link = enrolment_link(session, token)
    user, secret = enrolment_secret(session, link)
    actor = Actor(user_id=user.id, label=user.email, role=user.role, ip_address=ip_address)
    now = clock.now_utc()
    if user.locked_until is not None and user.locked_until > now:
        return None
    try:
        _hasher.verify(user.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        _count_failure(user, now)
        audit.record(session, actor, "login.failed", "user", user.id, detail="second-factor set-up")
        return None
    step = matching_step(secret, code)
    if step is None:
        second_factor_failed(session, user, ip_address=ip_address)
        return None
    user.totp_secret = secret
    user.totp_setup_secret = None
    user.totp_last_step = step
    user.failed_second_factors = 0
    user.session_version += 1
    link.used_at = now
    audit.record(session, actor, "user.second_factor_enrolled", "user", user.id, detail=f"link {link.id}")
    return user
