"""The committee member's home is their work: the next agenda, what waits for their vote (and where
they are recused), what they chair and whether its quorum is there, and the decisions just recorded."""

from __future__ import annotations

import re

from applications.helpers import TODAY, on_agenda, reviewed, submitted_coop, vote
from conftest import PASSWORD

from bank import clock
from bank.auth.service import hash_password
from bank.committee import queries
from bank.committee import service as committee
from bank.committee.queries import MyTurn


def _can_log_in(users) -> None:
    for user in users:
        user.password_hash = hash_password(PASSWORD)


def _section(page: str, name: str) -> str:
    found = re.search(rf'<section class="card" id="committee-{name}">(.*?)</section>', page, re.S)
    return found.group(1) if found else ""


def test_each_member_sees_their_turn_and_the_chair_sees_the_quorum(client, session, world, login_as):
    with clock.frozen(TODAY):
        ready = submitted_coop(session, world)
        reviewed(session, ready, world)
        meeting = on_agenda(session, world, ready, chair=0)
        waiting = submitted_coop(session, world)
        reviewed(session, waiting, world)
        committee.place_on_agenda(session, waiting, meeting, actor=world.officer_actor)
        for index, choice in ((0, "approve"), (1, "approve"), (2, "abstain")):
            vote(session, ready, world, index, choice)
        # Member 3 is recused on the first, member 1 has not declared on the second.
        committee.declare(session, ready, actor=world.c(3), has_conflict=True, explanation="my sister")
        _can_log_in(world.committee_users)
        session.commit()

        chair_work = queries.work_for(session, world.c(0), today=TODAY, quorum=3)
        assert [(line.application.number, line.turn) for line in chair_work.lines] == [
            (ready.number, MyTurn.VOTED),
            (waiting.number, MyTurn.DECLARE),
        ]
        assert [(line.application.number, line.ready_to_decide) for line in chair_work.chaired] == [
            (ready.number, True),
            (waiting.number, False),
        ]
        recused = queries.work_for(session, world.c(3), today=TODAY, quorum=3)
        assert [line.application.number for line in recused.recused] == [ready.number]
        assert [line.application.number for line in recused.waiting_for_me] == [waiting.number]
        assert recused.chaired == []
        session.commit()  # SQLite: the test session holds no transaction during requests

        login_as(user=world.committee_users[0])
        page = client.get("/committee/").get_data(as_text=True)
        agenda = _section(page, "next")
        assert f">{ready.number}</a>" in agenda and f">{waiting.number}</a>" in agenda
        assert "3 of 3 votes cast." in agenda and "0 of 3 votes cast." in agenda
        mine = _section(page, "mine")
        assert f">{waiting.number}</a>" in mine and f">{ready.number}</a>" not in mine
        assert "Declare first whether you have a conflict of interest" in mine
        chair = _section(page, "chair")
        assert "Quorum reached (2 for, 0 against, 1 abstained): record the decision." in chair
        assert "Waiting for votes: 0 of 3 cast." in chair
        client.post("/logout")

        login_as(user=world.committee_users[3])
        page = client.get("/committee/").get_data(as_text=True)
        mine = _section(page, "mine")
        assert "Where you declared a conflict of interest" in mine
        assert mine.index(ready.number) > mine.index("Where you declared a conflict of interest")
        assert _section(page, "chair") == ""
        client.post("/logout")

        # An administrator looks: the agenda, no turn of their own.
        login_as("admin")
        page = client.get("/committee/").get_data(as_text=True)
        assert "Only committee members declare and vote." in _section(page, "next")
        assert _section(page, "mine") == "" and _section(page, "chair") == ""


def test_a_recorded_decision_is_listed_with_its_outcome_and_amount(client, session, world, login_as):
    with clock.frozen(TODAY):
        application = submitted_coop(session, world)
        reviewed(session, application, world)
        on_agenda(session, world, application, chair=0)
        for index in (0, 1, 2):
            vote(session, application, world, index, "approve")
        committee.decide(
            session, application, actor=world.c(0), quorum=3, conditions="", reasons="", terms={}
        )
        _can_log_in(world.committee_users)
        session.commit()
        login_as(user=world.committee_users[1])
        decisions = _section(client.get("/committee/").get_data(as_text=True), "decisions")
        assert f">{application.number}</a>" in decisions and "approved" in decisions
        assert (
            f"€\xa0{application.recommended_amount:,.2f}".replace(",", "X")
            .replace(".", ",")
            .replace("X", ".")
            in decisions
        )
