"""Statuses read as words, the same word for staff and members, never as the stored code."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

from bank.auth.models import User
from bank.extensions import db
from bank.loans.models import LoanStatus
from bank.notifications import service as notifications
from bank.notifications.models import OutboxStatus
from bank.payments import matching
from bank.web import labels

from .conftest import page_text


def test_every_status_of_every_table_has_a_word(app: Flask) -> None:
    with app.test_request_context():
        for enum_class, table in labels.STATUS_TABLES.items():
            assert set(table) == set(enum_class), enum_class


def test_status_label_reads_enum_members_and_named_plain_strings(app: Flask) -> None:
    with app.test_request_context():
        assert labels.status_label(OutboxStatus.QUEUED) == "wacht op verzending"
        assert labels.status_label("no_address", "outbox") == "geen e-mailadres"
        assert labels.status_label("in_review", "application") == "in behandeling"
        assert labels.status_label("something_new") == "something new"
        assert labels.status_label(None) == "—"


def test_staff_and_member_see_the_same_word_for_a_running_loan(
    world, as_anna: FlaskClient, login_as: Callable[..., User]
) -> None:
    assert world.coop_loan.status == LoanStatus.ACTIVE
    portal = page_text(as_anna.get(f"/portal/loans/{world.coop_loan.id}").get_data(as_text=True))
    assert "actief" in portal
    assert "bezig" not in portal
    as_anna.get("/logout")
    login_as("admin")
    staff = page_text(as_anna.get(f"/staff/loans/{world.coop_loan.id}").get_data(as_text=True))
    assert f"{world.coop_loan.number} actief" in staff


def test_outbox_shows_the_state_of_a_message_in_dutch(world, client: FlaskClient, login_as) -> None:
    with db.unit_of_work(db.new_session()) as s:
        notifications.enqueue(
            s, member=None, subject="Uw aanvraag", body="…", fallback_address="x@example.org"
        )
    login_as("credit_officer")
    html = client.get("/staff/outbox").get_data(as_text=True)
    text = page_text(html)
    assert "Uw aanvraag" in text
    assert "wacht op verzending" in text
    assert "queued" not in text


def test_every_statement_matcher_has_a_word_in_dutch(app: Flask) -> None:
    """The import page says which matcher took each line: every name a matcher books under
    (``Booking("name", …)`` in bank/payments/matching.py) has its words, read in Dutch."""
    source = Path(matching.__file__).read_text(encoding="utf-8")
    names = set(re.findall(r'Booking\(\s*"(\w+)"', source))
    assert {"collection", "return", "payout", "by_hand", "reference", "member_iban", "suspense"} <= names
    assert sorted(names - set(labels.MATCHED_BY)) == []
    with app.test_request_context(headers={"Accept-Language": "nl"}):
        words = {name: str(labels.MATCHED_BY[name]) for name in names}
    assert words["by_hand"] == "al met de hand geboekt voordat het afschrift kwam"
    assert words["return"] == "onze incasso teruggeboekt (end-to-end-id)"
