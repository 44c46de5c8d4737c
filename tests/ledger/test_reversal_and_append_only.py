"""Entries are never changed: corrections are reversals; the ORM and the database refuse edits."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import delete, func, select, text, update

from bank import audit, clock
from bank.audit.models import AuditEvent
from bank.db import AppendOnlyViolation
from bank.errors import IdempotencyConflict, InsufficientFunds, NotFound, UnbalancedEntry
from bank.ledger.models import JournalEntry, Posting, Side
from bank.ledger.queries import balance, verify
from bank.ledger.service import reverse

from .conftest import VALUE_DATE

# --- reversal -----------------------------------------------------------------------------


def test_a_reversal_posts_the_opposite_lines_with_the_reason(
    session, settlement, open_member_account, deposit, actor
):
    anna = open_member_account()
    original = deposit(anna, "80.00", "deposit:1")
    session.commit()

    with clock.frozen(dt.date(2026, 3, 5)):
        reversal = reverse(session, original.id, reason="  booked on the wrong member  ", actor=actor)
    session.commit()

    assert reversal.kind == "reversal"
    assert reversal.reverses_entry_id == original.id
    assert reversal.idempotency_key == f"reversal:{original.id}"
    assert reversal.memo == f"Reversal of entry {original.id}: booked on the wrong member"
    assert reversal.value_date == dt.date(2026, 3, 5)
    assert [(p.account_id, p.side, p.amount) for p in reversal.postings] == [
        (settlement.id, Side.CREDIT, Decimal("80.00")),
        (anna.id, Side.DEBIT, Decimal("80.00")),
    ]
    assert balance(session, anna.id) == Decimal("0.00")
    assert balance(session, settlement.id) == Decimal("0.00")
    # The original is untouched: still there, still its own lines.
    session.expire_all()
    stored = session.get(JournalEntry, original.id)
    assert [(p.side, p.amount) for p in stored.postings] == [
        (Side.DEBIT, Decimal("80.00")),
        (Side.CREDIT, Decimal("80.00")),
    ]
    assert verify(session) == []


def test_an_entry_is_reversed_once(session, open_member_account, deposit, actor):
    anna = open_member_account()
    original = deposit(anna, "80.00", "deposit:1")
    with clock.frozen(VALUE_DATE):
        first = reverse(session, original.id, reason="typo", actor=actor)
        # The same request again (a double click) answers with the same reversal...
        assert reverse(session, original.id, reason="typo", actor=actor).id == first.id
    session.commit()
    # ...another reversal of it is refused...
    with pytest.raises(IdempotencyConflict, match=f"entry {original.id} was already reversed"):
        reverse(session, original.id, reason="again", actor=actor, key="another-key")
    with pytest.raises(IdempotencyConflict):
        reverse(session, original.id, reason="other reason", actor=actor)
    # ...and a reversal is not itself reversed: post a new entry instead.
    with pytest.raises(UnbalancedEntry, match="is itself a reversal"):
        reverse(session, first.id, reason="undo the undo", actor=actor)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(JournalEntry)) == 2
    assert balance(session, anna.id) == Decimal("0.00")


def test_a_reversal_needs_a_reason_and_an_existing_entry(session, open_member_account, deposit, actor):
    anna = open_member_account()
    original = deposit(anna, "10.00", "deposit:1")
    with pytest.raises(UnbalancedEntry, match="needs a reason"):
        reverse(session, original.id, reason="   ", actor=actor)
    with pytest.raises(NotFound, match="journal entry 424242 does not exist"):
        reverse(session, 424242, reason="x", actor=actor)


def test_a_reversal_may_not_overdraw_a_member_account(session, open_member_account, deposit, withdraw, actor):
    anna = open_member_account()
    original = deposit(anna, "100.00", "deposit:1")
    withdraw(anna, "60.00", "withdrawal:1")
    with pytest.raises(InsufficientFunds, match=f"{anna.code}: short by 60.00"):
        reverse(session, original.id, reason="the money was never received", actor=actor)
    assert balance(session, anna.id) == Decimal("40.00")


def test_the_database_allows_one_reversal_per_entry(session, open_member_account, deposit, actor):
    anna = open_member_account()
    original = deposit(anna, "10.00", "deposit:1")
    reverse(session, original.id, reason="first", actor=actor)
    session.commit()
    table = JournalEntry.__table__
    with pytest.raises(sa.exc.IntegrityError):
        session.execute(
            table.insert().values(
                idempotency_key="forged",
                content_hash="0" * 64,
                kind="reversal",
                value_date=VALUE_DATE,
                posted_at=clock.now_utc(),
                memo="",
                actor_label="forger",
                reverses_entry_id=original.id,
            )
        )
    session.rollback()


# --- append-only: the ORM -------------------------------------------------------------------


@pytest.fixture
def booked(session, open_member_account, deposit, actor):
    anna = open_member_account()
    entry = deposit(anna, "10.00", "deposit:1")
    event = audit.record(session, actor, "booking.deposit", "journal_entry", entry.id)
    session.commit()
    return entry, entry.postings[0], event


@pytest.mark.parametrize(
    ("which", "attribute", "value"),
    [(0, "memo", "rewritten"), (1, "amount", Decimal("1.00")), (2, "action", "nothing.happened")],
)
def test_the_orm_refuses_to_change_entries_postings_and_audit_events(
    session, booked, which, attribute, value
):
    obj = booked[which]
    setattr(obj, attribute, value)
    with pytest.raises(AppendOnlyViolation, match="append-only"):
        session.flush()
    session.rollback()


@pytest.mark.parametrize("which", [0, 1, 2])
def test_the_orm_refuses_to_delete_them(session, booked, which):
    session.delete(booked[which])
    with pytest.raises(AppendOnlyViolation, match="cannot be deleted"):
        session.flush()
    session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        lambda: update(JournalEntry).values(memo="rewritten"),
        lambda: update(Posting).where(Posting.id > 0).values(amount=Decimal("1.00")),
        lambda: update(AuditEvent).values(detail="edited"),
        lambda: delete(JournalEntry),
        lambda: delete(Posting),
        lambda: delete(AuditEvent),
    ],
)
def test_the_orm_refuses_bulk_updates_and_deletes(session, booked, statement):
    with pytest.raises(AppendOnlyViolation, match="append-only"):
        session.execute(statement())
    session.rollback()


# --- append-only: the database (triggers of migration 0001, SQLite and PostgreSQL) ------------


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE journal_entries SET memo = 'rewritten'",
        "DELETE FROM journal_entries",
        "UPDATE postings SET amount = 1",
        "DELETE FROM postings",
        "UPDATE audit_events SET detail = 'edited'",
        "DELETE FROM audit_events",
    ],
)
def test_the_database_refuses_raw_updates_and_deletes(session, booked, sql):
    with pytest.raises(sa.exc.DBAPIError, match="append-only"):
        session.execute(text(sql))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Posting)) == 2
    assert session.scalar(select(Posting.amount).order_by(Posting.id).limit(1)) == Decimal("10.00")
