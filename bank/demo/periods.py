"""The demo's period close (issue 16): the bank's first year closed, and this year up to two months ago.

Last of the steps: every step that posts is done by then (the servicing year's close days, the
payouts, the clearing bank's statements, the collection batch), and from here on the ledger
refuses any entry dated in a closed month. Every month of the year the bank opened is closed in
order, then that year (its closing entry moves the result to reserves 3200), then the months of
this year up to the one two months back, so the period close page shows closed years and months,
the next month to close (last month) and the running one. An administrator closes them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from bank import clock
from bank import day as business_day
from bank.actor import Actor
from bank.calendar import add_months
from bank.demo.context import DemoContext

#: The administrator who closes the books.
CLOSER = "beheer@wijkbank.example"


def close_the_books(session: Session, context: DemoContext) -> None:
    today = clock.today()
    user = context.users.get(CLOSER)
    actor = (
        Actor(user_id=user.id, label=user.email, role=user.role)
        if user is not None
        else Actor(user_id=None, label="system:demo", role="admin")
    )
    first_year = context.opened_on.year
    # Two months back: on 4 December, October is the last month closed and November the next.
    last = add_months(today.replace(day=1), -2)
    month = dt.date(first_year, 1, 1)
    while month <= last:
        business_day.close_month(session, month, actor=actor, today=today)
        if month.month == 12:
            business_day.close_year(session, month.year, actor=actor)
        month = add_months(month, 1)
    session.flush()
