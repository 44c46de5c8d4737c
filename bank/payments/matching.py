"""What a statement line is, for the ledger: the matchers, tried in order (issue 14).

:data:`MATCHERS` is the one ordered tuple of matcher functions the import asks, first to last;
the first that recognises a line decides how it is booked. Each is
``(context, line) -> Booking | None``. The last, :func:`to_suspense`, takes every line, so every
line is booked somewhere. The returns and payouts features add theirs by putting them in the
tuple before the suspense account, in the order their evidence is strongest:

1. :func:`our_collection`: the end-to-end id of a direct debit of ours, money in → settle that
   collection item (Dr 1000 / Cr the borrower's repayment account, the batch path's own entry).
1a. :func:`our_return`: money out with the end-to-end id of a settled direct debit of ours and
   an ISO return reason → the return (``bank.payments.returns``): the payment is taken back
   from the loan, Dr the repayment account / Cr 1000.
1b. :func:`our_payout`: money out with the end-to-end id of a payment order of ours → the
   transfer left, Dr 1090 / Cr 1000; :func:`our_payout_return`: money in with that id and a
   return reason → it came back, Dr 1000 / Cr the paying account, the member told why.
1c. :func:`booked_by_hand`: money a teller already booked on 1000 (keyed from the online banking,
   paid at the counter), same direction and amount, a few days before → the line points at
   that entry and books nothing.
2. :func:`creditor_reference`: the structured creditor reference (``RF…``) a member account
   shows in the portal, money in → Dr 1000 / Cr that account.
3. :func:`member_iban`: the counterparty is the own IBAN of a member with exactly one deposit
   account, money in → Dr 1000 / Cr that account.
4. :func:`to_suspense`: everything else waits on 1095 (Dr 1000 / Cr 1095 for money in,
   Dr 1095 / Cr 1000 for money out) until staff assign it or send it back.

A matcher reads, never writes: it returns the entry to post and, when something else must change
once the entry is posted (a collection item becomes settled), a function that does it. The
import posts all entries of a batch at once with ``post_many`` and then calls those functions.
Lookups are made once per import for all its lines (:meth:`MatchContext.once`), not per line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bank.actor import Actor
from bank.errors import ValidationError
from bank.ledger.models import JournalEntry, Posting, Side
from bank.ledger.service import EntryRequest, credit, debit
from bank.members.models import Member
from bank.money import to_cents
from bank.payment_orders import service as payment_orders
from bank.payment_orders.models import OrderState, PaymentOrder
from bank.payments import collections, references, returns
from bank.payments.batch_models import ItemState, PaymentBatch, PaymentBatchItem
from bank.payments.statement_models import BankStatementLine, LineStatus
from bank.payments.statement_reader import Entry
from bank.savings.models import DepositAccount, DepositAccountStatus

#: Journal entry kinds of what a statement books.
RECEIPT_KIND = "statement_receipt"
SUSPENSE_KIND = "statement_suspense"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class LineToMatch:
    """One transaction of a statement being imported, with where it stands."""

    statement_pk: int
    line_no: int
    entry: Entry
    #: The date it is booked on: the entry's booking date, else the statement's closing date.
    value_date: dt.date

    @property
    def key(self) -> str:
        """The ledger key of what the statement itself books for this line."""
        return f"statement:{self.statement_pk}:{self.line_no}"

    @property
    def money_in(self) -> bool:
        return self.entry.amount > 0


#: Runs after the booking's entry is posted, in the same transaction (the entry's id given).
AfterPosting = Callable[[Session, Actor, int], None]


@dataclass(frozen=True, slots=True)
class Booking:
    """A matcher's decision: how a line is booked and what it matched."""

    #: The matcher's name, stored on the line (``collection``, ``reference``, …).
    matched_by: str
    status: LineStatus
    #: The entry to post; None when the money is already booked by ``existing_key``.
    request: EntryRequest | None
    matched_type: str | None = None
    matched_id: int | None = None
    #: The key of an entry posted earlier for the same money (a collection settled by its batch).
    existing_key: str | None = None
    after_posting: AfterPosting | None = None


