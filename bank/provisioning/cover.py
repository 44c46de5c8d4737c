"""What the collateral register recovers per loan: the one place provisioning asks it.

The register (``bank.collateral``, issue 16 "Collateral and guarantees") is built alongside;
it answers ``cover_by_loan(session, exposures, on) -> {loan id: recoverable amount}`` (collateral
value after the haircut per kind, plus guaranteed cover), a loan with nothing registered absent.
Until it is on main this adapter answers with its exact signature and nothing registered, so
every loan gets the table's unsecured LGD; switching over is this module's one import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from sqlalchemy.orm import Session


def cover_by_loan(session: Session, exposures: Mapping[int, Decimal], on: dt.date) -> dict[int, Decimal]:
    """Recoverable amount per loan on ``on`` (loans with nothing registered are left out)."""
    return {}
