"""The pool figures pages and the portal read: summaries, queues, member views, projects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from bank.actor import Actor
from bank.approvals import service as approvals
from bank.loans import servicing
from bank.loans.models import LoanStatus
from bank.loans.products_models import LoanPurpose
from bank.members import service as members
from bank.pools import queries, service
from bank.pools.models import Distribution, DistributionShare, LoanFunding, Loss, LossShare
from bank.savings import service as savings

from .factories import (
    SETUP,
    TELLER,
    assert_books_balance,
    deposit,
    disburse_pool_loan,
    investor,
    make_pool,
    participations_total,
    put_in,
    savings_product,
)

JAN_10 = dt.date(2027, 1, 10)


def ask(session, participation, amount, on):
    return service.request_withdrawal(
        session,
        participation=participation,
        amount=amount,
        key=f"q-{participation.id}-{on}",
        actor=TELLER,
        on=on,
    )


@pytest.fixture
def story(session):
    """Anna 1 000 and Bram 2 000 in the start fund; two co-op loans funded 2 000 and 1 000."""
    pool = make_pool(session, first_loss_buffer="5000.00")
    anna, anna_account = investor(session, "Anna", "Jansen", money="1500.00")
    bram, bram_account = investor(session, "Bram", "de Vries", money="2000.00")
    anna_part = put_in(session, pool, anna, anna_account, "1000.00", JAN_10)
    bram_part = put_in(session, pool, bram, bram_account, "2000.00", JAN_10)
    listed = disburse_pool_loan(
        session,
        on=dt.date(2027, 2, 1),
        principal="2000.00",
        name="Fietsenmakerij De Spaak",
        activity="bicycle repair co-op",
        postcode="1094 HB",
        listing_consent=True,
    )
    unlisted = disburse_pool_loan(
        session, on=dt.date(2027, 2, 2), principal="5000.00", activity="co-op bakery", postcode="1092 AB"
    )
    session.commit()
    return pool, (anna, anna_part), (bram, bram_part), listed, unlisted


def test_pool_summary(session, story):
    pool, (_anna, anna_part), (_bram, bram_part), _listed, _unlisted = story
    ask(session, anna_part, "100.00", dt.date(2027, 3, 1))  # due 2027-06-01
    ask(session, bram_part, "2000.00", dt.date(2028, 11, 1))  # due 2029-02-01, after "today"
    summary = queries.pool_summary(session, pool)
    assert summary == queries.PoolSummary(
        pool=pool,
        capital=Decimal("3000.00"),
        committed=Decimal("3000.00"),
        uncommitted=Decimal("0.00"),
        uncommitted_exact=Decimal("0.00"),
        participants_count=2,
        waiting_withdrawals_count=2,
        waiting_withdrawals_amount=Decimal("2100.00"),
        due_withdrawals_amount=Decimal("100.00"),
        buffer_remaining=Decimal("5000.00"),
        loans_funded_count=2,
        amount_funded_total=Decimal("3000.00"),
    )
    second = make_pool(session, code="GRONDFONDS", purposes=("land_trust_purchase",))
    assert [s.pool.code for s in queries.pool_summaries(session)] == ["GRONDFONDS", "STARTFONDS"]
    assert queries.pool_summary(session, second).capital == Decimal("0")


def test_the_queue_is_ordered_by_request_date_then_entry(session, story):
    pool, (_anna, anna_part), (_bram, bram_part), _listed, _unlisted = story
    later = ask(session, anna_part, "100.00", dt.date(2027, 3, 20))
    earlier = ask(session, bram_part, "100.00", dt.date(2027, 3, 15))
    same_day = ask(session, anna_part, "50.00", dt.date(2027, 3, 15))
    assert queries.withdrawal_queue(session, pool) == [earlier, same_day, later]
    assert queries.waiting_withdrawals(session, pool, due_on=dt.date(2027, 6, 15)) == [earlier, same_day]
    assert queries.waiting_amount_of(session, anna_part) == Decimal("150.00")


def test_uncommitted_is_clamped_for_display_but_the_exact_figure_is_kept(session, story):
    pool, *_rest, unlisted = story
    # A funding recorded beyond the capital (say by hand, in a repair) must show as 0, not as -.
    funding = session.query(LoanFunding).filter_by(loan_id=unlisted.id).one()
    funding.amount_funded = Decimal("1500.00")
    session.flush()
    assert queries.committed_capital(session, pool) == Decimal("3500.00")
    assert queries.uncommitted_capital_exact(session, pool) == Decimal("-500.00")
    assert queries.uncommitted_capital(session, pool) == Decimal("0.00")
    assert queries.pool_summary(session, pool).uncommitted == Decimal("0.00")
    assert queries.lendable_capital(session, pool) == Decimal("0.00")


def test_member_participations_gather_returns_losses_and_waiting_requests(session, story):
    pool, (anna, anna_part), (bram, bram_part), _listed, unlisted = story
    other = make_pool(session, code="GRONDFONDS", purposes=("land_trust_purchase",))
    # Anna's co-op, which she represents, also takes part.
    coop = members.register_organisation(
        session,
        actor=SETUP,
        legal_name="Wasserette De Bel U.A.",
        legal_form="cooperative",
        kvk_number="55554444",
        street="Javastraat",
        house_number="3",
        postcode="1094 HB",
        city="Amsterdam",
        activity="laundry co-op",
    )
    members.add_representative(session, coop, anna, actor=SETUP, role="penningmeester")
    coop_account = savings.open_account(
        session, coop, savings_product(session), actor=SETUP, opened_on=JAN_10
    )
    deposit(session, coop_account, "300.00", JAN_10)
    coop_part = put_in(session, other, coop, coop_account, "300.00", JAN_10)
    waiting = ask(session, anna_part, "100.00", dt.date(2027, 3, 1))

    # Returns and losses as the distribution and loss services record them (rows only here).
    distribution = Distribution(
        pool_id=pool.id,
        quarter_start=dt.date(2027, 1, 1),
        quarter_end=dt.date(2027, 3, 31),
        interest_collected=Decimal("40.00"),
        margin_amount=Decimal("10.00"),
        amount_distributed=Decimal("30.00"),
        participant_count=2,
        distributed_on=dt.date(2027, 4, 1),
    )
    session.add(distribution)
    session.flush()
    session.add_all(
        [
            DistributionShare(
                distribution_id=distribution.id,
                participation_id=anna_part.id,
                weight_cent_days=1,
                amount=Decimal("10.00"),
            ),
            DistributionShare(
                distribution_id=distribution.id,
                participation_id=bram_part.id,
                weight_cent_days=2,
                amount=Decimal("20.00"),
            ),
        ]
    )
    loss = Loss(
        pool_id=pool.id,
        loan_id=unlisted.id,
        loss_amount=Decimal("9.00"),
        absorbed_by_buffer=Decimal("6.00"),
        absorbed_by_participants=Decimal("3.00"),
        occurred_on=dt.date(2027, 5, 1),
    )
    session.add(loss)
    session.flush()
    session.add(LossShare(loss_id=loss.id, participation_id=anna_part.id, amount=Decimal("1.00")))
    session.flush()

    views = queries.member_participations(session, [anna.id, coop.id])
    assert [(v.pool.code, v.participation.id) for v in views] == [
        ("STARTFONDS", anna_part.id),
        ("GRONDFONDS", coop_part.id),
    ]
    mine, ours = views
    assert (mine.balance, mine.returns_received, mine.losses_absorbed) == (
        Decimal("1000.00"),
        Decimal("10.00"),
        Decimal("1.00"),
    )
    assert mine.waiting_withdrawals == [waiting]
    assert mine.waiting_amount == Decimal("100.00")
    assert (ours.balance, ours.returns_received, ours.losses_absorbed, ours.waiting_withdrawals) == (
        Decimal("300.00"),
        Decimal("0"),
        Decimal("0"),
        [],
    )
    assert queries.member_participations(session, [bram.id])[0].returns_received == Decimal("20.00")
    assert queries.member_participations(session, []) == []
    assert queries.first_loss_buffer_remaining(session, pool) == Decimal("4994.00")


def test_projects_show_the_members_share_and_the_borrower_as_consented(session, story):
    _pool, (_anna, anna_part), (_bram, bram_part), listed, unlisted = story
    projects = queries.projects_funded_by(session, anna_part)
    assert projects == [
        queries.ProjectView(
            loan_id=listed.id,
            loan_number=listed.number,
            purpose=LoanPurpose.COOP_STARTUP,
            name_or_none="Fietsenmakerij De Spaak coöperatie U.A.",
            activity="bicycle repair co-op",
            postcode_area="1094",
            disbursed_on=dt.date(2027, 2, 1),
            loan_principal=Decimal("2000.00"),
            pool_committed=Decimal("2000.00"),
            member_share=Decimal("666.67"),  # 1 000 / 3 000 x 2 000
            written_off=False,
        ),
        queries.ProjectView(
            loan_id=unlisted.id,
            loan_number=unlisted.number,
            purpose=LoanPurpose.COOP_STARTUP,
            name_or_none=None,
            activity="co-op bakery",
            postcode_area="1092",
            disbursed_on=dt.date(2027, 2, 2),
            loan_principal=Decimal("5000.00"),
            pool_committed=Decimal("1000.00"),
            member_share=Decimal("333.33"),  # 1 000 / 3 000 x 1 000
            written_off=False,
        ),
    ]
    assert [p.member_share for p in queries.projects_funded_by(session, bram_part)] == [
        Decimal("1333.33"),
        Decimal("666.67"),
    ]


def test_a_written_off_loan_is_marked_and_carries_no_share(session, story, make_user):
    pool, (_anna, anna_part), _bram, listed, unlisted = story
    admin = make_user("admin")
    officer = make_user("credit_officer")
    maker = Actor(user_id=admin.id, label=admin.email, role="admin")
    # A write-off is decided by a credit officer or a second admin, never a teller.
    checker = Actor(user_id=officer.id, label=officer.email, role="credit_officer")
    approval = servicing.request_write_off(session, unlisted, reason="Bakery closed", key="wo-1", actor=maker)
    approvals.approve(session, approval, actor=checker)
    session.commit()
    session.refresh(unlisted)
    assert unlisted.status is LoanStatus.WRITTEN_OFF
    assert queries.committed_capital(session, pool) == Decimal("2000.00")
    projects = {p.loan_id: p for p in queries.projects_funded_by(session, anna_part)}
    assert projects[unlisted.id].written_off is True
    assert (projects[unlisted.id].pool_committed, projects[unlisted.id].member_share) == (
        Decimal("0"),
        Decimal("0"),
    )
    assert projects[listed.id].written_off is False
    # The buffer (5 000) carried the pool's 1 000 of the loss; members lost nothing.
    assert queries.first_loss_buffer_remaining(session, pool) == Decimal("4000.00")
    assert participations_total(session) == Decimal("3000.00")
    assert queries.uncommitted_capital(session, pool) == Decimal("1000.00")
    assert_books_balance(session)


def test_a_paid_off_loan_is_no_longer_listed_and_frees_its_capital(session, story):
    pool, (_anna, anna_part), _bram, listed, unlisted = story
    quote = servicing.payoff_quote(session, listed, dt.date(2027, 2, 15))
    deposit(session, listed.repayment_account, str(quote.total), dt.date(2027, 2, 15))
    servicing.pay_off(session, listed, on=dt.date(2027, 2, 15), key="po-1", actor=TELLER)
    session.flush()
    assert listed.status is LoanStatus.PAID_OFF
    assert [p.loan_id for p in queries.projects_funded_by(session, anna_part)] == [unlisted.id]
    assert queries.committed_capital(session, pool) == Decimal("1000.00")
    assert queries.committed_capital(session, pool, on=dt.date(2027, 2, 14)) == Decimal("3000.00")
    assert queries.uncommitted_capital(session, pool) == Decimal("2000.00")
    assert_books_balance(session)