@dataclass
class MatchContext:
    """What the matchers of one import share: the session, the accounts, every line's entry, and
    lookups made once for all of them."""

    session: Session
    actor: Actor
    settlement_account_id: int
    suspense_account_id: int
    entries: Sequence[Entry]
    #: What a matcher has taken in this import (kind → ids), so nothing is matched twice.
    claimed: dict[str, set[int]] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict)

    def once(self, name: str, load: Callable[[], T]) -> T:
        """``load()`` the first time ``name`` is asked for in this import, the same value after."""
        if name not in self._cache:
            self._cache[name] = load()
        value: T = self._cache[name]
        return value

    def claim(self, kind: str, object_id: int) -> bool:
        """Take ``object_id`` of ``kind`` for this line; False if a line before took it."""
        taken = self.claimed.setdefault(kind, set())
        if object_id in taken:
            return False
        taken.add(object_id)
        return True

    def receipt(self, line: LineToMatch, account_id: int, kind: str = RECEIPT_KIND) -> EntryRequest:
        """Money in for ``account_id``: Dr 1000 / Cr the account, under the line's key (built
        from cents: a day of lines makes no Decimal arithmetic)."""
        cents = to_cents(line.entry.amount)
        return EntryRequest.from_cents(
            line.key,
            kind,
            ((self.settlement_account_id, True, cents), (account_id, False, cents)),
            line.value_date,
            memo_of(line.entry),
        )


Matcher = Callable[[MatchContext, LineToMatch], Booking | None]

#: How many values one ``IN (…)`` of a lookup carries (SQLite allows 32 766 parameters).
CHUNK = 5000


def chunks(values: Sequence[T], size: int = CHUNK) -> list[Sequence[T]]:
    """``values`` in slices of at most ``size``, for lookups of many keys at once."""
    return [values[start : start + size] for start in range(0, len(values), size)]


def memo_of(entry: Entry) -> str:
    """The journal entry's memo: who sent it and what they wrote (the statement's own words)."""
    parts = [entry.counterparty_name or "", entry.remittance or "", entry.end_to_end_id or ""]
    return " · ".join(part for part in parts if part)[:500]


# --- (a) our own collections -------------------------------------------------------------------


def _collection_items(context: MatchContext) -> dict[str, PaymentBatchItem]:
    ids = sorted({e.end_to_end_id for e in context.entries if e.end_to_end_id and e.amount > 0})
    if not ids:
        return {}
    found: dict[str, PaymentBatchItem] = {}
    for chunk in chunks(ids):
        items = context.session.scalars(
            select(PaymentBatchItem)
            .where(PaymentBatchItem.end_to_end_id.in_(chunk))
            .options(selectinload(PaymentBatchItem.batch).selectinload(PaymentBatch.items))
        )
        found.update((item.end_to_end_id, item) for item in items)
    return found


def _items_seen_on_statements(context: MatchContext) -> set[int]:
    return set(
        context.session.scalars(
            select(BankStatementLine.matched_id).where(
                BankStatementLine.matched_type == "payment_batch_item",
                BankStatementLine.matched_id.is_not(None),
            )
        )
    )


def our_collection(context: MatchContext, line: LineToMatch) -> Booking | None:
    """A direct debit of ours arrived: settle its collection item, once, for its exact amount.

    If the batch path settled it before the statement came, the money is booked already: the
    line points at that entry and books nothing more."""
    entry = line.entry
    if not line.money_in or entry.reversal or not entry.end_to_end_id:
        return None
    item = context.once("collection_items", lambda: _collection_items(context)).get(entry.end_to_end_id)
    if item is None or item.amount != entry.amount:
        return None
    if item.id in context.once("items_on_statements", lambda: _items_seen_on_statements(context)):
        return None
    # Settled by the batch path, or settled and already come back (a return recorded before this
    # statement was imported): the money in is booked under the settlement's key either way.
    if item.state in (ItemState.SETTLED, ItemState.RETURNED):
        if not context.claim("payment_batch_item", item.id):
            return None
        return Booking(
            "collection",
            LineStatus.MATCHED,
            None,
            "payment_batch_item",
            item.id,
            existing_key=f"collection-settle:{item.end_to_end_id}",
        )
    if not collections.may_settle(item) or not context.claim("payment_batch_item", item.id):
        return None

    def settle(session: Session, actor: Actor, _entry_id: int) -> None:
        collections.mark_item_settled(session, item, actor=actor, on=line.value_date)

    return Booking(
        "collection",
        LineStatus.MATCHED,
        collections.settlement_request(item, context.settlement_account_id, line.value_date),
        "payment_batch_item",
        item.id,
        after_posting=settle,
    )


