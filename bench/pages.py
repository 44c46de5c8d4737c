"""Member pages benchmark: do the portal pages stay as fast when the bank grows 100-fold?

    python -m bench.pages [--database-url URL] [--large-members 100000 --large-postings 2000000]
                          [--small-members 1000 --small-postings 20000] [--samples 100]

Fills two databases in one run, a large one (100 000 members, 2 000 000 postings) and a small
one (1 000 / 20 000), with valid ledger data: every entry balances (deposits Dr 1000 / Cr the
member's account, withdrawals the other way, never below zero), the cached totals of the
member accounts equal their postings, and ``ledger.verify`` finds nothing. The rows are bulk
inserted (one executemany per batch on SQLite, COPY on PostgreSQL) in value-date order, so a
member's postings are scattered over the table as they are in a real bank.

Both databases hold the same two probe members whose histories are generated identically: one
with 100 bookings in the past year, one with 1 000. Through the real portal (Flask test client,
logged in as the probe member) it then measures, each sample on both banks back to back (the
machine is shared and noisy; side by side is what makes the ratios fair):

* the member dashboard ``/portal/``,
* the account's transactions page ``/portal/accounts/<id>``,
* a one-year statement PDF ``/portal/accounts/<id>/statement.pdf?from=…&to=…`` (100 lines),

and, in the large database, the one-year statement of the 1 000-line member.

Checks (DESIGN.md, "Benchmarks"): ``dashboard_p95_large_vs_small``,
``transactions_p95_large_vs_small``, ``statement_p95_large_vs_small`` (each <= 1.5) and
``statement_1000_vs_100_lines`` (<= 10, on medians). Prints one JSON object on stdout;
progress goes to stderr.

With ``--database-url`` (PostgreSQL) the large bank goes into that database (its ``public``
schema is dropped and re-created) and the small one into ``<name>_small`` on the same server
(dropped and created).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from bank import clock, migrate
from bank import models as _models
from bank.actor import system
from bank.db import make_engine
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.models import LedgerAccount
from bank.members.models import Member
from bank.savings import numbers
from bank.savings.models import DepositAccount

ACTOR = system("bench")
PASSWORD = "bench-pages-password-2026"
DAYS = 365
#: Bookings in the past year of the two probe members (their histories are identical in both banks).
PROBE_LINES = (100, 1000)
WITHDRAWAL_MEMO = "Withdrawal · to NL91ABNA0417164300"
ENTRY_BATCH = 50_000


_STARTED = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - _STARTED:7.1f} s] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Databases


def _pg_admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def fresh_databases(database_url: str | None) -> tuple[str, str, str]:
    """(large url, small url, kind): two empty, migrated databases."""
    if database_url is None:
        folder = Path(tempfile.mkdtemp(prefix="bench-pages-"))
        urls = (f"sqlite:///{folder / 'large.db'}", f"sqlite:///{folder / 'small.db'}")
    else:
        if not database_url.startswith("postgresql"):
            raise SystemExit("--database-url must be a PostgreSQL URL (postgresql+psycopg://...)")
        large = make_url(database_url)
        small_name = f"{large.database}_small"
        admin = sa.create_engine(_pg_admin_url(database_url), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{small_name}" WITH (FORCE)'))
            connection.execute(sa.text(f'CREATE DATABASE "{small_name}"'))
        admin.dispose()
        engine = sa.create_engine(database_url)
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE"))
            connection.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
        urls = (database_url, large.set(database=small_name).render_as_string(hide_password=False))
    for url in urls:
        migrate.upgrade(url)
    return urls[0], urls[1], ("postgresql" if urls[0].startswith("postgresql") else "sqlite")


# ---------------------------------------------------------------------------------------------
# Filling


@dataclass(frozen=True)
class Probe:
    lines: int
    member_id: int
    account_id: int
    email: str


@dataclass
class Filled:
    url: str
    members: int
    entries: int
    postings: int
    probes: dict[int, Probe]
    seconds: float
    verify_problems: int


def _next_id(connection: sa.Connection, table: sa.Table) -> int:
    return (connection.execute(sa.select(sa.func.max(table.c.id))).scalar() or 0) + 1


def _member_rows(first_id: int, count: int, first_number: int) -> Iterator[dict[str, Any]]:
    rng = random.Random(7)
    now = clock.now_utc()
    for i in range(count):
        number = first_number + i
        postcode = f"{1011 + rng.randrange(90)} {chr(65 + rng.randrange(26))}{chr(65 + rng.randrange(26))}"
        yield {
            "id": first_id + i,
            "number": number,
            "kind": "person",
            "status": "active",
            "display_name": f"Lid{number:06d}, Bench",
            "first_name": "Bench",
            "name_prefix": None,
            "last_name": f"Lid{number:06d}",
            "listing_consent": False,
            "street": "Dapperstraat",
            "house_number": str(1 + i % 300),
            "postcode": postcode,
            "city": "Amsterdam",
            "language": "nl",
            "notes": "",
            "created_at": now,
        }


def _events(
    members: int, entries: int, probe_indexes: dict[int, int], start: dt.date
) -> Iterator[tuple[dt.date, int, bool, int]]:
    """(value date, member index, is withdrawal, amount in cents), in value-date order.

    Ordinary members get bookings at random over the year; the probe members (the first
    indexes) get exactly their number of bookings from a generator of their own, so their
    histories are the same in the large and the small bank.
    """
    probe_days: dict[int, list[int]] = {}
    for index, lines in probe_indexes.items():
        probe_rng = random.Random(1000 + lines)
        probe_days[index] = sorted(probe_rng.randrange(DAYS) for _ in range(lines))
    ordinary = entries - sum(probe_indexes.values())
    rng = random.Random(42)
    balances = [0] * members
    probe_rng = random.Random(99)
    first_ordinary = len(probe_indexes)
    per_day, extra = divmod(ordinary, DAYS)
    for day in range(DAYS):
        value_date = start + dt.timedelta(days=day)
        day_events: list[tuple[int, random.Random]] = []
        for index, days in probe_days.items():
            day_events += [(index, probe_rng)] * days.count(day)
        count = per_day + (1 if day < extra else 0)
        day_events += [(first_ordinary + rng.randrange(members - first_ordinary), rng) for _ in range(count)]
        for index, source in day_events:
            balance = balances[index]
            if balance > 5_000 and source.random() < 0.3:
                amount = source.randint(100, balance // 2)
                balances[index] = balance - amount
                yield value_date, index, True, amount
            else:
                amount = source.randint(1_000, 50_000)
                balances[index] = balance + amount
                yield value_date, index, False, amount


def fill(url: str, kind: str, members: int, postings: int) -> Filled:
    """Bulk-load ``members`` members with one deposit account each and ``postings`` postings."""
    started = time.perf_counter()
    engine = make_engine(url)
    entries = postings // 2
    today = clock.today()
    start = today - dt.timedelta(days=DAYS - 1)
    metadata_tables = {
        name: _models.metadata.tables[name]
        for name in ("members", "ledger_accounts", "deposit_accounts", "journal_entries", "postings")
    }
    with engine.begin() as connection:
        from sqlalchemy.orm import Session

        from bank.savings import service as savings

        with Session(bind=connection) as session:
            product = savings.create_product(
                session,
                code="WIJKSPAAR",
                name_nl="Wijkspaarrekening",
                name_en="Neighbourhood savings",
                rate_annual=Decimal("0.0125"),
                effective_from=dt.date(2020, 1, 1),
                actor=ACTOR,
            )
            session.flush()
            product_id = product.id
        control_id = connection.execute(
            sa.select(LedgerAccount.id).where(LedgerAccount.code == chart.MEMBER_DEPOSITS)
        ).scalar_one()
        settlement_id = connection.execute(
            sa.select(LedgerAccount.id).where(LedgerAccount.code == chart.SETTLEMENT)
        ).scalar_one()
        first_member = _next_id(connection, metadata_tables["members"])
        first_ledger = _next_id(connection, metadata_tables["ledger_accounts"])
        first_account = _next_id(connection, metadata_tables["deposit_accounts"])
        now = clock.now_utc()
        log(f"  {members} members, accounts …")
        member_rows = list(_member_rows(first_member, members, 1))
        ledger_rows = []
        account_rows = []
        for i, row in enumerate(member_rows):
            number = numbers.make_number(numbers.FIRST_SERIAL + i)
            ledger_rows.append(
                {
                    "id": first_ledger + i,
                    "code": f"{chart.MEMBER_DEPOSITS}-{number}",
                    "name": f"Wijkspaarrekening {row['display_name']}",
                    "type": "liability",
                    "parent_id": control_id,
                    "is_control": False,
                    "may_go_negative": False,
                    "keeps_cached_totals": True,
                    "status": "open",
                    "debits_posted": 0,
                    "credits_posted": 0,
                    "created_at": now,
                }
            )
            account_rows.append(
                {
                    "id": first_account + i,
                    "number": number,
                    "member_id": row["id"],
                    "product_id": product_id,
                    "ledger_account_id": first_ledger + i,
                    "status": "open",
                    "opened_on": start - dt.timedelta(days=30),
                    "closed_on": None,
                    "blocked_reason": "",
                    "created_at": now,
                }
            )
        for name, rows in (
            ("members", member_rows),
            ("ledger_accounts", ledger_rows),
            ("deposit_accounts", account_rows),
        ):
            table = metadata_tables[name]
            for chunk_start in range(0, len(rows), 10_000):
                # Plain Core executemany of the table (the ORM types bind: MoneyType takes cents as int).
                connection.execute(table.insert(), rows[chunk_start : chunk_start + 10_000])
        probes_index = {i: lines for i, lines in enumerate(PROBE_LINES)}
        log(f"  {entries} entries, {entries * 2} postings …")
        first_entry = _next_id(connection, metadata_tables["journal_entries"])
        first_posting = _next_id(connection, metadata_tables["postings"])
        # Secondary indexes are built once after the load rather than row by row during it.
        deferred = [
            index
            for name in ("journal_entries", "postings")
            for index in metadata_tables[name].indexes
            if not index.unique
        ]
        for index in deferred:
            index.drop(connection)
        writer = _PostgresWriter(connection) if kind == "postgresql" else _SqliteWriter(connection)
        entry_rows: list[tuple[Any, ...]] = []
        posting_rows: list[tuple[Any, ...]] = []
        entry_id = first_entry
        posting_id = first_posting
        for value_date, index, is_withdrawal, cents in _events(members, entries, probes_index, start):
            member_ledger = first_ledger + index
            posted_at = dt.datetime.combine(value_date, dt.time(10, 0), tzinfo=dt.UTC)
            entry_rows.append(
                (
                    entry_id,
                    f"bench:{entry_id}",
                    f"{entry_id:064x}",
                    "withdrawal" if is_withdrawal else "deposit",
                    value_date,
                    posted_at,
                    WITHDRAWAL_MEMO if is_withdrawal else "Deposit",
                    None,
                    "system:bench",
                    None,
                )
            )
            debit_account, credit_account = (
                (member_ledger, settlement_id) if is_withdrawal else (settlement_id, member_ledger)
            )
            posting_rows.append((posting_id, entry_id, debit_account, "debit", cents, value_date))
            posting_rows.append((posting_id + 1, entry_id, credit_account, "credit", cents, value_date))
            entry_id += 1
            posting_id += 2
            if len(entry_rows) >= ENTRY_BATCH:
                writer.write(entry_rows, posting_rows)
                entry_rows, posting_rows = [], []
        writer.write(entry_rows, posting_rows)
        log("  indexes, cached totals, sequences, statistics …")
        for index in deferred:
            index.create(connection)
        # The cached totals are what post() would have written: the sums of the postings.
        connection.execute(
            sa.text(
                "UPDATE ledger_accounts SET debits_posted = t.debit_cents, credits_posted = t.credit_cents "
                "FROM (SELECT account_id, "
                "SUM(CASE WHEN side = 'debit' THEN amount ELSE 0 END) AS debit_cents, "
                "SUM(CASE WHEN side = 'credit' THEN amount ELSE 0 END) AS credit_cents "
                "FROM postings GROUP BY account_id) AS t "
                "WHERE ledger_accounts.id = t.account_id AND ledger_accounts.keeps_cached_totals"
            )
        )
        if kind == "postgresql":
            for table in ("members", "ledger_accounts", "deposit_accounts", "journal_entries", "postings"):
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT MAX(id) FROM {table}))"
                    )
                )
    probes: dict[int, Probe] = {}
    from sqlalchemy.orm import Session

    from bank.auth import service as auth_service

    with Session(bind=engine) as session, session.begin():
        for index, lines in probes_index.items():
            member = session.get(Member, first_member + index)
            assert member is not None
            email = f"probe{lines}@bench.example"
            auth_service.create_user(
                session,
                email=email,
                name=member.display_name,
                role="member",
                password=PASSWORD,
                actor=ACTOR,
                member_id=member.id,
            )
            member.email = email
            account_id = session.scalar(
                sa.select(DepositAccount.id).where(DepositAccount.member_id == member.id)
            )
            assert account_id is not None
            probes[lines] = Probe(lines, member.id, account_id, email)
    with engine.connect() as connection:
        connection.execute(sa.text("ANALYZE"))
        connection.commit()
    log("  ledger verify …")
    with Session(bind=engine) as session:
        problems = ledger_queries.verify(session)
    engine.dispose()
    if problems:
        log(f"  ledger verify: {len(problems)} problem(s), first: {problems[0]}")
    return Filled(url, members, entries, entries * 2, probes, time.perf_counter() - started, len(problems))


_ENTRY_COLUMNS = (
    "id, idempotency_key, content_hash, kind, value_date, posted_at, memo, actor_id, actor_label,"
    " reverses_entry_id"
)
_POSTING_COLUMNS = "id, entry_id, account_id, side, amount, value_date"


class _SqliteWriter:
    """executemany on the raw sqlite3 connection, inside the engine's transaction."""

    def __init__(self, connection: sa.Connection) -> None:
        self.raw = connection.connection.driver_connection

    def write(self, entries: list[tuple[Any, ...]], postings: list[tuple[Any, ...]]) -> None:
        if not entries:
            return
        cursor = self.raw.cursor()
        cursor.executemany(
            f"INSERT INTO journal_entries ({_ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (*row[:4], row[4].isoformat(), row[5].strftime("%Y-%m-%d %H:%M:%S.000000"), *row[6:])
                for row in entries
            ],
        )
        cursor.executemany(
            f"INSERT INTO postings ({_POSTING_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
            [(*row[:5], row[5].isoformat()) for row in postings],
        )
        cursor.close()


