"""Reading mandates (the staff list, a member's own, a loan's mandate and its choices), collection
and payout batches, the payment orders, the statement imports with their lines and the suspense queue."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, defer, joinedload, selectinload

from bank.errors import N_, NotFound
from bank.loans.models import Loan
from bank.members.models import Member
from bank.members.queries import Page, paginate
from bank.payment_orders.models import OrderState, PaymentOrder
from bank.payments.batch_models import BatchKind, BatchState, PaymentBatch, PaymentBatchItem
from bank.payments.models import Mandate, MandateStatus
from bank.payments.payout_models import PayoutBatch, PayoutBatchItem, PayoutBatchState
from bank.payments.statement_models import BankStatement, BankStatementLine, LineStatus, StatementImport
from bank.savings.models import DepositAccount


def mandates_list(
    session: Session,
    *,
    status: MandateStatus | None = None,
    text: str = "",
    page: int = 1,
    per_page: int = 25,
) -> Page[Mandate]:
    """Mandates for the staff list, newest first: by status, and by the member's name or number
    or the mandate reference (every word must match)."""
    query = select(Mandate).join(Member, Member.id == Mandate.member_id).options(joinedload(Mandate.member))
    if status is not None:
        query = query.where(Mandate.status == status)
    for word in (text or "").split()[:6]:
        needle = word.lower()
        conditions = [
            func.lower(Member.display_name).contains(needle, autoescape=True),
            func.lower(Mandate.reference).contains(needle, autoescape=True),
        ]
        if word.isdigit() and len(word) <= 9:
            conditions.append(Member.number == int(word))
        query = query.where(or_(*conditions))
    return paginate(session, query.order_by(Mandate.id.desc()), page, per_page)


def mandate_detail(session: Session, mandate_id: int) -> Mandate:
    """A mandate with its member and amendment history (NotFound when there is none)."""
    mandate = session.scalar(
        select(Mandate)
        .where(Mandate.id == mandate_id)
        .options(joinedload(Mandate.member), selectinload(Mandate.amendments))
    )
    if mandate is None:
        raise NotFound(N_("mandate %(mandate_id)s does not exist"), mandate_id=mandate_id)
    return mandate


def mandates_of(session: Session, member_id: int) -> list[Mandate]:
    """A member's mandates, active ones first, newest first within."""
    return list(
        session.scalars(
            select(Mandate)
            .where(Mandate.member_id == member_id)
            .order_by((Mandate.status == MandateStatus.ACTIVE).desc(), Mandate.id.desc())
        )
    )


def mandates_of_members(session: Session, member_ids: Collection[int]) -> list[Mandate]:
    """The mandates of several members (a portal user and the organisations they represent)."""
    if not member_ids:
        return []
    return list(
        session.scalars(
            select(Mandate)
            .where(Mandate.member_id.in_(list(member_ids)))
            .options(joinedload(Mandate.member))
            .order_by((Mandate.status == MandateStatus.ACTIVE).desc(), Mandate.id.desc())
        )
    )


def mandate_of_member(session: Session, member_ids: Collection[int], mandate_id: int) -> Mandate:
    """A mandate of one of ``member_ids`` (the portal user and the organisations they represent);
    another member's is NotFound (the portal's rule)."""
    mandate = session.scalar(
        select(Mandate).where(Mandate.id == mandate_id, Mandate.member_id.in_(list(member_ids)))
    )
    if mandate is None:
        raise NotFound(N_("mandate %(mandate_id)s does not exist"), mandate_id=mandate_id)
    return mandate


def active_mandates_of(session: Session, member_id: int) -> list[Mandate]:
    """The mandates a loan of ``member_id`` may be collected by."""
    return list(
        session.scalars(
            select(Mandate)
            .where(Mandate.member_id == member_id, Mandate.status == MandateStatus.ACTIVE)
            .order_by(Mandate.id)
        )
    )


