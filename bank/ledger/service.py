"""The only writer of money: ``post()`` / ``post_many()``, reversals and child accounts.

Rules (DESIGN.md, "The ledger"): two or more lines, every amount > 0, debits == credits,
accounts open and not control accounts, no account that may not go negative goes negative.
Accounts whose balance is checked are locked (``FOR UPDATE`` on PostgreSQL, in id order;
SQLite's ``BEGIN IMMEDIATE`` already holds the database lock). Busy system accounts are not
locked and keep no cached totals, so deposits for different members never wait on each other.
The idempotency key is unique: the same key and content returns the first entry, other
content raises :class:`IdempotencyConflict`.

A batch (a run posts thousands of entries per ``post_many``) takes the same path with the same
rules, set-based: every request is validated and hashed in integer cents when it is made
(``EntryRequest.from_cents`` saves the Decimal round trip for callers that compute in cents),
the keys and the accounts are read with one statement each, and the entries, postings and
cached totals are written with one statement on PostgreSQL (rows as arrays) or three driver
executemany on SQLite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from json.encoder import encode_basestring_ascii as _json_string  # what json.dumps uses
from typing import Any, overload

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Select,
    String,
    any_,
    bindparam,
    cast,
    func,
    insert,
    literal_column,
    select,
    text,
    type_coerce,
    update,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from bank import clock
from bank.actor import Actor
from bank.db import MoneyType, is_postgresql, pg_date_array, pg_int_array, pg_text_array, table_of
from bank.errors import (
    N_,
    AccountClosed,
    BankError,
    IdempotencyConflict,
    InsufficientFunds,
    NotFound,
)
from bank.ledger.errors import (
    AmountNotPositive,
    CorrectionBeforeItsPeriod,
    DebitsAreNotCredits,
    EntryInClosedPeriod,
    InvalidEntryKind,
    InvalidIdempotencyKey,
    InvalidValueDate,
    PostingToControlAccount,
    ReversalOfReversal,
    ReversalWithoutReason,
    TooFewLines,
)
from bank.ledger.models import (
    YEAR_END_CLOSING,
    AccountStatus,
    ClosedYear,
    JournalEntry,
    LedgerAccount,
    Posting,
    Side,
)
from bank.ledger.queries import balance, closed_through
from bank.ledger.rules import (
    is_debit_normal,
    needs_balance_check,
    normal_balance,
    overdrawn,
    sql_needs_balance_check,
    sql_normal_balance,
    takes_money,
)
from bank.money import ZERO, from_cents, money, to_cents

# Statements built once (building a statement costs more than running it on a small row).
_ENTRIES = table_of(JournalEntry)
_POSTINGS = table_of(Posting)
_ACCOUNTS = table_of(LedgerAccount)
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


#: One line of an entry as the ledger works with it: (account id, debit?, integer cents).
CentsLine = tuple[int, bool, int]


@dataclass(frozen=True)
class EntryRequest:
    """What a caller asks to post; ``post_many`` takes a list of these.

    The lines are validated and turned into integer cents once, here; the ledger's checks,
    the content hash and the inserts all work on those cents (``cents``), so a batch of
    thousands of entries makes no Decimal arithmetic after its requests are built.
    """

    key: str
    kind: str
    lines: Sequence[Line]
    value_date: dt.date
    memo: str = ""
    reverses_entry_id: int | None = None
    #: A correction names the closed month it corrects (any day of it; kept as its first day).
    corrects_month: dt.date | None = None
    content_hash: str = field(init=False, default="")
    cents: tuple[CentsLine, ...] = field(init=False, default=(), repr=False, compare=False)

    def __post_init__(self) -> None:
        _validate_header(self)
        cents = tuple(
            (line.account_id, line.side is Side.DEBIT, to_cents(line.amount)) for line in self.lines
        )
        _finish_request(self, cents)

    @classmethod
    def from_cents(
        cls,
        key: str,
        kind: str,
        lines: Iterable[CentsLine],
        value_date: dt.date,
        memo: str = "",
        corrects_month: dt.date | None = None,
    ) -> EntryRequest:
        """A request from integer cents, for system batches that compute in cents (the runs).

        The same rules apply as to any request (validated in :func:`_finish_request`); only the
        round trip cents -> Decimal -> cents is saved. ``lines`` are (account id, debit?, cents).
        """
        cents = tuple(lines)
        for account, is_debit, amount in cents:
            if type(amount) is not int or type(is_debit) is not bool or type(account) is not int:
                raise TypeError(f"entry {key!r}: lines must be (account id, debit?, integer cents)")
        request = object.__new__(cls)
        # The frozen dataclass's fields, set the way its own __init__ would (one dict update).
        request.__dict__.update(
            key=key,
            kind=kind,
            lines=_LinesFromCents(cents),
            value_date=value_date,
            memo=memo,
            reverses_entry_id=None,
            corrects_month=corrects_month,
        )
        _validate_header(request)
        _finish_request(request, cents)
        return request


_DEBIT = Side.DEBIT
_CREDIT = Side.CREDIT


class _LinesFromCents(Sequence[Line]):
    """``EntryRequest.lines`` of a request made from cents, built only when someone reads them.

    The ledger itself works on ``cents``; a run makes tens of thousands of requests whose
    Decimal lines nobody reads, so they are not made up front.
    """

    __slots__ = ("_cents",)

    def __init__(self, cents: tuple[CentsLine, ...]) -> None:
        self._cents = cents

    def __len__(self) -> int:
        return len(self._cents)

    @overload
    def __getitem__(self, index: int) -> Line: ...
    @overload
    def __getitem__(self, index: slice) -> list[Line]: ...
    def __getitem__(self, index: int | slice) -> Line | list[Line]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._cents)))]
        account, is_debit, cents = self._cents[index]
        return Line(account, _DEBIT if is_debit else _CREDIT, _decimal_cents(cents))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(list(self))


def _decimal_cents(cents: int) -> Decimal:
    """``from_cents`` without the division: Decimal(12345).scaleb(-2) is exactly 123.45."""
    return Decimal(cents).scaleb(-2)


def _finish_request(request: EntryRequest, cents: tuple[CentsLine, ...]) -> None:
    fields = request.__dict__  # frozen: set as the dataclass's own __init__ does
    fields["cents"] = cents
    _validate_lines(request)
    fields["content_hash"] = _content_hash(request)


def _validate_header(request: EntryRequest) -> None:
    if not request.key or len(request.key) > 200:
        raise InvalidIdempotencyKey()
    if not request.kind or len(request.kind) > 40:
        raise InvalidEntryKind(key=request.key)
    if isinstance(request.value_date, dt.datetime) or not isinstance(request.value_date, dt.date):
        raise InvalidValueDate(key=request.key)
    corrects = request.corrects_month
    if corrects is not None:
        if isinstance(corrects, dt.datetime) or not isinstance(corrects, dt.date):
            raise InvalidValueDate(key=request.key)
        # A correction is dated after the month it corrects, and names the month by its first day.
        request.__dict__["corrects_month"] = corrects = corrects.replace(day=1)
        if corrects > request.value_date:
            raise CorrectionBeforeItsPeriod(key=request.key, month=f"{corrects:%Y-%m}")


def _validate_lines(request: EntryRequest) -> None:
    if len(request.cents) < 2:
        raise TooFewLines(key=request.key)
    debits = credits = 0
    for _, is_debit, amount in request.cents:
        if amount <= 0:
            raise AmountNotPositive(key=request.key)
        if is_debit:
            debits += amount
        else:
            credits += amount
    if debits != credits:
        raise DebitsAreNotCredits(key=request.key, debits=from_cents(debits), credits=from_cents(credits))


_SIDE_JSON = {True: '"debit"', False: '"credit"'}


def _content_hash(request: EntryRequest) -> str:
    """sha256 of the canonical content, compared when a key is used again.

    The text is exactly ``json.dumps(canonical, sort_keys=True)`` of
    ``{"kind", "value_date", "memo", "reverses", "lines": sorted [account, side, cents]}``
    (hashes stored by earlier versions must keep matching), written out by hand because the
    generic encoder was a large share of a batch's time. A test compares the two.
    """
    # (account, debit?, cents) sorts as (account, "debit"/"credit", cents) does: False < True
    # as "credit" < "debit".
    lines = sorted(request.cents)
    reverses = "null" if request.reverses_entry_id is None else f"{request.reverses_entry_id:d}"
    # A correction's month is part of its content; entries without one hash as they always did.
    corrects = request.corrects_month
    text = "".join(
        (
            '{"kind": ' if corrects is None else f'{{"corrects": "{corrects.isoformat()}", "kind": ',
            _json_string(request.kind),
            ', "lines": [',
            ", ".join(
                [f"[{account:d}, {_SIDE_JSON[is_debit]}, {cents:d}]" for account, is_debit, cents in lines]
            ),
            '], "memo": ',
            _json_string(request.memo),
            ', "reverses": ',
            reverses,
            ', "value_date": "',
            request.value_date.isoformat(),
            '"}',
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()


def post(
    session: Session,
    key: str,
    kind: str,
    lines: Sequence[Line],
    value_date: dt.date,
    actor: Actor,
    memo: str = "",
    *,
    corrects_month: dt.date | None = None,
) -> JournalEntry:
    """Post one balanced entry (or return the one already posted under ``key``).

    ``corrects_month``: the closed month this entry corrects (it is itself dated in the open period).
    """
    request = EntryRequest(key, kind, lines, value_date, memo, corrects_month=corrects_month)
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


#: A single entry with more lines than this (a distribution to thousands of members) takes the
#: batch path: one executemany, no ORM object or RETURNING row per line.
_FEW_LINES = 64


@dataclass
class _Posted:
    ids: list[int]
    #: Entries built in memory from what was just inserted (single posts), keyed by key.
    built: dict[str, JournalEntry] = field(default_factory=dict)


def post_year_end_closing(session: Session, request: EntryRequest, *, actor: Actor) -> int:
    """Post a year's closing entry (afsluitboeking), dated its last day inside the closed period.

    The one entry a closed period takes: the closing of the year itself, which
    ``bank.ledger.periods.close_year`` posts once every month of the year is closed and before
    the year is marked closed. Anything else dated there is refused as always.
    """
    last_day = request.value_date
    if request.kind != YEAR_END_CLOSING or (last_day.month, last_day.day) != (12, 31):
        raise ValueError("only the year-end closing entry, dated 31 December, is posted this way")
    if session.scalar(select(ClosedYear.id).where(ClosedYear.year == last_day.year)) is not None:
        raise EntryInClosedPeriod(key=request.key, value_date=last_day, closed_through=last_day)
    return _post(session, [request], actor=actor, closing=True).ids[0]


def _post(
    session: Session, requests: Sequence[EntryRequest], *, actor: Actor, closing: bool = False
) -> _Posted:
    """The one path of ``post`` and ``post_many``.

    Keys are nearly always new, so the first attempt does not look them up: it checks and
    writes as if every request were new, and the write itself notices a key that exists
    (``ON CONFLICT`` for one entry, the unique key inside a savepoint for a batch). Only then,
    or when a check refuses, are the existing entries looked up and the rest posted again:
    same key and content returns the first entry, other content is a conflict.

    Accounts whose balance is checked and goes down are locked (``FOR UPDATE``, in id order)
    before the check, so from the lock to the commit there are only the inserts and one
    update of the cached totals. A batch on PostgreSQL first tries without those locks: its
    update of the cached totals takes them, and only where the balance is still at least what
    the check saw; if any balance went down meanwhile, the savepoint is rolled back and the
    batch is posted again the locked way.
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
            raise IdempotencyConflict(
                N_("key '%(key)s' used twice in one batch with other content"), key=request.key
            )
        by_key[request.key] = request

    try:
        existing, built = _write_new(
            session, list(by_key.values()), actor, first_attempt=True, closing=closing
        )
    except _LookAgain:
        existing = _existing_entries(session, by_key)
        new_requests = [r for r in by_key.values() if r.key not in existing]
        inserted, built = _write_new(session, new_requests, actor, first_attempt=False, closing=closing)
        existing.update(inserted)
    return _Posted([existing[r.key] for r in requests], built)


