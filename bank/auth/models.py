"""Users of the bank: staff (admin, teller, credit officer, committee) and portal members."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bank import clock
from bank.actor import ROLES
from bank.db import Base, UtcDateTime


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN (" + ", ".join(f"'{r}'" for r in ROLES) + ")", name="role_known"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Log-in name; stored lower-case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    #: argon2id hash; empty until an invited member sets a password.
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: For portal users: the member (person) they are. Deferred FK: members live in L3.
    member_id: Mapped[int | None] = mapped_column(Integer, index=True)
    language: Mapped[str] = mapped_column(String(5), default="nl")
    #: Consecutive failed log-ins; 5 lock the account for 15 minutes.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: Base32 TOTP secret once the second factor is set up.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: The 30-second time step of the last accepted code: a code is accepted once, never replayed.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    #: Wrong second-factor codes since the last right code; a right password does not reset it.
    failed_second_factors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    #: A secret being enrolled through an admin-issued link; kept here, never in the cookie.
    totp_setup_secret: Mapped[str | None] = mapped_column(String(64))
    #: Bumped on password change and log-in, so old sessions stop working.
    session_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    # The three members Flask-Login expects, written out so the domain never imports Flask.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """The session cookie holds id and version: a new log-in invalidates older cookies."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_staff(self) -> bool:
        return self.role != "member"

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class SecondFactorLink(Base):
    """A single-use link an admin issues so a staff member enrols their authenticator app.

    Without it the first person to log in with a staff password would enrol their own phone
    (trust on first use). Only the SHA-256 of the token is stored.
    """

    __tablename__ = "second_factor_links"
    __table_args__ = (CheckConstraint("expires_at > created_at", name="expires_after_created"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: Set when a newer link replaced this one before it was used.
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
