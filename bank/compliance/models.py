"""Screening records: the list files loaded, the entries they held, and the hits they gave.

A load keeps what was read from one file (its kind, name, SHA-256 and counts) and the entries
themselves, so that screening one member later (at registration, on a change of name or birth
date) needs no file. A later load of the same kind becomes the *current* one for that kind; the
older load and its entries stay as history (a hit names the load and entry it came from).

A hit is one subject (a member, or an ultimate beneficial owner: ``subject_kind`` and
``subject_id``, with ``member_id`` the member whose relationship it concerns) that may be one list
entry. It is open until a compliance officer proposes to clear it (with a reason) and a second
person confirms the clearing (four eyes), or confirms it as a true match (with a reason). A
confirmed match can be lifted by an administrator, with a reason.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, StrEnum, UtcDateTime
from bank.members.models import Member
from bank.transitions import Transitions


class ListFileKind(enum.StrEnum):
    """Which published form a loaded file has (``bank compliance load-list --kind``)."""

    EU = "eu"  # EU consolidated financial sanctions list, CSV or XML
    FTM = "ftm"  # FollowTheMoney JSON lines (OpenSanctions)


class ScreeningListLoad(Base):
    """One list file loaded: what it was, who loaded it and how many entries it held."""

    __tablename__ = "screening_list_loads"
    __table_args__ = (
        CheckConstraint("entry_count = person_count + organisation_count", name="counts_add_up"),
        CheckConstraint("entry_count > 0", name="has_entries"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ListFileKind] = mapped_column(StrEnum(ListFileKind, "screening_list_kind", length=10))
    file_name: Mapped[str] = mapped_column(String(255))
    #: Hex SHA-256 of the file's bytes: the same file is never loaded twice.
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    entry_count: Mapped[int] = mapped_column(Integer)
    person_count: Mapped[int] = mapped_column(Integer)
    organisation_count: Mapped[int] = mapped_column(Integer)
    #: The newest load of its kind: its entries are the ones members are screened against.
    is_current: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    loaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    loaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    loaded_by_label: Mapped[str] = mapped_column(String(200))


class ScreeningListEntry(Base):
    """One sanctioned or politically exposed person or organisation as a load read it."""

    __tablename__ = "screening_list_entries"
    __table_args__ = (Index("ix_screening_list_entries_load_entry", "load_id", "entry_key", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    load_id: Mapped[int] = mapped_column(ForeignKey("screening_list_loads.id"))
    #: ``eu`` or ``ftm`` (``bank.compliance.lists.ListSource``).
    source: Mapped[str] = mapped_column(String(10))
    #: The list's own id (EU ``logicalId``, FollowTheMoney ``id``), stable between publications.
    entry_key: Mapped[str] = mapped_column(String(200))
    is_person: Mapped[bool] = mapped_column(Boolean)
    #: Sorted ``sanction`` / ``pep``.
    kinds: Mapped[list[str]] = mapped_column(JSON)
    #: Every name and alias as written on the list.
    names: Mapped[list[str]] = mapped_column(JSON)
    #: ``YYYY-MM-DD`` or ``YYYY``.
    birth_dates: Mapped[list[str]] = mapped_column(JSON)
    #: ISO 3166 alpha-2.
    nationalities: Mapped[list[str]] = mapped_column(JSON)

    load: Mapped[ScreeningListLoad] = relationship()

    @property
    def is_sanction(self) -> bool:
        return "sanction" in self.kinds

    @property
    def is_pep(self) -> bool:
        return "pep" in self.kinds


class SubjectKind(enum.StrEnum):
    """Who was screened: a member (persons, organisations, representatives), or an ultimate
    beneficial owner of an organisation who is not a member (``member_id``: the organisation)."""

    MEMBER = "member"
    UBO = "ubo"


class HitStatus(enum.StrEnum):
    OPEN = "open"
    #: A compliance officer proposed clearing it; a second person confirms (four eyes).
    CLEARING_PROPOSED = "clearing_proposed"
    #: Not the listed person or organisation (a namesake): nothing follows.
    CLEARED = "cleared"
    #: A true match: a sanctions match freezes the member, a PEP match marks them.
    CONFIRMED = "confirmed"
    #: A confirmed match taken back by an administrator, with a reason.
    LIFTED = "lifted"


#: Open → clearing proposed → cleared; open (or proposed) → confirmed → lifted.
HIT_STATUS = Transitions(
    HitStatus,
    {
        HitStatus.OPEN: {HitStatus.CLEARING_PROPOSED, HitStatus.CONFIRMED},
        HitStatus.CLEARING_PROPOSED: {HitStatus.CLEARED, HitStatus.CONFIRMED, HitStatus.OPEN},
        HitStatus.CLEARED: set(),
        HitStatus.CONFIRMED: {HitStatus.LIFTED},
        HitStatus.LIFTED: set(),
    },
)

#: A hit in one of these waits for a decision.
UNDECIDED = (HitStatus.OPEN, HitStatus.CLEARING_PROPOSED)


class ScreeningHit(Base):
    """A subject that may be a list entry, and what compliance decided about it."""

    __tablename__ = "screening_hits"
    __table_args__ = (
        CheckConstraint("score >= 0 AND score <= 100", name="score_in_range"),
        CheckConstraint(
            "status NOT IN ('clearing_proposed', 'cleared') OR proposed_by_label IS NOT NULL",
            name="clearing_was_proposed",
        ),
        CheckConstraint(
            "status NOT IN ('cleared', 'confirmed', 'lifted') OR decided_by_label IS NOT NULL",
            name="decided_has_who",
        ),
        CheckConstraint("status != 'lifted' OR lifted_by_label IS NOT NULL", name="lifted_has_who"),
        Index("ix_screening_hits_subject", "subject_kind", "subject_id", "entry_source", "entry_key"),
        Index("ix_screening_hits_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[SubjectKind] = mapped_column(
        StrEnum(SubjectKind, "screening_subject_kind", length=20), default=SubjectKind.MEMBER
    )
    #: The screened subject's id in its own table (a member's id for ``member``).
    subject_id: Mapped[int] = mapped_column(Integer)
    #: The member whose relationship with the bank the hit concerns (the organisation of a UBO).
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: The name and birth date as screened: a cleared hit comes back when either changes.
    subject_name: Mapped[str] = mapped_column(String(300))
    subject_birth_date: Mapped[dt.date | None] = mapped_column(Date)
    subject_is_person: Mapped[bool] = mapped_column(Boolean)
    load_id: Mapped[int] = mapped_column(ForeignKey("screening_list_loads.id"))
    list_entry_id: Mapped[int] = mapped_column(ForeignKey("screening_list_entries.id"))
    #: The entry's source and own id, kept on the hit to find it again in later loads.
    entry_source: Mapped[str] = mapped_column(String(10))
    entry_key: Mapped[str] = mapped_column(String(200))
    is_sanction: Mapped[bool] = mapped_column(Boolean)
    is_pep: Mapped[bool] = mapped_column(Boolean)
    #: 0–100: the name score sharpened by birth date and nationality.
    score: Mapped[int] = mapped_column(Integer)
    #: ``bank.compliance.screening.Reasons`` as JSON (name score, the names that met, agreements).
    reasons: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[HitStatus] = mapped_column(
        StrEnum(HitStatus, "screening_hit_status", length=20), default=HitStatus.OPEN
    )
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    proposed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_by_label: Mapped[str | None] = mapped_column(String(200))
    #: Why the officer thinks it is not the listed one (another birth date, another country…).
    proposal_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_label: Mapped[str | None] = mapped_column(String(200))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    lifted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    lifted_by_label: Mapped[str | None] = mapped_column(String(200))
    lift_reason: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[Member] = relationship()
    entry: Mapped[ScreeningListEntry] = relationship()
    load: Mapped[ScreeningListLoad] = relationship()
