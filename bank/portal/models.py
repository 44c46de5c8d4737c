"""Portal tables: one-time access tokens (invitations, password resets) and pending profile changes."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.auth.models import User
from bank.db import Base, StrEnum, UtcDateTime
from bank.members.models import Member
from bank.transitions import Transitions


class TokenPurpose(enum.StrEnum):
    #: Staff invited a member: the link lets them set their first password.
    INVITE = "invite"
    #: The member asked for a new password by e-mail.
    PASSWORD_RESET = "password_reset"


class AccessToken(Base):
    """A single-use link sent by e-mail; only the SHA-256 of the token is stored.

    A stolen database copy therefore opens no portal: the token itself exists only in the
    e-mail. Used tokens keep their row (``used_at``) so a second use is told apart from a
    wrong link, and so staff can see when an invitation was accepted.
    """

    __tablename__ = "portal_access_tokens"
    __table_args__ = (
        CheckConstraint("expires_at > created_at", name="expires_after_created"),
        Index("ix_portal_access_tokens_user_purpose", "user_id", "purpose"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Hex SHA-256 of the token sent in the link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[TokenPurpose] = mapped_column(StrEnum(TokenPurpose, "portal_token_purpose", length=20))
    #: The portal log-in the link sets a password for.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: The member the log-in belongs to (for organisations: the representative's own person-member).
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: Where the link was sent.
    sent_to: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    #: Set when the link was used; a used link never works again.
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: Set when a newer link of the same purpose replaced this one before it was used.
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: The staff member who sent an invitation (None for a reset the member asked for).
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    member: Mapped[Member] = relationship()


class ChangeStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    #: The member asked for another value before staff decided; the older request lapses.
    WITHDRAWN = "withdrawn"


#: Staff approve or reject a pending change, or the member's newer request makes it lapse; final.
CHANGE_STATUS = Transitions(
    ChangeStatus,
    {
        ChangeStatus.PENDING: {ChangeStatus.APPROVED, ChangeStatus.REJECTED, ChangeStatus.WITHDRAWN},
        ChangeStatus.APPROVED: set(),
        ChangeStatus.REJECTED: set(),
        ChangeStatus.WITHDRAWN: set(),
    },
)


class ProfileChange(Base):
    """A change a member asked for that waits for staff verification (a new external IBAN).

    Withdrawals are paid to the external IBAN, so a changed IBAN is the classic route for a
    hijacked log-in to take the money: it takes effect only when staff have verified it
    with the member (by phone or at the counter) and approved it here.
    """

    __tablename__ = "portal_profile_changes"
    __table_args__ = (
        CheckConstraint("status = 'pending' OR decided_at IS NOT NULL", name="decided_has_time"),
        Index("ix_portal_profile_changes_status", "status", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: The member field to change; only "external_iban" waits for verification today.
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(String(254))
    new_value: Mapped[str] = mapped_column(String(254))
    status: Mapped[ChangeStatus] = mapped_column(
        StrEnum(ChangeStatus, "portal_change_status", length=20), default=ChangeStatus.PENDING
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: Why staff rejected it, or how it was verified ("called the member on 06-…").
    decision_note: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[Member] = relationship()
