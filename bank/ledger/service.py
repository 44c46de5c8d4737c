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

from sqlalchemy import bindparam, func, insert, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from bank import clock
from bank.actor import Actor
from bank.db import MoneyType, is_postgresql
from bank.errors import (
    AccountClosed,
    BankError,
    IdempotencyConflict,
    InsufficientFunds,
    NotFound,
    UnbalancedEntry,
)
from bank.ledger.models import AccountStatus, AccountType, JournalEntry, LedgerAccount, Posting, Side
from bank.ledger.queries import balance
from bank.money import ZERO, from_cents, money, to_cents

#: Keys and account ids are looked up in chunks of this size (bind-parameter limits).
_CHUNK = 500

# Statements built once (building a statement costs more than running it on a small row).
_ENTRIES = JournalEntry.__table__
_POSTINGS = Posting.__table__
_ACCOUNTS = LedgerAccount.__table__
_SQLITE_INSERT_ENTRY = (
    sqlite_insert(_ENTRIES)
    .on_conflict_do_nothing(index_elements=["idempotency_key"])
    .returning(_ENTRIES.c.id)
)
_INSERT_POSTINGS_RETURNING = insert(_POSTINGS).returning(_POSTINGS.c.id, sort_by_parameter_order=True)
_UPDATE_TOTALS = (
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == bindparam("account_id"))
    .values(
        debits_posted=_ACCOUNTS.c.debits_posted + bindparam("debit_delta", type_=MoneyType()),
        credits_posted=_ACCOUNTS.c.credits_posted + bindparam("credit_delta", type_=MoneyType()),
    )
)
_EXISTING = select(_ENTRIES.c.id, _ENTRIES.c.idempotency_key, _ENTRIES.c.content_hash).where(
    _ENTRIES.c.idempotency_key.in_(bindparam("keys", expanding=True))
)


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
    request = EntryRequest(key, kind, lines, value_date, memo)
    result = _post(session, [request], actor=actor)
    entry = result.built.get(key) or session.get(JournalEntry, result.ids[0])
    assert entry is not None
    return entry


def post_many(session: Session, requests: Sequence[EntryRequest], *, actor: Actor) -> list[int]:
    """Post a batch of entries in the caller's transaction; returns their ids in order.

    All or nothing: if one entry is refused nothing of the batch is written. Entries already
    posted under the same key and content are returned, not posted again.
    """
    return _post(session, requests, actor=actor).ids


@dataclass
class _Posted:
    ids: list[int]
    #: Entries built in memory from what was just inserted (single posts), keyed by key.
    built: dict[str, JournalEntry] = field(default_factory=dict)


def _post(session: Session, requests: Sequence[EntryRequest], *, actor: Actor) -> _Posted:
    """The one path of ``post`` and ``post_many``.

    The order keeps the time a member account stays locked short: idempotent retries are
    answered before any lock is taken; only accounts whose balance is checked and goes down
    are locked (``FOR UPDATE``, in id order); from the lock to the commit there are only the
    inserts and one update of the cached totals.
    """
    if not requests:
        return _Posted([])
    # The ledger reads with plain statements: pending changes (a status set but not yet
    # flushed, say) must be in the database first.
    session.flush()
    by_key: dict[str, EntryRequest] = {}
    for request in requests:
        seen = by_key.get(request.key)
        if seen is not None and seen.content_hash != request.content_hash:
            raise IdempotencyConflict(f"key {request.key!r} used twice in one batch with other content")
        by_key[request.key] = request

    existing = _existing_entries(session, by_key)
    new_requests = [r for r in by_key.values() if r.key not in existing]
    built: dict[str, JournalEntry] = {}
    if new_requests:
        accounts = _lock_and_load_accounts(session, new_requests)
        try:
            _check_accounts(new_requests, accounts)
        except BankError:
            # While we waited for the lock another transaction may have posted these very
            # keys (a double submit); then its entry is the answer, not a refusal caused by it.
            late = _existing_entries(session, by_key)
            if not all(r.key in late for r in new_requests):
                raise
            existing.update(late)
            new_requests = []
        if len(new_requests) == 1:
            inserted, built = _insert_one(session, new_requests[0], accounts, actor)
            existing.update(inserted)
        elif new_requests:
            try:
                with session.begin_nested():
                    inserted = _insert_many(session, new_requests, accounts, actor)
            except IntegrityError:
                # Another transaction posted one of these keys since we looked: answer from it.
                inserted = _existing_entries(session, by_key)
                if not all(r.key in inserted for r in new_requests):
                    raise
            existing.update(inserted)
    return _Posted([existing[r.key] for r in requests], built)


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


