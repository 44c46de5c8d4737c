"""The demo bank (``bank demo``): a believable neighbourhood bank a year into its life.

Every capability adds a step to ``STEPS``; each step takes the session and a shared context
dict and writes through the services, so the demo exercises the same code as the staff do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from bank import clock
from bank.actor import system
from bank.auth import service as auth_service

#: Every demo user has this password (printed by ``bank demo``).
DEMO_PASSWORD = "wijkbank-demo-2026"
#: The demo bank opened a year before today.
OPENED_YEARS_AGO = 1

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
]

Step = Callable[[Session, dict[str, Any]], None]


def _staff(session: Session, context: dict[str, Any]) -> None:
    actor = system("demo")
    context["users"] = {}
    for email, name, role in STAFF_USERS:
        user = auth_service.create_user(
            session, email=email, name=name, role=role, password=DEMO_PASSWORD, actor=actor, language="nl"
        )
        context["users"][email] = user
    context.setdefault("logins", []).extend((email, role) for email, _name, role in STAFF_USERS)


#: Demo steps in order; later capabilities append theirs.
STEPS: list[tuple[str, Step]] = [("staff users", _staff)]


def opened_on() -> dt.date:
    today = clock.today()
    return today.replace(year=today.year - OPENED_YEARS_AGO)


def load(
    session: Session, echo: Callable[[str], None] = print, context: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run every demo step in one transaction (the caller commits).

    ``context`` seeds what steps share; the command passes settings such as ``statement_dir``.
    """
    _load_step_modules()
    context = {"opened_on": opened_on(), "logins": [], **(context or {})}
    for name, step in STEPS:
        echo(f"demo: {name} …")
        step(session, context)
        session.flush()
    return context


#: Modules that add demo steps when imported (kept here so the order is explicit).
STEP_MODULES: list[str] = [
    "bank.demo_members",
    "bank.demo_money",
    "bank.demo_products",
    "bank.demo_applications",
    # Its first step goes in before the applications (pools fund the loans as they are paid out).
    "bank.demo_pools",
    "bank.demo_servicing",
    "bank.demo_statements",
    "bank.demo_portal",
    "bank.demo_impact",
]


def _load_step_modules() -> None:
    import importlib

    for name in STEP_MODULES:
        importlib.import_module(name)


def login_table() -> str:
    from sqlalchemy import select

    from bank.auth.models import User
    from bank.extensions import db

    session = db.new_session()
    try:
        users = session.execute(
            select(User.email, User.role).where(User.password_hash != "").order_by(User.role, User.email)
        ).all()
    finally:
        session.close()
    lines = ["", "Demo log-ins (password for all: " + DEMO_PASSWORD + "):"]
    lines += [f"  {role:<15} {email}" for email, role in users[:40]]
    if len(users) > 40:
        lines.append(f"  … and {len(users) - 40} more member log-ins")
    return "\n".join(lines)
