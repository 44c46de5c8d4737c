"""The schedule on the command line (`bank loans schedule`).

The same figures through the API's schedule-preview: tests/api/test_schedule.py.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from flask.cli import ScriptInfo

from bank.cli import cli
from bank.loans import products

from .product_factories import coop_startup_terms

EXAMPLE = [
    "loans",
    "schedule",
    "--principal",
    "5000",
    "--rate-annual",
    "12",
    "--term",
    "18",
    "--method",
    "annuity",
    "--frequency",
    "monthly",
    "--disbursed-on",
    "2022-11-01",
]


@pytest.fixture
def run(app):
    def invoke(*args: str):
        runner = CliRunner()
        return runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app), catch_exceptions=False)

    return invoke


def test_cli_json_is_the_issue_example(run):
    result = run(*EXAMPLE, "--instalment-multiple", "1", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["instalment_amount"] == "305.00"
    assert data["total_interest"] == "488.22"
    assert data["total_due"] == "5488.22"
    assert data["apr"] == "12.68"
    assert data["instalments"][0] == {
        "number": 1,
        "due_on": "2022-12-01",
        "principal": "255.00",
        "interest": "50.00",
        "total": "305.00",
        "balance_after": "4745.00",
    }
    assert len(data["instalments"]) == 18
    assert data["instalments"][-1]["balance_after"] == "0.00"


def test_cli_table_is_readable(run):
    result = run(*EXAMPLE)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "Instalment amount 304.91" in lines[1]
    assert "APR 12.68 %" in lines[1]
    assert lines[4].split() == ["1", "2022-12-01", "254.91", "50.00", "304.91", "4,745.09"]
    assert lines[-1].split() == ["Total", "5,000.00", "488.41", "5,488.41"]


def test_cli_quarterly_linear_with_grace_and_broken_first_period(run):
    result = run(
        "loans", "schedule", "--principal", "84000", "--rate-annual", "5", "--term", "28",
        "--method", "linear", "--frequency", "quarterly", "--disbursed-on", "2023-11-15",
        "--first-due-on", "2024-03-01", "--grace-principal", "4", "--day-count", "30/360", "--json",
    )  # fmt: skip
    data = json.loads(result.stdout)
    first = data["instalments"][0]
    # 30E/360 from 15 November to 1 March is 106 days: 84 000 × 5 % × 106 / 360
    assert (first["due_on"], first["interest"], first["principal"]) == ("2024-03-01", "1236.67", "0.00")
    assert data["instalments"][1]["due_on"] == "2024-06-01"
    assert data["instalments"][4]["principal"] == "3500.00"


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (("--principal", "0"), "error: --principal must be greater than 0"),
        (("--principal", "12.345"), "error: --principal may have at most 2 decimals, e.g. 1234.56"),
        (("--principal", "10000000.01"), "error: --principal must not exceed 10000000.00"),
        (("--rate-annual", "31"), "error: --rate-annual must be between 0 and 30 per cent"),
        (("--rate-annual", "4,5"), "error: --rate-annual must be a number, e.g. 4.5"),
        (("--rate-annual", "1.000,5"), "error: --rate-annual must be a number, e.g. 4.5"),
        (("--term", "481"), "error: --term must be a whole number of periods between 1 and 480"),
        (("--method", "balloon"), "error: --method must be one of annuity, linear, bullet"),
        (("--frequency", "yearly"), "error: --frequency must be one of monthly, quarterly"),
        (("--day-count", "act/360"), "error: --day-count must be one of 30/360, actual/365"),
        (("--disbursed-on", "2022-13-01"), "error: --disbursed-on must be a date as YYYY-MM-DD"),
        (("--grace-principal", "18"), "error: --grace-principal must be less than the term (18 periods)"),
        (("--first-due-on", "2022-10-01"), "error: --first-due-on must be after the disbursement date"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line_naming_the_option(run, change, line):
    args = list(EXAMPLE)
    option, value = change
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    result = run(*args, "--json")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [line]


def test_cli_missing_and_unknown_options_are_one_line_too(run):
    missing = run("loans", "schedule", "--rate-annual", "12", "--term", "6")
    assert missing.exit_code == 2
    assert missing.stderr.splitlines() == ["error: --principal is required; --disbursed-on is required"]
    unknown = run(*EXAMPLE, "--colour", "red")
    assert unknown.exit_code == 2
    assert unknown.stderr.splitlines() == ["error: No such option '--colour'."]


def test_cli_with_a_product_checks_its_bounds(run, session, actor):
    products.create_product(session, "COOP-START", coop_startup_terms(), actor=actor)
    session.commit()
    ok = run("loans", "schedule", "--product", "coop-start", "--principal", "10000", "--term", "36",
             "--disbursed-on", "2026-01-15", "--json")  # fmt: skip
    assert ok.exit_code == 0, ok.stderr
    assert (
        json.loads(ok.stdout)["instalment_amount"] == "306.49"
    )  # 10 000 × 0.065/12 / (1 − (1 + 0.065/12)^−36)
    low = run("loans", "schedule", "--product", "COOP-START", "--principal", "1000", "--term", "36",
              "--disbursed-on", "2026-01-15")  # fmt: skip
    assert low.exit_code == 2
    assert low.stderr.splitlines() == ["error: --principal must be at least 5000.00 for COOP-START"]
    long = run("loans", "schedule", "--product", "COOP-START", "--principal", "10000", "--term", "120",
               "--disbursed-on", "2026-01-15")  # fmt: skip
    assert long.stderr.splitlines() == ["error: --term must be at most 84 periods (84 months) for COOP-START"]