class _PostgresWriter:
    """COPY … FROM STDIN through psycopg 3, inside the engine's transaction."""

    def __init__(self, connection: sa.Connection) -> None:
        self.raw = connection.connection.driver_connection

    def write(self, entries: list[tuple[Any, ...]], postings: list[tuple[Any, ...]]) -> None:
        if not entries:
            return
        with self.raw.cursor() as cursor:
            with cursor.copy(f"COPY journal_entries ({_ENTRY_COLUMNS}) FROM STDIN") as copy:
                for row in entries:
                    copy.write_row(row)
            with cursor.copy(f"COPY postings ({_POSTING_COLUMNS}) FROM STDIN") as copy:
                for row in postings:
                    copy.write_row(row)


# ---------------------------------------------------------------------------------------------
# Measuring


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


class Site:
    """One bank: its app, its own engine and a logged-in test client per probe member.

    The app reads the global ``bank.extensions.db``; :meth:`activate` points it at this bank's
    engine and session factory (both stay open, so switching costs nothing and every request,
    large or small, finds a warm connection pool).
    """

    def __init__(self, name: str, url: str, probes: dict[int, Probe], instance: Path) -> None:
        from bank import create_app
        from bank.db import Database
        from bank.extensions import db
        from config import TestConfig

        self.name = name
        self.probes = probes
        db.engine = None  # create_app configures db afresh; the other bank keeps its own engine
        self.app = create_app(TestConfig(database_url=url, instance_path=str(instance / name)))
        self.database = Database()
        self.database.engine = db.engine
        self.database.session_factory = db.session_factory
        self.database.scoped = db.scoped
        self.clients = {}
        self.activate()
        for lines, probe in probes.items():
            client = self.app.test_client()
            response = client.post("/login", data={"email": probe.email, "password": PASSWORD})
            if response.status_code != 302:
                raise SystemExit(f"{name}: log-in of {probe.email} failed ({response.status_code})")
            self.clients[lines] = client

    def activate(self) -> None:
        from bank.extensions import db

        db.engine = self.database.engine
        db.session_factory = self.database.session_factory
        db.scoped = self.database.scoped

    def get(self, lines: int, path: str) -> float:
        self.activate()
        client = self.clients[lines]
        started = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{self.name} {path}: HTTP {response.status_code}")
        return elapsed


