"""Writes to the run record's own tables that the jobs of the features hand over.

The ``runs`` package owns ``runs`` and ``run_shortfalls``; a job elsewhere (the repayment run in
:mod:`bank.loans.servicing`) calls these functions instead of writing the tables itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

from bank.db import is_postgresql, pg_int_array

_PG_INSERT_SHORTFALLS = text(
    """
    INSERT INTO run_shortfalls (run_id, loan_id, amount_due, amount_collected, days_past_due)
    SELECT :run_id, short.* FROM unnest(CAST(:loans AS integer[]), CAST(:due AS bigint[]),
                                        CAST(:collected AS bigint[]), CAST(:days AS integer[])) AS short
    """
)
_SQLITE_INSERT_SHORTFALLS = (
    "INSERT INTO run_shortfalls (run_id, loan_id, amount_due, amount_collected, days_past_due)"
    " VALUES (?, ?, ?, ?, ?)"
)


def record_shortfalls(session: Session, run_id: int, shortfalls: Sequence[tuple[int, int, int, int]]) -> None:
    """Store a repayment batch's loans left short: ``(loan_id, due, collected, days_past_due)`` rows,
    amounts in cents as the money columns store them.

    One statement per batch, set-based as the repayment run needs it (PostgreSQL: arrays through
    ``unnest``; SQLite: one executemany), never a row at a time through the ORM. The table is the
    runs package's, so its rows are written here; the repayment job hands over what it found.
    """
    connection = session.connection()
    if is_postgresql(session):
        loans, due, collected, days = zip(*shortfalls, strict=True)
        connection.execute(
            _PG_INSERT_SHORTFALLS,
            {
                "run_id": run_id,
                "loans": pg_int_array(list(loans)),
                "due": pg_int_array(list(due)),
                "collected": pg_int_array(list(collected)),
                "days": pg_int_array(list(days)),
            },
        )
    else:
        connection.exec_driver_sql(_SQLITE_INSERT_SHORTFALLS, [(run_id, *row) for row in shortfalls])
