"""Members of the cooperative: persons and organisations (one table, kind-specific columns)."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, StrEnum, UtcDateTime
from bank.transitions import Transitions


class MemberKind(enum.StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class MemberStatus(enum.StrEnum):
    #: Registered; becomes active when the first member share is paid.
    APPLICANT = "applicant"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    LEFT = "left"


#: Allowed status moves (conventions §7), made by staff through ``service.set_status``.
#: applicant -> active is absent on purpose: only ``service.activate_on_first_share`` makes that
#: move, when the first member share is paid. A member who has left is no longer changed, invited
#: to the portal or sold a share.
MEMBER_STATUS = Transitions(
    MemberStatus,
    {
        MemberStatus.APPLICANT: {MemberStatus.LEFT},
        MemberStatus.ACTIVE: {MemberStatus.SUSPENDED, MemberStatus.LEFT},
        MemberStatus.SUSPENDED: {MemberStatus.ACTIVE, MemberStatus.LEFT},
        MemberStatus.LEFT: set(),
    },
    actions={
        action: {MemberStatus.APPLICANT, MemberStatus.ACTIVE, MemberStatus.SUSPENDED}
        for action in ("change", "invite_to_portal", "pay_share")
    },
)


class LegalForm(enum.StrEnum):
    COOPERATIVE = "cooperative"
    ASSOCIATION = "association"
    FOUNDATION = "foundation"
    OTHER = "other"


class Member(Base):
    """A person or organisation that is (or is becoming) a member of the bank."""

    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'person' AND last_name IS NOT NULL)"
            " OR (kind = 'organisation' AND legal_name IS NOT NULL)",
            name="kind_has_its_name",
        ),
        CheckConstraint("kind = 'person' OR legal_form IS NOT NULL", name="organisation_has_legal_form"),
        CheckConstraint("status != 'left' OR left_on IS NOT NULL", name="left_has_date"),
        CheckConstraint("language IN ('nl', 'en')", name="language_known"),
        CheckConstraint("number > 0", name="number_positive"),
        Index("ix_members_display_name", "display_name"),
        Index("ix_members_postcode", "postcode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Lidnummer shown to people: a running number, unique, never reused.
    number: Mapped[int] = mapped_column(unique=True)
    kind: Mapped[MemberKind] = mapped_column(StrEnum(MemberKind, "member_kind", length=20))
    status: Mapped[MemberStatus] = mapped_column(
        StrEnum(MemberStatus, "member_status", length=20), default=MemberStatus.APPLICANT
    )
    #: "Jansen, Pieter" or the legal name; kept for searching and sorting.
    display_name: Mapped[str] = mapped_column(String(300))
    # Person
    first_name: Mapped[str | None] = mapped_column(String(100))
    #: Tussenvoegsel ("van", "de", "van der"): shown before the last name, ignored when sorting.
    name_prefix: Mapped[str | None] = mapped_column(String(30))
    last_name: Mapped[str | None] = mapped_column(String(150))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date)
    #: Burgerservicenummer, 11-proef checked; shown masked, revealed only to admins (audited).
    #: Unique: one BSN is one person, so a second registration of the same person is refused.
    bsn: Mapped[str | None] = mapped_column(String(9), unique=True)
    # Organisation
    legal_name: Mapped[str | None] = mapped_column(String(300))
    legal_form: Mapped[LegalForm | None] = mapped_column(StrEnum(LegalForm, "legal_form", length=20))
    #: Kamer van Koophandel number, 8 digits.
    kvk_number: Mapped[str | None] = mapped_column(String(8), unique=True)
    #: Rechtspersonen en Samenwerkingsverbanden Informatienummer (the tax number), 9 digits,
    #: 11-proef checked.
    rsin: Mapped[str | None] = mapped_column(String(9))
    #: The organisation agreed to be named to member-investors ("where my money works").
    listing_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A short description shown when not named, e.g. "co-op bakery".
    activity: Mapped[str | None] = mapped_column(String(200))
    # Contact and address (the registered address for organisations)
    #: Stored lower-case; unique so the portal log-in and notices reach one member.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(30))
    street: Mapped[str] = mapped_column(String(200), default="")
    house_number: Mapped[str] = mapped_column(String(20), default="")
    #: Dutch postcode normalised as "1092 AB".
    postcode: Mapped[str] = mapped_column(String(7), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    #: The member's own account elsewhere, where withdrawals are paid (checked with schwifty).
    #: Stored compact and upper-case ("NL91ABNA0417164300").
    external_iban: Mapped[str | None] = mapped_column(String(34))
    #: When a payout IBAN last replaced another (after a second staff member approved it):
    #: withdrawals in the 30 days after need approval whatever the amount.
    external_iban_changed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    #: Language of letters, e-mails and the portal: "nl" or "en".
    language: Mapped[str] = mapped_column(String(5), default="nl")
    #: The day the first member share was paid (status applicant -> active).
    joined_on: Mapped[dt.date | None] = mapped_column(Date)
    left_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The day the retention job (or an erasure with nothing left to keep) replaced everything
    #: that identified the member; the record stays, named by its number (``bank.privacy``).
    anonymised_on: Mapped[dt.date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    representatives: Mapped[list[Representative]] = relationship(
        foreign_keys="Representative.organisation_id",
        back_populates="organisation",
        cascade="all, delete-orphan",
    )
    identity_checks: Mapped[list[IdentityCheck]] = relationship(
        back_populates="member", order_by="IdentityCheck.checked_on.desc()"
    )

    @property
    def is_person(self) -> bool:
        return self.kind is MemberKind.PERSON

    @property
    def full_name(self) -> str:
        """The name as written on a letter: "Pieter van der Berg" or the legal name."""
        if not self.is_person:
            return self.legal_name or self.display_name
        parts = [self.first_name, self.name_prefix, self.last_name]
        return " ".join(part for part in parts if part)

    @property
    def postcode_area(self) -> str:
        """The four digits of the postcode: the neighbourhood in reports ("1092")."""
        return (self.postcode or "")[:4]

    def __repr__(self) -> str:
        return f"<Member {self.number} {self.display_name!r}>"


class Representative(Base):
    """A person-member who acts for an organisation-member, in a role."""

    __tablename__ = "representatives"
    __table_args__ = (UniqueConstraint("organisation_id", "person_id", name="one_role_per_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: e.g. "bestuurder", "penningmeester", "voorzitter".
    role: Mapped[str] = mapped_column(String(100))
    since: Mapped[dt.date] = mapped_column(Date, default=clock.today)

    organisation: Mapped[Member] = relationship(
        foreign_keys=[organisation_id], back_populates="representatives"
    )
    person: Mapped[Member] = relationship(foreign_keys=[person_id])


class DocumentKind(enum.StrEnum):
    PASSPORT = "passport"
    ID_CARD = "id_card"
    DRIVING_LICENCE = "driving_licence"
    RESIDENCE_PERMIT = "residence_permit"
    KVK_EXTRACT = "kvk_extract"


class IdentityCheck(Base):
    """Staff saw an identity document (or a KvK extract) on a date."""

    __tablename__ = "identity_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    document_kind: Mapped[DocumentKind] = mapped_column(StrEnum(DocumentKind, "document_kind", length=30))
    #: Last four characters of the document number only: enough to recognise it, little to leak.
    document_number_last4: Mapped[str] = mapped_column(String(4), default="")
    checked_on: Mapped[dt.date] = mapped_column(Date)
    checked_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    member: Mapped[Member] = relationship(back_populates="identity_checks")
