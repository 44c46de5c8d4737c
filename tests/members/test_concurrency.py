"""Member numbers stay unique and gap-free when staff register members at the same time."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from bank.actor import system
from bank.errors import ValidationError
from bank.extensions import db
from bank.members import service
from bank.members.models import Member

THREADS = 12


@pytest.mark.postgresql
def test_concurrent_registrations_get_distinct_running_numbers(app):
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def register(index: int) -> None:
        session = db.new_session()
        try:
            barrier.wait()
            with db.unit_of_work(session):
                service.register_person(
                    session,
                    actor=system("test"),
                    first_name="Yaw",
                    last_name=f"Boateng{index}",
                    date_of_birth=dt.date(1990, 5, 5),
                    street="Karspeldreef",
                    house_number=str(index + 1),
                    postcode="1104 AB",
                    city="Amsterdam",
                    email=f"yaw{index}@example.nl",
                )
        except BaseException as error:  # collected and asserted below
            errors.append(error)
        finally:
            session.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    session = db.new_session()
    try:
        numbers = sorted(session.scalars(select(Member.number)))
    finally:
        session.close()
    assert numbers == list(range(1, THREADS + 1))


@pytest.mark.postgresql
def test_concurrent_registrations_with_one_email_give_one_member_and_clear_refusals(app):
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def register(index: int) -> None:
        session = db.new_session()
        try:
            barrier.wait()
            with db.unit_of_work(session):
                service.register_person(
                    session,
                    actor=system("test"),
                    first_name="Esi",
                    last_name=f"Ofori{index}",
                    date_of_birth=dt.date(1988, 3, 3),
                    street="Gein",
                    house_number=str(index + 1),
                    postcode="1108 AB",
                    city="Amsterdam",
                    email="esi.ofori@example.nl",
                )
            outcomes.append("registered")
        except ValidationError as error:
            outcomes.append(next(iter(error.fields)))
        except BaseException as error:  # anything else is a failure of the test
            outcomes.append(repr(error))
        finally:
            session.close()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["email"] * 5 + ["registered"]
