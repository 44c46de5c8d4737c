"""Pool distribution benchmark: a quarter's returns to 50 000 participants against bare executemany.

    python -m bench.pools [--participants N] [--database-url URL]

Builds its own data (a fresh temporary SQLite file by default; with ``--database-url``, or
``BANK_BENCH_DATABASE_URL``, a PostgreSQL database whose ``public`` schema it drops and
re-creates) with bulk inserts, untimed: one pool, N participants (each a member, a deposit
account and a participation with its ledger accounts), subscriptions before and during the
quarter and some withdrawals in it, and pool loans whose interest was collected during the
quarter. Then, side by side in one process:

* ``distribution``: ``bank.pools.distribution.distribute_quarter`` for the quarter: the
  collected-interest and daily-weight queries, the largest-remainder split, one ledger entry
  through ``post_many`` (every rule applied) and the share rows;
* ``executemany``: the same rows written bare in one transaction on the same engine: the
  journal entry, its N + 1 posting rows and the N share rows (plus the distribution row),
  plain SQLAlchemy Core executemany, no rules, rolled back afterwards.

Both are timed up to the end of their last statement, without the commit (the distribution's
commit is reported beside it). Prints one JSON object on stdout (DESIGN.md, "Benchmarks");
progress goes to stderr.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import json
import os
import pstats
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from bank import migrate
from bank import models as _models  # noqa: F401  (every table registered)
from bank.actor import system
from bank.db import make_engine
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger.models import AccountType, JournalEntry, LedgerAccount, Posting
from bank.loans.models import Loan
from bank.loans.products_models import LoanPurpose
from bank.loans.schedule import DayCount, Frequency, Method
from bank.members.models import Member
from bank.money import from_cents
from bank.pools.distribution import distribute_quarter
from bank.pools.models import Distribution, DistributionShare, LoanFunding, Participation, Pool
from bank.savings.models import DepositAccount, SavingsProduct
from bench.fixtures import insert_loan_product

ACTOR = system("bench")
QUARTER_START = dt.date(2026, 1, 1)
QUARTER_END = dt.date(2026, 3, 31)
RUN_DATE = dt.date(2026, 4, 1)
OPENED_ON = dt.date(2025, 10, 1)
POOL_CODE = "BENCHFONDS"
LOANS = 40


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Data


def fresh_database(database_url: str | None) -> str:
    """An empty, migrated database (a new SQLite file, or the PostgreSQL schema re-created)."""
    if database_url is None:
        folder = Path(tempfile.mkdtemp(prefix="bench-pools-"))
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
    return url


def subscription_cents(i: int) -> int:
    """Deterministic, varied participations between 50.00 and 5 049.99."""
    return 5000 + (i * 7919) % 500_000


def _account(account_id: int, code: str, name: str, kind: AccountType, parent: int, credits: int, now: Any):
    return {
        "id": account_id,
        "code": code,
        "name": name,
        "type": kind,
        "parent_id": parent,
        "is_control": False,
        "may_go_negative": False,
        "keeps_cached_totals": True,
        "status": "open",
        "debits_posted": from_cents(0),
        "credits_posted": from_cents(credits),
        "created_at": now,
    }


def _entry(entry_id: int, key: str, kind: str, value_date: dt.date, now: Any) -> dict[str, Any]:
    return {
        "id": entry_id,
        "idempotency_key": key,
        "content_hash": "bench",
        "kind": kind,
        "value_date": value_date,
        "posted_at": now,
        "memo": "bench data",
        "actor_id": None,
        "actor_label": ACTOR.label,
        "reverses_entry_id": None,
    }


def _posting(entry_id: int, account_id: int, side: str, cents: int, value_date: dt.date) -> dict[str, Any]:
    return {
        "entry_id": entry_id,
        "account_id": account_id,
        "side": side,
        "amount": from_cents(cents),
        "value_date": value_date,
    }


def build(url: str, participants: int, chunk: int = 5000) -> dict[str, Any]:
    """One pool, its participants and their movements, and LOANS pool loans with interest collected.

    Every participant subscribes at the start (opening balance, on or before the quarter); one
    in four tops up during the quarter, one in ten takes part out during it. The postings take
    the settlement account as the other side (the deposit side is not what is measured);
    cached totals are set to match, so the ledger's rules see true balances.
    """
    engine = make_engine(url)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as connection:
        codes = {
            row.code: row.id
            for row in connection.execute(
                sa.select(LedgerAccount.id, LedgerAccount.code).where(LedgerAccount.parent_id.is_(None))
            )
        }
        savings_id = connection.execute(
            sa.insert(SavingsProduct).values(
                code="BENCH", name_nl="Bench", name_en="Bench", active=True, created_at=now
            )
        ).inserted_primary_key[0]
        pool_id = connection.execute(
            sa.insert(Pool).values(
                code=POOL_CODE,
                name="Bench fonds",
                description="",
                purposes=[],
                minimum_participation=Decimal("50.00"),
                notice_months=3,
                margin_share=Decimal("0.25"),
                target_return_annual=Decimal("0.03"),
                first_loss_buffer=Decimal("0.00"),
                status="open",
                created_at=now,
            )
        ).inserted_primary_key[0]
    settlement = codes[chart.SETTLEMENT]
    capital_cents = 0
    for start in range(0, participants, chunk):
        stop = min(start + chunk, participants)
        with engine.begin() as connection:
            base_account = (connection.execute(sa.select(sa.func.max(LedgerAccount.id))).scalar() or 0) + 1
            base_entry = (connection.execute(sa.select(sa.func.max(JournalEntry.id))).scalar() or 0) + 1
            accounts, members, deposits, parts, entries, postings = [], [], [], [], [], []
            entry_id = base_entry
            for i in range(start, stop):
                n = i - start
                deposit_ledger, part_ledger = base_account + 2 * n, base_account + 2 * n + 1
                opening = subscription_cents(i)
                top_up = 10_000 + (i * 31) % 90_000 if i % 4 == 1 else 0
                taken = opening // 2 if i % 10 == 3 else 0
                accounts.append(
                    _account(
                        deposit_ledger,
                        f"{chart.MEMBER_DEPOSITS}-P{i:08d}",
                        f"Bench member {i}",
                        AccountType.LIABILITY,
                        codes[chart.MEMBER_DEPOSITS],
                        0,
                        now,
                    )
                )
                accounts.append(
                    _account(
                        part_ledger,
                        f"{chart.POOL_PARTICIPATIONS}-{POOL_CODE}-{i:08d}",
                        f"Bench participation {i}",
                        AccountType.LIABILITY,
                        codes[chart.POOL_PARTICIPATIONS],
                        0,
                        now,
                    )
                )
                accounts[-1]["credits_posted"] = from_cents(opening + top_up)
                accounts[-1]["debits_posted"] = from_cents(taken)
                members.append(
                    {
                        "id": i + 1,
                        "number": i + 1,
                        "kind": "person",
                        "status": "active",
                        "display_name": f"Member {i}, Bench",
                        "first_name": "Bench",
                        "last_name": f"Member {i}",
                        "listing_consent": False,
                        "street": "Benchstraat",
                        "house_number": "1",
                        "postcode": "1000 AA",
                        "city": "Amsterdam",
                        "language": "nl",
                        "notes": "",
                        "created_at": now,
                    }
                )
                deposits.append(
                    {
                        "id": i + 1,
                        "number": f"P{i:09d}",
                        "member_id": i + 1,
                        "product_id": savings_id,
                        "ledger_account_id": deposit_ledger,
                        "status": "open",
                        "opened_on": OPENED_ON,
                        "blocked_reason": "",
                        "created_at": now,
                    }
                )
                subscribed_on = OPENED_ON + dt.timedelta(days=i % 90)
                parts.append(
                    {
                        "id": i + 1,
                        "pool_id": pool_id,
                        "member_id": i + 1,
                        "deposit_account_id": i + 1,
                        "ledger_account_id": part_ledger,
                        "opened_on": subscribed_on,
                        "created_at": now,
                    }
                )
                entries.append(
                    _entry(entry_id, f"bench-subscribe:{i}", "pool_subscription", subscribed_on, now)
                )
                postings += [
                    _posting(entry_id, settlement, "debit", opening, subscribed_on),
                    _posting(entry_id, part_ledger, "credit", opening, subscribed_on),
                ]
                entry_id += 1
                if top_up:
                    on = QUARTER_START + dt.timedelta(days=i % 90)
                    entries.append(_entry(entry_id, f"bench-top-up:{i}", "pool_subscription", on, now))
                    postings += [
                        _posting(entry_id, settlement, "debit", top_up, on),
                        _posting(entry_id, part_ledger, "credit", top_up, on),
                    ]
                    entry_id += 1
                if taken:
                    on = QUARTER_START + dt.timedelta(days=(i * 7) % 90)
                    entries.append(_entry(entry_id, f"bench-withdraw:{i}", "pool_withdrawal", on, now))
                    postings += [
                        _posting(entry_id, part_ledger, "debit", taken, on),
                        _posting(entry_id, settlement, "credit", taken, on),
                    ]
                    entry_id += 1
                capital_cents += opening + top_up - taken
            connection.execute(sa.insert(LedgerAccount), accounts)
            connection.execute(sa.insert(Member), members)
            connection.execute(sa.insert(DepositAccount), deposits)
            connection.execute(sa.insert(Participation), parts)
            connection.execute(sa.insert(JournalEntry), entries)
            connection.execute(sa.insert(Posting), postings)
        log(f"  built {stop}/{participants} participants")
    interest_cents = _build_loans(engine, codes, savings_id, pool_id, participants, capital_cents, now)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            for table in (
                "ledger_accounts",
                "members",
                "deposit_accounts",
                "loans",
                "journal_entries",
                "pool_participations",
            ):
                connection.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                        f" (SELECT MAX(id) FROM {table}))"
                    )
                )
            connection.execute(sa.text("ANALYZE"))
    else:
        with engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))
    engine.dispose()
    return {
        "pool_id": pool_id,
        "capital": from_cents(capital_cents),
        "interest_collected": from_cents(interest_cents),
    }


def _build_loans(
    engine: sa.Engine,
    codes: dict[str, int],
    savings_id: int,
    pool_id: int,
    participants: int,
    capital_cents: int,
    now: Any,
) -> int:
    """LOANS loans funded 80 % by the pool, each paying three months of interest in the quarter."""
    with engine.begin() as connection:
        product_id = insert_loan_product(
            connection,
            now,
            amount_max=Decimal("10000000.00"),
            term_max_months=120,
            rate_annual=Decimal("0.06"),
            method=Method.ANNUITY,
        )
        base_account = (connection.execute(sa.select(sa.func.max(LedgerAccount.id))).scalar() or 0) + 1
        entry_id = (connection.execute(sa.select(sa.func.max(JournalEntry.id))).scalar() or 0) + 1
        principal_cents = capital_cents // LOANS
        funded_cents = principal_cents * 4 // 5
        accounts, members, deposits, loans, fundings, entries, postings = [], [], [], [], [], [], []
        interest_total = 0
        for k in range(LOANS):
            member_id = participants + k + 1
            ids = {
                kind: base_account + 4 * k + j
                for j, kind in enumerate(("member", "principal", "interest", "fees"))
            }
            for kind, code in (
                ("member", chart.MEMBER_DEPOSITS),
                ("principal", chart.LOAN_PRINCIPAL),
                ("interest", chart.INTEREST_RECEIVABLE),
                ("fees", chart.FEES_RECEIVABLE),
            ):
                accounts.append(
                    _account(
                        ids[kind],
                        f"{code}-L{k:06d}",
                        f"bench loan {kind} {k}",
                        AccountType.LIABILITY if kind == "member" else AccountType.ASSET,
                        codes[code],
                        0,
                        now,
                    )
                )
            members.append(
                {
                    "id": member_id,
                    "number": member_id,
                    "kind": "organisation",
                    "status": "active",
                    "display_name": f"Bench co-op {k}",
                    "legal_name": f"Bench co-op {k}",
                    "legal_form": "cooperative",
                    "listing_consent": False,
                    "street": "Benchstraat",
                    "house_number": "2",
                    "postcode": "1000 AA",
                    "city": "Amsterdam",
                    "language": "nl",
                    "notes": "",
                    "created_at": now,
                }
            )
            deposits.append(
                {
                    "id": member_id,
                    "number": f"L{k:09d}",
                    "member_id": member_id,
                    "product_id": savings_id,
                    "ledger_account_id": ids["member"],
                    "status": "open",
                    "opened_on": OPENED_ON,
                    "blocked_reason": "",
                    "created_at": now,
                }
            )
            loans.append(
                {
                    "id": k + 1,
                    "number": f"WL-P-{k:06d}",
                    "status": "active",
                    "borrower_id": member_id,
                    "product_id": product_id,
                    "purpose": LoanPurpose.OTHER,
                    "principal": from_cents(principal_cents),
                    "rate_annual": Decimal("0.06"),
                    "method": Method.ANNUITY,
                    "frequency": Frequency.MONTHLY,
                    "term_periods": 60,
                    "grace_periods": 0,
                    "instalment_multiple": Decimal("0.01"),
                    "day_count": DayCount.THIRTY_360,
                    "arrangement_fee": Decimal("0.00"),
                    "late_fee": Decimal("15.00"),
                    "penalty_rate_annual": Decimal("0.0365"),
                    "tolerance_days": 5,
                    "allocation_order": "penalties,fees,interest,principal",
                    "disbursed_on": OPENED_ON,
                    "first_due_on": dt.date(2025, 11, 1),
                    "repayment_account_id": member_id,
                    "principal_account_id": ids["principal"],
                    "interest_account_id": ids["interest"],
                    "fees_account_id": ids["fees"],
                    "schedule_version": 1,
                    "created_at": now,
                }
            )
            fundings.append(
                {
                    "pool_id": pool_id,
                    "loan_id": k + 1,
                    "amount_funded": from_cents(funded_cents),
                    "loan_principal": from_cents(principal_cents),
                    "funded_on": OPENED_ON,
                    "created_at": now,
                }
            )
            monthly_interest = principal_cents // 200  # 0.5 % a month
            for month in (1, 2, 3):
                on = dt.date(2026, month, 2)
                entries.append(
                    _entry(entry_id, f"bench-accrue:{k}:{month}", "loan_interest_accrual", on, now)
                )
                postings += [
                    _posting(entry_id, ids["interest"], "debit", monthly_interest, on),
                    _posting(entry_id, codes[chart.INTEREST_INCOME], "credit", monthly_interest, on),
                ]
                entry_id += 1
                entries.append(_entry(entry_id, f"bench-collect:{k}:{month}", "loan_collection", on, now))
                postings += [
                    _posting(entry_id, codes[chart.SETTLEMENT], "debit", monthly_interest, on),
                    _posting(entry_id, ids["interest"], "credit", monthly_interest, on),
                ]
                entry_id += 1
                interest_total += monthly_interest
        for row in accounts:  # accrued and collected: the interest accounts are back at zero
            if row["code"].startswith(chart.INTEREST_RECEIVABLE):
                row["debits_posted"] = row["credits_posted"] = from_cents(principal_cents // 200 * 3)
        connection.execute(sa.insert(LedgerAccount), accounts)
        connection.execute(sa.insert(Member), members)
        connection.execute(sa.insert(DepositAccount), deposits)
        connection.execute(sa.insert(Loan), loans)
        connection.execute(sa.insert(LoanFunding), fundings)
        connection.execute(sa.insert(JournalEntry), entries)
        connection.execute(sa.insert(Posting), postings)
    return interest_total


# ---------------------------------------------------------------------------------------------
# Measurements


def timed_distribution(url: str, *, profile: bool = False) -> dict[str, Any]:
    """distribute_quarter in one transaction; seconds to its end, and the commit after it."""
    engine = make_engine(url)
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    profiler = cProfile.Profile() if profile else None
    with factory() as session:
        pool = session.scalar(sa.select(Pool).where(Pool.code == POOL_CODE))
        assert pool is not None
        session.commit()  # the load above is not part of the work measured
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        distribution = distribute_quarter(session, pool, QUARTER_END, actor=ACTOR, today=RUN_DATE)
        session.flush()
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        session.commit()
        commit_seconds = time.perf_counter() - started
        outcome = {
            "seconds": seconds,
            "commit_seconds": commit_seconds,
            "distribution_id": distribution.id,
            "entry_id": distribution.entry_id,
            "interest_collected": distribution.interest_collected,
            "amount_distributed": distribution.amount_distributed,
            "participants": distribution.participant_count,
        }
    engine.dispose()
    if profiler:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(60)
        outcome["profile"] = text.getvalue()
    return outcome


def written_rows(url: str, distribution_id: int, entry_id: int) -> dict[str, list[dict[str, Any]]]:
    """The raw rows the distribution wrote: its entry, postings, distribution and share rows."""
    engine = make_engine(url)
    bare = _bare_tables()
    with engine.connect() as connection:
        rows = {
            "entries": [
                dict(r._mapping)
                for r in connection.execute(
                    sa.select(bare["journal_entries"]).where(bare["journal_entries"].c.id == entry_id)
                )
            ],
            "postings": [
                dict(r._mapping)
                for r in connection.execute(
                    sa.select(bare["postings"])
                    .where(bare["postings"].c.entry_id == entry_id)
                    .order_by(bare["postings"].c.id)
                )
            ],
            "distributions": [
                dict(r._mapping)
                for r in connection.execute(
                    sa.select(bare["pool_distributions"]).where(
                        bare["pool_distributions"].c.id == distribution_id
                    )
                )
            ],
            "shares": [
                dict(r._mapping)
                for r in connection.execute(
                    sa.select(bare["pool_distribution_shares"])
                    .where(bare["pool_distribution_shares"].c.distribution_id == distribution_id)
                    .order_by(bare["pool_distribution_shares"].c.id)
                )
            ],
        }
    engine.dispose()
    return rows


def _bare_tables() -> dict[str, sa.Table]:
    """Lightweight Core views of the real tables: plain types (integer cents, text), no conversions."""
    metadata = sa.MetaData()
    tables = {}
    for table in (
        JournalEntry.__table__,
        Posting.__table__,
        Distribution.__table__,
        DistributionShare.__table__,
    ):
        columns = []
        for column in table.c:
            impl = getattr(column.type, "impl", column.type)
            plain = impl if isinstance(impl, sa.types.TypeEngine) else impl()
            if isinstance(column.type, sa.Enum):
                plain = sa.String()
            columns.append(sa.Column(column.name, plain, primary_key=column.primary_key))
        tables[table.name] = sa.Table(table.name, metadata, *columns)
    return tables


def executemany_seconds(url: str, rows: dict[str, list[dict[str, Any]]]) -> float:
    """The same rows into the real tables with bare executemany, in a transaction rolled back.

    The entry gets another key and the distribution another quarter (the real ones are
    there); ids are taken fresh, so the posting and share rows point at the new ones.
    """
    engine = make_engine(url)
    bare = _bare_tables()
    entries, postings, distributions = bare["journal_entries"], bare["postings"], bare["pool_distributions"]
    shares = bare["pool_distribution_shares"]
    entry = {k: v for k, v in rows["entries"][0].items() if k != "id"}
    entry["idempotency_key"] += ":bare"
    distribution = {k: v for k, v in rows["distributions"][0].items() if k != "id"}
    distribution["quarter_start"] = dt.date(1999, 1, 1)
    distribution["quarter_end"] = dt.date(1999, 3, 31)
    posting_rows = [{k: v for k, v in row.items() if k != "id"} for row in rows["postings"]]
    share_rows = [{k: v for k, v in row.items() if k != "id"} for row in rows["shares"]]
    with engine.connect() as connection:
        transaction = connection.begin()
        started = time.perf_counter()
        entry_id = connection.execute(sa.insert(entries).returning(entries.c.id), entry).scalar_one()
        for row in posting_rows:
            row["entry_id"] = entry_id
        connection.execute(sa.insert(postings), posting_rows)
        distribution["entry_id"] = entry_id
        distribution_id = connection.execute(
            sa.insert(distributions).returning(distributions.c.id), distribution
        ).scalar_one()
        for row in share_rows:
            row["distribution_id"] = distribution_id
        connection.execute(sa.insert(shares), share_rows)
        seconds = time.perf_counter() - started
        transaction.rollback()
    engine.dispose()
    return seconds


def verify_ok(url: str) -> bool:
    engine = make_engine(url)
    with Session(engine) as session:
        problems = ledger_queries.verify(session)
    engine.dispose()
    for problem in problems[:5]:
        log(f"  verify: {problem}")
    return not problems


def check(name: str, value: float, target: str) -> dict[str, Any]:
    operator, bound = target.split()
    limit = float(bound)
    ok = value <= limit if operator == "<=" else value >= limit if operator == ">=" else value == limit
    return {"name": name, "value": round(value, 3), "target": target, "ok": bool(ok)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--participants", type=int, default=50_000, help="participants (default 50000)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BANK_BENCH_DATABASE_URL"),
        help="PostgreSQL URL (its public schema is dropped!); default BANK_BENCH_DATABASE_URL, else a"
        " temporary SQLite file",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print a cProfile of the distribution to stderr"
    )
    args = parser.parse_args(argv)
    kind = "postgresql" if args.database_url else "sqlite"
    n = args.participants

    log(f"building {n} participants ({kind}) …")
    url = fresh_database(args.database_url)
    built = build(url, n)
    log("distribution …")
    run = timed_distribution(url, profile=args.profile)
    if args.profile:
        log(run.pop("profile"))
    rows = written_rows(url, run["distribution_id"], run["entry_id"])
    log("bare executemany of the same rows …")
    bare_seconds = executemany_seconds(url, rows)
    results = {
        "distribution_s": round(run["seconds"], 3),
        "distribution_commit_s": round(run["commit_seconds"], 3),
        "executemany_s": round(bare_seconds, 3),
        "participants": run["participants"],
        "postings": len(rows["postings"]),
        "share_rows": len(rows["shares"]),
        "interest_collected": str(run["interest_collected"]),
        "amount_distributed": str(run["amount_distributed"]),
        "pool_capital": str(built["capital"]),
        "verify_ok": verify_ok(url),
    }
    checks = [
        check("distribution_vs_executemany", run["seconds"] / bare_seconds, "<= 3"),
        check("verify_problems", 0 if results["verify_ok"] else 1, "== 0"),
    ]
    print(
        json.dumps(
            {
                "bench": "pools",
                "params": {"participants": n, "loans": LOANS, "database": kind},
                "results": results,
                "checks": checks,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
