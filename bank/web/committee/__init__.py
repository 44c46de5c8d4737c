"""The loan committee's pages at ``/committee``: queue, meetings and agendas, review, declare, vote, decide.

Committee members work here; admins may look (every view is ``staff_required("committee")``,
which admins pass) but the services refuse their votes and decisions.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("committee", __name__, url_prefix="/committee")

from bank.web.committee import views  # noqa: E402, F401
