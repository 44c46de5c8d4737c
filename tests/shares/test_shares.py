"""Member shares: issue (from the account or from outside), maximum, activation, redemption with four eyes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from savings.factories import OTHER_IBAN, balance, main_balance, member
from sqlalchemy import func, select

from bank import clock
from bank.approvals import service as approvals
from bank.approvals.models import Approval, ApprovalStatus
from bank.errors import PermissionDenied, ValidationError
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry
from bank.members import service as members_service
from bank.members.models import MemberStatus
from bank.payment_orders import service as payment_orders
from bank.payment_orders.models import OrderSource
from bank.shares import queries
from bank.shares import service as shares


def _entries(session) -> int:
    return session.scalar(select(func.count()).select_from(JournalEntry))


def test_first_paid_share_activates_the_applicant_and_balances(session, world, teller):
    anna, account = world["anna"], world["account"]
    assert anna.status is MemberStatus.APPLICANT
    with clock.frozen(dt.date(2026, 6, 15)):
        booked = shares.issue_shares(session, anna, "4", key="i1", actor=teller, paid_from=account)
        shares.issue_shares(session, anna, 2, key="i2", actor=teller)  # € 50 received from outside
    session.commit()
    assert booked.created
    assert anna.status is MemberStatus.ACTIVE and anna.joined_on == dt.date(2026, 6, 15)
    (row,) = queries.holdings_of_member(session, anna.id)
    assert (row.shares, row.amount) == (6, Decimal("150.00"))
    assert balance(session, account) == Decimal("900.00")
    assert main_balance(session, chart.SHARE_CAPITAL) == Decimal("150.00")
    # € 1.000 deposited + € 50 shares from outside arrived at the settlement account.
    assert main_balance(session, chart.SETTLEMENT) == Decimal("1050.00")
    assert ledger_queries.verify(session) == []


def test_issue_refuses_above_the_maximum_and_writes_nothing(session, world, teller):
    anna, account = world["anna"], world["account"]
    shares.issue_shares(session, anna, 38, key="i1", actor=teller)
    session.commit()
    before = _entries(session)
    with pytest.raises(ValidationError) as refused:
        shares.issue_shares(session, anna, 3, key="i2", actor=teller, paid_from=account)
    assert "shares" in refused.value.fields
    assert "maximum is 40" in refused.value.fields["shares"]
    session.rollback()
    assert _entries(session) == before
    shares.issue_shares(session, anna, 2, key="i3", actor=teller, paid_from=account)
    session.commit()
    assert queries.holdings_of_member(session, anna.id)[0].shares == 40


@pytest.mark.parametrize(
    ("count", "rule"),
    [
        ("0", "at least 1"),
        ("-2", "at least 1"),
        ("twee", "whole number"),
        ("1.5", "whole number"),
        ("", "required"),
    ],
)
def test_bad_share_counts_name_the_field(session, world, teller, count, rule):
    with pytest.raises(ValidationError) as refused:
        shares.issue_shares(session, world["anna"], count, key="bad", actor=teller)
    assert rule in refused.value.fields["shares"]
    session.rollback()
    assert _entries(session) == 1  # only the funding deposit


def test_paying_shares_needs_the_funds(session, world, teller):
    from bank.errors import InsufficientFunds
    from bank.savings import service as savings

    savings.withdraw(session, world["account"], "990.00", key="w1", actor=teller, approval_threshold=None)
    session.commit()
    with pytest.raises(InsufficientFunds) as refused:
        shares.issue_shares(session, world["anna"], 1, key="i2", actor=teller, paid_from=world["account"])
    assert "shares" in refused.value.fields
    session.rollback()
    assert balance(session, world["account"]) == Decimal("10.00")
    assert world["anna"].status is MemberStatus.APPLICANT


def test_redemption_waits_for_a_second_person_and_keeps_the_minimum(session, world, teller, second_teller):
    anna, account = world["anna"], world["account"]
    shares.issue_shares(session, anna, 5, key="i1", actor=teller, paid_from=account)
    session.commit()
    with pytest.raises(ValidationError) as below_minimum:
        shares.request_redemption(session, anna, 5, key="r0", actor=teller, pay_to=account)
    assert "at least 1" in below_minimum.value.fields["shares"]
    session.rollback()

    request = shares.request_redemption(session, anna, 3, key="r1", actor=teller, pay_to=account)
    session.commit()
    # A second request may not ask back shares already asked back.
    with pytest.raises(ValidationError) as too_many:
        shares.request_redemption(session, anna, 2, key="r2", actor=teller, pay_to=account)
    assert "already asked back" in too_many.value.fields["shares"]
    session.rollback()

    with pytest.raises(PermissionDenied) as maker_refused:
        approvals.approve(session, request.approval, actor=teller)
    assert "four eyes" in str(maker_refused.value)
    session.rollback()
    assert balance(session, account) == Decimal("875.00")

    approvals.approve(session, request.approval, actor=second_teller)
    session.commit()
    assert request.approval.status is ApprovalStatus.APPROVED
    assert queries.holdings_of_member(session, anna.id)[0].shares == 2
    assert balance(session, account) == Decimal("950.00")
    assert ledger_queries.verify(session) == []


def test_a_leaving_member_redeems_everything_to_their_own_iban(session, world, teller, second_teller):
    anna, account = world["anna"], world["account"]
    shares.issue_shares(session, anna, 4, key="i1", actor=teller, paid_from=account)
    session.commit()
    members_service.set_status(session, anna, "left", actor=teller, reason="Moving away")
    request = shares.request_redemption(session, anna, 4, key="r1", actor=teller, pay_to=None)
    approvals.approve(session, request.approval, actor=second_teller)
    session.commit()
    assert queries.holdings_of_member(session, anna.id)[0].shares == 0
    entry = session.get(JournalEntry, request.approval.result_entry_id)
    assert anna.external_iban in entry.memo
    assert main_balance(session, chart.SHARE_CAPITAL) == Decimal("0.00")
    # Paid by a payment order: the 100.00 waits on 1090 until the statement shows it left 1000.
    order = payment_orders.order_by_key(session, "shares-redeem:r1")
    assert order is not None and order.order_entry_id == entry.id
    assert (order.amount, order.creditor_iban, order.source) == (
        Decimal("100.00"),
        anna.external_iban,
        OrderSource.SHARE_REDEMPTION,
    )
    assert main_balance(session, chart.PAYMENTS_IN_TRANSIT) == Decimal("-100.00")
    assert ledger_queries.verify(session) == []


def test_rejected_redemption_pays_nothing(session, world, teller, second_teller):
    anna, account = world["anna"], world["account"]
    shares.issue_shares(session, anna, 4, key="i1", actor=teller, paid_from=account)
    request = shares.request_redemption(session, anna, 2, key="r1", actor=teller, pay_to=account)
    session.commit()
    with pytest.raises(ValidationError) as no_reason:
        approvals.reject(session, request.approval, actor=second_teller, reason="  ")
    assert "reason" in no_reason.value.fields
    approvals.reject(session, request.approval, actor=second_teller, reason="Member changed their mind")
    session.commit()
    assert request.approval.status is ApprovalStatus.REJECTED
    assert queries.holdings_of_member(session, anna.id)[0].shares == 4
    assert session.scalar(select(func.count()).select_from(Approval)) == 1


def test_shares_cannot_be_paid_from_someone_elses_account(session, world, teller):
    other = member(session, iban=OTHER_IBAN)
    with pytest.raises(ValidationError) as refused:
        shares.issue_shares(session, other, 1, key="x", actor=teller, paid_from=world["account"])
    assert "from_account" in refused.value.fields


def test_seed_capital_is_admin_only(session, world, teller, admin):
    with pytest.raises(PermissionDenied):
        shares.receive_seed_capital(session, "2000000", key="s0", actor=teller)
    session.rollback()
    shares.receive_seed_capital(
        session, "2000000.00", key="s1", actor=admin, value_date=dt.date(2025, 11, 28)
    )
    again = shares.receive_seed_capital(
        session, "2000000.00", key="s1", actor=admin, value_date=dt.date(2025, 11, 28)
    )
    session.commit()
    assert not again.created
    assert main_balance(session, chart.SEED_CAPITAL) == Decimal("2000000.00")
    assert ledger_queries.verify(session) == []


def test_issue_many_checks_every_order_before_posting_any(session, world, teller):
    anna, account = world["anna"], world["account"]
    bram = member(session, iban=OTHER_IBAN)
    session.commit()
    orders = [
        shares.ShareOrder(anna, 2, key="m-anna", paid_from=account),
        shares.ShareOrder(bram, 41, key="m-bram"),
    ]
    with pytest.raises(ValidationError) as refused:
        shares.issue_shares_many(session, orders, actor=teller)
    assert "maximum is 40" in refused.value.fields["shares"]
    session.rollback()
    assert _entries(session) == 1
    with pytest.raises(ValidationError):
        shares.issue_shares_many(
            session,
            [shares.ShareOrder(anna, 1, key="a1"), shares.ShareOrder(anna, 1, key="a2")],
            actor=teller,
        )
    session.rollback()
    ids = shares.issue_shares_many(
        session,
        [
            shares.ShareOrder(anna, 2, key="m-anna", paid_from=account),
            shares.ShareOrder(bram, 3, key="m-bram"),
        ],
        actor=teller,
    )
    session.commit()
    assert len(ids) == 2
    assert anna.status is MemberStatus.ACTIVE and bram.status is MemberStatus.ACTIVE
    assert queries.holdings_of_member(session, bram.id)[0].shares == 3
    assert main_balance(session, chart.SHARE_CAPITAL) == Decimal("125.00")
    assert ledger_queries.verify(session) == []