class _LookAgain(Exception):
    """A first attempt met a taken key or a balance that moved: look up keys, post the rest locked."""


class _BalanceMoved(Exception):
    """An unlocked batch found a checked balance lower than when it was checked."""


def _refuse_closed_period(session: Session, requests: list[EntryRequest], *, first_attempt: bool) -> None:
    """No entry dated in a closed period: one read per batch (closed months are one unbroken run).

    On a first attempt the keys were not looked up yet: an entry posted before the period was
    closed and asked for again is the answer, not a refusal, so look them up first.
    """
    earliest = min(requests, key=lambda r: r.value_date)
    through = closed_through(session)
    if through is not None and earliest.value_date <= through:
        if first_attempt:
            raise _LookAgain()
        raise EntryInClosedPeriod(key=earliest.key, value_date=earliest.value_date, closed_through=through)


def _write_new(
    session: Session,
    new_requests: list[EntryRequest],
    actor: Actor,
    *,
    first_attempt: bool,
    closing: bool = False,
) -> tuple[dict[str, int], dict[str, JournalEntry]]:
    """Check and insert requests believed new; their ids by key (and built entries)."""
    if not new_requests:
        return {}, {}
    keys = {r.key: r for r in new_requests}
    if not closing:
        _refuse_closed_period(session, new_requests, first_attempt=first_attempt)
    single = len(new_requests) == 1 and len(new_requests[0].cents) <= _FEW_LINES
    unlocked = first_attempt and not single and is_postgresql(session)
    accounts = _lock_and_load_accounts(session, new_requests, lock=not unlocked)
    floors = _balance_floors(new_requests, accounts) if unlocked else None
    try:
        _check_accounts(new_requests, accounts)
    except BankError:
        if unlocked:
            raise _LookAgain() from None  # balances read without a lock may be out of date
        # An entry posted earlier (a retry) or while we waited for the lock (a double submit)
        # may be what makes the check fail; then that entry is the answer, not a refusal.
        late = _existing_entries(session, keys)
        if late and len(late) == len(keys):
            return late, {}
        if late and first_attempt:
            raise _LookAgain() from None
        raise
    if single:
        return _insert_one(session, new_requests[0], accounts, actor)
    try:
        with session.begin_nested():
            return _insert_many(session, new_requests, accounts, actor, floors), {}
    except _BalanceMoved:
        raise _LookAgain() from None
    except IntegrityError:
        if first_attempt:
            raise _LookAgain() from None
        # Another transaction posted one of these keys since we looked: answer from it.
        inserted = _existing_entries(session, keys)
        if len(inserted) != len(keys):
            raise
        return inserted, {}


