"""Public pages (no log-in): the loan calculator for prospective borrowers at ``/calculator``."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, render_template
from flask.typing import ResponseReturnValue

from bank.extensions import db
from bank.web.access import public
from bank.web.calculator import run_calculator

bp = Blueprint("public", __name__)


@bp.route("/calculator")
@public
def calculator() -> ResponseReturnValue:
    """The same schedule calculator as the back office, over the active loan products."""
    return render_template("public/calculator.html", **run_calculator(db.session))


@bp.route("/favicon.ico")
@public
def favicon() -> ResponseReturnValue:
    """Browsers ask for /favicon.ico whatever the page says; answering 404 filled the logs."""
    assert current_app.static_folder is not None
    icon = (Path(current_app.static_folder) / "img" / "favicon.ico").read_bytes()  # 4 kB
    return Response(
        icon, mimetype="image/vnd.microsoft.icon", headers={"Cache-Control": "public, max-age=86400"}
    )
