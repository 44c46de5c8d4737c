"""Ledger benchmark: bookings per second through the service layer against bare executemany.

    python -m bench.ledger [--entries N] [--database-url URL]

Builds its own data in a fresh database (a temporary SQLite file by default; with
``--database-url`` a PostgreSQL database whose ``public`` schema it drops and re-creates) and
measures, in one run and side by side:

* ``ledger_bulk``: deposits posted with ``ledger.service.post_many`` in batches (one commit
  per batch), with every rule of the ledger applied (balance, open accounts, overdraft,
  idempotency keys, cached totals);
* ``ledger_single``: the same kind of deposit, one ``post()`` per transaction;
* ``executemany``: the same journal-entry and posting rows (same columns, same shape)
  inserted with plain SQLAlchemy Core executemany, no rules at all;
* on PostgreSQL, ``hot_account``: many threads withdrawing concurrently from ONE member
  account, each withdrawal its own transaction, and afterwards the invariants of that
  account (never negative, cached == summed, successes == entries posted).

Prints one JSON object on stdout (DESIGN.md, "Benchmarks"); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bank import migrate
from bank import models as _models  # noqa: F401  (every table registered)
from bank.actor import system
from bank.db import make_engine
from bank.errors import InsufficientFunds
from bank.ledger import chart, queries
from bank.ledger.models import JournalEntry, LedgerAccount, Posting, Side
from bank.ledger.service import (
    EntryRequest,
    account_by_code,
    credit,
    debit,
    open_child_account,
    post,
    post_many,
)
from bank.money import from_cents, money

ACTOR = system("bench")
VALUE_DATE = dt.date(2026, 1, 15)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fresh_database(database_url: str | None) -> tuple[str, str]:
    """Create an empty, migrated database; returns (url, kind)."""
    if database_url is None:
        folder = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
        url = f"sqlite:///{folder / 'bench.db'}"
    else:
        url = database_url
        if not url.startswith("postgresql"):
            raise SystemExit("--database-url must be a PostgreSQL URL (postgresql+psycopg://...)")
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)
    return url, ("postgresql" if url.startswith("postgresql") else "sqlite")


def open_member_accounts(factory: sessionmaker[Session], count: int, prefix: str) -> list[int]:
    with factory() as session, session.begin():
        return [
            open_child_account(session, chart.MEMBER_DEPOSITS, f"{prefix}{i:06d}", f"Bench member {i}").id
            for i in range(count)
        ]


def amount_for(i: int) -> Decimal:
    """Deterministic, varied amounts between 1.00 and 999.99."""
    return from_cents(100 + (i * 7919) % 99_900)


def bench_ledger_bulk(
    factory: sessionmaker[Session], settlement_id: int, accounts: list[int], entries: int, batch: int
) -> float:
    started = time.perf_counter()
    for start in range(0, entries, batch):
        requests = [
            EntryRequest(
                key=f"bench:bulk:{i}",
                kind="deposit",
                lines=(
                    debit(settlement_id, amount_for(i)),
                    credit(accounts[i % len(accounts)], amount_for(i)),
                ),
                value_date=VALUE_DATE,
                memo=f"Deposit {i}",
            )
            for i in range(start, min(start + batch, entries))
        ]
        with factory() as session, session.begin():
            post_many(session, requests, actor=ACTOR)
    return time.perf_counter() - started


def bench_ledger_single(
    factory: sessionmaker[Session], settlement_id: int, accounts: list[int], entries: int
) -> float:
    started = time.perf_counter()
    with factory() as session:
        for i in range(entries):
            with session.begin():
                post(
                    session,
                    f"bench:single:{i}",
                    "deposit",
                    [debit(settlement_id, amount_for(i)), credit(accounts[i % len(accounts)], amount_for(i))],
                    VALUE_DATE,
                    ACTOR,
                    memo=f"Deposit {i}",
                )
    return time.perf_counter() - started


def bench_executemany(
    engine: Engine, settlement_id: int, accounts: list[int], entries: int, batch: int
) -> float:
    """The same rows, bare: lightweight Core tables, integer cents, no rules, no cached totals."""
    bare = sa.MetaData()
    entries_table = sa.Table(
        "journal_entries",
        bare,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("idempotency_key", sa.String),
        sa.Column("content_hash", sa.String),
        sa.Column("kind", sa.String),
        sa.Column("value_date", sa.Date),
        sa.Column("posted_at", sa.DateTime(timezone=True)),
        sa.Column("memo", sa.String),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor_label", sa.String),
        sa.Column("reverses_entry_id", sa.Integer),
    )
    postings_table = sa.Table(
        "postings",
        bare,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("entry_id", sa.Integer),
        sa.Column("account_id", sa.Integer),
        sa.Column("side", sa.String),
        sa.Column("amount", sa.BigInteger),
        sa.Column("value_date", sa.Date),
    )
    insert_entries = sa.insert(entries_table).returning(entries_table.c.id, sort_by_parameter_order=True)
    insert_postings = sa.insert(postings_table)
    posted_at = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    for start in range(0, entries, batch):
        numbers = range(start, min(start + batch, entries))
        entry_rows = [
            {
                "idempotency_key": f"bench:raw:{i}",
                "content_hash": hashlib.sha256(str(i).encode()).hexdigest(),
                "kind": "deposit",
                "value_date": VALUE_DATE,
                "posted_at": posted_at,
                "memo": f"Deposit {i}",
                "actor_id": None,
                "actor_label": ACTOR.label,
                "reverses_entry_id": None,
            }
            for i in numbers
        ]
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":
                ids = connection.execute(insert_entries, entry_rows).scalars().all()
            else:
                # SQLite returns ids in parameter order only row by row; the bare way is to take
                # the next ids under the write lock and insert in one executemany.
                first_id = (connection.execute(sa.select(sa.func.max(entries_table.c.id))).scalar() or 0) + 1
                ids = list(range(first_id, first_id + len(entry_rows)))
                connection.execute(
                    sa.insert(entries_table),
                    [{"id": i, **row} for i, row in zip(ids, entry_rows, strict=True)],
                )
            posting_rows = []
            for entry_id, i in zip(ids, numbers, strict=True):
                cents = 100 + (i * 7919) % 99_900
                posting_rows.append(
                    {
                        "entry_id": entry_id,
                        "account_id": settlement_id,
                        "side": "debit",
                        "amount": cents,
                        "value_date": VALUE_DATE,
                    }
                )
                posting_rows.append(
                    {
                        "entry_id": entry_id,
                        "account_id": accounts[i % len(accounts)],
                        "side": "credit",
                        "amount": cents,
                        "value_date": VALUE_DATE,
                    }
                )
            connection.execute(insert_postings, posting_rows)
    return time.perf_counter() - started


def bench_hot_account(
    factory: sessionmaker[Session],
    settlement_id: int,
    threads: int,
    attempts: int,
    allowed: int,
) -> dict[str, Any]:
    """Threads withdraw 1.00 each from one account that holds ``allowed`` euros."""
    with factory() as session, session.begin():
        hot = open_child_account(session, chart.MEMBER_DEPOSITS, "HOT", "Hot account")
        hot_id = hot.id
        post(
            session,
            f"bench:hot:funding:{hot_id}",
            "deposit",
            [debit(settlement_id, money(allowed)), credit(hot_id, money(allowed))],
            VALUE_DATE,
            ACTOR,
        )
    counter = iter(range(attempts))
    counter_lock = threading.Lock()
    outcome = {"ok": 0, "refused": 0, "errors": [], "min_seen": None}
    outcome_lock = threading.Lock()
    amount = Decimal("1.00")

    def worker() -> None:
        session = factory()
        try:
            while True:
                with counter_lock:
                    number = next(counter, None)
                if number is None:
                    return
                try:
                    with session.begin():
                        post(
                            session,
                            f"bench:hot:{hot_id}:{number}",
                            "withdrawal",
                            [debit(hot_id, amount), credit(settlement_id, amount)],
                            VALUE_DATE,
                            ACTOR,
                        )
                    with outcome_lock:
                        outcome["ok"] += 1
                except InsufficientFunds:
                    with outcome_lock:
                        outcome["refused"] += 1
                except Exception as error:  # any other error is a finding, reported in the JSON
                    with outcome_lock:
                        outcome["errors"].append(f"{type(error).__name__}: {error}"[:200])
        finally:
            session.close()

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started

    violations = []
    with factory() as session:
        account = session.get(LedgerAccount, hot_id)
        assert account is not None
        cached = account.cached_balance
        summed = -queries.summed_net_debit(session, [hot_id])
        withdrawals = session.scalar(
            sa.select(sa.func.count())
            .select_from(Posting)
            .where(Posting.account_id == hot_id, Posting.side == Side.DEBIT)
        )
        if cached < 0 or summed < 0:
            violations.append(f"negative balance: cached {cached}, summed {summed}")
        if cached != summed:
            violations.append(f"cached {cached} != summed {summed}")
        if withdrawals != outcome["ok"]:
            violations.append(f"{withdrawals} withdrawals posted but {outcome['ok']} reported successful")
        if outcome["ok"] != min(attempts, allowed):
            violations.append(
                f"{outcome['ok']} withdrawals succeeded, the balance allowed {min(attempts, allowed)}"
            )
        if summed != money(allowed) - amount * outcome["ok"]:
            violations.append(f"balance {summed} != {allowed} - {outcome['ok']} x {amount}")
        violations.extend(outcome["errors"][:5])
    return {
        "hot_account_threads": threads,
        "hot_account_attempts": attempts,
        "hot_account_successes": outcome["ok"],
        "hot_account_refusals": outcome["refused"],
        "hot_account_other_errors": len(outcome["errors"]),
        "hot_account_s": round(elapsed, 3),
        "hot_account_withdrawals_per_s": round(outcome["ok"] / elapsed, 1),
        "hot_account_violations": len(violations),
        "hot_account_violation_details": violations,
    }


def bench_commit_latency(engine: Engine, commits: int = 100) -> float:
    """Median milliseconds of one tiny durable commit: the floor under any hot-account rate.

    A withdrawal holds the account's row lock until its commit is on disk, so one account can
    never take more than about 1000 / this many withdrawals a second, whatever the ledger does.
    """
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE bench_commit_probe (id serial PRIMARY KEY, n integer)"))
    timings = []
    with engine.connect() as connection:
        for n in range(commits):
            started = time.perf_counter()
            connection.execute(sa.text("INSERT INTO bench_commit_probe (n) VALUES (:n)"), {"n": n})
            connection.commit()
            timings.append(time.perf_counter() - started)
    timings.sort()
    return timings[len(timings) // 2] * 1000


def check(name: str, value: float, target: str) -> dict[str, Any]:
    operator, bound_text = target.split()
    bound = float(bound_text)
    ok = {"<=": value <= bound, ">=": value >= bound, "==": value == bound}[operator]
    return {"name": name, "value": value, "target": target, "ok": ok}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.ledger",
        description="Ledger bookings per second through the service layer vs bare executemany "
        "(and, on PostgreSQL, concurrent withdrawals from one hot account). Prints one JSON object.",
    )
    parser.add_argument("--entries", type=int, default=20_000, help="bulk entries per method (default 20000)")
    parser.add_argument("--batch", type=int, default=500, help="entries per post_many call (default 500)")
    parser.add_argument(
        "--single", type=int, default=None, help="entries posted one per transaction (default entries/10)"
    )
    parser.add_argument(
        "--accounts", type=int, default=200, help="member accounts to spread over (default 200)"
    )
    parser.add_argument("--database-url", help="PostgreSQL URL; its public schema is dropped and re-created")
    parser.add_argument("--threads", type=int, default=16, help="threads on the hot account (PostgreSQL)")
    parser.add_argument(
        "--hot-withdrawals",
        type=int,
        default=3000,
        help="withdrawal attempts on the hot account (PostgreSQL)",
    )
    args = parser.parse_args(argv)
    single = args.single if args.single is not None else max(args.entries // 10, 1)

    url, kind = fresh_database(args.database_url)
    log(f"bench.ledger: fresh {kind} database ready")
    engine = make_engine(url, pool_size=args.threads + 4) if kind == "postgresql" else make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory() as session:
        settlement_id = account_by_code(session, chart.SETTLEMENT).id
    accounts = open_member_accounts(factory, args.accounts, "B")

    # Bare executemany first, on the smaller tables: if anything, that flatters the baseline.
    raw_s = bench_executemany(engine, settlement_id, accounts, args.entries, args.batch)
    log(f"executemany: {args.entries} entries in {raw_s:.2f}s")
    bulk_s = bench_ledger_bulk(factory, settlement_id, accounts, args.entries, args.batch)
    log(f"ledger post_many: {args.entries} entries in {bulk_s:.2f}s")
    single_s = bench_ledger_single(factory, settlement_id, accounts, single)
    log(f"ledger post: {single} entries in {single_s:.2f}s")

    results: dict[str, Any] = {
        "ledger_bulk_s": round(bulk_s, 3),
        "ledger_bulk_bookings_per_s": round(args.entries / bulk_s, 1),
        "ledger_single_s": round(single_s, 3),
        "ledger_single_bookings_per_s": round(single / single_s, 1),
        "executemany_s": round(raw_s, 3),
        "executemany_bookings_per_s": round(args.entries / raw_s, 1),
        "postings_per_method": args.entries * 2,
    }
    ratio = round(bulk_s / raw_s, 2)
    checks = [check("ledger_vs_executemany", ratio, "<= 6")]
    if kind == "postgresql":
        commit_ms = bench_commit_latency(engine)
        results["commit_latency_ms"] = round(commit_ms, 2)
        log(f"one durable commit: {commit_ms:.2f} ms")
        allowed = max(args.hot_withdrawals * 5 // 6, 1)
        hot = bench_hot_account(factory, settlement_id, args.threads, args.hot_withdrawals, allowed)
        log(f"hot account: {hot['hot_account_withdrawals_per_s']} withdrawals/s")
        results.update(hot)
        checks.append(check("hot_account_withdrawals_per_s", hot["hot_account_withdrawals_per_s"], ">= 300"))
        checks.append(check("hot_account_violations", hot["hot_account_violations"], "== 0"))

    # The benchmark's own sanity: the ledger it wrote keeps its invariants. The bare rows are
    # balanced too but bypass the cached totals of the member accounts, so they are left out.
    with factory() as session:
        bare_ids = sa.select(JournalEntry.id).where(JournalEntry.idempotency_key.like("bench:raw:%"))
        unbalanced = session.scalar(
            sa.select(sa.func.count()).select_from(
                sa.select(Posting.entry_id)
                .where(Posting.entry_id.not_in(bare_ids))
                .group_by(Posting.entry_id)
                .having(sa.func.sum(queries.SIGNED_AMOUNT) != 0)
                .subquery()
            )
        )
    results["unbalanced_entries"] = unbalanced
    checks.append(check("unbalanced_entries", unbalanced or 0, "== 0"))
    engine.dispose()

    print(
        json.dumps(
            {
                "bench": "ledger",
                "params": {
                    "entries": args.entries,
                    "batch": args.batch,
                    "single_entries": single,
                    "accounts": args.accounts,
                    "database": kind,
                    **({"threads": args.threads} if kind == "postgresql" else {}),
                },
                "results": results,
                "checks": checks,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
