"""Schedule benchmark: the vectorised exact engine against the usual ways of building schedules.

    python -m bench.schedules [--loans 10000] [--sample 2000] [--repeat 3]

For a portfolio of ``--loans`` monthly annuity loans (random principals, 8-decimal rates and
disbursement dates, month ends included), once with 60 and once with 360 periods, it measures
side by side, in one run, schedules with cent rounding and the last-instalment rule:

* ``vectorised``: :func:`bank.loans.schedule.build_schedules` from the portfolio's columns
  (integer cents, due dates included) — exact, identical to the reference engine;
* ``decimal_loop``: a plain Python ``Decimal`` loop per loan (payment, then per period interest
  rounded half-up, principal = payment − interest, the last period takes the balance);
* ``npf_per_loan``: numpy-financial once per loan (``pmt``, ``ipmt`` over the periods, rounded
  to cents, the last principal taking the remainder);
* ``amortization_pkg``: the PyPI package ``amortization`` once per loan;
* ``npf_broadcast``: numpy-financial's ``ipmt``/``ppmt`` broadcast over all loans and periods at
  once, *without* rounding (the fastest inexact way; the exact path should stay within 1.5x).

The per-loan baselines are slow, so they run on the first ``--sample`` loans, in ``--repeat``
chunks, and the fastest chunk's cost per loan is scaled to the whole portfolio; the vectorised
and broadcast timings are the best of ``--repeat`` runs over all loans (the params say so).
Prints one JSON object on stdout (DESIGN.md, "Benchmarks"); progress goes to stderr.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import warnings
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import numpy_financial as npf
from amortization.schedule import amortization_schedule

from bank.loans.schedule import LoanArrays, build_schedule, build_schedules

CENT = Decimal("0.01")
#: CPU time of this process: on a shared machine, time spent descheduled while other work runs
#: would otherwise land on whichever way happened to be running. Every way is timed the same way.
clock = time.process_time
SIZES = (60, 360)
TARGETS = {"decimal_loop": 25.0, "npf_per_loan": 50.0, "amortization_pkg": 80.0, "npf_broadcast": 1.5}
_EPOCH = dt.date(1970, 1, 1).toordinal()


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def portfolio(loans: int, periods: int, seed: int) -> LoanArrays:
    """Random monthly annuity loans: 1 000.00–500 000.00, 1–12 % with up to 8 decimals, 2024 dates."""
    rng = np.random.default_rng(seed)
    disbursed = np.array(
        [dt.date(2024, 1, 1).toordinal() - _EPOCH + int(day) for day in rng.integers(0, 366, loans)],
        dtype=np.int64,
    )
    zeros = np.zeros(loans, dtype=np.int64)
    return LoanArrays(
        principal_cents=rng.integers(100_000, 50_000_001, loans, dtype=np.int64),
        rate_scaled=rng.integers(1_000_000, 12_000_001, loans, dtype=np.int64),
        term=np.full(loans, periods, dtype=np.int64),
        grace_principal=zeros,
        months_per_period=np.ones(loans, dtype=np.int64),
        method=zeros,
        instalment_multiple_cents=np.ones(loans, dtype=np.int64),
        actual_365=np.zeros(loans, dtype=bool),
        disbursed_on=disbursed,
        first_due_on=disbursed.copy(),
        fees_cents=zeros,
    )


def decimal_loop(principal_cents: int, rate_scaled: int, periods: int) -> list[tuple[Decimal, Decimal]]:
    """The plain Decimal way: one loan, (principal, interest) per period."""
    balance = Decimal(principal_cents) / 100
    rate = Decimal(rate_scaled) / 10**8 / 12
    payment = (balance * rate / (1 - (1 + rate) ** -periods)).quantize(CENT, rounding=ROUND_HALF_UP)
    rows = []
    for number in range(1, periods + 1):
        interest = (balance * rate).quantize(CENT, rounding=ROUND_HALF_UP)
        principal = balance if number == periods else payment - interest
        balance -= principal
        rows.append((principal, interest))
    return rows


def npf_per_loan(principal_cents: int, rate_scaled: int, periods: int) -> tuple[np.ndarray, np.ndarray]:
    """numpy-financial once per loan, rounded to cents, the last principal taking the remainder."""
    principal = principal_cents / 100
    rate = rate_scaled / 1e8 / 12
    payment = round(float(-npf.pmt(rate, periods, principal)), 2)
    interest = np.round(-npf.ipmt(rate, np.arange(1, periods + 1), periods, principal), 2)
    parts = np.round(payment - interest, 2)
    parts[-1] = round(principal - float(parts[:-1].sum()), 2)
    return parts, interest


def amortization_pkg(principal_cents: int, rate_scaled: int, periods: int) -> list[Any]:
    return list(amortization_schedule(principal_cents / 100, rate_scaled / 1e8, periods))


def npf_broadcast(loans: LoanArrays, periods: int) -> tuple[np.ndarray, np.ndarray]:
    rate = (loans.rate_scaled / 1e8 / 12)[:, None]
    principal = (loans.principal_cents / 100)[:, None]
    period = np.arange(1, periods + 1)[None, :]
    return npf.ipmt(rate, period, periods, principal), npf.ppmt(rate, period, periods, principal)


def best_of(repeat: int, work: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = clock()
        work()
        best = min(best, clock() - started)
    return best


def per_loan_seconds(
    sample: LoanArrays, count: int, work: Callable[[int, int, int], object], repeat: int
) -> float:
    """Seconds per loan: the sample is run in ``repeat`` chunks and the fastest chunk counts
    (the same best-of treatment the fast ways get, so a noisy neighbour favours no one)."""
    principal = sample.principal_cents.tolist()
    rate = sample.rate_scaled.tolist()
    periods = int(sample.term[0])
    chunk = max(count // repeat, 1)
    best = float("inf")
    for start in range(0, count, chunk):
        stop = min(start + chunk, count)
        started = clock()
        for index in range(start, stop):
            work(principal[index], rate[index], periods)
        best = min(best, (clock() - started) / (stop - start))
    return best


def measure(loans: int, periods: int, sample: int, repeat: int) -> tuple[dict[str, Any], dict[str, float]]:
    portfolio_arrays = portfolio(loans, periods, seed=periods)
    log(f"schedules: {loans} loans × {periods} periods: vectorised …")
    vectorised_s = best_of(repeat, lambda: build_schedules(portfolio_arrays))
    batch = build_schedules(portfolio_arrays)
    log("schedules: numpy-financial broadcast …")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        broadcast_s = best_of(repeat, lambda: npf_broadcast(portfolio_arrays, periods))
    count = min(sample, loans)
    log(f"schedules: per-loan baselines on {count} loans …")
    decimal_s = per_loan_seconds(portfolio_arrays, count, decimal_loop, repeat) * loans
    npf_loan_s = per_loan_seconds(portfolio_arrays, count, npf_per_loan, repeat) * loans
    amortization_s = per_loan_seconds(portfolio_arrays, count, amortization_pkg, repeat) * loans

    # Same work, same answer: the vectorised cents equal the reference engine's and the plain
    # Decimal loop's on a sample (the Decimal loop is the textbook; the reference adds dates).
    checked = min(count, 200)
    mismatches_reference = sum(
        batch.schedule(i).instalments != build_schedule(portfolio_arrays.terms_at(i)).instalments
        for i in range(checked)
    )
    mismatches_decimal = 0
    for i in range(count):
        rows = decimal_loop(
            int(portfolio_arrays.principal_cents[i]), int(portfolio_arrays.rate_scaled[i]), periods
        )
        expected = [(int(p * 100), int(q * 100)) for p, q in rows]
        got = list(zip(batch.principal_cents[i].tolist(), batch.interest_cents[i].tolist(), strict=True))
        mismatches_decimal += expected != got
    results = {
        f"vectorised_s_{periods}": round(vectorised_s, 4),
        f"npf_broadcast_s_{periods}": round(broadcast_s, 4),
        f"decimal_loop_s_{periods}": round(decimal_s, 3),
        f"npf_per_loan_s_{periods}": round(npf_loan_s, 3),
        f"amortization_pkg_s_{periods}": round(amortization_s, 3),
        f"instalments_{periods}": int(batch.term.sum()),
        f"mismatches_vs_reference_{periods}": int(mismatches_reference),
        f"reference_checked_{periods}": checked,
        f"mismatches_vs_decimal_loop_{periods}": int(mismatches_decimal),
        f"decimal_loop_checked_{periods}": count,
    }
    ratios = {
        f"speedup_vs_decimal_loop_{periods}": decimal_s / vectorised_s,
        f"speedup_vs_npf_per_loan_{periods}": npf_loan_s / vectorised_s,
        f"speedup_vs_amortization_pkg_{periods}": amortization_s / vectorised_s,
        f"exact_vs_npf_broadcast_{periods}": vectorised_s / broadcast_s,
    }
    return results, ratios


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.schedules",
        description="Vectorised exact schedules against a Decimal loop, numpy-financial and `amortization`.",
    )
    parser.add_argument("--loans", type=int, default=10_000, help="loans in the portfolio (default 10000)")
    parser.add_argument(
        "--sample",
        type=int,
        default=2_000,
        help="loans the slow per-loan baselines run on; their time is scaled to --loans (default 2000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="best of this many runs (or sample chunks) for every way (default 5)",
    )
    args = parser.parse_args(argv)
    if args.loans < 1 or args.sample < 1 or args.repeat < 1:
        parser.error("--loans, --sample and --repeat must be at least 1")

    results: dict[str, Any] = {}
    ratios: dict[str, float] = {}
    for periods in SIZES:
        size_results, size_ratios = measure(args.loans, periods, args.sample, args.repeat)
        results.update(size_results)
        ratios.update(size_ratios)

    checks = []
    for periods in SIZES:
        for baseline, name in (
            ("decimal_loop", f"speedup_vs_decimal_loop_{periods}"),
            ("npf_per_loan", f"speedup_vs_npf_per_loan_{periods}"),
            ("amortization_pkg", f"speedup_vs_amortization_pkg_{periods}"),
        ):
            value = round(ratios[name], 2)
            checks.append(
                {
                    "name": name,
                    "value": value,
                    "target": f">= {TARGETS[baseline]:g}",
                    "ok": value >= TARGETS[baseline],
                }
            )
        name = f"exact_vs_npf_broadcast_{periods}"
        value = round(ratios[name], 3)
        checks.append(
            {"name": name, "value": value, "target": f"<= {TARGETS['npf_broadcast']:g}", "ok": value <= 1.5}
        )
    report = {
        "bench": "schedules",
        "params": {
            "loans": args.loans,
            "periods": list(SIZES),
            "method": "annuity, monthly, 30/360, cent rounding, last instalment takes the balance",
            "per_loan_baselines_sample": min(args.sample, args.loans),
            "per_loan_baselines_scaled": f"fastest of {args.repeat} sample chunks, seconds per loan × loans",
            "fast_ways_timing": f"best of {args.repeat} runs over all loans",
            "timer": "process CPU time (time.process_time), every way alike",
            "vectorised_input": "LoanArrays (the portfolio's columns), due dates included",
        },
        "results": results,
        "checks": checks,
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
