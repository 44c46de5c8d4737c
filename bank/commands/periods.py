"""``bank periods list|close|close-year``: period close (periodeafsluiting) from the command line.

A closed month takes no entry dated in it; months close in order once they have ended, a year
once its twelve months are closed (its closing entry moves the result to reserves 3200). Each
command is one unit of work; a refusal exits with status 2 and one line on stderr naming the
option and the rule (``--month months close in order: …``).
"""

from __future__ import annotations

import json

import click
from flask.cli import with_appcontext

from bank import clock
from bank import day as business_day
from bank.actor import system
from bank.commands.refusals import refuse
from bank.errors import BankError
from bank.extensions import db
from bank.ledger import periods
from bank.ledger import queries as ledger_queries
from bank.ledger.models import ClosedMonth, ClosedYear

#: Service field → the option that sets it.
OPTION_OF_FIELD = {"month": "--month", "year": "--year"}

ACTOR = system("period-close")


def month_json(month: ClosedMonth) -> dict[str, object]:
    return {
        "month": periods.month_label(month.first_day),
        "last_day": month.last_day.isoformat(),
        "closed_at": month.closed_at.isoformat(),
        "closed_by": month.closed_by_label,
    }


def year_json(year: ClosedYear) -> dict[str, object]:
    return {
        "year": year.year,
        "closed_at": year.closed_at.isoformat(),
        "closed_by": year.closed_by_label,
        "closing_entry_id": year.closing_entry_id,
        "result": f"{year.result:.2f}",
    }


@click.group("periods")
def periods_group() -> None:
    """Closing months and years of the books."""


@periods_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of lines.")
@with_appcontext
def list_command(as_json: bool) -> None:
    """The closed months and years, and the month that closes next."""
    session = db.new_session()
    try:
        months = [month_json(m) for m in ledger_queries.closed_months(session)]
        years = [year_json(y) for y in ledger_queries.closed_years(session)]
        following = periods.next_month_to_close(session)
    finally:
        session.close()
    next_month = periods.month_label(following) if following else None
    if as_json:
        click.echo(json.dumps({"months": months, "years": years, "next_month": next_month}, indent=2))
        return
    for month in months:
        click.echo(f"{month['month']}  closed {month['closed_at']} by {month['closed_by']}")
    for year in years:
        click.echo(
            f"{year['year']}     closed {year['closed_at']} by {year['closed_by']}, result {year['result']}"
        )
    click.echo(f"next month to close: {next_month or '-'}")


@periods_group.command("close")
@click.option("--month", "month_text", required=True, help="The month to close, as YYYY-MM.")
@click.option("--json", "as_json", is_flag=True, help="Print the closed month as JSON.")
@with_appcontext
def close_command(month_text: str, as_json: bool) -> None:
    """Close a month that has ended and whose close days have run: no entry may be dated in it any
    more (months close in order)."""
    try:
        with db.unit_of_work(db.new_session()) as session:
            month = periods.parse_month(month_text)
            closed = business_day.close_month(session, month, actor=ACTOR, today=clock.today())
            summary = month_json(closed)
    except BankError as error:
        refuse(error, OPTION_OF_FIELD)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    click.echo(f"{summary['month']} closed: no entry may be dated on or before {summary['last_day']}")


@periods_group.command("close-year")
@click.option("--year", required=True, type=int, help="The year to close (all its months closed).")
@click.option("--json", "as_json", is_flag=True, help="Print the closed year as JSON.")
@with_appcontext
def close_year_command(year: int, as_json: bool) -> None:
    """Close a year: its closing entry moves every income and expense balance to reserves (3200)."""
    try:
        with db.unit_of_work(db.new_session()) as session:
            closed = business_day.close_year(session, year, actor=ACTOR)
            summary = year_json(closed)
    except BankError as error:
        refuse(error, OPTION_OF_FIELD)
    if as_json:
        click.echo(json.dumps(summary, indent=2))
        return
    entry = (
        f"closing entry {summary['closing_entry_id']}" if summary["closing_entry_id"] else "no closing entry"
    )
    click.echo(f"{year} closed: result {summary['result']} to reserves 3200 ({entry})")


def register(cli: click.Group) -> None:
    cli.add_command(periods_group)
