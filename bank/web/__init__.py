"""Web adapters (L4): server-rendered back office, committee pages, member portal, JSON API.

Each blueprint module is thin: parse a form, load or 404, check permission, call one service
inside ``db.unit_of_work()``, render or redirect.
"""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """The pages' blueprints; the app factory registers the JSON API (bank.api) right after."""
    from bank.web import auth, committee, portal, public, staff

    app.register_blueprint(auth.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(committee.bp)
    app.register_blueprint(portal.bp)
    app.register_blueprint(public.bp)
