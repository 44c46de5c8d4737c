"""Quorum, majority, recusal, four eyes and the immutability of votes and decisions."""

from __future__ import annotations

import datetime as dt

import pytest
from applications.helpers import actor_of, on_agenda, reviewed, submitted_coop, vote
from sqlalchemy import func, select

from bank import clock
from bank.applications.models import ApplicationStatus as S
from bank.committee import service as committee
from bank.committee.models import Decision, Vote
from bank.committee.service import active_agenda_item
from bank.db import AppendOnlyViolation
from bank.errors import Conflict, InvalidTransition, PermissionDenied, ValidationError

QUORUM = 3


@pytest.fixture
def application(session, world):
    application = submitted_coop(session, world)
    reviewed(session, application, world)
    on_agenda(session, world, application)
    return application


def _decisions(session) -> int:
    return session.scalar(select(func.count()).select_from(Decision))


@pytest.mark.parametrize(
    ("choices", "outcome"),
    [
        (["approve", "approve", "approve"], S.APPROVED),
        (["approve", "approve", "reject"], S.APPROVED),
        (["approve", "abstain", "abstain"], S.APPROVED),  # abstentions count for quorum, not for majority
        (["reject", "reject", "approve"], S.REJECTED),
        (["reject", "abstain", "abstain"], S.REJECTED),
        (["approve", "reject", "approve", "reject"], None),  # a tie decides nothing
        (["approve", "reject", "abstain"], None),
        (["abstain", "abstain", "abstain"], None),
    ],
)
def test_majority_of_votes_cast_decides(session, world, application, choices, outcome):
    for index, choice in enumerate(choices):
        vote(session, application, world, index, choice)
    if outcome is None:
        with pytest.raises(ValidationError, match="no majority"):
            committee.decide(session, application, actor=world.c(0), quorum=QUORUM, reasons="x")
        assert application.status is S.ON_AGENDA and _decisions(session) == 0
        return
    committee.decide(session, application, actor=world.c(0), quorum=QUORUM, reasons="Too little own capital.")
    assert application.status is outcome
    decision = committee.decision_of(session, application)
    assert decision.votes_cast == len(choices)


def test_no_decision_without_quorum(session, world, application):
    vote(session, application, world, 0, "approve")
    vote(session, application, world, 1, "approve")
    with pytest.raises(ValidationError, match="not reached: 2 eligible vote"):
        committee.decide(session, application, actor=world.c(0), quorum=QUORUM)
    assert application.status is S.ON_AGENDA and _decisions(session) == 0
    # A smaller configured quorum is honoured.
    committee.decide(session, application, actor=world.c(0), quorum=2)
    assert application.status is S.APPROVED


def test_a_recused_member_cannot_vote_and_the_recusal_is_recorded(session, world, application):
    committee.declare(session, application, actor=world.c(3), has_conflict=True, explanation="I bake there")
    with pytest.raises(PermissionDenied, match="conflict of interest"):
        committee.cast_vote(session, application, actor=world.c(3), choice="approve")
    # Declaring again (to undo it) is refused.
    with pytest.raises(Conflict):
        committee.declare(session, application, actor=world.c(3), has_conflict=False)
    # Recused members do not count for the quorum.
    vote(session, application, world, 0, "approve")
    vote(session, application, world, 1, "approve")
    with pytest.raises(ValidationError, match="not reached"):
        committee.decide(session, application, actor=world.c(0), quorum=QUORUM)
    vote(session, application, world, 2, "reject")
    decision = committee.decide(session, application, actor=world.c(0), quorum=QUORUM)
    assert decision.recusals == [world.committee_users[3].name]  # by name: the letter prints it
    assert (decision.votes_approve, decision.votes_reject) == (2, 1)


def test_a_decision_recorded_before_the_meeting_is_dated_on_the_meeting_day(session, world, application):
    held_on = active_agenda_item(session, application).meeting.held_on
    assert held_on > clock.today()
    for number in (0, 1, 2):
        vote(session, application, world, number, "approve")
    decision = committee.decide(session, application, actor=world.c(0), quorum=QUORUM)
    assert decision.decided_on == held_on
    assert application.offer_expires_on == held_on + dt.timedelta(days=90)


def test_a_conflict_needs_an_explanation(session, world, application):
    with pytest.raises(ValidationError, match="explanation"):
        committee.declare(session, application, actor=world.c(1), has_conflict=True)


