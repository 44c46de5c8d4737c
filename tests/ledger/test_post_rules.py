"""ledger.service.post(): every rule of DESIGN.md "The ledger", and that a refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bank.errors import AccountClosed, IdempotencyConflict, InsufficientFunds, NotFound, UnbalancedEntry
from bank.extensions import db
from bank.ledger import chart
from bank.ledger.models import JournalEntry, LedgerAccount, Posting, Side
from bank.ledger.queries import balance, verify
from bank.ledger.service import (
    EntryRequest,
    Line,
    account_by_code,
    close_account,
    credit,
    debit,
    post,
    post_many,
)

from .conftest import VALUE_DATE, move


def counts(session):
    return (
        session.scalar(select(func.count()).select_from(JournalEntry)),
        session.scalar(select(func.count()).select_from(Posting)),
    )


def test_a_deposit_writes_one_balanced_entry_and_updates_the_cached_totals(
    session, settlement, open_member_account, deposit
):
    anna = open_member_account("Anna")
    entry = deposit(anna, "250.00", "deposit:1")
    session.commit()

    assert entry.kind == "deposit"
    assert entry.value_date == VALUE_DATE
    assert entry.actor_label == "system:test"
    assert [(p.account_id, p.side, p.amount) for p in entry.postings] == [
        (settlement.id, Side.DEBIT, Decimal("250.00")),
        (anna.id, Side.CREDIT, Decimal("250.00")),
    ]
    assert balance(session, anna.id) == Decimal("250.00")
    assert balance(session, settlement.id) == Decimal("250.00")
    assert counts(session) == (1, 2)

    # What post() handed back is what another session reads from the database.
    session.commit()  # (SQLite: every transaction holds the write lock)
    with db.new_session() as other:
        stored = other.get(JournalEntry, entry.id)
        assert stored is not None
        assert [(p.id, p.account_id, p.side, p.amount) for p in stored.postings] == [
            (p.id, p.account_id, p.side, p.amount) for p in entry.postings
        ]
        account = other.get(LedgerAccount, anna.id)
        assert (account.debits_posted, account.credits_posted) == (Decimal("0.00"), Decimal("250.00"))
    assert verify(session) == []


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (lambda a, s: [credit(a, Decimal("10"))], "needs at least two lines"),
        (lambda a, s: [], "needs at least two lines"),
        (
            lambda a, s: move(s, a, "0"),
            "every amount must be greater than 0",
        ),
        (
            lambda a, s: [
                Line(s.id, Side.DEBIT, Decimal("-5.00")),
                Line(a.id, Side.CREDIT, Decimal("-5.00")),
            ],
            "every amount must be greater than 0",
        ),
        (
            lambda a, s: [debit(s, Decimal("10.00")), credit(a, Decimal("9.99"))],
            "does not balance: debits 10.00 != credits 9.99",
        ),
        (
            lambda a, s: [debit(s, Decimal("10.00")), debit(a, Decimal("10.00"))],
            "does not balance: debits 20.00 != credits 0.00",
        ),
    ],
)
def test_malformed_entries_are_refused_before_anything_is_written(
    session, settlement, open_member_account, actor, lines, message
):
    anna = open_member_account()
    with pytest.raises(UnbalancedEntry, match=message):
        post(session, "bad:1", "deposit", lines(anna, settlement), VALUE_DATE, actor)
    assert counts(session) == (0, 0)


def test_floats_and_over_precise_amounts_never_become_lines(settlement):
    with pytest.raises(TypeError):
        debit(settlement, 10.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="more than two decimals"):
        credit(settlement, Decimal("10.005"))


def test_key_kind_and_value_date_are_checked(session, settlement, open_member_account, actor):
    anna = open_member_account()
    lines = move(settlement, anna, "1")
    with pytest.raises(UnbalancedEntry, match="idempotency key of 1 to 200 characters"):
        post(session, "", "deposit", lines, VALUE_DATE, actor)
    with pytest.raises(UnbalancedEntry, match="idempotency key of 1 to 200 characters"):
        post(session, "k" * 201, "deposit", lines, VALUE_DATE, actor)
    with pytest.raises(UnbalancedEntry, match="kind of 1 to 40 characters"):
        post(session, "k", "x" * 41, lines, VALUE_DATE, actor)
    with pytest.raises(UnbalancedEntry, match="value_date must be a date"):
        post(session, "k", "deposit", lines, dt.datetime(2026, 3, 2, 12, tzinfo=dt.UTC), actor)
    assert counts(session) == (0, 0)


def test_control_accounts_take_no_postings(session, settlement, actor):
    deposits_control = account_by_code(session, chart.MEMBER_DEPOSITS)
    with pytest.raises(UnbalancedEntry, match="account 2000 is a control account; post to a child account"):
        post(
            session,
            "control:1",
            "deposit",
            move(settlement, deposits_control, "5"),
            VALUE_DATE,
            actor,
        )
    assert counts(session) == (0, 0)


def test_unknown_accounts_are_refused(session, settlement, actor):
    with pytest.raises(NotFound, match="ledger account 999999 does not exist"):
        post(
            session,
            "ghost:1",
            "deposit",
            move(settlement, 999_999, "5"),
            VALUE_DATE,
            actor,
        )


def test_closed_accounts_are_refused_and_only_empty_accounts_close(
    session, open_member_account, deposit, withdraw
):
    anna = open_member_account()
    deposit(anna, "40.00", "deposit:1")
    with pytest.raises(AccountClosed, match="only be closed at a zero balance"):
        close_account(session, anna)
    withdraw(anna, "40.00", "withdrawal:1")
    close_account(session, anna)
    session.commit()

    before = counts(session)
    with pytest.raises(AccountClosed, match=f"account {anna.code} is closed"):
        deposit(anna, "1.00", "deposit:2")
    assert counts(session) == before


def test_no_overdraft_on_a_member_account_and_the_error_names_it(
    session, settlement, open_member_account, deposit, withdraw
):
    anna = open_member_account("Anna")
    deposit(anna, "100.00", "deposit:1")
    session.commit()
    before = counts(session)

    with pytest.raises(InsufficientFunds) as refused:
        withdraw(anna, "100.01", "withdrawal:1")
    assert refused.value.message == f"insufficient funds on account {anna.code}: short by 0.01"
    assert refused.value.fields == {"amount": "exceeds the available balance"}
    session.rollback()

    assert counts(session) == before
    assert balance(session, anna.id) == Decimal("100.00")
    # Exactly the balance is fine; the account may reach zero, not below.
    withdraw(anna, "100.00", "withdrawal:2")
    assert balance(session, anna.id) == Decimal("0.00")


def test_accounts_that_may_go_negative_can(session, settlement, actor):
    seed = account_by_code(session, chart.SEED_CAPITAL)
    # Paying out from the settlement account before anything came in: an asset below zero
    # (an overdrawn clearing account) is allowed; only member money is protected.
    post(
        session,
        "pay:1",
        "payout",
        move(seed, settlement, "10.00"),
        VALUE_DATE,
        actor,
    )
    assert balance(session, settlement.id) == Decimal("-10.00")


def test_a_transfer_between_members_checks_only_the_payer(session, open_member_account, deposit, actor):
    anna, bram = open_member_account("Anna"), open_member_account("Bram")
    deposit(anna, "50.00", "deposit:1")
    with pytest.raises(InsufficientFunds, match=anna.code):
        post(
            session,
            "t:1",
            "transfer",
            move(anna, bram, "60"),
            VALUE_DATE,
            actor,
        )
    post(
        session,
        "t:2",
        "transfer",
        move(anna, bram, "50"),
        VALUE_DATE,
        actor,
    )
    assert (balance(session, anna.id), balance(session, bram.id)) == (Decimal("0.00"), Decimal("50.00"))


# --- idempotency ------------------------------------------------------------------------


def test_same_key_and_content_returns_the_first_entry_and_books_once(
    session, settlement, open_member_account, deposit
):
    anna = open_member_account()
    first = deposit(anna, "75.00", "deposit:form-1")
    session.commit()
    again = deposit(anna, "75.00", "deposit:form-1")
    session.commit()

    assert again.id == first.id
    assert counts(session) == (1, 2)
    assert balance(session, anna.id) == Decimal("75.00")
    assert balance(session, settlement.id) == Decimal("75.00")


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "75.01"},
        {"memo": "another memo"},
        {"value_date": dt.date(2026, 3, 3)},
        {"kind": "withdrawal"},
    ],
)
def test_same_key_with_other_content_is_a_conflict_and_writes_nothing(
    session, settlement, open_member_account, actor, change
):
    anna = open_member_account()
    original = {"amount": "75.00", "memo": "deposit 75.00", "value_date": VALUE_DATE, "kind": "deposit"}

    def book(amount, memo, value_date, kind):
        return post(
            session,
            "deposit:form-1",
            kind,
            [debit(settlement, Decimal(amount)), credit(anna, Decimal(amount))],
            value_date,
            actor,
            memo=memo,
        )

    book(**original)
    session.commit()
    with pytest.raises(
        IdempotencyConflict, match="'deposit:form-1' was already used for a different movement"
    ):
        book(**{**original, **change})
    session.rollback()
    assert counts(session) == (1, 2)
    assert balance(session, anna.id) == Decimal("75.00")


def test_post_many_is_all_or_nothing(session, settlement, open_member_account, deposit, actor):
    anna, bram = open_member_account("Anna"), open_member_account("Bram")
    deposit(anna, "10.00", "deposit:0")
    session.commit()
    requests = [
        EntryRequest("batch:1", "deposit", move(settlement, bram, "5"), VALUE_DATE),
        EntryRequest("batch:2", "transfer", move(anna, bram, "8"), VALUE_DATE),
        # Anna has 10.00 - 8.00 left after batch:2; the batch is checked in order.
        EntryRequest("batch:3", "transfer", move(anna, bram, "3"), VALUE_DATE),
    ]
    with pytest.raises(InsufficientFunds, match=anna.code):
        post_many(session, requests, actor=actor)
    session.rollback()
    assert counts(session) == (1, 2)
    assert (balance(session, anna.id), balance(session, bram.id)) == (Decimal("10.00"), Decimal("0.00"))

    ids = post_many(session, requests[:2] + requests[:1], actor=actor)
    session.commit()
    assert ids[0] == ids[2] and len(set(ids)) == 2
    assert (balance(session, anna.id), balance(session, bram.id)) == (Decimal("2.00"), Decimal("13.00"))
    # A retry of the whole batch books nothing new and answers with the same ids.
    assert post_many(session, requests[:2], actor=actor) == ids[:2]
    assert counts(session) == (3, 6)
    assert verify(session) == []


def test_a_batch_mixing_posted_and_new_keys_posts_only_the_new_ones(
    session, settlement, open_member_account, deposit, actor
):
    # The first attempt writes as if every key were new; the taken key sends it back to look.
    anna, bram = open_member_account("Anna"), open_member_account("Bram")
    deposit(anna, "10.00", "deposit:0")
    first = post_many(
        session, [EntryRequest("mix:1", "transfer", move(anna, bram, "8"), VALUE_DATE)], actor=actor
    )
    session.commit()
    requests = [
        # Counted as new, mix:1 would overdraw Anna: the refusal must not stand.
        EntryRequest("mix:1", "transfer", move(anna, bram, "8"), VALUE_DATE),
        EntryRequest("mix:2", "transfer", move(anna, bram, "2"), VALUE_DATE),
        EntryRequest("mix:3", "deposit", move(settlement, bram, "1.50"), VALUE_DATE),
    ]
    ids = post_many(session, requests, actor=actor)
    session.commit()
    assert ids[0] == first[0] and len(set(ids)) == 3
    assert counts(session) == (4, 8)
    assert (balance(session, anna.id), balance(session, bram.id)) == (Decimal("0.00"), Decimal("11.50"))

    # Now the overdraft is real: one new line too many is refused, naming the account.
    with pytest.raises(InsufficientFunds, match=anna.code):
        post_many(
            session,
            [*requests, EntryRequest("mix:4", "transfer", move(anna, bram, "0.01"), VALUE_DATE)],
            actor=actor,
        )
    session.rollback()
    # A taken key with other content in a mixed batch is a conflict; nothing is written.
    with pytest.raises(IdempotencyConflict, match="'mix:3' was already used"):
        post_many(
            session,
            [
                EntryRequest("mix:5", "deposit", move(settlement, bram, "4"), VALUE_DATE),
                EntryRequest("mix:3", "deposit", move(settlement, bram, "1.51"), VALUE_DATE),
            ],
            actor=actor,
        )
    session.rollback()
    assert counts(session) == (4, 8)
    assert verify(session) == []


def test_post_many_refuses_one_key_twice_with_other_content(session, settlement, open_member_account, actor):
    anna = open_member_account()
    requests = [
        EntryRequest("dup", "deposit", move(settlement, anna, "5"), VALUE_DATE),
        EntryRequest("dup", "deposit", move(settlement, anna, "6"), VALUE_DATE),
    ]
    with pytest.raises(IdempotencyConflict, match="used twice in one batch"):
        post_many(session, requests, actor=actor)
    assert counts(session) == (0, 0)


# --- one transaction ----------------------------------------------------------------------


def test_cached_totals_move_in_the_same_transaction_and_a_rollback_leaves_nothing(
    session, open_member_account, deposit
):
    anna = open_member_account()
    anna_id = anna.id
    session.commit()
    deposit(anna, "120.00", "deposit:1")
    # Inside the transaction the new totals are visible...
    assert balance(session, anna.id) == Decimal("120.00")
    assert session.get(LedgerAccount, anna.id).credits_posted == Decimal("120.00")
    session.rollback()

    # ...and a rollback takes the entry, its postings and the totals away together.
    assert counts(session) == (0, 0)
    session.commit()
    with db.new_session() as other:
        account = other.get(LedgerAccount, anna_id)
        assert (account.debits_posted, account.credits_posted) == (Decimal("0.00"), Decimal("0.00"))
    assert verify(session) == []


def test_pending_changes_are_seen_by_the_ledger(session, open_member_account, deposit):
    """A status set in the same transaction but not yet flushed still stops a posting."""
    anna = open_member_account()
    session.commit()
    anna.status = anna.status.__class__("closed")
    with pytest.raises(AccountClosed):
        deposit(anna, "1.00", "deposit:1")
