"""Daily loan interest accrual benchmark: the close day's accrual job against a bare executemany.

    python -m bench.credit_risk_accrual [--loans N] [--scale-loans M] [--database-url URL]

Builds its own data with the repayment benchmark's builder (``bench.repayment_run.build``: N
active loans with their ledger accounts and three-month schedules, paid out on 2 February 2026,
first due 2 March; a fresh temporary SQLite file by default, with ``--database-url`` a PostgreSQL
database whose ``public`` schema it drops and re-creates). The accrual job runs once for
3 February (every loan's first run: its period is looked up) and is then measured on
4 February, an ordinary day (the running instalment is the state's): per loan the reads,
one accrual entry (Dr the loan's 1110 child / Cr 4000) through ``post_many`` with its checks
and cached balances, the state update and the batch commits. Side by side, in the same process:

* ``executemany``: the same journal-entry and posting rows the run wrote, inserted with a bare
  executemany into copies of the two tables carrying the same indexes (three times; the median
  counts).

Check ``accrual_vs_executemany`` (<= 4). With ``--scale-loans`` the run is measured again at M
loans and ``time_ratio_100k_vs_20k`` (<= 5.5) compares the two accrual times. Prints one JSON
object on stdout (DESIGN.md, "Benchmarks"); progress goes to stderr. :func:`measure` is what
``python -m bench.credit_risk`` folds in.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from typing import Any

import sqlalchemy as sa

from bank.db import Database, make_engine
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry, Posting
from bench.repayment_run import _bare_copy, build, check, fresh_database, log, warm_process

#: The first run (every loan's state is made) and the measured ordinary day.
FIRST_DAY = dt.date(2026, 2, 3)
MEASURED_DAY = dt.date(2026, 2, 4)


def _database(url: str) -> Database:
    database = Database()
    database.configure(url)
    return database


def timed_accrual(url: str, day: dt.date) -> dict[str, Any]:
    """The accrual job for ``day`` in this process: seconds, loans, entries."""
    from bank.loans import jobs

    warm_process()
    database = _database(url)
    started = time.perf_counter()
    outcome = jobs.run_loan_accrual(database, day, started_by="bench")
    seconds = time.perf_counter() - started
    assert database.engine is not None
    database.engine.dispose()
    return {"seconds": seconds, "loans": outcome.run.items_count, "entries": outcome.run.entries_posted}


def accrual_rows(url: str, day: dt.date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The journal-entry and posting rows the accrual for ``day`` wrote (raw column values)."""
    engine = make_engine(url)
    entries_table = JournalEntry.__table__
    postings_table = Posting.__table__
    with engine.connect() as connection:
        entries = [
            dict(row._mapping)
            for row in connection.execute(
                sa.select(entries_table)
                .where(entries_table.c.idempotency_key.like(f"accrue-day:%:{day.isoformat()}"))
                .order_by(entries_table.c.id)
            )
        ]
        ids = [entry["id"] for entry in entries]
        postings = [
            dict(row._mapping)
            for row in connection.execute(
                sa.select(postings_table)
                .where(postings_table.c.entry_id.between(min(ids), max(ids)))
                .order_by(postings_table.c.id)
            )
        ]
    engine.dispose()
    wanted = set(ids)
    return entries, [posting for posting in postings if posting["entry_id"] in wanted]


def executemany_seconds(url: str, entries: list[dict[str, Any]], postings: list[dict[str, Any]]) -> float:
    """The same rows through a bare executemany into copies of the tables (same indexes), one commit."""
    engine = make_engine(url)
    scratch = sa.MetaData()
    entries_copy = _bare_copy(JournalEntry.__table__, scratch, "bench_accrual_entries")
    postings_copy = _bare_copy(Posting.__table__, scratch, "bench_accrual_postings")
    sa.Index("bench_accrual_entries_key", entries_copy.c.idempotency_key, unique=True)
    sa.Index("bench_accrual_entries_kind", entries_copy.c.kind)
    sa.Index("bench_accrual_entries_value_date", entries_copy.c.value_date)
    sa.Index("bench_accrual_postings_entry", postings_copy.c.entry_id)
    sa.Index(
        "bench_accrual_postings_account",
        postings_copy.c.account_id,
        postings_copy.c.value_date,
        postings_copy.c.id,
    )
    scratch.drop_all(engine)
    scratch.create_all(engine)
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(sa.insert(entries_copy), entries)
        connection.execute(sa.insert(postings_copy), postings)
    seconds = time.perf_counter() - started
    scratch.drop_all(engine)
    engine.dispose()
    return seconds


def verify_ok(url: str) -> bool:
    database = _database(url)
    session = database.new_session()
    try:
        return ledger_queries.verify(session) == []
    finally:
        session.close()
        assert database.engine is not None
        database.engine.dispose()


def measure(loans: int, database_url: str | None) -> dict[str, Any]:
    """Build ``loans`` active loans, time an ordinary day's accrual and the bare executemany.

    Returns ``{"params", "results", "checks"}`` (the check ``accrual_vs_executemany``, <= 4).
    """
    kind = "postgresql" if database_url else "sqlite"
    log(f"building {loans} loans ({kind}) …")
    url = fresh_database(database_url)
    build(url, loans)
    log("first accrual (every loan's period looked up) …")
    first = timed_accrual(url, FIRST_DAY)
    log("accrual of an ordinary day …")
    day = timed_accrual(url, MEASURED_DAY)
    entries, postings = accrual_rows(url, MEASURED_DAY)
    log("bare executemany of the same rows (three times, the median counts) …")
    raw_runs = [executemany_seconds(url, entries, postings) for _ in range(3)]
    raw_seconds = statistics.median(raw_runs)
    results = {
        "accrual_s": round(day["seconds"], 3),
        "first_accrual_s": round(first["seconds"], 3),
        "executemany_s": round(raw_seconds, 3),
        "executemany_runs_s": [round(seconds, 3) for seconds in raw_runs],
        "loans_accrued": day["loans"],
        "entries": day["entries"],
        "postings": len(postings),
        "postings_per_s": round(len(postings) / day["seconds"], 1),
        "verify_ok": verify_ok(url),
    }
    return {
        "params": {"loans": loans, "database": kind},
        "results": results,
        "checks": [check("accrual_vs_executemany", day["seconds"] / raw_seconds, "<= 4")],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=20000, help="active loans (default 20000)")
    parser.add_argument(
        "--scale-loans",
        type=int,
        default=0,
        help="also measure at this many loans (e.g. 100000; default off)",
    )
    parser.add_argument(
        "--database-url",
        help="PostgreSQL URL (its public schema is dropped!); default a temporary SQLite file",
    )
    args = parser.parse_args(argv)
    main_run = measure(args.loans, args.database_url)
    params: dict[str, Any] = dict(main_run["params"])
    results: dict[str, Any] = dict(main_run["results"])
    checks: list[dict[str, Any]] = list(main_run["checks"])
    if args.scale_loans:
        scaled = measure(args.scale_loans, args.database_url)
        params["scale_loans"] = args.scale_loans
        results["scale"] = scaled["results"]
        checks += [{**item, "name": f"{item['name']}_at_{args.scale_loans}"} for item in scaled["checks"]]
        checks.append(
            check(
                "time_ratio_100k_vs_20k",
                scaled["results"]["accrual_s"] / results["accrual_s"],
                "<= 5.5",
            )
        )
    print(
        json.dumps({"bench": "credit_risk_accrual", "params": params, "results": results, "checks": checks})
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