# --- (a2) returns of our own collections -------------------------------------------------------


def _returned_items(context: MatchContext) -> dict[str, PaymentBatchItem]:
    ids = sorted(
        {e.end_to_end_id for e in context.entries if e.end_to_end_id and e.return_reason and e.amount < 0}
    )
    found: dict[str, PaymentBatchItem] = {}
    for chunk in chunks(ids):
        items = context.session.scalars(
            select(PaymentBatchItem)
            .where(PaymentBatchItem.end_to_end_id.in_(chunk))
            .options(selectinload(PaymentBatchItem.batch))
        )
        found.update((item.end_to_end_id, item) for item in items)
    return found


def _returns_seen_on_statements(context: MatchContext) -> set[int]:
    return set(
        context.session.scalars(
            select(BankStatementLine.matched_id).where(
                BankStatementLine.matched_type == RETURN_TYPE,
                BankStatementLine.matched_id.is_not(None),
            )
        )
    )


#: What a return line is matched to (the item, as a return: its settlement line has the item too).
RETURN_TYPE = "payment_batch_item_return"


def our_return(context: MatchContext, line: LineToMatch) -> Booking | None:
    """Money out with our end-to-end id and a return reason: a direct debit of ours came back.

    The line books what left the bank (Dr 1095 / Cr 1000, the line's key), and then
    :func:`bank.payments.returns.record_return_from_statement` takes the payment back from the
    loan and books Dr the repayment account / Cr 1095, so together: Dr repayment / Cr 1000. A
    return staff recorded by hand first is not booked again: the line points at that entry. A
    return the bank would refuse (a refund claim outside its window) waits in suspense for staff.
    """
    entry = line.entry
    if line.money_in or not entry.end_to_end_id or not entry.return_reason:
        return None
    item = context.once("returned_items", lambda: _returned_items(context)).get(entry.end_to_end_id)
    if item is None or item.amount != -entry.amount or item.state is ItemState.PENDING:
        return None
    if item.id in context.once("returns_on_statements", lambda: _returns_seen_on_statements(context)):
        return None
    if item.state is ItemState.RETURNED:
        if not context.claim(RETURN_TYPE, item.id):
            return None
        return Booking(
            "return",
            LineStatus.MATCHED,
            None,
            RETURN_TYPE,
            item.id,
            existing_key=f"collection-return:{item.end_to_end_id}",
        )
    reason = entry.return_reason.strip().upper()
    try:
        returns.check_return(item, reason if reason in returns.REASONS else "MS03", line.value_date)
    except ValidationError:
        return None
    if not context.claim(RETURN_TYPE, item.id):
        return None
    amount = item.amount

    def book_return(session: Session, actor: Actor, _entry_id: int) -> None:
        returns.record_return_from_statement(
            session,
            end_to_end_id=item.end_to_end_id,
            return_reason=reason,
            booked_on=line.value_date,
            actor=actor,
            counter_account_id=context.suspense_account_id,
        )

    request = EntryRequest(
        line.key,
        returns.RETURN_KIND,
        [debit(context.suspense_account_id, amount), credit(context.settlement_account_id, amount)],
        line.value_date,
        memo_of(entry),
    )
    return Booking("return", LineStatus.MATCHED, request, RETURN_TYPE, item.id, after_posting=book_return)


# --- (a3) our own payouts (pain.001) ------------------------------------------------------------

#: What a payout's lines are matched to: the order when it left, its return when it came back.
PAYOUT_TYPE = "payment_order"
PAYOUT_RETURN_TYPE = "payment_order_return"


def _payment_orders(context: MatchContext) -> dict[str, PaymentOrder]:
    ids = sorted({e.end_to_end_id for e in context.entries if e.end_to_end_id})
    found: dict[str, PaymentOrder] = {}
    for chunk in chunks(ids):
        orders = context.session.scalars(select(PaymentOrder).where(PaymentOrder.end_to_end_id.in_(chunk)))
        found.update((order.end_to_end_id, order) for order in orders)
    return found


def _orders_seen_on_statements(context: MatchContext) -> set[tuple[str, int]]:
    rows = context.session.execute(
        select(BankStatementLine.matched_type, BankStatementLine.matched_id).where(
            BankStatementLine.matched_type.in_((PAYOUT_TYPE, PAYOUT_RETURN_TYPE)),
            BankStatementLine.matched_id.is_not(None),
        )
    )
    return {(str(kind), int(order_id or 0)) for kind, order_id in rows}


