"""The set-based batch path of ``post_many`` and requests made from integer cents.

A run posts thousands of entries per ``post_many``: they are validated in cents, their accounts
loaded with one statement and written with one statement (PostgreSQL) or three executemany
(SQLite). Every ledger rule must still hold there, and the hand-written content hash must stay
byte-for-byte the canonical JSON that earlier entries were hashed with.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bank.errors import AccountClosed, IdempotencyConflict, InsufficientFunds, NotFound, UnbalancedEntry
from bank.ledger import chart
from bank.ledger.models import JournalEntry, Posting, Side
from bank.ledger.queries import balance, verify
from bank.ledger.service import EntryRequest, Line, account_by_code, close_account, post_many

from .conftest import VALUE_DATE, move


def counts(session):
    return (
        session.scalar(select(func.count()).select_from(JournalEntry)),
        session.scalar(select(func.count()).select_from(Posting)),
    )


def canonical_hash(request: EntryRequest) -> str:
    """The content hash as first written: json.dumps of the canonical content, sorted keys."""
    canonical = {
        "kind": request.kind,
        "value_date": request.value_date.isoformat(),
        "memo": request.memo,
        "reverses": request.reverses_entry_id,
        "lines": sorted((line.account_id, line.side.value, int(line.amount * 100)) for line in request.lines),
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


@given(
    kind=st.text(min_size=1, max_size=40),
    memo=st.text(max_size=60),
    cents=st.lists(st.integers(min_value=1, max_value=10**12), min_size=1, max_size=4),
    accounts=st.lists(st.integers(min_value=1, max_value=10**6), min_size=1, max_size=5),
    reverses=st.none() | st.integers(min_value=1, max_value=10**9),
    value_date=st.dates(min_value=dt.date(1000, 1, 1)),
)
def test_the_content_hash_is_the_canonical_json_hash(kind, memo, cents, accounts, reverses, value_date):
    debits = [
        Line(accounts[i % len(accounts)], Side.DEBIT, Decimal(c).scaleb(-2)) for i, c in enumerate(cents)
    ]
    total = Decimal(sum(cents)).scaleb(-2)
    lines = [*debits, Line(accounts[-1], Side.CREDIT, total)]
    request = EntryRequest("key", kind, lines, value_date, memo, reverses)
    assert request.content_hash == canonical_hash(request)
    if reverses is None:
        from_cents = EntryRequest.from_cents(
            "key",
            kind,
            [(line.account_id, line.side is Side.DEBIT, int(line.amount * 100)) for line in lines],
            value_date,
            memo,
        )
        assert from_cents.content_hash == request.content_hash
        assert list(from_cents.lines) == lines


def test_requests_from_cents_keep_every_rule():
    with pytest.raises(UnbalancedEntry, match=re.escape("does not balance: debits 1.01 != credits 1.00")):
        EntryRequest.from_cents("k", "deposit", [(1, True, 101), (2, False, 100)], VALUE_DATE)
    with pytest.raises(UnbalancedEntry, match="greater than 0"):
        EntryRequest.from_cents("k", "deposit", [(1, True, 0), (2, False, 0)], VALUE_DATE)
    with pytest.raises(UnbalancedEntry, match="at least two lines"):
        EntryRequest.from_cents("k", "deposit", [(1, True, 100)], VALUE_DATE)
    with pytest.raises(UnbalancedEntry, match="idempotency key"):
        EntryRequest.from_cents("", "deposit", [(1, True, 100), (2, False, 100)], VALUE_DATE)
    with pytest.raises(UnbalancedEntry, match="value_date must be a date"):
        EntryRequest.from_cents("k", "deposit", [(1, True, 1), (2, False, 1)], dt.datetime(2026, 3, 2))
    # Cents are integers and the side a real bool: a Decimal, a float or the string "credit"
    # (truthy!) never slips through as something else.
    for line in [
        (1, True, Decimal("1.00")),
        (1, True, 1.0),
        (1, "credit", 100),
        (1, 1, 100),
        ("1", True, 100),
    ]:
        with pytest.raises(TypeError):
            EntryRequest.from_cents("k", "deposit", [line, (2, False, 100)], VALUE_DATE)


def test_a_batch_writes_entries_postings_and_totals_like_single_posts(
    session, settlement, open_member_account, actor
):
    anna, bram = open_member_account("Anna"), open_member_account("Bram")
    requests = [
        EntryRequest.from_cents(
            f"cents:{i}",
            "deposit",
            [(settlement.id, True, 1000 + i), (anna.id, False, 1000 + i)],
            VALUE_DATE,
            f"deposit {i}",
        )
        for i in range(30)
    ] + [
        EntryRequest(
            "decimal:transfer", "transfer", move(anna, bram, "100.05"), VALUE_DATE + dt.timedelta(days=1)
        ),
    ]
    ids = post_many(session, requests, actor=actor)
    session.commit()
    assert len(set(ids)) == 31
    assert counts(session) == (31, 62)
    anna_total = sum(1000 + i for i in range(30))
    assert balance(session, anna.id) == Decimal(anna_total - 10005).scaleb(-2)
    assert balance(session, bram.id) == Decimal("100.05")
    assert verify(session) == []
    entry = session.get(JournalEntry, ids[5])
    assert (entry.idempotency_key, entry.memo, entry.value_date, entry.actor_label) == (
        "cents:5",
        "deposit 5",
        VALUE_DATE,
        actor.label,
    )
    assert entry.content_hash == canonical_hash(requests[5])
    assert sorted((p.account_id, p.side, p.amount, p.value_date) for p in entry.postings) == sorted(
        [
            (settlement.id, Side.DEBIT, Decimal("10.05"), VALUE_DATE),
            (anna.id, Side.CREDIT, Decimal("10.05"), VALUE_DATE),
        ]
    )
    transfer = session.get(JournalEntry, ids[30])
    assert {p.value_date for p in transfer.postings} == {VALUE_DATE + dt.timedelta(days=1)}

    # The same content again, once made from Decimals and once from cents: the same entries.
    again = [
        EntryRequest(
            f"cents:{i}",
            "deposit",
            move(settlement, anna, str(Decimal(1000 + i).scaleb(-2))),
            VALUE_DATE,
            f"deposit {i}",
        )
        for i in range(3)
    ]
    assert post_many(session, again, actor=actor) == ids[:3]
    assert counts(session) == (31, 62)
    changed = EntryRequest.from_cents(
        "cents:4", "deposit", [(settlement.id, True, 1), (anna.id, False, 1)], VALUE_DATE
    )
    with pytest.raises(IdempotencyConflict, match="cents:4"):
        post_many(session, [changed, *again], actor=actor)


def test_a_batch_is_checked_in_order_and_refused_whole(
    session, settlement, open_member_account, deposit, actor
):
    anna, bram = open_member_account("Anna"), open_member_account("Bram")
    deposit(anna, "10.00", "deposit:anna")
    session.commit()

    def transfer(key, cents, payer=anna, payee=bram):
        return EntryRequest.from_cents(
            key, "transfer", [(payer.id, True, cents), (payee.id, False, cents)], VALUE_DATE
        )

    # In: 10.00; out 6.00, then 4.01 -> short by one cent, named; nothing of the batch is written.
    with pytest.raises(InsufficientFunds, match=f"{anna.code}: short by 0.01"):
        post_many(session, [transfer("t:1", 600), transfer("t:2", 401)], actor=actor)
    session.rollback()
    assert counts(session) == (1, 2)
    # Money in earlier in the same batch counts: Bram pays on what he just received.
    ids = post_many(
        session, [transfer("t:1", 600), transfer("t:3", 600, bram, anna), transfer("t:4", 1000)], actor=actor
    )
    session.commit()
    assert len(ids) == 3
    assert (balance(session, anna.id), balance(session, bram.id)) == (Decimal("0.00"), Decimal("10.00"))
    assert verify(session) == []


def test_a_batch_refuses_closed_control_and_unknown_accounts(session, settlement, open_member_account, actor):
    anna, closed = open_member_account("Anna"), open_member_account("Closed")
    close_account(session, closed)
    session.commit()
    control = account_by_code(session, chart.MEMBER_DEPOSITS)

    def deposit_to(key, account_id):
        return EntryRequest.from_cents(
            key, "deposit", [(settlement.id, True, 500), (account_id, False, 500)], VALUE_DATE
        )

    ok = deposit_to("ok", anna.id)
    with pytest.raises(AccountClosed, match=closed.code):
        post_many(session, [ok, deposit_to("closed", closed.id)], actor=actor)
    session.rollback()
    with pytest.raises(UnbalancedEntry, match="control account"):
        post_many(session, [ok, deposit_to("control", control.id)], actor=actor)
    session.rollback()
    with pytest.raises(NotFound, match="999999"):
        post_many(session, [ok, deposit_to("unknown", 999999)], actor=actor)
    session.rollback()
    assert counts(session) == (0, 0)
    assert balance(session, anna.id) == Decimal("0.00")


def test_a_batch_loaded_account_sees_its_new_totals(session, settlement, open_member_account, actor):
    anna = open_member_account("Anna")
    session.commit()
    assert anna.cached_balance == Decimal("0.00")
    post_many(
        session,
        [
            EntryRequest.from_cents(
                f"d:{i}", "deposit", [(settlement.id, True, 250), (anna.id, False, 250)], VALUE_DATE
            )
            for i in range(4)
        ],
        actor=actor,
    )
    assert anna.cached_balance == Decimal("10.00")


def test_one_entry_with_many_lines_takes_the_batch_path_and_keeps_every_rule(
    session, settlement, open_member_account, actor
):
    """A distribution to many members is one entry with a line per member: written through the
    batch path (no ORM object per line), it still lands whole, once, with exact cached totals."""
    members = [open_member_account(f"Member {i}") for i in range(150)]
    amounts = [Decimal(i + 1) / 100 for i in range(150)]  # 0.01 .. 1.50
    total = sum(amounts, Decimal("0"))
    lines = [Line(settlement.id, Side.DEBIT, total)] + [
        Line(member.id, Side.CREDIT, amount) for member, amount in zip(members, amounts, strict=True)
    ]
    request = EntryRequest("distribution:many-lines", "pool_distribution", lines, VALUE_DATE, "Returns")
    before = counts(session)

    (entry_id,) = post_many(session, [request], actor=actor)
    assert post_many(session, [request], actor=actor) == [entry_id]

    assert counts(session) == (before[0] + 1, before[1] + 151)
    entry = session.get(JournalEntry, entry_id)
    assert len(entry.postings) == 151
    assert balance(session, members[0].id) == Decimal("0.01")
    assert balance(session, members[-1].id) == Decimal("1.50")
    assert total == Decimal("113.25")
    assert verify(session) == []