def mandate_by_reference(session: Session, reference: str) -> Mandate | None:
    return session.scalar(select(Mandate).where(Mandate.reference == reference))


def loans_of_mandate(session: Session, mandate_id: int) -> list[Loan]:
    """Loans linked to the mandate (collected by it now, or until it ended)."""
    return list(session.scalars(select(Loan).where(Loan.mandate_id == mandate_id).order_by(Loan.id)))


def mandate_of_loan(session: Session, loan: Loan) -> Mandate | None:
    """The mandate a loan is (or was last) collected by."""
    if loan.mandate_id is None:
        return None
    return session.get(Mandate, loan.mandate_id)


def collection_batches(session: Session, *, limit: int = 200) -> list[PaymentBatch]:
    """The collection batches, the latest collection date first."""
    return list(
        session.scalars(
            select(PaymentBatch)
            .where(PaymentBatch.kind == BatchKind.COLLECTION)
            .order_by(PaymentBatch.collection_on.desc(), PaymentBatch.id.desc())
            .limit(limit)
        )
    )


def batches_to_export(session: Session, *, limit: int = 10) -> list[PaymentBatch]:
    """Collection batches prepared but not yet downloaded (or sent), the earliest collection date
    first: the file must reach the clearing bank before that date, or nothing is collected. The
    stored XML is not read (a home page lists them; the download reads it)."""
    return list(
        session.scalars(
            select(PaymentBatch)
            .where(PaymentBatch.kind == BatchKind.COLLECTION, PaymentBatch.state == BatchState.PREPARED)
            .options(defer(PaymentBatch.xml_bytes, raiseload=True))
            .order_by(PaymentBatch.collection_on, PaymentBatch.id)
            .limit(limit)
        )
    )


def collection_batch(session: Session, batch_id: int) -> PaymentBatch:
    batch = session.scalar(
        select(PaymentBatch)
        .where(PaymentBatch.id == batch_id, PaymentBatch.kind == BatchKind.COLLECTION)
        .options(
            selectinload(PaymentBatch.items).selectinload(PaymentBatchItem.loan),
            selectinload(PaymentBatch.items).selectinload(PaymentBatchItem.instalment),
        )
    )
    if batch is None:
        raise NotFound(N_("no such collection batch"))
    return batch


def collection_items_of_members(
    session: Session, member_ids: Collection[int], *, page: int = 1, per_page: int = 25
) -> Page[PaymentBatchItem]:
    """The direct debits on the loans of ``member_ids`` (a portal user and the organisations they
    represent: the portal's rule), the latest collection date first, with each item's loan and
    borrower and its batch's state (not the batch's file: a page never needs the XML)."""
    if not member_ids:
        return Page(items=[], total=0, page=1, per_page=per_page)
    query = (
        select(PaymentBatchItem)
        .join(Loan, Loan.id == PaymentBatchItem.loan_id)
        .where(Loan.borrower_id.in_(list(member_ids)))
        .options(
            joinedload(PaymentBatchItem.loan).joinedload(Loan.borrower),
            joinedload(PaymentBatchItem.batch).load_only(
                PaymentBatch.id, PaymentBatch.state, PaymentBatch.collection_on, raiseload=True
            ),
        )
        .order_by(PaymentBatchItem.due_on.desc(), PaymentBatchItem.id.desc())
    )
    return paginate(session, query, page, per_page)


# --- bank statements ------------------------------------------------------------------------


def statement_imports(session: Session, *, limit: int = 100) -> list[StatementImport]:
    """The latest statement imports, newest first, with their statements."""
    return list(
        session.scalars(
            select(StatementImport)
            .options(selectinload(StatementImport.statements))
            .order_by(StatementImport.id.desc())
            .limit(limit)
        )
    )


def statement_import(session: Session, import_id: int) -> StatementImport:
    found = session.get(StatementImport, import_id)
    if found is None:
        raise NotFound(N_("statement import %(id)s does not exist"), id=import_id)
    return found


