"""Serving benchmark: does the bank keep serving its members and tellers while a close day runs?

    python -m bench.serving [--loans 20000] [--seconds 20] [--readers 20] [--tellers 2]
                            [--database-url postgresql+psycopg://...] [--no-sqlite]

Builds a bank of ``--loans`` loans due on 2 March 2026 (the data of ``bench.repayment_run``:
borrowers, accounts, schedules), with a teller and a member who can log in. Then, per database
(a fresh temporary SQLite file, and PostgreSQL when ``--database-url`` is given: its ``public``
schema is dropped and re-created):

* idle: ``--readers`` threads read the member's portal dashboard ``/portal/`` and ``--tellers``
  threads book deposits through the staff form, for ``--seconds``;
* during the run: the same load while ``bank runs close-day --date 2026-03-02`` works in its
  own process (as the scheduler runs it beside the web workers), measured from its start to its
  end.

The readers and tellers are Flask test clients in threads of this process (the web app's own
code, one process like one web worker with threads). Reported: the readers' p50/p95 and reads per
second, deposits per second, in each phase, and the run's duration.

Checks: ``p95_during_run_vs_idle_sqlite`` (<= 3), ``p95_during_run_vs_idle_postgresql``
(<= 2.5), ``bookings_during_run_vs_idle`` (>= 0.5; deposits per second during the run against
idle, the worst of the databases measured). ``--loans 2000`` makes a quick run; the issue's
figure is the default. Prints one JSON object on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.repayment_run import RUN_DATE, build, check, fresh_database

PASSWORD = "bench-serving-password-2026"
ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def add_people(url: str) -> tuple[str, str, int]:
    """A teller and a member with a portal log-in; returns their e-mails and the member's account."""
    from sqlalchemy.orm import Session

    from bank.actor import system
    from bank.auth import service as auth_service
    from bank.db import make_engine
    from bank.members.models import Member
    from bank.savings.models import DepositAccount

    engine = make_engine(url)
    actor = system("bench-serving")
    with Session(bind=engine) as session, session.begin():
        member = session.scalar(sa.select(Member).order_by(Member.id).limit(1))
        assert member is not None
        account_id = session.scalar(
            sa.select(DepositAccount.id).where(DepositAccount.member_id == member.id).limit(1)
        )
        assert account_id is not None
        member_email = "member@bench.example"
        member.email = member_email
        auth_service.create_user(
            session,
            email=member_email,
            name=member.display_name,
            role="member",
            password=PASSWORD,
            actor=actor,
            member_id=member.id,
        )
        teller_email = "teller@bench.example"
        auth_service.create_user(
            session, email=teller_email, name="Bench Teller", role="teller", password=PASSWORD, actor=actor
        )
    engine.dispose()
    return teller_email, member_email, account_id


class Load:
    """Readers and tellers hammering one app until :meth:`stop`; latencies and counts per phase."""

    def __init__(
        self, app: Any, teller: str, member: str, account_id: int, readers: int, tellers: int
    ) -> None:
        self.app = app
        self.account_id = account_id
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.bookings = 0
        self.errors: list[str] = []
        member_cookie, teller_cookie = self._log_in(member), self._log_in(teller)
        self.threads = [
            threading.Thread(target=self._read, args=(self._client(member_cookie),), daemon=True)
            for _ in range(readers)
        ] + [
            threading.Thread(target=self._book, args=(self._client(teller_cookie),), daemon=True)
            for _ in range(tellers)
        ]

    def _log_in(self, email: str) -> str:
        """One log-in per person (a new log-in ends the earlier sessions); its session cookie."""
        client = self.app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        cookie = client.get_cookie(self.app.config["SESSION_COOKIE_NAME"])
        if response.status_code != 302 or cookie is None:
            raise SystemExit(f"log-in of {email} failed ({response.status_code})")
        return cookie.value

    def _client(self, cookie: str) -> Any:
        """A browser tab of that person: its own client with the person's session cookie."""
        client = self.app.test_client()
        client.set_cookie(self.app.config["SESSION_COOKIE_NAME"], cookie)
        return client

    def _read(self, client: Any) -> None:
        while not self.stop_event.is_set():
            started = time.perf_counter()
            response = client.get("/portal/")
            elapsed = time.perf_counter() - started
            with self.lock:
                if response.status_code == 200:
                    self.latencies.append(elapsed)
                else:
                    self.errors.append(f"read {response.status_code}")

    def _book(self, client: Any) -> None:
        path = f"/staff/accounts/{self.account_id}/deposit"
        while not self.stop_event.is_set():
            # Typed as a teller types it on the Dutch page (the default language): "10.00" is refused
            # there as an amount whose thousands are not grouped by three.
            response = client.post(
                path, data={"amount": "10,00", "form_key": uuid.uuid4().hex, "description": "bench"}
            )
            with self.lock:
                if response.status_code in (200, 302):
                    self.bookings += 1
                else:
                    self.errors.append(f"deposit {response.status_code}")

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def take(self) -> tuple[list[float], int]:
        """The latencies and bookings since the last take (a new phase starts)."""
        with self.lock:
            latencies, bookings = self.latencies, self.bookings
            self.latencies, self.bookings = [], 0
        return latencies, bookings

    def stop(self) -> None:
        self.stop_event.set()
        for thread in self.threads:
            thread.join(60)


