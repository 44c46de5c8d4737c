"""The helpers every view shares: the status of a form shown again, and the page count of a listing."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField

from bank.errors import ValidationError
from bank.web.forms import form_status, show_errors
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
