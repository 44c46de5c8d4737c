"""``bank loans schedule``: an amortisation schedule on the command line (table or JSON).

Invalid input exits with status 2 and exactly one line on stderr naming the option and the
rule (``--principal must be greater than 0``), so scripts can rely on both.
"""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import with_appcontext

from bank.commands.refusals import refuse
from bank.errors import BankError
from bank.extensions import db
from bank.loans import products
from bank.loans.schedule import Schedule, build_schedule

#: Schedule field → the option that sets it (errors name what the user typed).
OPTION_OF_FIELD = {
    "principal": "--principal",
    "rate_annual": "--rate-annual",
    "term": "--term",
    "method": "--method",
    "frequency": "--frequency",
    "disbursed_on": "--disbursed-on",
    "first_due_on": "--first-due-on",
    "grace_principal": "--grace-principal",
    "instalment_multiple": "--instalment-multiple",
    "day_count": "--day-count",
    "fees": "--fees",
    "product_code": "--product",
}


class _OneLineErrors(click.Command):
    """Turn click's own usage errors (unknown option, missing value) into one stderr line too."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            click.echo(f"error: {exc.format_message()}", err=True)
            ctx.exit(2)


def format_table(schedule: Schedule) -> str:
    """A readable schedule: the summary, then one line per instalment."""
    terms = schedule.terms
    rate_percent = (terms.rate_annual * 100).normalize()
    header = ("No", "Due on", "Principal", "Interest", "Total", "Balance after")
    lines = [
        f"Principal {terms.principal:,.2f} at {rate_percent:f} % a year, "
        f"{terms.term} {terms.frequency.value} periods, {terms.method.value}, {terms.day_count.value}",
        f"Instalment amount {schedule.instalment_amount:,.2f}   "
        f"Total interest {schedule.total_interest:,.2f}   "
        f"Total due {schedule.total_due:,.2f}   APR {schedule.apr:.2f} %",
        "",
        "{:>4}  {:<10}  {:>14}  {:>12}  {:>14}  {:>15}".format(*header),
    ]
    for row in schedule.instalments:
        lines.append(
            f"{row.number:>4}  {row.due_on.isoformat():<10}  {row.principal:>14,.2f}  {row.interest:>12,.2f}"
            f"  {row.total:>14,.2f}  {row.balance_after:>15,.2f}"
        )
    lines.append(
        f"{'':>4}  {'Total':<10}  {schedule.total_principal:>14,.2f}  {schedule.total_interest:>12,.2f}"
        f"  {schedule.total_due:>14,.2f}"
    )
    return "\n".join(lines)


@click.group("loans")
def loans_group() -> None:
    """Loans: amortisation schedules."""


@loans_group.command("schedule", cls=_OneLineErrors)
@click.option("--principal", help="Amount lent, e.g. 5000 or 5000.00.")
@click.option("--rate-annual", "rate_annual", help="Annual rate as a percentage, e.g. 12 or 4.5.")
@click.option("--term", help="Number of periods (instalments); a quarterly loan over 7 years is 28.")
@click.option("--method", default="annuity", show_default=True, help="annuity, linear or bullet.")
@click.option("--frequency", default="monthly", show_default=True, help="monthly or quarterly.")
@click.option("--disbursed-on", "disbursed_on", help="Disbursement date, YYYY-MM-DD.")
@click.option("--first-due-on", "first_due_on", help="First due date for a broken first period.")
@click.option("--grace-principal", "grace_principal", help="Periods at the start that pay interest only.")
@click.option(
    "--instalment-multiple", "instalment_multiple", help="Round the instalment to this (0.01; 1 = euros)."
)
@click.option("--day-count", "day_count", help="30/360 (default) or actual/365.")
@click.option("--fees", help="Fees paid at disbursement, included in the APR.")
@click.option("--product", "product_code", help="Use a loan product's terms (code) and check its bounds.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@with_appcontext
def schedule_command(as_json: bool, product_code: str | None, **raw: Any) -> None:
    """Print the amortisation schedule of a loan."""
    missing = [name for name in ("principal", "term", "disbursed_on") if not raw.get(name)]
    if not product_code and not raw.get("rate_annual"):
        missing.insert(1, "rate_annual")
    if missing:
        refuse(BankError("missing", fields={name: "is required" for name in missing}), OPTION_OF_FIELD)
    try:
        product = None
        if product_code:
            session = db.new_session()
            try:
                product = products.active_product(session, product_code)
            finally:
                session.close()
        terms = products.preview_terms(product, raw)
        schedule = build_schedule(terms)
    except BankError as error:
        refuse(error, OPTION_OF_FIELD)
    if as_json:
        click.echo(json.dumps(schedule.to_json()))
    else:
        click.echo(format_table(schedule))


def register(cli: click.Group) -> None:
    cli.add_command(loans_group)
