"""Demo step: the stored monthly statements of the past months, so the portal lists them.

Runs after the steps that book the demo's history (deposits, loans and their servicing): it
produces, through the same service as the month-end job, the statement of every account with
movements for each month that has ended, the most recent ``MONTHS`` of them (older months stay
available on demand; producing all of them would only slow ``make run`` down).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from bank import clock
from bank.actor import system
from bank.demo.context import DemoContext
from bank.statements import service as statements

#: How many ended months get stored statements in the demo.
MONTHS = 3


def _statement_dir(context: DemoContext) -> str:
    if context.statement_dir:
        return str(context.statement_dir)
    # `bank demo` passes the app's STATEMENT_DIR in the context; a script gets the default.
    from config import Config

    return Config.STATEMENT_DIR


def produce_statements(session: Session, context: DemoContext) -> None:
    today = clock.today()
    opened_on = context.opened_on
    month_end = today.replace(day=1) - dt.timedelta(days=1)
    month_ends: list[dt.date] = []
    while month_end >= opened_on and len(month_ends) < MONTHS:
        month_ends.append(month_end)
        month_end = month_end.replace(day=1) - dt.timedelta(days=1)
    directory = _statement_dir(context)
    produced = 0
    for end in reversed(month_ends):
        run = statements.produce_monthly_statements(
            session, end, actor=system("demo-month-end"), statement_dir=directory
        )
        produced += run.created
    context.statements_produced = produced
