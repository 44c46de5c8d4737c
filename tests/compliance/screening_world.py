"""The screening stories' world: members with known true and false matches, a list file, officers.

``members_screening.ftm.jsonl`` (FollowTheMoney lines) lists Dmitri Aleksandrovich Petrov (sanctions,
born 3 February 1970), Geertruida Smit (PEP, born 2 March 1955), Olga Ivanova (sanctions, born 9
September 1948), Karim Haddad (sanctions, born 1961) and Crescent Gulf Trading FZE (sanctions). The
members: Dmitri Petrov born on the listed day (a true match, score 100), Olga Ivanova born a year
later (score 90: name 100, the year one off costs 10), Karim Haddad born in 1990 (a namesake whose
birth year is far off: no hit), Dmitry Petrov born in 1985 (no hit) and Pieter de Vries (no hit).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from bank.actor import Actor, system
from bank.members import service as members_service
from bank.members.models import Member

FIXTURES = Path(__file__).parent / "fixtures"
LIST_FILE = FIXTURES / "members_screening.ftm.jsonl"
SETUP = system("test-setup")
_numbers = itertools.count(1)


def person(session: Session, first_name: str, last_name: str, born_on: dt.date) -> Member:
    n = next(_numbers)
    return members_service.register_person(
        session,
        actor=SETUP,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=born_on,
        street="Dapperstraat",
        house_number=str(n),
        postcode="1093 BS",
        city="Amsterdam",
        email=f"screen{n}.{id(session)}@example.org",
        external_iban="NL91ABNA0417164300",
    )


@dataclass
class World:
    petrov: Member
    ivanova: Member
    haddad: Member
    dmitry: Member
    de_vries: Member

    @property
    def everyone(self) -> list[Member]:
        return [self.petrov, self.ivanova, self.haddad, self.dmitry, self.de_vries]


def members(session: Session) -> World:
    return World(
        petrov=person(session, "Dmitri", "Petrov", dt.date(1970, 2, 3)),
        ivanova=person(session, "Olga", "Ivanova", dt.date(1949, 1, 1)),
        haddad=person(session, "Karim", "Haddad", dt.date(1990, 1, 1)),
        dmitry=person(session, "Dmitry", "Petrov", dt.date(1985, 6, 6)),
        de_vries=person(session, "Pieter", "de Vries", dt.date(1970, 2, 3)),
    )


def officer(make_user: Callable[..., Any], role: str = "compliance") -> Actor:
    user = make_user(role)
    return Actor(user_id=user.id, label=user.email, role=role)
