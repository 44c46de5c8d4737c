"""SEPA direct-debit mandates (machtigingen) and their amendment history (issue 14).

A mandate is the debtor's signed permission for the bank to collect from their account
elsewhere by SEPA direct debit (incasso). It belongs to one member and names the debtor's
account (IBAN, BIC), the scheme (Core for anyone, B2B only for organisations), a reference
unique for the bank as creditor, the date it was signed and the bank's creditor identifier
(incassant-ID) it was signed for. Its sequence is "first" until a collection on it has been
settled and "recurring" after (``first_collected_on``); a mandate not used for 36 months
expires (``bank.payments.mandates.expire_unused_mandates``, run by the close day).

An amendment (a new IBAN or a new reference) keeps the values it replaced in
:class:`MandateAmendment`, so the next collection can carry the amendment information the
SEPA rulebook asks for (original mandate id, original debtor account).
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, StrEnum, UtcDateTime
from bank.members.models import Member
from bank.transitions import Transitions


class MandateScheme(enum.StrEnum):
    #: SEPA Core: any debtor; refund without question within 8 weeks.
    CORE = "core"
    #: SEPA Business-to-Business: organisations only, no refund right, the debtor's bank checks it.
    B2B = "b2b"


class MandateStatus(enum.StrEnum):
    ACTIVE = "active"
    #: Withdrawn by the member or ended by staff; final.
    REVOKED = "revoked"
    #: Not used for 36 months; final (a new mandate must be signed).
    EXPIRED = "expired"


#: A mandate is active until it is revoked or expires, and stays so; only an active one is
#: amended, collected on or chosen for a loan.
MANDATE_STATUS = Transitions(
    MandateStatus,
    {
        MandateStatus.ACTIVE: {MandateStatus.REVOKED, MandateStatus.EXPIRED},
        MandateStatus.REVOKED: set(),
        MandateStatus.EXPIRED: set(),
    },
    actions={
        "amend": {MandateStatus.ACTIVE},
        "collect": {MandateStatus.ACTIVE},
        "assign_to_loan": {MandateStatus.ACTIVE},
    },
)


class MandateSequence(enum.StrEnum):
    """The SEPA sequence type of the next collection on a mandate."""

    FIRST = "FRST"
    RECURRING = "RCUR"


class Mandate(Base):
    """A member's signed SEPA direct-debit mandate for the bank as creditor."""

    __tablename__ = "mandates"
    __table_args__ = (
        CheckConstraint("status != 'revoked' OR revoked_on IS NOT NULL", name="revoked_has_date"),
        CheckConstraint("status != 'expired' OR expired_on IS NOT NULL", name="expired_has_date"),
        CheckConstraint(
            "last_collected_on IS NULL OR first_collected_on IS NOT NULL", name="last_after_first"
        ),
        CheckConstraint("document_size_bytes IS NULL OR document_size_bytes > 0", name="document_not_empty"),
        Index("ix_mandates_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    #: Unique mandate reference (UMR): at most 35 characters of the SEPA character set; unique
    #: for the bank as creditor, so unique here. An amendment may replace it.
    reference: Mapped[str] = mapped_column(String(35), unique=True)
    scheme: Mapped[MandateScheme] = mapped_column(StrEnum(MandateScheme, "mandate_scheme", length=10))
    status: Mapped[MandateStatus] = mapped_column(
        StrEnum(MandateStatus, "mandate_status", length=20), default=MandateStatus.ACTIVE
    )
    signed_on: Mapped[dt.date] = mapped_column(Date)
    #: The account holder's name as on the signed form (SEPA allows 70 characters).
    debtor_name: Mapped[str] = mapped_column(String(70))
    #: The debtor's IBAN, compact and upper-case (checked with schwifty, SEPA zone).
    iban: Mapped[str] = mapped_column(String(34))
    #: The debtor bank's BIC (8 or 11 characters), typed or derived from a Dutch IBAN.
    bic: Mapped[str] = mapped_column(String(11))
    #: The bank's creditor identifier (incassant-ID) the mandate was signed for.
    creditor_id: Mapped[str] = mapped_column(String(35))
    #: The collection date of the first collection on it that settled; None: the next is "first".
    first_collected_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The collection date of the latest settled collection; the 36 months run from here.
    last_collected_on: Mapped[dt.date | None] = mapped_column(Date)
    revoked_on: Mapped[dt.date | None] = mapped_column(Date)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    #: Who revoked it: a staff e-mail, or the member through the portal.
    revoked_by_label: Mapped[str] = mapped_column(String(200), default="")
    revoked_by_member: Mapped[bool] = mapped_column(Boolean, default=False)
    expired_on: Mapped[dt.date | None] = mapped_column(Date)
    #: The day a debtor claimed a refund of a collection on it as unauthorised (MD01, issue 14):
    #: staff look into it; the mandate is not collected on again.
    unauthorised_claim_on: Mapped[dt.date | None] = mapped_column(Date)
    # The signed form, stored like an application's attachment (random name under UPLOAD_DIR).
    #: The uploader's file name, cleaned: offered on download, never used as a path.
    document_name: Mapped[str | None] = mapped_column(String(200))
    document_stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Sniffed from the content (PDF, PNG or JPEG).
    document_content_type: Mapped[str | None] = mapped_column(String(100))
    document_size_bytes: Mapped[int | None] = mapped_column(Integer)
    document_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    member: Mapped[Member] = relationship()
    amendments: Mapped[list[MandateAmendment]] = relationship(
        back_populates="mandate", order_by="MandateAmendment.id"
    )

    @property
    def sequence(self) -> MandateSequence:
        """First until a collection on it has settled, then recurring."""
        return MandateSequence.FIRST if self.first_collected_on is None else MandateSequence.RECURRING

    @property
    def last_used_on(self) -> dt.date:
        """The day the 36 months without use are counted from: the last collection, else signing."""
        return self.last_collected_on or self.signed_on

    def __repr__(self) -> str:
        return f"<Mandate {self.reference} {self.status.value}>"


class MandateAmendment(Base):
    """One change of a mandate's reference or account, with the values it replaced.

    ``carried_on`` is set by the first collection that carried the amendment information
    (original mandate id, original debtor account) to the debtor's bank.
    """

    __tablename__ = "mandate_amendments"
    __table_args__ = (
        CheckConstraint(
            "original_reference IS NOT NULL OR original_iban IS NOT NULL", name="something_amended"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mandate_id: Mapped[int] = mapped_column(ForeignKey("mandates.id"), index=True)
    amended_on: Mapped[dt.date] = mapped_column(Date)
    #: The reference before this amendment, when it changed (None: unchanged).
    original_reference: Mapped[str | None] = mapped_column(String(35))
    new_reference: Mapped[str | None] = mapped_column(String(35))
    #: The debtor account before this amendment, when it changed (None: unchanged).
    original_iban: Mapped[str | None] = mapped_column(String(34))
    original_bic: Mapped[str | None] = mapped_column(String(11))
    new_iban: Mapped[str | None] = mapped_column(String(34))
    new_bic: Mapped[str | None] = mapped_column(String(11))
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The collection date of the first collection that carried this amendment; None: not yet.
    carried_on: Mapped[dt.date | None] = mapped_column(Date)
    recorded_by_label: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    mandate: Mapped[Mandate] = relationship(back_populates="amendments")

    @property
    def account_changed(self) -> bool:
        return self.original_iban is not None
