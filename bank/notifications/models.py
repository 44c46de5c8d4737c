"""The outbox: every e-mail the bank sends (or would send), readable by staff."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bank import clock
from bank.db import Base, StrEnum, UtcDateTime


class OutboxStatus(enum.StrEnum):
    #: Waiting for SMTP delivery (or kept only in the outbox when no SMTP host is configured).
    QUEUED = "queued"
    SENT = "sent"
    #: The SMTP server refused it; ``error`` says why.
    FAILED = "failed"
    #: The member has no e-mail address; staff read it here and contact them otherwise.
    NO_ADDRESS = "no_address"


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    to_address: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5), default="nl")
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    #: What it is about ("loan_application", 12).
    object_type: Mapped[str] = mapped_column(String(40), default="")
    object_id: Mapped[int | None] = mapped_column()
    status: Mapped[OutboxStatus] = mapped_column(
        StrEnum(OutboxStatus, "outbox_status", length=20), default=OutboxStatus.QUEUED
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    error: Mapped[str] = mapped_column(Text, default="")