def _phase(latencies: list[float], bookings: int, seconds: float) -> dict[str, Any]:
    return {
        "seconds": round(seconds, 2),
        "reads": len(latencies),
        "reads_per_s": round(len(latencies) / seconds, 2),
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(_percentile(latencies, 0.95) * 1000, 1),
        "bookings": bookings,
        "bookings_per_s": round(bookings / seconds, 3),
    }


def measure(url: str, loans: int, seconds: float, readers: int, tellers: int) -> dict[str, Any]:
    """Idle, then during a close day of ``loans`` loans, on the database at ``url``."""
    from bank import create_app
    from bank.extensions import db
    from config import TestConfig

    log(f"building {loans} loans …")
    build(url, loans)
    teller, member, account_id = add_people(url)
    instance = Path(tempfile.mkdtemp(prefix="bench-serving-"))
    app = create_app(TestConfig(database_url=url, instance_path=str(instance)))
    load = Load(app, teller, member, account_id, readers, tellers)
    log(f"idle for {seconds:.0f}s with {readers} readers and {tellers} tellers …")
    load.start()
    time.sleep(2)  # warm up: connections, templates
    load.take()
    started = time.perf_counter()
    time.sleep(seconds)
    idle = _phase(*load.take(), time.perf_counter() - started)
    log(f"idle: {idle}")
    env = dict(os.environ, DATABASE_URL=url, BANK_INSTANCE_PATH=str(instance), BANK_ENV="development")
    log("close day running …")
    started = time.perf_counter()
    run = subprocess.run(
        [str(Path(sys.executable).parent / "bank"), "runs", "close-day", "--date", RUN_DATE.isoformat()],
        env=env,
        cwd=str(ROOT),
        capture_output=True,
        text=True,
    )
    run_seconds = time.perf_counter() - started
    during = _phase(*load.take(), run_seconds)
    load.stop()
    log(f"during the run: {during}")
    if run.returncode != 0:
        raise SystemExit(f"close day failed: {run.stderr.strip()[-2000:]}")
    db.remove()
    if db.engine is not None:
        db.engine.dispose()
    return {
        "idle": idle,
        "during_run": during,
        "run_s": round(run_seconds, 2),
        "run_summary": run.stdout.strip().splitlines()[-1] if run.stdout.strip() else "",
        "errors": sorted(set(load.errors))[:10],
        "error_count": len(load.errors),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--loans", type=int, default=20000, help="loans due on the run date (default 20000)")
    parser.add_argument("--seconds", type=float, default=20.0, help="idle measurement (default 20 s)")
    parser.add_argument("--readers", type=int, default=20)
    parser.add_argument("--tellers", type=int, default=2)
    parser.add_argument("--database-url", help="PostgreSQL too (its public schema is dropped and re-created)")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    args = parser.parse_args(argv)

    results: dict[str, Any] = {}
    checks: list[dict[str, Any]] = []
    booking_ratios: list[float] = []
    targets = {"sqlite": "<= 3", "postgresql": "<= 2.5"}
    kinds = ([] if args.no_sqlite else ["sqlite"]) + (["postgresql"] if args.database_url else [])
    for kind in kinds:
        url = fresh_database(args.database_url if kind == "postgresql" else None)
        log(f"== {kind}")
        measured = measure(url, args.loans, args.seconds, args.readers, args.tellers)
        results[kind] = measured
        idle, during = measured["idle"], measured["during_run"]
        checks.append(
            check(f"p95_during_run_vs_idle_{kind}", during["p95_ms"] / idle["p95_ms"], targets[kind])
        )
        booking_ratios.append(
            during["bookings_per_s"] / idle["bookings_per_s"] if idle["bookings_per_s"] else 0.0
        )
    if booking_ratios:
        checks.append(check("bookings_during_run_vs_idle", min(booking_ratios), ">= 0.5"))
    print(
        json.dumps(
            {
                "bench": "serving",
                "params": {
                    "loans": args.loans,
                    "seconds": args.seconds,
                    "readers": args.readers,
                    "tellers": args.tellers,
                    "databases": kinds,
                },
                "results": results,
                "checks": checks,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