_ACCOUNT_COLUMNS = tuple(
    LedgerAccount.__table__.c[name]
    for name in (
        "id",
        "code",
        "type",
        "status",
        "is_control",
        "may_go_negative",
        "keeps_cached_totals",
        "debits_posted",
        "credits_posted",
    )
)
_LOAD_ACCOUNTS = select(*_ACCOUNT_COLUMNS).where(_ACCOUNTS.c.id.in_(bindparam("ids", expanding=True)))
_LOCK_ACCOUNTS = _LOAD_ACCOUNTS.order_by(_ACCOUNTS.c.id).with_for_update()


def _lock_and_load_accounts(session: Session, requests: Sequence[EntryRequest]) -> dict[int, _AccountState]:
    """Load every touched account; lock (in id order) the checked ones that a line takes from.

    Only an account that may not go negative *and* loses money in this batch needs the lock:
    money coming in cannot make a balance negative, and the cached totals are updated with
    ``x = x + delta``, which is atomic without it. So deposits never wait on each other.
    """
    account_ids = sorted({line.account_id for r in requests for line in r.lines})
    connection = session.connection()
    rows = []
    for start in range(0, len(account_ids), _CHUNK):
        chunk = account_ids[start : start + _CHUNK]
        rows.extend(connection.execute(_LOAD_ACCOUNTS, {"ids": chunk}).all())
    missing = set(account_ids) - {row.id for row in rows}
    if missing:
        raise NotFound(f"ledger account {min(missing)} does not exist")
    by_id = {row.id: row for row in rows}
    taken_from = {
        line.account_id
        for r in requests
        for line in r.lines
        if (line.side is Side.DEBIT) != AccountType(by_id[line.account_id].type).debit_normal
    }
    checked = sorted(i for i in taken_from if not by_id[i].may_go_negative)
    if checked and is_postgresql(session):
        for start in range(0, len(checked), _CHUNK):
            chunk = checked[start : start + _CHUNK]
            for row in connection.execute(_LOCK_ACCOUNTS, {"ids": chunk}):
                by_id[row.id] = row
    states = {}
    for row in by_id.values():
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
    """Entries already posted under these keys; a key with other content is a conflict."""
    found: dict[str, int] = {}
    keys = list(by_key)
    connection = session.connection()
    for start in range(0, len(keys), _CHUNK):
        for row in connection.execute(_EXISTING, {"keys": keys[start : start + _CHUNK]}):
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


def _entry_row(request: EntryRequest, actor: Actor, posted_at: dt.datetime) -> dict[str, object]:
    return {
        "idempotency_key": request.key,
        "content_hash": request.content_hash,
        "kind": request.kind,
        "value_date": request.value_date,
        "posted_at": posted_at,
        "memo": request.memo,
        "actor_id": actor.user_id,
        "actor_label": actor.label,
        "reverses_entry_id": request.reverses_entry_id,
    }


def _posting_rows(entry_id: int, request: EntryRequest) -> list[dict[str, object]]:
    return [
        {
            "entry_id": entry_id,
            "account_id": line.account_id,
            "side": line.side,
            "amount": line.amount,
            "value_date": request.value_date,
        }
        for line in request.lines
    ]