def our_payout(context: MatchContext, line: LineToMatch) -> Booking | None:
    """Money out with the end-to-end id of a payment order of ours, for its exact amount: the
    transfer left, Dr 1090 / Cr 1000 (``payout-settle:{e2e}``, the key staff settling it by hand
    use too, so whichever comes first books it and the other finds it booked)."""
    entry = line.entry
    if line.money_in or entry.reversal or entry.return_reason or not entry.end_to_end_id:
        return None
    order = context.once("payment_orders", lambda: _payment_orders(context)).get(entry.end_to_end_id)
    if order is None or order.amount != -entry.amount:
        return None
    if (PAYOUT_TYPE, order.id) in context.once(
        "orders_on_statements", lambda: _orders_seen_on_statements(context)
    ):
        return None
    if order.state in (OrderState.SETTLED, OrderState.RETURNED):
        if not context.claim(PAYOUT_TYPE, order.id):
            return None
        return Booking(
            "payout",
            LineStatus.MATCHED,
            None,
            PAYOUT_TYPE,
            order.id,
            existing_key=f"payout-settle:{order.end_to_end_id}",
        )
    if not payment_orders.may_settle(order) or not context.claim(PAYOUT_TYPE, order.id):
        return None

    def settle(session: Session, actor: Actor, entry_id: int) -> None:
        payment_orders.mark_settled(session, order, on=line.value_date, entry_id=entry_id, actor=actor)

    return Booking(
        "payout",
        LineStatus.MATCHED,
        payment_orders.settlement_request(context.session, order, line.value_date),
        PAYOUT_TYPE,
        order.id,
        after_posting=settle,
    )


def our_payout_return(context: MatchContext, line: LineToMatch) -> Booking | None:
    """Money in with our payout's end-to-end id and a return reason: the transfer came back.

    Only a transfer seen leaving (settled, or settled by a line before this one in the same
    import) can come back through 1000: Dr 1000 / Cr the paying account (``payout-refuse:{e2e}``),
    and the member is told why. A rejection that never left the bank is not on the statement;
    staff record it on the payout page."""
    entry = line.entry
    if not line.money_in or not entry.end_to_end_id or not entry.return_reason:
        return None
    order = context.once("payment_orders", lambda: _payment_orders(context)).get(entry.end_to_end_id)
    if order is None or order.amount != entry.amount:
        return None
    if (PAYOUT_RETURN_TYPE, order.id) in context.once(
        "orders_on_statements", lambda: _orders_seen_on_statements(context)
    ):
        return None
    if order.state in (OrderState.REJECTED, OrderState.RETURNED):
        if not context.claim(PAYOUT_RETURN_TYPE, order.id):
            return None
        return Booking(
            "payout_return",
            LineStatus.MATCHED,
            None,
            PAYOUT_RETURN_TYPE,
            order.id,
            existing_key=f"payout-refuse:{order.end_to_end_id}",
        )
    left = order.state is OrderState.SETTLED or (
        order.state is OrderState.EXPORTED and order.id in context.claimed.get(PAYOUT_TYPE, set())
    )
    if not left or not context.claim(PAYOUT_RETURN_TYPE, order.id):
        return None
    reason = entry.return_reason.strip().upper()
    code = reason if len(reason) == 4 and reason.isalnum() else "MS03"
    amount = order.amount
    request = EntryRequest(
        f"payout-refuse:{order.end_to_end_id}",
        payment_orders.REFUSE_KIND,
        [debit(context.settlement_account_id, amount), credit(order.paying_account_id, amount)],
        line.value_date,
        f"{order.end_to_end_id} {code}",
    )

    def book_return(session: Session, actor: Actor, entry_id: int) -> None:
        payment_orders.mark_refused(
            session, order, on=line.value_date, reason_code=code, entry_id=entry_id, actor=actor
        )

    return Booking(
        "payout_return", LineStatus.MATCHED, request, PAYOUT_RETURN_TYPE, order.id, after_posting=book_return
    )


# --- (b0) money staff booked by hand before the statement came ----------------------------------

