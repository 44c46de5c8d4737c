"""The schedule calculator in the back office (``/staff/calculator``); the form and its
result are :mod:`bank.web.calculator`, shared with the public page."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from bank.extensions import db
from bank.web.access import staff_required
from bank.web.calculator import run_calculator
from bank.web.staff import bp

ALL_STAFF = ("admin", "teller", "credit_officer", "committee")


@bp.route("/calculator")
@staff_required(*ALL_STAFF)
def calculator() -> ResponseReturnValue:
    return render_template("staff/calculator/index.html", **run_calculator(db.session))
