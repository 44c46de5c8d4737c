"""The helpers every view shares: a unit of work whose refusal is shown, the status of a form shown
again, and the page count of a listing."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import StringField

from bank import audit
from bank.audit.models import AuditEvent
from bank.errors import N_, InvalidTransition, ValidationError
from bank.extensions import db
from bank.web.forms import Attempt, form_status, show_errors
from bank.web.pagination import page_count


class _NameForm(FlaskForm):
    name = StringField("Name")


def test_a_form_with_a_field_error_or_an_error_above_it_answers_422(app):
    with app.test_request_context("/", method="POST", data={"name": "x"}):
        clean = _NameForm(meta={"csrf": False})
        assert form_status(clean) == 200
        on_field = _NameForm(meta={"csrf": False})
        show_errors(on_field, ValidationError("name", "is required"))
        assert form_status(on_field) == 422
        above = _NameForm(meta={"csrf": False})
        show_errors(above, ValidationError("unknown_field", "is required"))
        assert above.form_errors and form_status(above) == 422


def test_errors_collected_without_a_form_decide_the_status_too():
    assert form_status({}) == 200
    assert form_status([]) == 200
    assert form_status({"as_of": "must be a date"}) == 422


@pytest.mark.parametrize(
    ("total", "per_page", "pages"),
    [(0, 25, 1), (1, 25, 1), (25, 25, 1), (26, 25, 2), (50, 25, 2), (51, 25, 3), (101, 50, 3)],
)
def test_page_count_is_at_least_one_and_rounds_up(total, per_page, pages):
    assert page_count(total, per_page) == pages


def _events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_an_attempt_commits_its_work_when_nothing_is_refused(app, actor):
    with app.test_request_context("/", method="POST"):
        before = _events()
        attempt = Attempt()
        with attempt as session:
            audit.record(session, actor, "member.update", "member", 1)
        assert attempt.succeeded and attempt.error is None
        assert _events() == before + 1


def test_a_refusal_rolls_the_work_back_and_lands_next_to_the_field(app, actor):
    with app.test_request_context("/", method="POST", data={"name": ""}):
        form = _NameForm(meta={"csrf": False})
        before = _events()
        attempt = Attempt(form)
        with attempt as session:
            audit.record(session, actor, "member.update", "member", 1)
            raise ValidationError("name", N_("is required"))
        assert not attempt.succeeded
        assert isinstance(attempt.error, ValidationError)
        assert _events() == before
        assert form.name.errors == ["is required"]
        assert form_status(form) == 422


def test_without_a_form_the_refusal_is_flashed_in_one_line(app):
    with app.test_request_context("/", method="POST"):
        attempt = Attempt()
        with attempt:
            raise InvalidTransition(N_("a closed pool takes no new subscriptions"))
        assert not attempt.succeeded
        assert get_flashed_messages(with_categories=True) == [
            ("error", "a closed pool takes no new subscriptions")
        ]


def test_anything_but_a_refusal_is_not_swallowed(app):
    with app.test_request_context("/", method="POST"):
        attempt = Attempt()
        with pytest.raises(ZeroDivisionError), attempt:
            _ = 1 / 0
        assert not attempt.succeeded


def test_a_page_that_collects_its_own_errors_gets_the_refusal_by_field(app, actor):
    with app.test_request_context("/", method="POST"):
        errors: dict[str, object] = {}
        attempt = Attempt(errors)
        with attempt as session:
            audit.record(session, actor, "member.update", "member", 1)
            raise ValidationError("purpose", N_("is required"))
        assert errors == {"purpose": "is required"} and form_status(errors) == 422
        unnamed: dict[str, object] = {}
        with Attempt(unnamed, general="applicant_id"):
            raise InvalidTransition(N_("a closed pool takes no new subscriptions"))
        assert unnamed == {"applicant_id": "a closed pool takes no new subscriptions"}
        assert get_flashed_messages() == []


def test_a_service_field_is_shown_under_the_form_name_and_a_framed_line_is_flashed(app):
    with app.test_request_context("/", method="POST", data={"name": ""}):
        form = _NameForm(meta={"csrf": False})
        with Attempt(form, rename={"full_name": "name"}):
            raise ValidationError("full_name", N_("is required"))
        assert form.name.errors == ["is required"] and not form.form_errors
        with Attempt(say=lambda reason: f"Not saved: {reason}"):
            raise InvalidTransition(N_("a closed pool takes no new subscriptions"))
        assert get_flashed_messages() == ["Not saved: a closed pool takes no new subscriptions"]


def test_a_quiet_attempt_leaves_the_refusal_to_the_page(app):
    with app.test_request_context("/", method="POST"):
        attempt = Attempt(show=False)
        with attempt:
            raise InvalidTransition(N_("a closed pool takes no new subscriptions"))
        assert isinstance(attempt.error, InvalidTransition) and not attempt.succeeded
        assert get_flashed_messages() == []
