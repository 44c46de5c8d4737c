"""``python -m bench.schedules`` prints one JSON object with the issue's check names (tiny run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_the_checks_the_issue_names():
    finished = subprocess.run(
        [sys.executable, "-m", "bench.schedules", "--loans", "40", "--sample", "8", "--repeat", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    report = json.loads(finished.stdout)
    assert report["bench"] == "schedules"
    names = [check["name"] for check in report["checks"]]
    assert names == [
        "speedup_vs_decimal_loop_60",
        "speedup_vs_npf_per_loan_60",
        "speedup_vs_amortization_pkg_60",
        "exact_vs_npf_broadcast_60",
        "speedup_vs_decimal_loop_360",
        "speedup_vs_npf_per_loan_360",
        "speedup_vs_amortization_pkg_360",
        "exact_vs_npf_broadcast_360",
    ]
    for check in report["checks"]:
        bound = float(check["target"].split()[1])
        expected = check["value"] >= bound if check["target"].startswith(">=") else check["value"] <= bound
        assert check["ok"] is expected
    # The vectorised path gave the same cents as the reference and the plain Decimal loop.
    results = report["results"]
    assert results["mismatches_vs_reference_60"] == results["mismatches_vs_reference_360"] == 0
    assert results["mismatches_vs_decimal_loop_60"] == results["mismatches_vs_decimal_loop_360"] == 0
    assert results["instalments_360"] == 40 * 360