def _balance_floors(requests: Sequence[EntryRequest], accounts: dict[int, _AccountState]) -> dict[int, int]:
    """Balance (cents) as read of each checked account that loses money in ``requests``.

    The unlocked write updates such an account only if its balance is still at least this,
    so every balance the check computed from it is at most what is really there.
    """
    floors = {}
    for request in requests:
        for account, is_debit, _ in request.cents:
            state = accounts[account]
            if needs_balance_check(state.may_go_negative, state.debit_normal, is_debit):
                floors[account] = state.balance
    return floors


@dataclass
class _AccountState:
    id: int
    code: str
    debit_normal: bool
    open: bool
    is_control: bool
    may_go_negative: bool
    keeps_cached_totals: bool
    #: Integer cents on the account's normal side (positive = what it normally holds).
    balance: int


_ACCOUNT_COLUMNS = (
    _ACCOUNTS.c.id,
    _ACCOUNTS.c.code,
    # Enum columns as their stored text: the checks compare values, no enum object per row.
    type_coerce(_ACCOUNTS.c.type, String).label("type"),
    type_coerce(_ACCOUNTS.c.status, String).label("status"),
    _ACCOUNTS.c.is_control,
    _ACCOUNTS.c.may_go_negative,
    _ACCOUNTS.c.keeps_cached_totals,
    # Raw cents: no Decimal per row (a run's batch loads a couple of thousand accounts).
    type_coerce(_ACCOUNTS.c.debits_posted, BigInteger).label("debits_posted"),
    type_coerce(_ACCOUNTS.c.credits_posted, BigInteger).label("credits_posted"),
)
# All ids travel in ONE parameter (a PostgreSQL array, a JSON array on SQLite): one statement
# per batch whatever its size, and nothing to re-render per call as with ``IN (:id_1, ...)``.
_SQLITE_IDS: Select[Any] = select(literal_column("value")).select_from(
    func.json_each(bindparam("ids", type_=String))
)
_ACCOUNT_SELECT_LIST = (
    "account.id, account.code, account.type, account.status, account.is_control, account.may_go_negative,"
    " account.keeps_cached_totals, account.debits_posted, account.credits_posted"
)
_PG_LOAD_ACCOUNTS = text(
    f"SELECT {_ACCOUNT_SELECT_LIST} FROM ledger_accounts AS account"
    " WHERE account.id = ANY(CAST(:ids AS integer[]))"
)
#: PostgreSQL: every touched account in ONE statement, the ones a line takes money from that
#: may not go negative locked first (``FOR UPDATE`` in id order) and read as locked, i.e. their
#: latest committed balance. An account takes money when a line is on the side opposite to its
#: normal one (a credit to an asset or expense, a debit to anything else): bank.ledger.rules.
_PG_LOCK_AND_LOAD_ACCOUNTS = text(
    f"""
    WITH locked AS MATERIALIZED (
        SELECT {_ACCOUNT_SELECT_LIST}
        FROM ledger_accounts AS account
        WHERE account.id = ANY(CAST(:ids AS integer[]))
          AND {sql_needs_balance_check("CAST(:debited AS integer[])", "CAST(:credited AS integer[])")}
        ORDER BY account.id
        FOR UPDATE
    )
    SELECT * FROM locked
    UNION ALL
    SELECT {_ACCOUNT_SELECT_LIST}
    FROM ledger_accounts AS account
    WHERE account.id = ANY(CAST(:ids AS integer[])) AND account.id NOT IN (SELECT id FROM locked)
    """
)
_SQLITE_LOAD_ACCOUNTS = select(*_ACCOUNT_COLUMNS).where(_ACCOUNTS.c.id.in_(_SQLITE_IDS))
_PG_EXISTING = select(_ENTRIES.c.id, _ENTRIES.c.idempotency_key, _ENTRIES.c.content_hash).where(
    _ENTRIES.c.idempotency_key == any_(cast(bindparam("keys", type_=String), ARRAY(String)))
)
_SQLITE_EXISTING = select(_ENTRIES.c.id, _ENTRIES.c.idempotency_key, _ENTRIES.c.content_hash).where(
    _ENTRIES.c.idempotency_key.in_(
        select(literal_column("value")).select_from(func.json_each(bindparam("keys", type_=String)))
    )
)


