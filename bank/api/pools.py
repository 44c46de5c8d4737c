"""``GET /api/v1/pools``: the pools open to new money and their terms (public, read-only).

What the portal shows under "Pools open to join", for a neighbourhood website or an app: no
member data and no figures of the pools' money. Amounts and rates travel as strings; rates are
fractions ("0.03" is 3 % a year). The target return is an aim, not a promise, and the field
says so. Subscribing and withdrawing are not offered here: they need an authenticated member.
"""

from __future__ import annotations

from typing import Any

from flask_smorest import Blueprint
from marshmallow import Schema, fields

from bank.extensions import db
from bank.pools import queries
from bank.web.access import public

URL_PREFIX = "/pools"

blp = Blueprint("pools", __name__, description="Investment pools open to members' savings (read-only).")


class PoolSchema(Schema):
    code = fields.String(metadata={"example": "GRONDFONDS"})
    name = fields.String()
    description = fields.String()
    purposes = fields.List(fields.String(), metadata={"description": "Loan purposes the pool funds"})
    minimum_participation = fields.String(metadata={"example": "50.00"})
    notice_months = fields.Integer(metadata={"description": "Months a withdrawal waits before it is payable"})
    target_return_annual = fields.String(
        metadata={"description": "A target, not a promise: a fraction a year", "example": "0.03"}
    )
    target_is_a_promise = fields.Boolean(metadata={"description": "Always false"})
    first_loss_buffer = fields.String(
        metadata={"description": "Municipal seed capital that absorbs the pool's first losses"}
    )


class PoolListSchema(Schema):
    pools = fields.List(fields.Nested(PoolSchema))


@blp.route("", methods=["GET"])
@blp.response(200, PoolListSchema)
@public
def open_pools() -> dict[str, Any]:
    """The open pools with their terms, by code."""
    return {
        "pools": [
            {
                "code": pool.code,
                "name": pool.name,
                "description": pool.description,
                "purposes": list(pool.purposes or []),
                "minimum_participation": f"{pool.minimum_participation:.2f}",
                "notice_months": pool.notice_months,
                "target_return_annual": format(pool.target_return_annual.normalize(), "f"),
                "target_is_a_promise": False,
                "first_loss_buffer": f"{pool.first_loss_buffer:.2f}",
            }
            for pool in queries.all_pools(db.session, open_only=True)
        ]
    }