#: How many days before its statement line an entry booked by hand may be dated and still be it.
BOOKED_BY_HAND_DAYS = 5
#: What a line is matched to when staff booked its money before the statement came.
BY_HAND_TYPE = "journal_entry"
#: Entries that are a statement's or a direct debit's own: never "booked by hand".
_NOT_BY_HAND = ("statement:", "collection-settle:", "collection-return:", "payout-settle:", "payout-refuse:")


@dataclass(frozen=True, slots=True)
class _HandBooked:
    entry_id: int
    key: str
    value_date: dt.date
    #: The entry's ledger accounts other than the settlement account (whose money it was).
    accounts: frozenset[int]


def _booked_by_hand(context: MatchContext) -> dict[tuple[bool, Decimal], list[_HandBooked]]:
    """(money in?, amount) → entries on 1000 in the statement's days that no statement line
    explains yet, oldest first: what tellers keyed from the online banking or paid at the counter."""
    dates = [e.booking_date for e in context.entries if e.booking_date is not None]
    if not dates:
        return {}
    since, until = min(dates) - dt.timedelta(days=BOOKED_BY_HAND_DAYS), max(dates)
    session, settlement = context.session, context.settlement_account_id
    explained = select(BankStatementLine.journal_entry_id).where(
        BankStatementLine.journal_entry_id.is_not(None)
    )
    reversed_ = select(JournalEntry.reverses_entry_id).where(JournalEntry.reverses_entry_id.is_not(None))
    rows = session.execute(
        select(
            Posting.entry_id,
            Posting.side,
            Posting.amount,
            JournalEntry.idempotency_key,
            JournalEntry.value_date,
        )
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(
            Posting.account_id == settlement,
            JournalEntry.value_date.between(since, until),
            JournalEntry.reverses_entry_id.is_(None),
            JournalEntry.id.not_in(explained),
            JournalEntry.id.not_in(reversed_),
            *(~JournalEntry.idempotency_key.startswith(prefix) for prefix in _NOT_BY_HAND),
        )
        .order_by(JournalEntry.value_date, JournalEntry.id)
    ).all()
    others: dict[int, set[int]] = {}
    for chunk in chunks(sorted({row.entry_id for row in rows})):
        for entry_id, account_id in session.execute(
            select(Posting.entry_id, Posting.account_id).where(
                Posting.entry_id.in_(chunk), Posting.account_id != settlement
            )
        ):
            others.setdefault(entry_id, set()).add(account_id)
    found: dict[tuple[bool, Decimal], list[_HandBooked]] = {}
    for row in rows:
        found.setdefault((row.side is Side.DEBIT, row.amount), []).append(
            _HandBooked(
                row.entry_id, row.idempotency_key, row.value_date, frozenset(others.get(row.entry_id, ()))
            )
        )
    return found


def _account_named_by(context: MatchContext, line: LineToMatch) -> int | None:
    """The ledger account the line itself names (its RF reference, or its sender's own IBAN)."""
    entry = line.entry
    if entry.remittance:
        account = references.account_for_reference(context.session, entry.remittance)
        if account is not None:
            return account.ledger_account_id
    if line.money_in and entry.counterparty_iban:
        found = context.once("member_ibans", lambda: _accounts_by_member_iban(context)).get(
            entry.counterparty_iban
        )
        if found is not None:
            return found[1]
    return None


def booked_by_hand(context: MatchContext, line: LineToMatch) -> Booking | None:
    """Money a teller booked on 1000 before the statement came (a transfer keyed from the online
    banking, a payment made at the counter) is the same money: the line points at that entry and
    books nothing more, so keying by hand and importing never count one receipt twice.

    Same direction and amount, dated up to :data:`BOOKED_BY_HAND_DAYS` before the line, the oldest
    first; when the line names an account (its RF reference, its sender's IBAN), only an entry on
    that account is it.
    """
    entry = line.entry
    if entry.reversal:
        return None
    candidates = context.once("booked_by_hand", lambda: _booked_by_hand(context)).get(
        (line.money_in, abs(entry.amount))
    )
    if not candidates:
        return None
    earliest = line.value_date - dt.timedelta(days=BOOKED_BY_HAND_DAYS)
    named: int | None = None
    named_looked_up = False
    for candidate in candidates:
        if not earliest <= candidate.value_date <= line.value_date:
            continue
        if not named_looked_up:
            named, named_looked_up = _account_named_by(context, line), True
        if named is not None and named not in candidate.accounts:
            continue
        if context.claim(BY_HAND_TYPE, candidate.entry_id):
            return Booking(
                "by_hand",
                LineStatus.MATCHED,
                None,
                BY_HAND_TYPE,
                candidate.entry_id,
                existing_key=candidate.key,
            )
    return None


