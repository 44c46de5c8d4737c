"""Agenda items are numbered uniquely per meeting: taking one off does not hand out its number again."""

from __future__ import annotations

import pytest
from applications.helpers import meeting, reviewed, submitted_coop
from sqlalchemy import create_engine, text
from sqlalchemy.exc import IntegrityError

from bank import migrate
from bank.committee import service as committee


def test_an_item_taken_off_keeps_its_number_and_the_next_gets_a_new_one(session, world):
    held = meeting(session, world)
    first, second, third = (submitted_coop(session, world) for _ in range(3))
    for application in (first, second, third):
        reviewed(session, application, world)
    committee.place_on_agenda(session, first, held, actor=world.officer_actor)
    committee.place_on_agenda(session, second, held, actor=world.officer_actor)
    committee.remove_from_agenda(session, first, actor=world.officer_actor, note="waiting for the statutes")
    committee.place_on_agenda(session, third, held, actor=world.officer_actor)
    session.refresh(held)
    assert [(item.application_id, item.position) for item in held.items] == [
        (first.id, 1),
        (second.id, 2),
        (third.id, 3),
    ]


def test_the_migration_renumbers_agendas_that_read_1_1_3(tmp_path):
    """Rows as 0010 left them (foreign keys are not enforced on this bare SQLite connection, so
    the items need no applications): meeting 1 reads 1, 1, 3 and meeting 2 reads 2, 2."""
    url = f"sqlite:///{tmp_path / 'agenda.db'}"
    migrate.upgrade(url, "0010")
    engine = create_engine(url)
    rows = [(10, 1, 1), (11, 1, 1), (12, 1, 3), (20, 2, 2), (21, 2, 2)]
    with engine.begin() as connection:
        for item_id, meeting_id, position in rows:
            connection.execute(
                text(
                    "INSERT INTO committee_agenda_items (id, meeting_id, application_id, review_round,"
                    " position, added_at, added_by_label) VALUES (:id, :m, :id, 1, :p, '2026-01-01', 'x')"
                ),
                {"id": item_id, "m": meeting_id, "p": position},
            )
    engine.dispose()
    migrate.upgrade(url, "0011")
    engine = create_engine(url)
    with engine.connect() as connection:
        numbered = connection.execute(
            text("SELECT id, meeting_id, position FROM committee_agenda_items ORDER BY id")
        ).all()
        with pytest.raises(IntegrityError):
            connection.execute(
                text(
                    "INSERT INTO committee_agenda_items (id, meeting_id, application_id, review_round,"
                    " position, added_at, added_by_label) VALUES (30, 1, 30, 1, 2, '2026-01-01', 'x')"
                )
            )
    engine.dispose()
    assert [tuple(row) for row in numbered] == [(10, 1, 1), (11, 1, 2), (12, 1, 3), (20, 2, 1), (21, 2, 2)]
