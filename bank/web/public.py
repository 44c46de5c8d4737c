"""Public pages (no log-in): the loan calculator for prospective borrowers at ``/calculator``."""

from __future__ import annotations

from flask import Blueprint, render_template

from bank.extensions import db
from bank.web.access import public

bp = Blueprint("public", __name__)


@bp.route("/calculator")
@public
def calculator():  # type: ignore[no-untyped-def]
    """The same schedule calculator as the back office, over the active loan products."""
    from bank.web.staff.calculator import run_calculator

    return render_template("public/calculator.html", **run_calculator(db.session))