def test_who_may_not_vote(session, world, application):
    # No declaration yet.
    with pytest.raises(PermissionDenied, match="declare first"):
        committee.cast_vote(session, application, actor=world.c(0), choice="approve")
    # Not committee members: the credit officer, an admin, a member.
    for outsider in (world.officer_actor, actor_of(world.admin), world.anna_actor):
        with pytest.raises(PermissionDenied, match="only loan committee members"):
            committee.cast_vote(session, application, actor=outsider, choice="approve")
    # The preparer cannot vote (four eyes): make a committee member the reviewer of record.
    application.reviewer_id = world.committee_users[1].id
    committee.declare(session, application, actor=world.c(1), has_conflict=False)
    with pytest.raises(PermissionDenied, match="you prepared this application"):
        committee.cast_vote(session, application, actor=world.c(1), choice="approve")
    assert session.scalar(select(func.count()).select_from(Vote)) == 0


def test_a_second_vote_is_refused_and_votes_are_immutable(session, world, application):
    vote(session, application, world, 0, "approve")
    with pytest.raises(Conflict, match="already voted"):
        committee.cast_vote(
            session, application, actor=world.c(0), choice="reject", comment="changed my mind"
        )
    stored = session.scalars(select(Vote)).one()
    stored.choice = "reject"
    with pytest.raises(AppendOnlyViolation):
        session.flush()
    session.rollback()


def test_a_vote_against_needs_a_reason_and_a_bad_choice_is_refused(session, world, application):
    committee.declare(session, application, actor=world.c(0), has_conflict=False)
    with pytest.raises(ValidationError, match="comment"):
        committee.cast_vote(session, application, actor=world.c(0), choice="reject")
    with pytest.raises(ValidationError, match="approve, reject or abstain"):
        committee.cast_vote(session, application, actor=world.c(0), choice="maybe")


def test_only_the_chair_decides_and_the_decision_is_immutable(session, world, application):
    for index in range(3):
        vote(session, application, world, index, "approve")
    with pytest.raises(PermissionDenied, match="only the chair"):
        committee.decide(session, application, actor=world.c(1), quorum=QUORUM)
    with pytest.raises(PermissionDenied):
        committee.decide(session, application, actor=actor_of(world.admin), quorum=QUORUM)
    decision = committee.decide(session, application, actor=world.c(0), quorum=QUORUM, conditions="A\n\n- B")
    assert [c.text for c in decision.conditions] == ["A", "B"]
    with pytest.raises(InvalidTransition):
        committee.decide(session, application, actor=world.c(0), quorum=QUORUM)
    decision.votes_approve = 5
    with pytest.raises(AppendOnlyViolation):
        session.flush()
    session.rollback()


def test_a_rejection_needs_reasons(session, world, application):
    for index in range(3):
        vote(session, application, world, index, "reject")
    with pytest.raises(ValidationError, match="reasons"):
        committee.decide(session, application, actor=world.c(0), quorum=QUORUM)
    assert application.status is S.ON_AGENDA


def test_approved_terms_are_checked_against_the_product(session, world, application):
    for index in range(3):
        vote(session, application, world, index, "approve")
    with pytest.raises(ValidationError) as refused:
        committee.decide(
            session,
            application,
            actor=world.c(0),
            quorum=QUORUM,
            terms={"amount": "90000.00", "term_months": "61"},
        )
    assert "amount" in refused.value.fields or "term_months" in refused.value.fields
    assert application.status is S.ON_AGENDA and _decisions(session) == 0


def test_returned_by_the_chair_starts_a_new_round(session, world, application):
    vote(session, application, world, 0, "approve")
    with pytest.raises(ValidationError, match="note"):
        committee.return_to_applicant(session, application, actor=world.c(0), note="")
    committee.return_to_applicant(
        session, application, actor=world.c(0), note="Please add the bank statements."
    )
    assert application.status is S.RETURNED and application.review_round == 2
    from bank.applications import service as applications

    applications.update_draft(
        session, application, {"purpose_text": "Oven, bike, and statements added."}, actor=world.anna_actor
    )
    applications.submit(session, application, actor=world.anna_actor)
    reviewed_again = applications.take_for_review(session, application, actor=world.officer_actor)
    assert reviewed_again.status is S.IN_REVIEW
    on_agenda(session, world, application)
    # The old round's vote does not count and the member may vote again.
    assert committee.tally(session, application, quorum=QUORUM).cast == 0
    committee.cast_vote(session, application, actor=world.c(0), choice="approve")
