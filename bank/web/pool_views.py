"""Small read-only helpers the pool pages share (staff and portal), and the words they show.

The domain's :mod:`bank.pools.queries` gives the figures; what lives here is either a listing
only a page needs (participants paged and searched, distributions and losses of one pool, the
funded loans with what is still outstanding) or wording: a borrower that did not consent to
be named is described in the reader's language ("a co-op bakery in 1092"), so the sentence is
built here with translatable words, not in the domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from bank.ledger import queries as ledger_queries
from bank.loans.models import Loan
from bank.loans.products_models import LoanPurpose
from bank.members.models import Member
from bank.money import round_cents
from bank.pools.models import (
    Distribution,
    LoanFunding,
    Loss,
    Participation,
    Pool,
)
from bank.web import labels as status_tables
from bank.web.forms import whole_number

#: What a loan purpose is called in a list of a pool's terms.
PURPOSE_LABELS = {
    LoanPurpose.COOP_STARTUP: _l("Co-op start-up"),
    LoanPurpose.LAND_TRUST_PURCHASE: _l("Community land trust purchase"),
    LoanPurpose.ASSOCIATION: _l("Association"),
    LoanPurpose.HOUSING_COOP: _l("Housing co-op"),
    LoanPurpose.OTHER: _l("Other"),
}
#: The noun used for an unnamed borrower whose activity is not recorded ("a co-op start-up in 1092").
PURPOSE_NOUNS = {
    LoanPurpose.COOP_STARTUP: _l("co-op start-up"),
    LoanPurpose.LAND_TRUST_PURCHASE: _l("community land trust"),
    LoanPurpose.ASSOCIATION: _l("association"),
    LoanPurpose.HOUSING_COOP: _l("housing co-op"),
    LoanPurpose.OTHER: _l("local project"),
}
POOL_STATUS_LABELS = status_tables.POOL_STATUS
WITHDRAWAL_STATUS_LABELS = status_tables.POOL_WITHDRAWAL_STATUS
LOAN_STATUS_LABELS = status_tables.LOAN_STATUS


def labels() -> dict[str, Any]:
    return {
        "purpose_labels": PURPOSE_LABELS,
        "pool_status_labels": POOL_STATUS_LABELS,
        "withdrawal_status_labels": WITHDRAWAL_STATUS_LABELS,
        "pool_loan_status_labels": LOAN_STATUS_LABELS,
        "purpose_label": purpose_label,
    }


def purpose_label(value: str) -> str:
    try:
        return str(PURPOSE_LABELS[LoanPurpose(value)])
    except ValueError:
        return value


def anonymous_description(activity: str | None, postcode_area: str | None, purpose: str | None) -> str:
    """How an unnamed borrower is shown to member-investors: "a co-op bakery in 1092".

    The organisation's own activity when recorded, else the noun of the loan's purpose; the
    area is the four digits of the postcode, never the street.
    """
    what = (activity or "").strip()
    if not what:
        try:
            what = str(PURPOSE_NOUNS[LoanPurpose(purpose or "other")])
        except ValueError:
            what = str(PURPOSE_NOUNS[LoanPurpose.OTHER])
    area = (postcode_area or "").strip()
    if area:
        return _("a %(activity)s in %(area)s", activity=what, area=area)
    return _("a %(activity)s", activity=what)


def pool_or_none(session: Session, pool_id: object) -> Pool | None:
    try:
        return session.get(Pool, int(str(pool_id)))
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# Staff listings of one pool


@dataclass(frozen=True)
class ParticipantRow:
    participation: Participation
    member: Member
    balance: Decimal


def participants(
    session: Session, pool: Pool, *, text: str = "", page: int = 1, per_page: int = 25
) -> tuple[list[ParticipantRow], int]:
    """A pool's participants by member number, searchable by number or name; (rows, total)."""
    statement = (
        select(Participation)
        .join(Member, Member.id == Participation.member_id)
        .where(Participation.pool_id == pool.id)
    )
    text = (text or "").strip()
    if text:
        needle = text.lower()
        conditions = [
            func.lower(Member.display_name).contains(needle, autoescape=True),
            func.lower(Member.legal_name).contains(needle, autoescape=True),
        ]
        number = whole_number(text)
        if number is not None:
            conditions.append(Member.number == number)
        statement = statement.where(or_(*conditions))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = list(
        session.scalars(
            statement.options(joinedload(Participation.member))
            .order_by(Member.number, Participation.id)
            .offset((max(page, 1) - 1) * per_page)
            .limit(per_page)
        )
    )
    balances = ledger_queries.balances(session, [p.ledger_account_id for p in rows])
    return [ParticipantRow(p, p.member, balances[p.ledger_account_id]) for p in rows], int(total)


@dataclass(frozen=True)
class FundedLoanRow:
    funding: LoanFunding
    loan: Loan
    #: Principal the borrower still owes on the whole loan.
    outstanding: Decimal
    #: The pool's part of it (outstanding x the pool's share at disbursement, to the cent).
    pool_outstanding: Decimal


def funded_loans(session: Session, pool: Pool) -> list[FundedLoanRow]:
    """The loans a pool funded, newest first, with the pool's share of what is still owed."""
    rows = list(
        session.execute(
            select(LoanFunding, Loan)
            .join(Loan, Loan.id == LoanFunding.loan_id)
            .options(joinedload(Loan.borrower))
            .where(LoanFunding.pool_id == pool.id)
            .order_by(LoanFunding.funded_on.desc(), LoanFunding.id.desc())
        ).all()
    )
    balances = ledger_queries.balances(session, [loan.principal_account_id for _f, loan in rows])
    result = []
    for funding, loan in rows:
        outstanding = balances[loan.principal_account_id]
        share = round_cents(outstanding * funding.amount_funded / funding.loan_principal)
        result.append(FundedLoanRow(funding, loan, outstanding, share))
    return result


def distributions(session: Session, pool: Pool) -> list[Distribution]:
    return list(
        session.scalars(
            select(Distribution)
            .where(Distribution.pool_id == pool.id)
            .order_by(Distribution.quarter_start.desc())
        )
    )


@dataclass(frozen=True)
class LossRow:
    loss: Loss
    loan: Loan


def losses(session: Session, pool: Pool) -> list[LossRow]:
    rows = session.execute(
        select(Loss, Loan)
        .join(Loan, Loan.id == Loss.loan_id)
        .where(Loss.pool_id == pool.id)
        .order_by(Loss.occurred_on.desc(), Loss.id.desc())
    ).all()
    return [LossRow(loss, loan) for loss, loan in rows]