def statement_lines(
    session: Session, import_id: int, *, limit: int = 500
) -> tuple[list[BankStatementLine], int]:
    """The first ``limit`` lines of an import in file order, and how many it has."""
    condition = BankStatementLine.statement_id.in_(
        select(BankStatement.id).where(BankStatement.import_id == import_id)
    )
    total = session.scalar(select(func.count()).select_from(BankStatementLine).where(condition)) or 0
    lines = session.scalars(
        select(BankStatementLine)
        .where(condition)
        .order_by(BankStatementLine.statement_id, BankStatementLine.line_no)
        .limit(limit)
    )
    return list(lines), total


def suspense_lines(session: Session, *, limit: int = 200) -> list[BankStatementLine]:
    """Statement lines waiting on the suspense account, oldest first."""
    return list(
        session.scalars(
            select(BankStatementLine)
            .where(BankStatementLine.status == LineStatus.SUSPENSE)
            .options(selectinload(BankStatementLine.statement))
            .order_by(BankStatementLine.id)
            .limit(limit)
        )
    )


def suspense_line(session: Session, line_id: int) -> BankStatementLine:
    found = session.get(BankStatementLine, line_id)
    if found is None:
        raise NotFound(N_("statement line %(line)s does not exist"), line=line_id)
    return found


def deposit_account_by_number(session: Session, number: str) -> DepositAccount | None:
    digits = "".join(ch for ch in number if ch.isdigit())
    return session.scalar(select(DepositAccount).where(DepositAccount.number == digits)) if digits else None


def deposit_account_numbers(session: Session, ids: Collection[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(
        (account_id, number)
        for account_id, number in session.execute(
            select(DepositAccount.id, DepositAccount.number).where(DepositAccount.id.in_(list(ids)))
        )
    )


def payout_batches(session: Session, *, limit: int = 200) -> list[PayoutBatch]:
    """The payout batches, the latest execution date first."""
    return list(
        session.scalars(
            select(PayoutBatch)
            .options(defer(PayoutBatch.xml_bytes))
            .order_by(PayoutBatch.execution_on.desc(), PayoutBatch.id.desc())
            .limit(limit)
        )
    )


def payout_batch(session: Session, batch_id: int) -> PayoutBatch:
    batch = session.scalar(
        select(PayoutBatch)
        .where(PayoutBatch.id == batch_id)
        .options(selectinload(PayoutBatch.items).selectinload(PayoutBatchItem.order))
    )
    if batch is None:
        raise NotFound(N_("no such payout batch"))
    return batch


def payment_orders(
    session: Session, *, states: Collection[OrderState] = (), limit: int = 200
) -> list[PaymentOrder]:
    """Payment orders for the staff list, the latest first; only ``states`` when given."""
    query = select(PaymentOrder).options(joinedload(PaymentOrder.member))
    if states:
        query = query.where(PaymentOrder.state.in_(list(states)))
    return list(session.scalars(query.order_by(PaymentOrder.id.desc()).limit(limit)))


def payment_order(session: Session, order_id: int) -> PaymentOrder:
    order = session.get(PaymentOrder, order_id)
    if order is None:
        raise NotFound(N_("no such payment order"))
    return order


def payout_batches_to_send(session: Session, *, limit: int = 10) -> list[PayoutBatch]:
    """Payout batches not yet sent: waiting for release or released and not downloaded, the
    earliest execution date first (the stored XML is not read)."""
    return list(
        session.scalars(
            select(PayoutBatch)
            .where(PayoutBatch.state.in_((PayoutBatchState.PREPARED, PayoutBatchState.RELEASED)))
            .options(defer(PayoutBatch.xml_bytes, raiseload=True))
            .order_by(PayoutBatch.execution_on, PayoutBatch.id)
            .limit(limit)
        )
    )
