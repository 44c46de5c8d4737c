"""The portal's small bank (Anna, Bram, the co-op bakery with its loan, Bram's loan), with mandates.

``world`` is :mod:`portal.world` built through the real services; ``mandate_for`` registers a
mandate through :func:`bank.payments.mandates.register_mandate` with a one-page signed PDF.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from portal import world as portal_world
from sqlalchemy.orm import Session

from bank.actor import Actor
from bank.extensions import db
from bank.members.models import Member
from bank.payments import mandates
from bank.payments.models import Mandate

TELLER = Actor(user_id=None, label="balie@wijkbank.example", role="teller")
CREDITOR_ID = "NL69ZZZ123456780000"
SIGNED_PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
TODAY = dt.date(2026, 12, 1)
_serial = itertools.count(1)


@pytest.fixture
def world(app: Flask) -> portal_world.World:
    with db.unit_of_work(db.new_session()) as s:
        built = portal_world.build(s, app.config["STATEMENT_DIR"])
    return built


def register(session: Session, member: Member, upload_dir: str, **overrides: Any) -> Mandate:
    values: dict[str, Any] = {
        "reference": f"WB-M-{next(_serial):04d}",
        "scheme": "core",
        "signed_on": dt.date(2026, 11, 2),
        "debtor_name": member.full_name[:70],
        "iban": "NL91ABNA0417164300",
        "bic": "",
        "creditor_id": CREDITOR_ID,
        "document": mandates.Upload("machtiging.pdf", SIGNED_PDF),
        "upload_dir": upload_dir,
        "today": TODAY,
    }
    values.update(overrides)
    actor = values.pop("actor", TELLER)
    return mandates.register_mandate(session, member, actor=actor, **values)


@pytest.fixture
def mandate_for(app: Flask) -> Callable[..., Mandate]:
    """Register (and commit) a mandate for a member; returns it detached with its id."""

    def make(member: Member, **overrides: Any) -> Mandate:
        with db.unit_of_work(db.new_session()) as s:
            mandate = register(s, s.get(Member, member.id), app.config["UPLOAD_DIR"], **overrides)
            s.flush()
            s.expunge(mandate)
        return mandate

    return make