# --- (b) the creditor reference ----------------------------------------------------------------


def creditor_reference(context: MatchContext, line: LineToMatch) -> Booking | None:
    """Money in quoting a member account's ``RF…`` reference goes to that account
    (:func:`bank.payments.references.account_for_reference` decides which, or none)."""
    entry = line.entry
    if not line.money_in or entry.reversal or not entry.remittance or "RF" not in entry.remittance.upper():
        return None
    found: dict[str, DepositAccount | None] = context.once("reference_accounts", dict)
    if entry.remittance not in found:
        found[entry.remittance] = references.account_for_reference(context.session, entry.remittance)
    account = found[entry.remittance]
    if account is None:
        return None
    return Booking(
        "reference",
        LineStatus.MATCHED,
        context.receipt(line, account.ledger_account_id),
        "deposit_account",
        account.id,
    )


# --- (c) the member's own IBAN -----------------------------------------------------------------


def _accounts_by_member_iban(context: MatchContext) -> dict[str, tuple[int, int]]:
    """IBAN → (deposit account id, its ledger account) for IBANs of exactly one member who has
    exactly one deposit account that is not closed."""
    ibans = sorted({e.counterparty_iban for e in context.entries if e.counterparty_iban and e.amount > 0})
    if not ibans:
        return {}
    rows: list[Any] = []
    for chunk in chunks(ibans):
        rows.extend(
            context.session.execute(
                select(Member.external_iban, Member.id, DepositAccount.id, DepositAccount.ledger_account_id)
                .join(DepositAccount, DepositAccount.member_id == Member.id)
                .where(Member.external_iban.in_(chunk), DepositAccount.status != DepositAccountStatus.CLOSED)
            ).all()
        )
    members: dict[str, set[int]] = {}
    accounts: dict[str, list[tuple[int, int]]] = {}
    for iban, member_id, account_id, ledger_account_id in rows:
        members.setdefault(iban, set()).add(member_id)
        accounts.setdefault(iban, []).append((account_id, ledger_account_id))
    return {
        iban: accounts[iban][0] for iban in accounts if len(members[iban]) == 1 and len(accounts[iban]) == 1
    }


def member_iban(context: MatchContext, line: LineToMatch) -> Booking | None:
    """Money in from the own IBAN of a member with one account goes to that account."""
    entry = line.entry
    if not line.money_in or entry.reversal or not entry.counterparty_iban:
        return None
    found = context.once("member_ibans", lambda: _accounts_by_member_iban(context)).get(
        entry.counterparty_iban
    )
    if found is None:
        return None
    account_id, ledger_account_id = found
    return Booking(
        "member_iban",
        LineStatus.MATCHED,
        context.receipt(line, ledger_account_id),
        "deposit_account",
        account_id,
    )


# --- (d) the suspense account ------------------------------------------------------------------


def to_suspense(context: MatchContext, line: LineToMatch) -> Booking:
    """What nobody recognised waits on 1095: Dr 1000 / Cr 1095 in, Dr 1095 / Cr 1000 out."""
    cents = abs(to_cents(line.entry.amount))
    settlement, suspense = context.settlement_account_id, context.suspense_account_id
    if line.money_in:
        lines = ((settlement, True, cents), (suspense, False, cents))
    else:
        lines = ((suspense, True, cents), (settlement, False, cents))
    request = EntryRequest.from_cents(line.key, SUSPENSE_KIND, lines, line.value_date, memo_of(line.entry))
    return Booking("suspense", LineStatus.SUSPENSE, request)


#: The matchers, first to last; the first that returns a booking decides. Keep ``to_suspense`` last.
MATCHERS: tuple[Matcher, ...] = (
    our_collection,
    our_return,
    our_payout,
    our_payout_return,
    booked_by_hand,
    creditor_reference,
    member_iban,
    to_suspense,
)


def match(context: MatchContext, line: LineToMatch, matchers: Sequence[Matcher] = MATCHERS) -> Booking:
    """The booking of ``line``: the first matcher's that recognises it."""
    for matcher in matchers:
        booking = matcher(context, line)
        if booking is not None:
            return booking
    return to_suspense(context, line)
