"""JSON API at ``/api/v1`` (flask-smorest, OpenAPI document at ``/api/v1/openapi.json``).

Each module defines a ``flask_smorest.Blueprint`` named ``blp``; ``API_MODULES`` lists them.
Errors share one shape: ``{"error": code, "message": text, "fields": {name: rule}}``.
"""

from __future__ import annotations

import importlib

from flask import Flask

from bank.extensions import api, csrf

#: Modules under bank.api whose ``blp`` is registered, in order.
API_MODULES: list[str] = ["schedule", "pools"]


def register_api(app: Flask) -> None:
    for name in API_MODULES:
        module = importlib.import_module(f"bank.api.{name}")
        csrf.exempt(module.blp)
        api.register_blueprint(module.blp, url_prefix=f"/api/v1{module.URL_PREFIX}")
