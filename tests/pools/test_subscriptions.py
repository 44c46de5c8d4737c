"""Pools and subscriptions: terms checked field by field, savings earmarked through the ledger."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from bank.actor import Actor
from bank.audit.models import AuditEvent
from bank.errors import IdempotencyConflict, InsufficientFunds, NotFound, PermissionDenied, ValidationError
from bank.ledger.models import LedgerAccount
from bank.members import service as members
from bank.pools import queries, service
from bank.pools.models import PoolStatus
from bank.savings import service as savings

from .factories import (
    ADMIN,
    SETUP,
    TELLER,
    assert_books_balance,
    balance,
    entry_count,
    investor,
    make_pool,
    participations_total,
    put_in,
    seed_capital,
)

JAN_10 = dt.date(2027, 1, 10)


def _member_actor(session, make_user, member_id: int) -> Actor:
    """A portal user logged in as ``member_id`` (a real user row: entries name their actor)."""
    session.commit()
    user = make_user("member", member_id=member_id)
    return Actor(user_id=user.id, label=f"member:{user.email}", role="member", member_id=member_id)


# ---------------------------------------------------------------------------------------------
# Pools


def test_a_pool_is_created_with_its_terms_and_audited(session):
    seed_capital(session, "100000.00")
    pool = service.create_pool(
        session,
        code="grondfonds",
        name="Grondfonds",
        purposes=["land_trust_purchase"],
        minimum_participation=Decimal("50.00"),
        notice_months=3,
        margin_share=Decimal("0.25"),
        target_return_annual=Decimal("0.03"),
        first_loss_buffer=Decimal("25000.00"),
        description="Land for community land trusts",
        actor=ADMIN,
    )
    assert (pool.code, pool.status, pool.purposes) == ("GRONDFONDS", PoolStatus.OPEN, ["land_trust_purchase"])
    assert pool.first_loss_buffer == Decimal("25000.00")
    assert queries.first_loss_buffer_remaining(session, pool) == Decimal("25000.00")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "pool.create"))
    assert event.after["code"] == "GRONDFONDS"


@pytest.mark.parametrize(
    ("field", "value", "rule"),
    [
        ("code", "GROND-FONDS", "must be 1 to 20 capital letters or digits, e.g. GRONDFONDS"),
        ("code", "A" * 21, "must be 1 to 20 capital letters or digits, e.g. GRONDFONDS"),
        ("purposes", ["bakery"], "'bakery' is not a loan purpose"),
        ("purposes", [], "choose at least one loan purpose"),
        ("minimum_participation", Decimal("0"), "must be greater than 0"),
        ("notice_months", 25, "must be a whole number of months from 0 to 24"),
        ("notice_months", -1, "must be a whole number of months from 0 to 24"),
        ("margin_share", Decimal("1.01"), "must be between 0 and 1"),
        ("target_return_annual", Decimal("0.21"), "must be between 0 and 0.20"),
        ("first_loss_buffer", Decimal("-1"), "must not be negative"),
        ("first_loss_buffer", Decimal("1.00"), "must not exceed the seed capital not yet promised"),
        ("name", " ", "is required (at most 200 characters)"),
    ],
)
def test_bad_pool_terms_name_the_field_and_write_nothing(session, field, value, rule):
    terms = {
        "code": "STARTFONDS",
        "name": "Coöp Startfonds",
        "purposes": ["coop_startup"],
        "minimum_participation": Decimal("50.00"),
        "notice_months": 3,
        "margin_share": Decimal("0.25"),
        "target_return_annual": Decimal("0.03"),
        "first_loss_buffer": Decimal("0.00"),
    }
    terms[field] = value
    with pytest.raises(ValidationError) as caught:
        service.create_pool(session, actor=ADMIN, **terms)
    assert list(caught.value.fields) == [field]
    assert caught.value.fields[field].startswith(rule)
    assert queries.all_pools(session) == []


def test_a_purpose_belongs_to_one_open_pool_and_codes_are_unique(session):
    make_pool(session)
    with pytest.raises(ValidationError) as caught:
        make_pool(session, code="TWEEDE", purposes=["association", "coop_startup"])
    assert caught.value.fields == {"purposes": "coop_startup already belongs to the open pool STARTFONDS"}
    with pytest.raises(ValidationError) as caught:
        make_pool(session, purposes=["association"])
    assert caught.value.fields == {"code": "is already used by another pool"}


def test_buffers_together_stay_within_the_seed_capital(session):
    seed_capital(session, "30000.00")
    make_pool(session, first_loss_buffer=Decimal("20000.00"))
    with pytest.raises(ValidationError) as caught:
        make_pool(
            session,
            code="GRONDFONDS",
            purposes=["land_trust_purchase"],
            first_loss_buffer="10000.01",
            book_seed=False,
        )
    assert caught.value.fields == {
        "first_loss_buffer": "must not exceed the seed capital not yet promised to other pools (10000.00)"
    }
    pool = make_pool(
        session, code="GRONDFONDS", purposes=["land_trust_purchase"], first_loss_buffer="10000.00"
    )
    assert pool.first_loss_buffer == Decimal("10000.00")


def test_update_and_close_a_pool(session):
    pool = make_pool(session)
    service.update_pool(session, pool, actor=ADMIN, notice_months=6, minimum_participation="100.00")
    assert (pool.notice_months, pool.minimum_participation) == (6, Decimal("100.00"))
    with pytest.raises(ValidationError) as caught:
        service.update_pool(session, pool, actor=ADMIN, margin_share="2")
    assert caught.value.fields == {"margin_share": "must be between 0 and 1"}
    assert pool.margin_share == Decimal("0.25")
    with pytest.raises(ValidationError):
        service.update_pool(session, pool, actor=ADMIN, code="OTHER")
    service.close_pool(session, pool, actor=ADMIN)
    assert pool.status is PoolStatus.CLOSED
    # The purpose is free again for a new open pool.
    assert make_pool(session, code="STARTFONDS2").purposes == ["coop_startup"]


def test_only_admins_define_pools(session):
    with pytest.raises(PermissionDenied):
        make_pool_as(session, Actor(user_id=997, label="teller", role="teller"))


def make_pool_as(session, actor):
    return service.create_pool(
        session,
        code="X",
        name="X",
        purposes=["other"],
        minimum_participation=Decimal("50"),
        notice_months=3,
        margin_share=Decimal("0.25"),
        target_return_annual=Decimal("0.03"),
        first_loss_buffer=Decimal("0"),
        actor=actor,
    )


# ---------------------------------------------------------------------------------------------
# Subscriptions: the worked example


def test_subscriptions_move_savings_into_participations(session):
    pool = make_pool(session)
    anna, anna_account = investor(session, "Anna", "Jansen", money="1000.00")
    bram, bram_account = investor(session, "Bram", "de Vries", money="80.00")
    session.commit()

    anna_part = put_in(session, pool, anna, anna_account, "300.00", JAN_10)
    put_in(session, pool, anna, anna_account, "25.00", dt.date(2027, 2, 1))  # a top-up may be small
    bram_part = put_in(session, pool, bram, bram_account, "50.00", JAN_10)  # exactly the minimum
    session.commit()

    assert balance(session, anna_account.ledger_account_id) == Decimal("675.00")
    assert balance(session, bram_account.ledger_account_id) == Decimal("30.00")
    assert queries.participation_balance(session, anna_part) == Decimal("325.00")
    assert queries.participation_balance(session, bram_part) == Decimal("50.00")
    assert participations_total(session) == Decimal("375.00")
    assert queries.pool_capital(session, pool) == Decimal("375.00")
    ledger_account = session.get(LedgerAccount, anna_part.ledger_account_id)
    assert ledger_account.code == f"2100-STARTFONDS-{anna.number}"
    assert not ledger_account.may_go_negative
    assert anna_part.opened_on == JAN_10
    assert anna_part.deposit_account_id == anna_account.id
    assert_books_balance(session)


def test_the_same_key_books_once(session):
    pool = make_pool(session)
    anna, account = investor(session, money="500.00")
    first = put_in(session, pool, anna, account, "200.00", JAN_10, key="form-1")
    before = entry_count(session)
    again = put_in(session, pool, anna, account, "200.00", JAN_10, key="form-1")
    assert again.id == first.id
    assert entry_count(session) == before
    assert balance(session, account.ledger_account_id) == Decimal("300.00")
    assert queries.participation_balance(session, first) == Decimal("200.00")
    with pytest.raises(IdempotencyConflict):
        put_in(session, pool, anna, account, "250.00", JAN_10, key="form-1")
    assert entry_count(session) == before
    # Another member's subscription under a used key is a conflict too, and opens nothing.
    bram, bram_account = investor(session, "Bram", "de Vries", money="500.00")
    with pytest.raises(IdempotencyConflict):
        put_in(session, pool, bram, bram_account, "200.00", JAN_10, key="form-1")
    assert service.find_participation(session, pool, bram) is None
    assert entry_count(session) == before + 1  # Bram's own deposit only


# ---------------------------------------------------------------------------------------------
# Subscriptions: bad input, nothing written


@pytest.fixture
def world(session):
    pool = make_pool(session)
    anna, account = investor(session, money="100.00")
    session.commit()
    return pool, anna, account


def _refused(session, world, amount, *, error=ValidationError, account=None, member=None, actor=TELLER):
    pool, anna, anna_account = world
    before = entry_count(session)
    accounts_before = session.scalar(select(LedgerAccount.id).order_by(LedgerAccount.id.desc()).limit(1))
    with pytest.raises(error) as caught:
        service.subscribe(
            session,
            pool=pool,
            member=member or anna,
            deposit_account=account or anna_account,
            amount=amount,
            key="bad",
            actor=actor,
            on=JAN_10,
        )
    assert entry_count(session) == before
    assert (
        session.scalar(select(LedgerAccount.id).order_by(LedgerAccount.id.desc()).limit(1)) == accounts_before
    )
    assert service.find_participation(session, pool, member or anna) is None
    return caught.value


def test_below_the_minimum_is_refused(session, world):
    error = _refused(session, world, "49.99")
    assert error.fields == {"amount": "must be at least 50.00, the pool's minimum participation"}


def test_a_top_up_must_keep_the_participation_at_the_minimum(session, world):
    pool, anna, account = world
    participation = put_in(session, pool, anna, account, "50.00", JAN_10)
    # Simulate a participation that fell below the minimum (a loss absorbed by participants).
    assert queries.participation_balance(session, participation) == Decimal("50.00")
    service.update_pool(session, pool, actor=ADMIN, minimum_participation="80.00")
    before = entry_count(session)
    with pytest.raises(ValidationError) as caught:
        put_in(session, pool, anna, account, "29.99", JAN_10)
    assert caught.value.fields == {
        "amount": "must bring the participation to at least 80.00, the pool's minimum (it is 50.00 now)"
    }
    assert entry_count(session) == before
    put_in(session, pool, anna, account, "30.00", JAN_10)
    assert queries.participation_balance(session, participation) == Decimal("80.00")


def test_above_the_available_balance_is_refused(session, world):
    error = _refused(session, world, "100.01", error=InsufficientFunds)
    assert error.fields == {"amount": "exceeds the available balance of 100.00"}
    assert "insufficient funds" in error.message


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "10.001"])
def test_amounts_that_are_not_amounts_are_refused(session, world, amount):
    error = _refused(session, world, amount)
    assert list(error.fields) == ["amount"]


def test_someone_elses_account_is_refused(session, world):
    _bram, bram_account = investor(session, "Bram", "de Vries", money="500.00")
    error = _refused(session, world, "60.00", account=bram_account)
    assert error.fields == {"deposit_account": "must be an account of the subscribing member"}


def test_a_blocked_account_is_refused(session, world):
    _pool, _anna, account = world
    savings.block_account(session, account, reason="dispute", actor=TELLER)
    error = _refused(session, world, "60.00")
    assert error.fields == {
        "deposit_account": f"account {account.formatted_number} is blocked; no money may leave it"
    }


def test_a_closed_pool_takes_no_subscriptions(session, world):
    pool, _anna, _account = world
    service.close_pool(session, pool, actor=ADMIN)
    error = _refused(session, world, "60.00")
    assert error.fields == {"pool": "pool STARTFONDS is closed and takes no new subscriptions"}


def test_a_value_date_in_the_future_is_refused(session, world):
    pool, anna, account = world
    with pytest.raises(ValidationError) as caught:
        put_in(session, pool, anna, account, "60.00", dt.date(2029, 1, 1))
    assert caught.value.fields == {"on": "must not be in the future"}


# ---------------------------------------------------------------------------------------------
# Who may subscribe


def test_a_portal_member_subscribes_for_themself_and_their_organisation(session, world, make_user):
    pool, anna, account = world
    coop = members.register_organisation(
        session,
        actor=SETUP,
        legal_name="Fietscoöp U.A.",
        legal_form="cooperative",
        kvk_number="87654321",
        street="Javastraat",
        house_number="1",
        postcode="1094 HB",
        city="Amsterdam",
        activity="bicycle repair co-op",
    )
    members.add_representative(session, coop, anna, actor=SETUP, role="penningmeester")
    coop_account = savings.open_account(session, coop, account.product, actor=SETUP, opened_on=JAN_10)
    from .factories import deposit

    deposit(session, coop_account, "500.00", JAN_10)
    as_anna = _member_actor(session, make_user, anna.id)
    mine = service.subscribe(
        session,
        pool=pool,
        member=anna,
        deposit_account=account,
        amount="60.00",
        key="a1",
        actor=as_anna,
        on=JAN_10,
    )
    ours = service.subscribe(
        session, pool=pool, member=coop, deposit_account=coop_account, amount="400.00", key="a2",
        actor=as_anna, on=JAN_10,
    )  # fmt: skip
    assert queries.participation_balance(session, mine) == Decimal("60.00")
    assert queries.participation_balance(session, ours) == Decimal("400.00")


def test_a_portal_member_cannot_subscribe_for_someone_else(session, world, make_user):
    bram, _ = investor(session, "Bram", "de Vries", money="0")
    error = _refused(
        session, world, "60.00", error=NotFound, actor=_member_actor(session, make_user, bram.id)
    )
    assert error.message == f"member {world[1].id} does not exist"


def test_a_credit_officer_cannot_book_subscriptions(session, world):
    officer = Actor(user_id=998, label="officer", role="credit_officer")
    error = _refused(session, world, "60.00", error=PermissionDenied, actor=officer)
    assert "teller or admin" in error.message
