"""The transition table, exhaustively: every allowed move succeeds, every other is refused unchanged."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from bank.actor import system
from bank.applications import service as applications
from bank.applications.models import (
    APPLICANT,
    COMMITTEE,
    CREDIT_OFFICER,
    SYSTEM,
    TRANSITIONS,
    ApplicationStatus,
    ApplicationTransition,
)
from bank.errors import InvalidTransition, PermissionDenied

from .helpers import coop_data

S = ApplicationStatus
PAIRS = list(itertools.product(list(S), list(S)))
EXPECTED = {
    (S.DRAFT, S.SUBMITTED), (S.DRAFT, S.WITHDRAWN),
    (S.SUBMITTED, S.IN_REVIEW), (S.SUBMITTED, S.RETURNED), (S.SUBMITTED, S.WITHDRAWN),
    (S.IN_REVIEW, S.ON_AGENDA), (S.IN_REVIEW, S.RETURNED), (S.IN_REVIEW, S.WITHDRAWN),
    (S.ON_AGENDA, S.APPROVED), (S.ON_AGENDA, S.REJECTED), (S.ON_AGENDA, S.RETURNED),
    (S.ON_AGENDA, S.IN_REVIEW), (S.ON_AGENDA, S.WITHDRAWN),
    (S.RETURNED, S.SUBMITTED), (S.RETURNED, S.WITHDRAWN),
    (S.APPROVED, S.DISBURSED), (S.APPROVED, S.EXPIRED),
}  # fmt: skip


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a.value}->{b.value}" for a, b in PAIRS])
def test_require_transition_answers_every_pair(current, target):
    if (current, target) in EXPECTED:
        applications.require_transition(current, target)
    else:
        with pytest.raises(InvalidTransition):
            applications.require_transition(current, target)


def test_the_table_is_exactly_the_designed_one():
    allowed = {(current, target) for current, moves in TRANSITIONS.items() for target in moves}
    assert allowed == EXPECTED
    assert set(TRANSITIONS) == set(S)
    # Final states have no way out; the others have at least one.
    assert {s for s, moves in TRANSITIONS.items() if not moves} == {
        S.REJECTED,
        S.WITHDRAWN,
        S.EXPIRED,
        S.DISBURSED,
    }


@pytest.mark.parametrize(("current", "target"), PAIRS, ids=[f"{a.value}->{b.value}" for a, b in PAIRS])
def test_every_move_is_allowed_or_refused_by_the_table(session, world, current, target):
    application = applications.create_draft(
        session,
        applicant=world.bakery,
        product=world.coop_product,
        actor=world.anna_actor,
        data=coop_data(world),
    )
    rows_before = session.scalar(select(func.count()).select_from(ApplicationTransition))
    if current is S.DISBURSED:
        # A disbursed application needs its loan (a check constraint); only refusals are tested here,
        # and they must be refused before anything reaches the database.
        with session.no_autoflush:
            application.status = current
            with pytest.raises(InvalidTransition):
                applications.transition(session, application, target, actor=system("t"), capacity=SYSTEM)
            assert application.status is current
            assert not any(isinstance(o, ApplicationTransition) for o in session.new)
        session.rollback()
        return
    application.status = current  # set up the state directly; the move under test goes through the service
    if S.APPROVED in (current, target):
        application.offer_expires_on = application.created_at.date()
    session.flush()
    actor = system("test")
    if (current, target) in EXPECTED:
        capacity = next(iter(TRANSITIONS[current][target]))
        if target is S.DISBURSED:
            application.loan_id = None  # disbursed needs a loan: tested in the disbursement story
            with pytest.raises(Exception):  # noqa: B017 (the check constraint disbursed_has_loan)
                applications.transition(session, application, target, actor=actor, capacity=capacity)
                session.flush()
            session.rollback()
            return
        applications.transition(session, application, target, actor=actor, capacity=capacity, note="because")
        assert application.status is target
        last = session.scalars(
            select(ApplicationTransition).order_by(ApplicationTransition.id.desc())
        ).first()
        assert (last.from_status, last.to_status, last.actor_label, last.note) == (
            current.value,
            target.value,
            "system:test",
            "because",
        )
    else:
        with pytest.raises(InvalidTransition) as refused:
            applications.transition(session, application, target, actor=actor, capacity=SYSTEM, note="x")
        assert f"cannot go from {current.value} to {target.value}" in refused.value.message
        assert application.status is current
        assert session.scalar(select(func.count()).select_from(ApplicationTransition)) == rows_before


def test_a_move_needs_the_right_capacity(session, world):
    application = applications.create_draft(
        session,
        applicant=world.bakery,
        product=world.coop_product,
        actor=world.anna_actor,
        data=coop_data(world),
    )
    applications.submit(session, application, actor=world.anna_actor)
    # The applicant cannot take their own application for review …
    with pytest.raises(PermissionDenied):
        applications.transition(session, application, S.IN_REVIEW, actor=world.anna_actor, capacity=APPLICANT)
    with pytest.raises(PermissionDenied):
        applications.transition(
            session, application, S.IN_REVIEW, actor=world.anna_actor, capacity=CREDIT_OFFICER
        )
    # … and a credit officer cannot withdraw it for them in the capacity of credit officer.
    with pytest.raises(PermissionDenied):
        applications.transition(
            session, application, S.WITHDRAWN, actor=world.officer_actor, capacity=CREDIT_OFFICER
        )
    assert application.status is S.SUBMITTED


def test_the_buttons_come_from_the_same_table(session, world):
    application = applications.create_draft(
        session,
        applicant=world.bakery,
        product=world.coop_product,
        actor=world.anna_actor,
        data=coop_data(world),
    )
    assert applications.allowed_targets(session, world.anna_actor, application) == [S.SUBMITTED, S.WITHDRAWN]
    applications.submit(session, application, actor=world.anna_actor)
    assert applications.allowed_targets(session, world.anna_actor, application) == [S.WITHDRAWN]
    assert set(applications.allowed_targets(session, world.officer_actor, application)) == {
        S.IN_REVIEW,
        S.RETURNED,
        S.WITHDRAWN,
    }
    from applications.helpers import actor_of

    other = actor_of(world.bram_user)
    assert applications.allowed_targets(session, other, application) == []
    assert COMMITTEE not in applications.capacities(session, world.officer_actor, application)


def test_a_stale_page_cannot_move_an_application_that_moved_meanwhile(session, world):
    from bank.errors import Conflict
    from bank.extensions import db

    application = applications.create_draft(
        session,
        applicant=world.bakery,
        product=world.coop_product,
        actor=world.anna_actor,
        data=coop_data(world),
    )
    session.commit()
    # Staff opened the draft in another tab a while ago (their copy says "draft") …
    stale_session = db.new_session()
    stale = stale_session.get(type(application), application.id)
    stale_session.commit()
    # … meanwhile the applicant submitted it.
    applications.submit(session, application, actor=world.anna_actor)
    session.commit()
    with pytest.raises(Conflict, match="changed by someone else meanwhile"):
        applications.withdraw(stale_session, stale, actor=actor_of_teller(world))
    stale_session.rollback()
    stale_session.close()
    session.expire_all()
    assert session.get(type(application), application.id).status is S.SUBMITTED
    assert [t.to_status for t in application.transitions] == ["draft", "submitted"]


def actor_of_teller(world):
    from .helpers import actor_of

    return actor_of(world.teller)