def _keys_parameter(session: Session, keys: list[str]) -> str:
    """Keys as the one parameter of the statements above (an array literal, a JSON array)."""
    return pg_text_array(keys) if is_postgresql(session) else json.dumps(keys)


_OPEN = AccountStatus.OPEN.value


def _lock_and_load_accounts(
    session: Session, requests: Sequence[EntryRequest], *, lock: bool = True
) -> dict[int, _AccountState]:
    """Load every touched account; lock (in id order) the checked ones that a line takes from.

    Only an account that may not go negative *and* loses money in this batch needs the lock:
    money coming in cannot make a balance negative, and the cached totals are updated with
    ``x = x + delta``, which is atomic without it. So deposits never wait on each other.
    SQLite has one writer at a time and needs no lock; ``lock=False`` reads without locking.
    """
    debited: set[int] = set()
    credited: set[int] = set()
    for r in requests:
        for account, is_debit, _ in r.cents:
            (debited if is_debit else credited).add(account)
    account_ids = sorted(debited | credited)
    connection = session.connection()
    if is_postgresql(session) and not lock:
        rows = connection.execute(_PG_LOAD_ACCOUNTS, {"ids": pg_int_array(account_ids)}).all()
    elif is_postgresql(session):
        rows = connection.execute(
            _PG_LOCK_AND_LOAD_ACCOUNTS,
            {
                "ids": pg_int_array(account_ids),
                "debited": pg_int_array(sorted(debited)),
                "credited": pg_int_array(sorted(credited)),
            },
        ).all()
    else:
        rows = connection.execute(_SQLITE_LOAD_ACCOUNTS, {"ids": json.dumps(account_ids)}).all()
    by_id = {row[0]: row for row in rows}
    if len(by_id) != len(account_ids):
        raise NotFound(
            N_("ledger account %(account_id)s does not exist"), account_id=min(set(account_ids) - set(by_id))
        )
    states = {}
    for (
        account_id,
        code,
        account_type,
        status,
        is_control,
        may_go_negative,
        keeps_cached_totals,
        debits_posted,
        credits_posted,
    ) in by_id.values():
        if not may_go_negative and not keeps_cached_totals:
            # The overdraft check reads the cached totals; without them it would check nothing.
            raise RuntimeError(f"account {code} may not go negative but keeps no cached totals")
        debit_normal = is_debit_normal(account_type)
        states[account_id] = _AccountState(
            account_id,
            code,
            debit_normal,
            status == _OPEN,
            is_control,
            may_go_negative,
            keeps_cached_totals,
            normal_balance(debit_normal, debits_posted - credits_posted),
        )
    return states


