"""The books a lender must keep, at scale: the daily accrual and the month-end provisioning.

``python -m bench.credit_risk [--loans 100000] [--small-loans 20000] [--database-url URL]``

Runs both halves (``bench.credit_risk_accrual`` and ``bench.credit_risk_provisioning``, each
usable alone) at the large and the small number of loans and prints one JSON object:
``accrual_vs_executemany`` (<= 4) and ``provisioning_vs_sql`` (<= 4) at the large size, and
``time_ratio_100k_vs_20k`` (<= 5.5): the accrual plus the provisioning at the large size against
the same at the small size. Each half builds its own database; on PostgreSQL the URL's public
schema is dropped and rebuilt for every measurement.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bench import credit_risk_accrual, credit_risk_provisioning


def _check(name: str, value: float, target: str) -> dict[str, Any]:
    limit = float(target.split()[1])
    return {"name": name, "value": round(value, 2), "target": target, "ok": value <= limit}


def _measure(loans: int, database_url: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        credit_risk_accrual.measure(loans, database_url),
        credit_risk_provisioning.measure(loans, database_url),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loans", type=int, default=100_000, help="the large size (default 100000)")
    parser.add_argument("--small-loans", type=int, default=20_000, help="the small size (default 20000)")
    parser.add_argument("--database-url", default=None, help="a PostgreSQL URL; default fresh SQLite files")
    args = parser.parse_args(argv)
    small_accrual, small_provisioning = _measure(args.small_loans, args.database_url)
    large_accrual, large_provisioning = _measure(args.loans, args.database_url)
    small_seconds = small_accrual["results"]["accrual_s"] + small_provisioning["results"]["provisioning_s"]
    large_seconds = large_accrual["results"]["accrual_s"] + large_provisioning["results"]["provisioning_s"]
    checks = [
        *large_accrual["checks"],
        *large_provisioning["checks"],
        _check("time_ratio_100k_vs_20k", large_seconds / small_seconds, "<= 5.5"),
    ]
    report = {
        "bench": "credit_risk",
        "params": {
            "loans": args.loans,
            "small_loans": args.small_loans,
            "database": "postgresql" if args.database_url else "sqlite",
        },
        "results": {
            "accrual": large_accrual["results"],
            "provisioning": large_provisioning["results"],
            "small": {"accrual": small_accrual["results"], "provisioning": small_provisioning["results"]},
            "large_s": round(large_seconds, 3),
            "small_s": round(small_seconds, 3),
            "small_checks": [*small_accrual["checks"], *small_provisioning["checks"]],
        },
        "checks": checks,
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
