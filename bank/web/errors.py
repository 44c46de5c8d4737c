"""Error pages and JSON errors: HTML for people, ``{"error", "message", "fields"}`` for the API."""

from __future__ import annotations

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import BadRequest, HTTPException, SecurityError

from bank.errors import BankError
from bank.web.outage import register_outage_handling


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def register_error_handlers(app: Flask) -> None:
    register_outage_handling(app)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[Response | str, int]:
        status = error.code or 500
        if isinstance(error, SecurityError):
            # A Host header the bank does not serve: no page (it would build links for that host).
            return Response("Bad Request: unknown host\n", status=400, mimetype="text/plain"), 400
        if _wants_json():
            payload: dict[str, object] = {
                "error": (error.name or "error").lower().replace(" ", "_"),
                "message": error.description or "",
            }
            data = getattr(error, "data", None)
            if isinstance(data, dict) and "messages" in data:
                payload = {
                    "error": "validation_failed",
                    "message": "the request is invalid",
                    "fields": _flatten(data["messages"]),
                }
            return jsonify(payload), status
        return render_template("errors/error.html", status=status, error=error), status

    @app.errorhandler(RecursionError)
    def _too_deep(_error: RecursionError) -> tuple[Response | str, int]:
        """JSON nested thousands deep exhausts the parser's recursion: refuse it as a bad request."""
        if _wants_json():
            return jsonify({"error": "bad_request", "message": "the request body is nested too deeply"}), 400
        return render_template("errors/error.html", status=400, error=BadRequest()), 400

    @app.errorhandler(BankError)
    def _bank_error(error: BankError) -> tuple[Response | str, int]:
        if _wants_json():
            return jsonify(error.to_json()), error.http_status
        return render_template("errors/error.html", status=error.http_status, error=error), error.http_status


def _flatten(messages: object) -> dict[str, str]:
    """marshmallow's nested messages → {field: "rule; rule"} (locations such as "json" dropped)."""
    fields: dict[str, str] = {}

    def walk(prefix: str, value: object) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, list):
            fields[prefix] = "; ".join(str(v) for v in value)
        else:
            fields[prefix] = str(value)

    if isinstance(messages, dict):
        for location_value in messages.values():
            walk("", location_value)
    return fields