def measure(large: Site, small: Site, samples: int) -> dict[str, dict[str, list[float]]]:
    """Every sample of a page is taken on both banks back to back (alternating which goes first)."""
    today = clock.today()
    period = f"from={(today - dt.timedelta(days=DAYS - 1)).isoformat()}&to={today.isoformat()}"
    timings: dict[str, dict[str, list[float]]] = {
        site.name: {
            "dashboard": [],
            "transactions": [],
            "statement": [],
            "statement_1000": [],
            "statement_100_paired": [],
        }
        for site in (large, small)
    }

    def pages(site: Site) -> dict[str, tuple[int, str]]:
        probe = site.probes[100]
        return {
            "dashboard": (100, "/portal/"),
            "transactions": (100, f"/portal/accounts/{probe.account_id}"),
            "statement": (100, f"/portal/accounts/{probe.account_id}/statement.pdf?{period}"),
        }

    for page in ("dashboard", "transactions", "statement"):
        for site in (large, small):
            for _ in range(2):
                site.get(*pages(site)[page])  # warm: caches, templates, connections
        for sample in range(samples):
            for site in (large, small) if sample % 2 == 0 else (small, large):
                timings[site.name][page].append(site.get(*pages(site)[page]))
        log(f"  {page}: {samples} samples per bank")
    # The 1 000-line statement against the 100-line one, side by side in the large bank.
    big = large.probes[1000]
    big_path = f"/portal/accounts/{big.account_id}/statement.pdf?{period}"
    large.get(1000, big_path)
    for _ in range(max(samples // 2, 5)):
        timings["large"]["statement_1000"].append(large.get(1000, big_path))
        timings["large"]["statement_100_paired"].append(large.get(*pages(large)["statement"]))
    log("  statement of 1 000 lines against 100 lines done")
    return timings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL URL for the large bank (small one: <name>_small)")
    parser.add_argument("--large-members", type=int, default=100_000)
    parser.add_argument("--large-postings", type=int, default=2_000_000)
    parser.add_argument("--small-members", type=int, default=1_000)
    parser.add_argument("--small-postings", type=int, default=20_000)
    parser.add_argument("--samples", type=int, default=100, help="requests per page per bank")
    args = parser.parse_args(argv)
    minimum = 2 * (sum(PROBE_LINES) + DAYS)
    if (
        min(args.large_postings, args.small_postings) < minimum
        or min(args.large_members, args.small_members) < 10
    ):
        raise SystemExit(f"need at least 10 members and {minimum} postings per bank")

    large_url, small_url, kind = fresh_databases(args.database_url)
    log(f"large bank ({kind}): {args.large_members} members, {args.large_postings} postings")
    large_fill = fill(large_url, kind, args.large_members, args.large_postings)
    log(f"  filled in {large_fill.seconds:.1f} s")
    log(f"small bank: {args.small_members} members, {args.small_postings} postings")
    small_fill = fill(small_url, kind, args.small_members, args.small_postings)
    log(f"  filled in {small_fill.seconds:.1f} s")

    instance = Path(tempfile.mkdtemp(prefix="bench-pages-instance-"))
    large = Site("large", large_url, large_fill.probes, instance)
    small = Site("small", small_url, small_fill.probes, instance)
    log("measuring …")
    timings = measure(large, small, args.samples)

    results: dict[str, Any] = {
        "fill_large_s": round(large_fill.seconds, 1),
        "fill_small_s": round(small_fill.seconds, 1),
        "large_postings": large_fill.postings,
        "small_postings": small_fill.postings,
        "verify_problems": large_fill.verify_problems + small_fill.verify_problems,
    }
    for site_name, pages in timings.items():
        for page, values in pages.items():
            if values:
                results[f"{page}_{site_name}_median_ms"] = round(statistics.median(values) * 1000, 2)
                results[f"{page}_{site_name}_p95_ms"] = round(_percentile(values, 0.95) * 1000, 2)

    def ratio(numerator: float, denominator: float) -> float:
        return round(numerator / denominator, 3)

    checks = []
    for page in ("dashboard", "transactions", "statement"):
        value = ratio(_percentile(timings["large"][page], 0.95), _percentile(timings["small"][page], 0.95))
        checks.append(
            {"name": f"{page}_p95_large_vs_small", "value": value, "target": "<= 1.5", "ok": value <= 1.5}
        )
    value = ratio(
        statistics.median(timings["large"]["statement_1000"]),
        statistics.median(timings["large"]["statement_100_paired"]),
    )
    checks.append(
        {"name": "statement_1000_vs_100_lines", "value": value, "target": "<= 10", "ok": value <= 10}
    )
    checks.append(
        {
            "name": "ledger_verify_problems",
            "value": results["verify_problems"],
            "target": "== 0",
            "ok": results["verify_problems"] == 0,
        }
    )
    print(
        json.dumps(
            {
                "bench": "pages",
                "params": {
                    "database": kind,
                    "large_members": args.large_members,
                    "large_postings": args.large_postings,
                    "small_members": args.small_members,
                    "small_postings": args.small_postings,
                    "samples": args.samples,
                },
                "results": results,
                "checks": checks,
            }
        )
    )


if __name__ == "__main__":
    main()
