"""Demo step: the staff log-ins, one or two per role (the first step: every later one acts as them)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from bank.actor import system
from bank.auth import service as auth_service
from bank.demo.context import DemoContext

#: Every demo user has this password (printed by ``bank demo``).
DEMO_PASSWORD = "wijkbank-demo-2026"

STAFF_USERS = [
    ("beheer@wijkbank.example", "Anouk de Vries", "admin"),
    ("beheer2@wijkbank.example", "Joris Bakker", "admin"),
    ("balie@wijkbank.example", "Samira El Amrani", "teller"),
    ("balie2@wijkbank.example", "Pieter Jansen", "teller"),
    ("krediet@wijkbank.example", "Fatma Yilmaz", "credit_officer"),
    ("krediet2@wijkbank.example", "Daan Visser", "credit_officer"),
    ("commissie1@wijkbank.example", "Marleen Smit", "committee"),
    ("commissie2@wijkbank.example", "Kwame Mensah", "committee"),
    ("commissie3@wijkbank.example", "Els van Dijk", "committee"),
    ("commissie4@wijkbank.example", "Ruben Mulder", "committee"),
    ("naleving@wijkbank.example", "Yasmina Bouzid", "compliance"),
    ("naleving2@wijkbank.example", "Thomas de Boer", "compliance"),
]


def load_staff(session: Session, context: DemoContext) -> None:
    """Create the staff users (Dutch-speaking); later steps find them in ``context.users``."""
    actor = system("demo")
    context.users = {}
    for email, name, role in STAFF_USERS:
        user = auth_service.create_user(
            session, email=email, name=name, role=role, password=DEMO_PASSWORD, actor=actor, language="nl"
        )
        context.users[email] = user
    context.logins.extend((email, role) for email, _name, role in STAFF_USERS)
