"""Share classes and members' holdings; holdings are ledger child accounts under 3000."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bank import clock
from bank.db import Base, MoneyType, UtcDateTime
from bank.ledger.models import LedgerAccount
from bank.members.models import Member


class ShareClass(Base):
    """A class of member shares: nominal value and how many one member may (must) hold."""

    __tablename__ = "share_classes"
    __table_args__ = (
        CheckConstraint("nominal_value > 0", name="nominal_value_positive"),
        CheckConstraint("min_shares_per_member >= 1", name="min_at_least_one"),
        CheckConstraint("max_shares_per_member >= min_shares_per_member", name="max_not_below_min"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Price and redemption value of one share (demo € 25,00).
    nominal_value: Mapped[Decimal] = mapped_column(MoneyType)
    #: A member keeps at least this many shares while a member (the first one makes them a member).
    min_shares_per_member: Mapped[int] = mapped_column(Integer, default=1)
    max_shares_per_member: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    def __repr__(self) -> str:
        return f"<ShareClass {self.code} {self.nominal_value}>"


class ShareHolding(Base):
    """The shares one member holds in one class: shares = ledger balance / nominal value."""

    __tablename__ = "share_holdings"
    __table_args__ = (UniqueConstraint("member_id", "share_class_id", name="one_holding_per_class"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    share_class_id: Mapped[int] = mapped_column(ForeignKey("share_classes.id"))
    #: The ledger child account (3000-<member number>[-class]) holding the paid-in capital.
    ledger_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"), unique=True)
    opened_on: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=clock.now_utc)

    member: Mapped[Member] = relationship()
    share_class: Mapped[ShareClass] = relationship()
    ledger_account: Mapped[LedgerAccount] = relationship()

    def __repr__(self) -> str:
        return f"<ShareHolding member={self.member_id} class={self.share_class_id}>"
