"""The collateral register (issue 16): what secures a loan, what it was last worth, and its haircut.

An item is registered on an application while it is prepared (the committee reviews it and a
condition may point at it) and carries over to the loan when the loan is paid out: the item
keeps its ``application_id`` and gains the ``loan_id`` (``bank.collateral.service.carry_over``),
so the register of a loan and of the application it came from are the same rows.

Two families of items:

* **valued** items (a mortgage, a pledge, a personal guarantee): worth what their latest
  appraisal says (:class:`Appraisal`, append-only history), less a haircut per kind, and never
  more than the amount the right is registered for (a mortgage's inscription, a guarantor's
  maximum);
* **cover** (a municipal guarantee or a guarantee fund): a percentage of the exposure, up to a cap.

How the register turns into the amount the bank expects to recover is
``bank.collateral.queries.cover_by_loan``.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, MoneyType, RateType, StrEnum, UtcDateTime, make_append_only


class CollateralKind(enum.StrEnum):
    #: Hypotheek: a right on land or a building, inscribed at the Kadaster in a rank.
    MORTGAGE = "mortgage"
    #: Pandrecht: on equipment, stock or receivables.
    PLEDGE = "pledge"
    #: Borgstelling by a person (a guarantor), up to a maximum.
    PERSONAL_GUARANTEE = "personal_guarantee"
    #: Gemeentegarantie: the municipality covers a percentage of the loss, up to a cap.
    MUNICIPAL_GUARANTEE = "municipal_guarantee"
    #: A guarantee fund (borgstellingsfonds) covers a percentage of the loss, up to a cap.
    GUARANTEE_FUND = "guarantee_fund"


K = CollateralKind

#: Kinds worth what their appraisal says (less the haircut); the others are cover.
VALUED_KINDS = frozenset({K.MORTGAGE, K.PLEDGE, K.PERSONAL_GUARANTEE})
COVER_KINDS = frozenset({K.MUNICIPAL_GUARANTEE, K.GUARANTEE_FUND})
#: Kinds whose right is registered for a maximum amount, which caps what they can recover.
CAPPED_BY_REGISTERED_AMOUNT = frozenset({K.MORTGAGE, K.PERSONAL_GUARANTEE})
#: Kinds whose appraisal is a market value, so they count in loan-to-value (a guarantor's
#: means secure the loan but are no value the loan is "against").
LTV_KINDS = frozenset({K.MORTGAGE, K.PLEDGE})

#: What a forced sale or a call on the guarantor is expected to lose against the appraised value.
#: Constants, not a table: they move a provision by a quarter or more, so a change should be a
#: reviewed, tested commit that says why, not a field an admin edits on a busy afternoon; and no
#: day-to-day role needs to change them. When the bank wants them set per period like the
#: probabilities of default, they become an effective-dated table beside those.
#: Land and buildings sell slowly and below appraisal (sale costs, a forced sale's discount):
#: 30 %. Movable goods lose more and are harder to find: 50 %. A person's guarantee depends on
#: their means on the day it is called: 60 %. Cover by a municipality or a fund is paid as
#: promised: no haircut (its percentage and cap already say what it pays).
HAIRCUTS: dict[CollateralKind, Decimal] = {
    K.MORTGAGE: Decimal("0.30"),
    K.PLEDGE: Decimal("0.50"),
    K.PERSONAL_GUARANTEE: Decimal("0.60"),
    K.MUNICIPAL_GUARANTEE: Decimal("0.00"),
    K.GUARANTEE_FUND: Decimal("0.00"),
}


class CollateralItem(Base):
    """One security on an application and, once paid out, on its loan."""

    __tablename__ = "collateral_items"
    __table_args__ = (
        CheckConstraint("application_id IS NOT NULL OR loan_id IS NOT NULL", name="belongs_somewhere"),
        CheckConstraint("rank IS NULL OR rank >= 1", name="rank_positive"),
        CheckConstraint(
            "kind != 'mortgage' OR (rank IS NOT NULL AND registered_amount IS NOT NULL"
            " AND cadastral_reference != '')",
            name="mortgage_registered",
        ),
        CheckConstraint(
            "kind != 'personal_guarantee' OR (guarantor_name != '' AND registered_amount IS NOT NULL)",
            name="guarantee_has_guarantor",
        ),
        CheckConstraint("registered_amount IS NULL OR registered_amount > 0", name="registered_positive"),
        CheckConstraint("prior_claims >= 0", name="prior_claims_not_negative"),
        CheckConstraint(
            "kind NOT IN ('municipal_guarantee', 'guarantee_fund') OR (cover_percentage IS NOT NULL"
            " AND cover_percentage > 0 AND cover_percentage <= 100000000 AND cover_cap IS NOT NULL"
            " AND cover_cap > 0)",
            name="cover_has_percentage_and_cap",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The application it was registered on (None for an item added to a loan afterwards).
    application_id: Mapped[int | None] = mapped_column(ForeignKey("loan_applications.id"), index=True)
    #: The loan it secures; set at disbursement for items of the application.
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("loans.id"), index=True)
    kind: Mapped[CollateralKind] = mapped_column(StrEnum(CollateralKind, "collateral_kind", length=30))
    #: What it is, in the officer's words: "Woonerf De Hoven, Cornelis Troostplein 12".
    description: Mapped[str] = mapped_column(String(300), default="")
    #: Mortgage rank (1 = first); None for other kinds.
    rank: Mapped[int | None] = mapped_column(Integer)
    #: The amount the right is registered for: a mortgage's inscription, a guarantor's maximum, a
    #: pledge's (optional) maximum. What is recovered never exceeds it.
    registered_amount: Mapped[Decimal | None] = mapped_column(MoneyType)
    #: Kadastrale aanduiding: "Amsterdam K 1234".
    cadastral_reference: Mapped[str] = mapped_column(String(60), default="")
    #: What other creditors' rights ranking ahead of ours are registered for (a second rank's
    #: first mortgage): taken from the value before ours.
    prior_claims: Mapped[Decimal] = mapped_column(MoneyType, default=Decimal("0.00"))
    #: The guarantor of a personal guarantee, or the municipality or fund giving cover.
    guarantor_name: Mapped[str] = mapped_column(String(200), default="")
    #: The guarantor when they are a member of the bank.
    guarantor_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    #: Cover: the fraction of the exposure guaranteed (0.5 = 50 %), up to :attr:`cover_cap`.
    cover_percentage: Mapped[Decimal | None] = mapped_column(RateType)
    cover_cap: Mapped[Decimal | None] = mapped_column(MoneyType)
    # The notary deed (mortgage or pledge deed, guarantee agreement), stored like an application
    # attachment: checked by its content, under a random name outside any static path.
    deed_original_name: Mapped[str | None] = mapped_column(String(200))
    deed_stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    deed_content_type: Mapped[str | None] = mapped_column(String(100))
    deed_size_bytes: Mapped[int | None] = mapped_column(Integer)
    deed_sha256: Mapped[str | None] = mapped_column(String(64))
    deed_uploaded_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime)
    deed_uploaded_by_label: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_label: Mapped[str] = mapped_column(String(200))

    appraisals: Mapped[list[Appraisal]] = relationship(
        back_populates="item", order_by="(Appraisal.appraised_on, Appraisal.id)"
    )

    @property
    def is_valued(self) -> bool:
        return self.kind in VALUED_KINDS

    @property
    def is_cover(self) -> bool:
        return self.kind in COVER_KINDS

    @property
    def haircut(self) -> Decimal:
        return HAIRCUTS[self.kind]

    def __repr__(self) -> str:
        return f"<CollateralItem {self.id} {self.kind.value}>"


class Appraisal(Base):
    """What a valued item was worth on a day, and who said so. Append-only: history, not a field."""

    __tablename__ = "collateral_appraisals"
    __table_args__ = (CheckConstraint("value >= 0", name="value_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("collateral_items.id"), index=True)
    appraised_on: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(MoneyType)
    #: The appraiser (a registered taxateur, or "WOZ-beschikking 2026").
    appraiser: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)
    recorded_by_label: Mapped[str] = mapped_column(String(200))

    item: Mapped[CollateralItem] = relationship(back_populates="appraisals")


make_append_only(Appraisal)