#: PostgreSQL: the entry, its postings and the cached totals in ONE statement (data-modifying
#: CTEs), so a member account locked for a withdrawal is held for three round trips only
#: (lock, write, commit). A key that exists makes the entry insert a no-op, and then nothing
#: else is written either (the other parts join on it).
_PG_WRITE_ENTRY = text(
    """
    WITH entry AS (
        INSERT INTO journal_entries (idempotency_key, content_hash, kind, value_date, posted_at,
                                     memo, actor_id, actor_label, reverses_entry_id)
        VALUES (:idempotency_key, :content_hash, :kind, :value_date, :posted_at,
                :memo, :actor_id, :actor_label, :reverses_entry_id)
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id
    ), posted AS (
        INSERT INTO postings (entry_id, account_id, side, amount, value_date)
        SELECT entry.id, line.account_id, line.side, line.amount, :value_date
        FROM entry CROSS JOIN unnest(CAST(:line_accounts AS integer[]), CAST(:line_sides AS varchar[]),
                                     CAST(:line_cents AS bigint[])) WITH ORDINALITY
                              AS line(account_id, side, amount, ordinal)
        ORDER BY line.ordinal
        RETURNING id, account_id, side, amount
    ), totals AS (
        UPDATE ledger_accounts AS account
        SET debits_posted = account.debits_posted + delta.debit_cents,
            credits_posted = account.credits_posted + delta.credit_cents
        FROM unnest(CAST(:total_accounts AS integer[]), CAST(:total_debits AS bigint[]),
                    CAST(:total_credits AS bigint[])) AS delta(account_id, debit_cents, credit_cents)
        WHERE account.id = delta.account_id AND EXISTS (SELECT 1 FROM entry)
        RETURNING account.id
    )
    SELECT entry.id AS entry_id, posted.id AS posting_id, posted.account_id, posted.side, posted.amount,
           (SELECT count(*) FROM totals) AS accounts_updated
    FROM entry CROSS JOIN posted
    ORDER BY posted.id
    """
)


def _insert_one(
    session: Session, request: EntryRequest, accounts: dict[int, _AccountState], actor: Actor
) -> tuple[dict[str, int], dict[str, JournalEntry]]:
    """Insert one entry without a savepoint: a key posted concurrently makes the insert a no-op.

    ``ON CONFLICT (idempotency_key) DO NOTHING`` writes nothing when the key exists, so the
    transaction stays usable and the existing entry is the answer (or a conflict). The entry
    and its postings are then built in memory from what was written: no read-back.
    """
    values = _entry_row(request, actor, clock.now_utc())
    if is_postgresql(session):
        written = _write_one_postgresql(session, request, accounts, values)
    else:
        written = _write_one_portable(session, request, accounts, values)
    if written is None:
        found = _existing_entries(session, {request.key: request})
        if request.key not in found:  # pragma: no cover - the conflicting row must be visible
            raise IdempotencyConflict(f"idempotency key {request.key!r} is being posted concurrently")
        return found, {}
    entry_id, posting_rows = written
    entry = JournalEntry(id=entry_id, **values)
    lines = [Posting(**row) for row in posting_rows]
    for obj in (entry, *lines):
        make_transient_to_detached(obj)
        session.add(obj)
    set_committed_value(entry, "postings", lines)
    for posting in lines:
        set_committed_value(posting, "entry", entry)
    return {request.key: entry_id}, {request.key: entry}


def _cent_deltas(
    requests: Sequence[EntryRequest], accounts: dict[int, _AccountState]
) -> dict[int, list[int]]:
    """Debit and credit cents per account that keeps cached totals, in account id order."""
    deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for request in requests:
        for line in request.lines:
            if accounts[line.account_id].keeps_cached_totals:
                deltas[line.account_id][0 if line.side is Side.DEBIT else 1] += to_cents(line.amount)
    return dict(sorted(deltas.items()))