def _existing_entries(session: Session, by_key: dict[str, EntryRequest]) -> dict[str, int]:
    """Entries already posted under these keys; a key with other content is a conflict."""
    found: dict[str, int] = {}
    statement = _PG_EXISTING if is_postgresql(session) else _SQLITE_EXISTING
    for row in session.connection().execute(statement, {"keys": _keys_parameter(session, list(by_key))}):
        if row.content_hash != by_key[row.idempotency_key].content_hash:
            raise IdempotencyConflict(
                N_("idempotency key '%(idempotency_key)s' was already used for a different movement"),
                idempotency_key=row.idempotency_key,
            )
        found[row.idempotency_key] = row.id
    return found


def _check_accounts(requests: Iterable[EntryRequest], accounts: dict[int, _AccountState]) -> None:
    """Every rule that needs the accounts, request by request in order, in integer cents."""
    for request in requests:
        lines = request.cents
        for account, is_debit, amount in lines:
            state = accounts[account]
            if not state.open:
                raise AccountClosed(N_("account %(code)s is closed"), code=state.code)
            if state.is_control:
                raise PostingToControlAccount(code=state.code)
            state.balance += -amount if takes_money(state.debit_normal, is_debit) else amount
        for account, _, _ in lines:
            state = accounts[account]
            if overdrawn(state.may_go_negative, state.balance):
                raise InsufficientFunds(
                    N_("insufficient funds on account %(code)s: short by %(shortfall)s"),
                    fields={"amount": N_("exceeds the available balance")},
                    code=state.code,
                    shortfall=from_cents(-state.balance),
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
        "corrects_month": request.corrects_month,
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
                                     memo, actor_id, actor_label, reverses_entry_id, corrects_month)
        VALUES (:idempotency_key, :content_hash, :kind, :value_date, :posted_at,
                :memo, :actor_id, :actor_label, :reverses_entry_id, :corrects_month)
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
            raise IdempotencyConflict(
                N_("idempotency key '%(key)s' is being posted concurrently"), key=request.key
            )
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
    deltas: dict[int, list[int]] = {}
    keeping = {account for account, state in accounts.items() if state.keeps_cached_totals}
    for request in requests:
        for account, is_debit, amount in request.cents:
            if account in keeping:
                delta = deltas.get(account)
                if delta is None:
                    delta = deltas[account] = [0, 0]
                delta[0 if is_debit else 1] += amount
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
                "line_accounts": [account for account, _, _ in request.cents],
                "line_sides": ["debit" if is_debit else "credit" for _, is_debit, _ in request.cents],
                "line_cents": [amount for _, _, amount in request.cents],
                "total_accounts": list(deltas),
                "total_debits": [d for d, _ in deltas.values()],
                "total_credits": [c for _, c in deltas.values()],
            },
        )
        .all()
    )
    if not rows:
        return None
    if len(rows) != len(request.cents) or rows[0].accounts_updated != len(deltas):
        raise RuntimeError(f"entry {request.key!r} was written incompletely")  # the statement is atomic
    _expire_cached_totals(session, deltas.keys())
    return rows[0].entry_id, [
        {
            "id": row.posting_id,
            "entry_id": row.entry_id,
            "account_id": row.account_id,
            "side": Side(row.side),
            "amount": _decimal_cents(row.amount),
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


#: PostgreSQL, a batch: every entry, every posting and the cached totals in ONE statement.
#: The rows travel as arrays (one parameter per column, not per row). Each entry takes its id
#: from the sequence up front, numbered by its position in the arrays, so the postings find
#: their entry by that number (an integer join, no read-back of the keys) and the ids come
#: back as one comma-separated text. No ``ON CONFLICT``: the caller runs this in a savepoint,
#: so a key posted concurrently fails the whole batch and nothing of it is written.
_PG_WRITE_BATCH = text(
    f"""
    WITH request AS MATERIALIZED (
        -- The sequence is looked up once (an InitPlan), not for every row.
        SELECT request.*, nextval((SELECT CAST(pg_get_serial_sequence('journal_entries', 'id') AS regclass)))
               AS id
        FROM unnest(CAST(:keys AS varchar[]), CAST(:hashes AS varchar[]), CAST(:kinds AS varchar[]),
                    CAST(:value_dates AS date[]), CAST(:memos AS text[]),
                    CAST(:reverses AS integer[]), CAST(:corrects AS date[])) WITH ORDINALITY
             AS request(idempotency_key, content_hash, kind, value_date, memo, reverses_entry_id,
                        corrects_month, ordinal)
        ORDER BY request.ordinal
    ), entry AS (
        INSERT INTO journal_entries (id, idempotency_key, content_hash, kind, value_date, posted_at,
                                     memo, actor_id, actor_label, reverses_entry_id, corrects_month)
        SELECT id, idempotency_key, content_hash, kind, value_date, :posted_at,
               memo, :actor_id, :actor_label, reverses_entry_id, corrects_month
        FROM request ORDER BY ordinal
        RETURNING 1
    ), posted AS (
        INSERT INTO postings (entry_id, account_id, side, amount, value_date)
        SELECT request.id, line.account_id, line.side, line.amount, request.value_date
        FROM unnest(CAST(:line_entries AS bigint[]), CAST(:line_accounts AS integer[]),
                    CAST(:line_sides AS varchar[]), CAST(:line_cents AS bigint[])) WITH ORDINALITY
             AS line(entry_ordinal, account_id, side, amount, ordinal)
        JOIN request ON request.ordinal = line.entry_ordinal
        ORDER BY line.ordinal
        RETURNING 1
    ), totals AS (
        UPDATE ledger_accounts AS account
        SET debits_posted = account.debits_posted + delta.debit_cents,
            credits_posted = account.credits_posted + delta.credit_cents
        FROM unnest(CAST(:total_accounts AS integer[]), CAST(:total_debits AS bigint[]),
                    CAST(:total_credits AS bigint[]), CAST(:total_floors AS bigint[]))
             AS delta(account_id, debit_cents, credit_cents, floor_cents)
        -- The ANY() lets the planner probe the primary key instead of scanning every account.
        WHERE account.id = delta.account_id AND account.id = ANY(CAST(:total_accounts AS integer[]))
          -- Unlocked batches: only while the balance is still what the check saw, or more.
          AND (delta.floor_cents IS NULL OR {sql_normal_balance()} >= delta.floor_cents)
        RETURNING 1
    )
    SELECT (SELECT string_agg(CAST(id AS text), ',' ORDER BY ordinal) FROM request) AS entry_ids,
           (SELECT count(*) FROM entry) AS entries_written,
           (SELECT count(*) FROM posted) AS postings_written,
           (SELECT count(*) FROM totals) AS accounts_updated
    """
)


def _insert_many(
    session: Session,
    requests: Sequence[EntryRequest],
    accounts: dict[int, _AccountState],
    actor: Actor,
    floors: dict[int, int] | None = None,
) -> dict[str, int]:
    """Write a batch set-based: one statement on PostgreSQL, three executemany on SQLite.

    ``floors`` (PostgreSQL, unlocked): update an account's totals only while its balance is at
    least its floor; if one is below, :class:`_BalanceMoved` is raised inside the savepoint.
    """
    posted_at = clock.now_utc()
    deltas = _cent_deltas(requests, accounts)
    if is_postgresql(session):
        ids = _insert_many_postgresql(session, requests, deltas, actor, posted_at, floors or {})
    else:
        ids = _insert_many_sqlite(session, requests, deltas, actor, posted_at)
    _expire_cached_totals(session, deltas.keys())
    return ids


def _insert_many_postgresql(
    session: Session,
    requests: Sequence[EntryRequest],
    deltas: dict[int, list[int]],
    actor: Actor,
    posted_at: dt.datetime,
    floors: dict[int, int],
) -> dict[str, int]:
    line_entries: list[int] = []
    line_accounts: list[int] = []
    line_sides: list[str] = []
    line_cents: list[int] = []
    for ordinal, request in enumerate(requests, start=1):
        for account, is_debit, amount in request.cents:
            line_entries.append(ordinal)
            line_accounts.append(account)
            line_sides.append("debit" if is_debit else "credit")
            line_cents.append(amount)
    row = (
        session.connection()
        .execute(
            _PG_WRITE_BATCH,
            {
                "keys": pg_text_array([r.key for r in requests]),
                "hashes": pg_text_array([r.content_hash for r in requests]),
                "kinds": pg_text_array([r.kind for r in requests]),
                "value_dates": pg_date_array([r.value_date for r in requests]),
                "memos": pg_text_array([r.memo for r in requests]),
                "reverses": pg_int_array([r.reverses_entry_id for r in requests]),
                "corrects": pg_date_array([r.corrects_month for r in requests]),
                "posted_at": posted_at,
                "actor_id": actor.user_id,
                "actor_label": actor.label,
                "line_entries": pg_int_array(line_entries),
                "line_accounts": pg_int_array(line_accounts),
                "line_sides": pg_text_array(line_sides),
                "line_cents": pg_int_array(line_cents),
                "total_accounts": pg_int_array(deltas),
                "total_debits": pg_int_array(d for d, _ in deltas.values()),
                "total_credits": pg_int_array(c for _, c in deltas.values()),
                "total_floors": pg_int_array([floors.get(account) for account in deltas]),
            },
        )
        .one()
    )
    if floors and row.accounts_updated < len(deltas):
        raise _BalanceMoved()
    if (
        row.entries_written != len(requests)
        or row.postings_written != len(line_cents)
        or row.accounts_updated != len(deltas)
    ):
        raise RuntimeError("a batch of entries was written incompletely")  # the statement is atomic
    return dict(zip((r.key for r in requests), map(int, row.entry_ids.split(",")), strict=True))


#: SQLite: plain driver statements with positional rows. The values are what SQLAlchemy's
#: column types would bind (integer cents, ISO dates, side values); the per-row parameter
#: processing of a Core executemany was most of a batch's time.
_SQLITE_INSERT_ENTRIES = (
    "INSERT INTO journal_entries (id, idempotency_key, content_hash, kind, value_date, posted_at,"
    " memo, actor_id, actor_label, reverses_entry_id, corrects_month)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_SQLITE_INSERT_POSTINGS = (
    "INSERT INTO postings (entry_id, account_id, side, amount, value_date) VALUES (?, ?, ?, ?, ?)"
)
_SQLITE_UPDATE_TOTALS = (
    "UPDATE ledger_accounts SET debits_posted = debits_posted + ?, credits_posted = credits_posted + ?"
    " WHERE id = ?"
)


def _insert_many_sqlite(
    session: Session,
    requests: Sequence[EntryRequest],
    deltas: dict[int, list[int]],
    actor: Actor,
    posted_at: dt.datetime,
) -> dict[str, int]:
    connection = session.connection()
    dialect = connection.dialect
    # The dialect's own processors: dates become the text SQLAlchemy stores (bind_processor
    # alone gives None on SQLite, leaving each date to the driver's deprecated adapter).
    bind_date = _ENTRIES.c.value_date.type._cached_bind_processor(dialect) or (lambda value: value)
    bind_posted_at = _ENTRIES.c.posted_at.type._cached_bind_processor(dialect) or (lambda value: value)
    stored_posted_at = bind_posted_at(posted_at)
    dates: dict[dt.date, object] = {}
    # The transaction holds SQLite's write lock (BEGIN IMMEDIATE) and entries are never
    # deleted, so the next ids are ours: no row-by-row RETURNING needed.
    first_id = (connection.execute(select(func.max(_ENTRIES.c.id))).scalar() or 0) + 1
    entry_rows = []
    posting_rows = []
    ids = {}
    for entry_id, request in enumerate(requests, start=first_id):
        stored_date = dates.get(request.value_date)
        if stored_date is None:
            stored_date = dates[request.value_date] = bind_date(request.value_date)
        ids[request.key] = entry_id
        entry_rows.append(
            (
                entry_id,
                request.key,
                request.content_hash,
                request.kind,
                stored_date,
                stored_posted_at,
                request.memo,
                actor.user_id,
                actor.label,
                request.reverses_entry_id,
                None if request.corrects_month is None else bind_date(request.corrects_month),
            )
        )
        for account, is_debit, amount in request.cents:
            posting_rows.append((entry_id, account, "debit" if is_debit else "credit", amount, stored_date))
    connection.exec_driver_sql(_SQLITE_INSERT_ENTRIES, entry_rows)
    connection.exec_driver_sql(_SQLITE_INSERT_POSTINGS, posting_rows)
    if deltas:
        connection.exec_driver_sql(
            _SQLITE_UPDATE_TOTALS, [(d, c, account) for account, (d, c) in deltas.items()]
        )
    return ids


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


def _expire_cached_totals(session: Session, account_ids: Collection[int]) -> None:
    """Loaded accounts must re-read the totals just changed under them by SQL."""
    identity_map = session.identity_map
    loaded: list[LedgerAccount | None]
    if len(identity_map) < len(account_ids):  # a run's batch: thousands of ids, few objects
        wanted = account_ids if isinstance(account_ids, (set, frozenset, dict)) else set(account_ids)
        loaded = [obj for obj in identity_map.values() if isinstance(obj, LedgerAccount) and obj.id in wanted]
    else:
        loaded = [identity_map.get(identity_key(LedgerAccount, account_id)) for account_id in account_ids]
    for account in loaded:
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
    """Cancel an entry with a new entry of opposite lines; the original is never touched.

    The reversal of an entry in a closed period is dated in the open period (today unless
    ``value_date`` says otherwise) and names the closed month it corrects.
    """
    original = session.get(JournalEntry, entry_id)
    if original is None:
        raise NotFound(N_("journal entry %(entry_id)s does not exist"), entry_id=entry_id)
    if original.reverses_entry_id is not None:
        raise ReversalOfReversal(entry_id=entry_id)
    if not reason.strip():
        raise ReversalWithoutReason()
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
        corrects_month=_closed_month_of(session, original.value_date),
    )
    existing = session.scalar(select(JournalEntry).where(JournalEntry.reverses_entry_id == entry_id))
    if existing is not None and existing.idempotency_key != request.key:
        raise IdempotencyConflict(
            N_("entry %(entry_id)s was already reversed by entry %(id)s"), entry_id=entry_id, id=existing.id
        )
    (new_id,) = post_many(session, [request], actor=actor)
    entry = session.get(JournalEntry, new_id)
    assert entry is not None
    return entry


def _closed_month_of(session: Session, day: dt.date) -> dt.date | None:
    """The first day of ``day``'s month when that month is closed, else None."""
    through = closed_through(session)
    return day.replace(day=1) if through is not None and day <= through else None


def account_by_code(session: Session, code: str) -> LedgerAccount:
    account = session.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
    if account is None:
        raise NotFound(N_("ledger account %(code)s does not exist"), code=code)
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
        raise AccountClosed(N_("account %(code)s can only be closed at a zero balance"), code=account.code)
    account.status = AccountStatus.CLOSED
    session.flush()
