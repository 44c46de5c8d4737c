"""``python -m bench.screening`` prints one JSON object with the issue's check names (a tiny run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_prints_the_checks_the_issue_names():
    finished = subprocess.run(
        [
            sys.executable, "-m", "bench.screening",
            "--members", "400", "--entries", "600", "--planted", "20", "--sample", "40", "--repeat", "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )  # fmt: skip
    report = json.loads(finished.stdout)
    assert report["bench"] == "screening"
    assert report["params"]["members"] == 400 and report["params"]["small_members"] == 80
    names = [check["name"] for check in report["checks"]]
    assert names == [
        "speedup_vs_all_pairs",
        "recall_planted",
        "false_hits_per_1000",
        "time_ratio_100k_vs_20k",
    ]
    for check in report["checks"]:
        bound = float(check["target"].split()[1])
        expected = check["value"] >= bound if check["target"].startswith(">=") else check["value"] <= bound
        assert check["ok"] is expected
    results = report["results"]
    assert results["planted"] == 20 and 0 <= results["planted_found"] <= 20
    assert results["hits_missed_by_search_on_sample"] <= results["hits_all_pairs_on_sample"]
