"""Erasure requests and erasures: what a member asked, what the bank answered, what it did."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, StrEnum, UtcDateTime
from bank.members.models import Member


class RequestChannel(enum.StrEnum):
    PORTAL = "portal"
    STAFF = "staff"


class ErasureRequest(Base):
    """A member asked to be forgotten; the answer says what is erased now and what is kept until when.

    ``answer`` keeps the answer as given (a list of ``{"category", "law", "kept_until"}``), so a
    later change of the rules does not rewrite what the member was told.
    """

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[RequestChannel] = mapped_column(StrEnum(RequestChannel, "erasure_channel", length=10))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by_label: Mapped[str] = mapped_column(String(200))
    answer: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: The first day everything may be anonymised (None while the relationship lasts).
    erasable_on: Mapped[dt.date | None] = mapped_column(Date)
    #: What was erased at once (contact details of a former member), by name.
    erased_now: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    member: Mapped[Member] = relationship()


#: The kinds of record in ``Erasure.counts`` that are files deleted (the rest are rows anonymised).
FILE_COUNTS = ("attachments", "deeds", "statements", "mandate_documents")


class Erasure(Base):
    """A member's personal data was anonymised (by the retention job or at once, nothing being kept).

    ``counts`` says what was anonymised, per kind of record, so the record proves it without
    holding any of it.
    """

    __tablename__ = "erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), unique=True)
    erased_on: Mapped[dt.date] = mapped_column(Date)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    actor_label: Mapped[str] = mapped_column(String(200))
    #: The member's number, kept so the record reads without a join.
    member_number: Mapped[int] = mapped_column(Integer)
    counts: Mapped[dict[str, int]] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    member: Mapped[Member] = relationship()

    @property
    def files_count(self) -> int:
        return sum(self.counts.get(kind, 0) for kind in FILE_COUNTS)

    @property
    def records_count(self) -> int:
        return sum(count for kind, count in self.counts.items() if kind not in FILE_COUNTS)
