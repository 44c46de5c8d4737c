"""What the collateral register recovers per loan: the one place provisioning asks it.

The register (``bank.collateral``) answers ``cover_by_loan(session, exposures, on)``: per loan the
amount the bank expects to recover (collateral value after the haircut per kind, capped at what
it is registered for, plus guaranteed cover), 0.00 for a loan with nothing registered. Provisioning
tells the two apart: a loan with something in the register gets LGD = (exposure − cover) /
exposure, even when the cover is 0.00 (collateral appraised worthless recovers nothing); a loan
with nothing registered gets the PD table's unsecured LGD, so it is left out of the answer here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import cast

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import SQLCoreOperations

from bank.collateral import queries as collateral
from bank.collateral.models import CollateralItem
from bank.db import among


def cover_by_loan(session: Session, exposures: Mapping[int, Decimal], on: dt.date) -> dict[int, Decimal]:
    """Recoverable amount on ``on`` per loan with something registered (the others left out)."""
    if not exposures:
        return {}
    # The column is nullable only for items still on an application.
    item_loan = cast("SQLCoreOperations[int]", CollateralItem.loan_id)
    registered = set(
        session.scalars(select(item_loan).where(among(session, item_loan, list(exposures))).distinct())
    )
    if not registered:
        return {}
    answer = collateral.cover_by_loan(
        session, {loan_id: exposures[loan_id] for loan_id in registered if loan_id in exposures}, on
    )
    return {loan_id: amount for loan_id, amount in answer.items() if loan_id in registered}