def _write_one_postgresql(
    session: Session,
    request: EntryRequest,
    accounts: dict[int, _AccountState],
    values: dict[str, object],
) -> tuple[int, list[dict[str, object]]] | None:
    deltas = _cent_deltas([request], accounts)
    rows = (
        session.connection()
        .execute(
            _PG_WRITE_ENTRY,
            {
                **values,
                "line_accounts": [line.account_id for line in request.lines],
                "line_sides": [line.side.value for line in request.lines],
                "line_cents": [to_cents(line.amount) for line in request.lines],
                "total_accounts": list(deltas),
                "total_debits": [d for d, _ in deltas.values()],
                "total_credits": [c for _, c in deltas.values()],
            },
        )
        .all()
    )
    if not rows:
        return None
    if len(rows) != len(request.lines) or rows[0].accounts_updated != len(deltas):
        raise RuntimeError(f"entry {request.key!r} was written incompletely")  # the statement is atomic
    _expire_cached_totals(session, deltas.keys())
    return rows[0].entry_id, [
        {
            "id": row.posting_id,
            "entry_id": row.entry_id,
            "account_id": row.account_id,
            "side": Side(row.side),
            "amount": from_cents(row.amount),
            "value_date": request.value_date,
        }
        for row in rows
    ]


def _write_one_portable(
    session: Session,
    request: EntryRequest,
    accounts: dict[int, _AccountState],
    values: dict[str, object],
) -> tuple[int, list[dict[str, object]]] | None:
    connection = session.connection()
    entry_id = connection.execute(_SQLITE_INSERT_ENTRY, values).scalar()
    if entry_id is None:
        return None
    posting_rows = _posting_rows(entry_id, request)
    posting_ids = connection.execute(_INSERT_POSTINGS_RETURNING, posting_rows).scalars().all()
    _update_cached_totals(session, [request], accounts)
    return entry_id, [{"id": i, **row} for i, row in zip(posting_ids, posting_rows, strict=True)]


def _insert_many(
    session: Session,
    requests: Sequence[EntryRequest],
    accounts: dict[int, _AccountState],
    actor: Actor,
) -> dict[str, int]:
    posted_at = clock.now_utc()
    entries = JournalEntry.__table__
    connection = session.connection()
    if is_postgresql(session):
        ids = (
            connection.execute(
                insert(entries).returning(entries.c.id, sort_by_parameter_order=True),
                [_entry_row(r, actor, posted_at) for r in requests],
            )
            .scalars()
            .all()
        )
    else:
        # SQLite cannot return ids in parameter order from one statement, so SQLAlchemy would
        # insert row by row. The transaction holds the database's write lock (BEGIN IMMEDIATE)
        # and entries are never deleted, so the next ids are ours: one executemany instead.
        first_id = (connection.execute(select(func.max(entries.c.id))).scalar() or 0) + 1
        ids = list(range(first_id, first_id + len(requests)))
        connection.execute(
            insert(entries),
            [
                {"id": entry_id, **_entry_row(request, actor, posted_at)}
                for entry_id, request in zip(ids, requests, strict=True)
            ],
        )
    posting_rows = []
    for entry_id, request in zip(ids, requests, strict=True):
        posting_rows.extend(_posting_rows(entry_id, request))
    connection.execute(insert(Posting.__table__), posting_rows)
    _update_cached_totals(session, requests, accounts)
    return {r.key: entry_id for r, entry_id in zip(requests, ids, strict=True)}


def _update_cached_totals(
    session: Session, requests: Sequence[EntryRequest], accounts: dict[int, _AccountState]
) -> None:
    """Add the batch's debits and credits to the cached totals (one row per account, id order)."""
    deltas = _cent_deltas(requests, accounts)
    if not deltas:
        return
    session.connection().execute(
        _UPDATE_TOTALS,
        [
            {"account_id": account_id, "debit_delta": from_cents(d), "credit_delta": from_cents(c)}
            for account_id, (d, c) in deltas.items()
        ],
    )
    _expire_cached_totals(session, deltas.keys())


def _expire_cached_totals(session: Session, account_ids: Iterable[int]) -> None:
    """Loaded accounts must re-read the totals just changed under them by SQL."""
    for account_id in account_ids:
        account = session.identity_map.get(identity_key(LedgerAccount, account_id))
        if account is not None:
            session.expire(account, ["debits_posted", "credits_posted"])


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
