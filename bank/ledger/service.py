"""The only writer of money: ``post()`` / ``post_many()``, reversals and child accounts.

Rules (DESIGN.md, "The ledger"): two or more lines, every amount > 0, debits == credits,
accounts open and not control accounts, no account that may not go negative goes negative.
Accounts whose balance is checked are locked (``FOR UPDATE`` on PostgreSQL, in id order;
SQLite's ``BEGIN IMMEDIATE`` already holds the database lock). Busy system accounts are not
locked and keep no cached totals, so deposits for different members never wait on each other.
The idempotency key is unique: the same key and content returns the first entry, other
content raises :class:`IdempotencyConflict`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.db import MoneyType, is_postgresql
from bank.errors import AccountClosed, IdempotencyConflict, InsufficientFunds, NotFound, UnbalancedEntry
from bank.ledger.models import AccountStatus, AccountType, JournalEntry, LedgerAccount, Posting, Side
from bank.ledger.queries import balance
from bank.money import ZERO, money, to_cents

#: Keys and account ids are looked up in chunks of this size (bind-parameter limits).
_CHUNK = 500


@dataclass(frozen=True)
class Line:
    """One side of one account in an entry."""

    account_id: int
    side: Side
    amount: Decimal


def debit(account: LedgerAccount | int, amount: Decimal) -> Line:
    return Line(account if isinstance(account, int) else account.id, Side.DEBIT, money(amount))


def credit(account: LedgerAccount | int, amount: Decimal) -> Line:
    return Line(account if isinstance(account, int) else account.id, Side.CREDIT, money(amount))


@dataclass(frozen=True)
class EntryRequest:
    """What a caller asks to post; ``post_many`` takes a list of these."""

    key: str
    kind: str
    lines: Sequence[Line]
    value_date: dt.date
    memo: str = ""
    reverses_entry_id: int | None = None
    content_hash: str = field(init=False, default="")

    def __post_init__(self) -> None:
        _validate(self)
        object.__setattr__(self, "content_hash", _content_hash(self))


def _validate(request: EntryRequest) -> None:
    if not request.key or len(request.key) > 200:
        raise UnbalancedEntry("an entry needs an idempotency key of 1 to 200 characters")
    if not request.kind or len(request.kind) > 40:
        raise UnbalancedEntry(f"entry {request.key!r} needs a kind of 1 to 40 characters")
    if isinstance(request.value_date, dt.datetime) or not isinstance(request.value_date, dt.date):
        raise UnbalancedEntry(f"entry {request.key!r}: value_date must be a date")
    if len(request.lines) < 2:
        raise UnbalancedEntry(f"entry {request.key!r} needs at least two lines")
    total = {Side.DEBIT: ZERO, Side.CREDIT: ZERO}
    for line in request.lines:
        amount = money(line.amount)
        if amount <= 0:
            raise UnbalancedEntry(f"entry {request.key!r}: every amount must be greater than 0")
        total[line.side] += amount
    if total[Side.DEBIT] != total[Side.CREDIT]:
        raise UnbalancedEntry(
            f"entry {request.key!r} does not balance: debits {total[Side.DEBIT]} "
            f"!= credits {total[Side.CREDIT]}"
        )


def _content_hash(request: EntryRequest) -> str:
    canonical = {
        "kind": request.kind,
        "value_date": request.value_date.isoformat(),
        "memo": request.memo,
        "reverses": request.reverses_entry_id,
        "lines": sorted((line.account_id, line.side.value, to_cents(line.amount)) for line in request.lines),
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def post(
    session: Session,
    key: str,
    kind: str,
    lines: Sequence[Line],
    value_date: dt.date,
    actor: Actor,
    memo: str = "",
) -> JournalEntry:
    """Post one balanced entry (or return the one already posted under ``key``)."""
    entry_ids = post_many(session, [EntryRequest(key, kind, lines, value_date, memo)], actor=actor)
    entry = session.get(JournalEntry, entry_ids[0])
    assert entry is not None
    return entry


def post_many(session: Session, requests: Sequence[EntryRequest], *, actor: Actor) -> list[int]:
    """Post a batch of entries in the caller's transaction; returns their ids in order.

    All or nothing: if one entry is refused nothing of the batch is written. Entries already
    posted under the same key and content are returned, not posted again.
    """
    if not requests:
        return []
    by_key: dict[str, EntryRequest] = {}
    for request in requests:
        seen = by_key.get(request.key)
        if seen is not None and seen.content_hash != request.content_hash:
            raise IdempotencyConflict(f"key {request.key!r} used twice in one batch with other content")
        by_key[request.key] = request

    accounts = _lock_and_load_accounts(
        session, {line.account_id for r in by_key.values() for line in r.lines}
    )
    existing = _existing_entries(session, by_key)
    new_requests = [r for r in by_key.values() if r.key not in existing]
    if new_requests:
        _check_accounts(new_requests, accounts)
        try:
            with session.begin_nested():
                inserted = _insert(session, new_requests, accounts, actor)
        except IntegrityError:
            # Another transaction posted one of these keys since we looked: answer from it.
            existing = _existing_entries(session, by_key)
            missing = [r.key for r in by_key.values() if r.key not in existing]
            if missing:
                raise
            inserted = {}
        existing.update(inserted)
    return [existing[r.key] for r in requests]


@dataclass
class _AccountState:
    id: int
    code: str
    type: AccountType
    status: AccountStatus
    is_control: bool
    may_go_negative: bool
    keeps_cached_totals: bool
    balance: Decimal


def _lock_and_load_accounts(session: Session, account_ids: set[int]) -> dict[int, _AccountState]:
    """Load every touched account; lock (in id order) those whose balance will be checked."""
    table = LedgerAccount.__table__
    columns = (
        table.c.id,
        table.c.code,
        table.c.type,
        table.c.status,
        table.c.is_control,
        table.c.may_go_negative,
        table.c.keeps_cached_totals,
        table.c.debits_posted,
        table.c.credits_posted,
    )
    rows = []
    ordered = sorted(account_ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        rows.extend(session.execute(select(*columns).where(table.c.id.in_(chunk))).all())
    found = {row.id for row in rows}
    missing = account_ids - found
    if missing:
        raise NotFound(f"ledger account {min(missing)} does not exist")
    checked = sorted(row.id for row in rows if not row.may_go_negative)
    if checked and is_postgresql(session):
        locked = []
        for start in range(0, len(checked), _CHUNK):
            chunk = checked[start : start + _CHUNK]
            locked.extend(
                session.execute(
                    select(*columns).where(table.c.id.in_(chunk)).order_by(table.c.id).with_for_update()
                ).all()
            )
        fresh = {row.id: row for row in locked}
        rows = [fresh.get(row.id, row) for row in rows]
    states = {}
    for row in rows:
        if not row.may_go_negative and not row.keeps_cached_totals:
            # The overdraft check reads the cached totals; without them it would check nothing.
            raise RuntimeError(f"account {row.code} may not go negative but keeps no cached totals")
        account_type = AccountType(row.type)
        net = row.debits_posted - row.credits_posted
        states[row.id] = _AccountState(
            id=row.id,
            code=row.code,
            type=account_type,
            status=AccountStatus(row.status),
            is_control=row.is_control,
            may_go_negative=row.may_go_negative,
            keeps_cached_totals=row.keeps_cached_totals,
            balance=net if account_type.debit_normal else -net,
        )
    return states


def _existing_entries(session: Session, by_key: dict[str, EntryRequest]) -> dict[str, int]:
    table = JournalEntry.__table__
    found: dict[str, int] = {}
    keys = list(by_key)
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        rows = session.execute(
            select(table.c.id, table.c.idempotency_key, table.c.content_hash).where(
                table.c.idempotency_key.in_(chunk)
            )
        ).all()
        for row in rows:
            if row.content_hash != by_key[row.idempotency_key].content_hash:
                raise IdempotencyConflict(
                    f"idempotency key {row.idempotency_key!r} was already used for a different movement"
                )
            found[row.idempotency_key] = row.id
    return found


def _check_accounts(requests: Iterable[EntryRequest], accounts: dict[int, _AccountState]) -> None:
    for request in requests:
        for line in request.lines:
            state = accounts[line.account_id]
            if state.status is not AccountStatus.OPEN:
                raise AccountClosed(f"account {state.code} is closed")
            if state.is_control:
                raise UnbalancedEntry(f"account {state.code} is a control account; post to a child account")
            grows = (line.side is Side.DEBIT) == state.type.debit_normal
            state.balance += line.amount if grows else -line.amount
        for line in request.lines:
            state = accounts[line.account_id]
            if not state.may_go_negative and state.balance < 0:
                raise InsufficientFunds(
                    f"insufficient funds on account {state.code}: short by {(-state.balance):.2f}",
                    fields={"amount": "exceeds the available balance"},
                )


def _insert(
    session: Session,
    requests: Sequence[EntryRequest],
    accounts: dict[int, _AccountState],
    actor: Actor,
) -> dict[str, int]:
    posted_at = clock.now_utc()
    entry_rows = [
        {
            "idempotency_key": r.key,
            "content_hash": r.content_hash,
            "kind": r.kind,
            "value_date": r.value_date,
            "posted_at": posted_at,
            "memo": r.memo,
            "actor_id": actor.user_id,
            "actor_label": actor.label,
            "reverses_entry_id": r.reverses_entry_id,
        }
        for r in requests
    ]
    ids = session.scalars(
        insert(JournalEntry).returning(JournalEntry.id, sort_by_parameter_order=True), entry_rows
    ).all()
    posting_rows = []
    deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for entry_id, request in zip(ids, requests, strict=True):
        for line in request.lines:
            posting_rows.append(
                {
                    "entry_id": entry_id,
                    "account_id": line.account_id,
                    "side": line.side,
                    "amount": line.amount,
                    "value_date": request.value_date,
                }
            )
            if accounts[line.account_id].keeps_cached_totals:
                deltas[line.account_id][0 if line.side is Side.DEBIT else 1] += to_cents(line.amount)
    session.execute(insert(Posting), posting_rows)
    if deltas:
        table = LedgerAccount.__table__
        statement = (
            update(table)
            .where(table.c.id == bindparam("account_id"))
            .values(
                debits_posted=table.c.debits_posted + bindparam("debit_delta", type_=MoneyType()),
                credits_posted=table.c.credits_posted + bindparam("credit_delta", type_=MoneyType()),
            )
        )
        session.connection().execute(
            statement,
            [
                {
                    "account_id": account_id,
                    "debit_delta": Decimal(d) / 100,
                    "credit_delta": Decimal(c) / 100,
                }
                for account_id, (d, c) in sorted(deltas.items())
            ],
        )
        _expire_cached_totals(session, deltas.keys())
    return {r.key: entry_id for r, entry_id in zip(requests, ids, strict=True)}


def _expire_cached_totals(session: Session, account_ids: Iterable[int]) -> None:
    touched = set(account_ids)
    for obj in list(session.identity_map.values()):
        if isinstance(obj, LedgerAccount) and obj.id in touched:
            session.expire(obj, ["debits_posted", "credits_posted"])


def reverse(
    session: Session,
    entry_id: int,
    *,
    reason: str,
    actor: Actor,
    value_date: dt.date | None = None,
    key: str | None = None,
) -> JournalEntry:
    """Cancel an entry with a new entry of opposite lines; the original is never touched."""
    original = session.get(JournalEntry, entry_id)
    if original is None:
        raise NotFound(f"journal entry {entry_id} does not exist")
    if original.reverses_entry_id is not None:
        raise UnbalancedEntry(f"entry {entry_id} is itself a reversal; post a new entry instead")
    if not reason.strip():
        raise UnbalancedEntry("a reversal needs a reason")
    lines = [
        Line(p.account_id, Side.CREDIT if p.side is Side.DEBIT else Side.DEBIT, p.amount)
        for p in original.postings
    ]
    request = EntryRequest(
        key=key or f"reversal:{entry_id}",
        kind="reversal",
        lines=lines,
        value_date=value_date or clock.today(),
        memo=f"Reversal of entry {entry_id}: {reason.strip()}",
        reverses_entry_id=entry_id,
    )
    existing = session.scalar(select(JournalEntry).where(JournalEntry.reverses_entry_id == entry_id))
    if existing is not None and existing.idempotency_key != request.key:
        raise IdempotencyConflict(f"entry {entry_id} was already reversed by entry {existing.id}")
    (new_id,) = post_many(session, [request], actor=actor)
    entry = session.get(JournalEntry, new_id)
    assert entry is not None
    return entry


def account_by_code(session: Session, code: str) -> LedgerAccount:
    account = session.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
    if account is None:
        raise NotFound(f"ledger account {code} does not exist")
    return account


def open_child_account(
    session: Session,
    parent_code: str,
    suffix: str,
    name: str,
    *,
    may_go_negative: bool = False,
) -> LedgerAccount:
    """Open the child account of a control account (one per member account, loan, holding)."""
    parent = account_by_code(session, parent_code)
    child = LedgerAccount(
        code=f"{parent_code}-{suffix}",
        name=name,
        type=parent.type,
        parent_id=parent.id,
        is_control=False,
        may_go_negative=may_go_negative,
        keeps_cached_totals=True,
        status=AccountStatus.OPEN,
        debits_posted=ZERO,
        credits_posted=ZERO,
    )
    session.add(child)
    session.flush()
    return child


def close_account(session: Session, account: LedgerAccount) -> None:
    """Close a child account; only at a zero balance, so no money is stranded."""
    if balance(session, account.id) != 0:
        raise AccountClosed(f"account {account.code} can only be closed at a zero balance")
    account.status = AccountStatus.CLOSED
    session.flush()
