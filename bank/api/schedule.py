"""``POST /api/v1/schedule-preview``: the amortisation schedule of proposed loan terms.

A pure calculation (nothing is stored), so it is open like the public calculator. Amounts and
rates travel as strings; the rate is a percentage ("12" is 12 % a year). Errors are 422 with
``{"error": "validation_failed", "fields": {field: rule}}``.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from bank.errors import N_, ValidationError
from bank.extensions import db, limiter
from bank.loans import products
from bank.loans.schedule import build_schedule
from bank.web import throttle
from bank.web.access import public

URL_PREFIX = "/schedule-preview"

blp = Blueprint(
    "schedule_preview",
    __name__,
    description="Amortisation schedules of proposed loans (nothing is stored).",
)


class SchedulePreviewSchema(Schema):
    """The terms; the same fields as ``bank loans schedule``."""

    principal = fields.String(required=True, metadata={"example": "5000.00"})
    rate_annual = fields.String(
        metadata={"description": "Annual rate in per cent (required without product_code)", "example": "12"}
    )
    term = fields.Integer(
        required=True, strict=True, metadata={"description": "Number of periods", "example": 18}
    )
    method = fields.String(load_default="annuity", metadata={"enum": ["annuity", "linear", "bullet"]})
    frequency = fields.String(load_default="monthly", metadata={"enum": ["monthly", "quarterly"]})
    disbursed_on = fields.String(required=True, metadata={"format": "date", "example": "2022-11-01"})
    first_due_on = fields.String(load_default=None, allow_none=True, metadata={"format": "date"})
    grace_principal = fields.Integer(
        load_default=0, strict=True, metadata={"description": "Interest-only periods"}
    )
    instalment_multiple = fields.String(load_default="0.01", metadata={"example": "1.00"})
    day_count = fields.String(load_default="30/360", metadata={"enum": ["30/360", "actual/365"]})
    fees = fields.String(load_default=None, allow_none=True, metadata={"description": "Paid at disbursement"})
    product_code = fields.String(
        load_default=None,
        allow_none=True,
        metadata={"description": "Use this loan product's rate, method and fees, and check its bounds"},
    )


class InstalmentSchema(Schema):
    number = fields.Integer()
    due_on = fields.String(metadata={"format": "date"})
    principal = fields.String()
    interest = fields.String()
    total = fields.String()
    balance_after = fields.String()


class ScheduleSchema(Schema):
    instalment_amount = fields.String()
    total_interest = fields.String()
    total_due = fields.String()
    apr = fields.String(metadata={"description": "Effective annual rate in per cent, fees included"})
    instalments = fields.List(fields.Nested(InstalmentSchema))


@blp.route("", methods=["POST"])
@limiter.limit(throttle.API_PER_ADDRESS)  # outside the parsing: refused bodies count too
@blp.arguments(SchedulePreviewSchema)
@blp.response(200, ScheduleSchema)
@public
def schedule_preview(arguments: dict[str, Any]) -> dict[str, object]:
    """The schedule, totals and APR of the given terms."""
    product = None
    code = arguments.pop("product_code", None)
    if code:
        product = products.active_product(db.session, code)
    elif not arguments.get("rate_annual"):
        raise ValidationError("rate_annual", N_("is required without a product_code"))
    raw = {name: value for name, value in arguments.items() if value is not None}
    return build_schedule(products.preview_terms(product, raw)).to_json()
