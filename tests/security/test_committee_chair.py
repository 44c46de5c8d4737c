"""Issue 13, item 5: a recused chair cannot decide; the decision's terms are those voted on."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from applications.helpers import TODAY, World, build_world, on_agenda, reviewed, submitted_coop, vote

from bank import clock
from bank.applications.models import ApplicationStatus as S
from bank.committee import service as committee
from bank.errors import PermissionDenied, ValidationError

QUORUM = 3


@pytest.fixture
def world(session, make_user) -> Iterator[World]:
    with clock.frozen(TODAY):
        yield build_world(session, make_user)


@pytest.fixture
def application(session, world):
    application = submitted_coop(session, world)
    reviewed(session, application, world)
    on_agenda(session, world, application, chair=0)
    return application


def test_a_chair_who_declared_a_conflict_cannot_decide(session, world, application):
    committee.declare(
        session, application, actor=world.c(0), has_conflict=True, explanation="my sister's co-op"
    )
    for index in (1, 2, 3):
        vote(session, application, world, index, "approve")
    assert not committee.may_record_decision(session, application, world.c(0))
    with pytest.raises(PermissionDenied, match="conflict of interest"):
        committee.decide(session, application, actor=world.c(0), quorum=QUORUM)
    assert application.status is S.ON_AGENDA

    # Another member who declared no conflict chairs this item; the record says so.
    assert committee.may_record_decision(session, application, world.c(1))
    decision = committee.decide(session, application, actor=world.c(1), quorum=QUORUM)
    assert application.status is S.APPROVED
    assert decision.chair_id == world.committee_users[1].id
    assert "chairing for Marleen Smit, recused" in decision.chair_label


def test_without_a_recusal_only_the_chair_decides(session, world, application):
    for index in (0, 1, 2):
        vote(session, application, world, index, "approve")
    with pytest.raises(PermissionDenied, match="only the chair"):
        committee.decide(session, application, actor=world.c(1), quorum=QUORUM)


def test_the_decision_records_the_terms_the_votes_were_cast_on(session, world, application):
    for index in (0, 1, 2):
        vote(session, application, world, index, "approve")
    voted_amount = application.recommended_amount or application.amount
    with pytest.raises(ValidationError) as refused:
        committee.decide(
            session,
            application,
            actor=world.c(0),
            quorum=QUORUM,
            terms={"amount": str(voted_amount * 2), "rate_annual": "0.5"},
        )
    assert set(refused.value.fields) >= {"amount", "rate_annual"}
    assert application.status is S.ON_AGENDA
    # Repeating the voted terms is fine; the recorded terms are the voted ones.
    decision = committee.decide(
        session, application, actor=world.c(0), quorum=QUORUM, terms={"amount": str(voted_amount)}
    )
    assert decision.approved_amount == voted_amount
    assert decision.approved_rate_annual == application.recommended_rate_annual == Decimal("0.06")
