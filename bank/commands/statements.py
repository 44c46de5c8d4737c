"""``bank statements``: produce the stored monthly statements, or one statement as a PDF file."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bank import audit, clock
from bank.actor import system
from bank.errors import BankError
from bank.extensions import db
from bank.savings import service as savings
from bank.statements import builder
from bank.statements import service as statements

#: Accounts per transaction: a crash loses at most one batch, which the next run redoes.
BATCH = 200


@click.group("statements")
def statements_group() -> None:
    """Member statements (rekeningafschriften)."""


@statements_group.command("monthly")
@click.option("--month", required=True, help="The month to produce, e.g. 2026-10 (it must have ended).")
@with_appcontext
def monthly(month: str) -> None:
    """Store MONTH's statement of every account with movements (once: a re-run adds only what is missing)."""
    actor = system("statements")
    try:
        month_start, month_end = statements.parse_month(month)
        statements.check_month_end(month_end, clock.today())
        session = db.new_session()
        try:
            account_ids = statements.accounts_with_movements(session, month_start, month_end)
            session.rollback()
        finally:
            session.close()
        created = 0
        directory = current_app.config["STATEMENT_DIR"]
        batches = [account_ids[i : i + BATCH] for i in range(0, len(account_ids), BATCH)]
        with click.progressbar(
            length=len(account_ids), label=f"statements {month_start:%Y-%m}", file=sys.stderr
        ) as bar:
            for batch in batches:
                with db.unit_of_work(db.new_session()) as batch_session:
                    created += statements.produce_for_accounts(
                        batch_session, batch, month_end, actor=actor, statement_dir=directory
                    )
                bar.update(len(batch))
        with db.unit_of_work(db.new_session()) as final:
            audit.record(
                final,
                actor,
                "statements.monthly",
                "statement_month",
                f"{month_start:%Y-%m}",
                after={"accounts": len(account_ids), "created": created},
            )
    except BankError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(2)
    click.echo(
        f"statements {month_start:%Y-%m}: {len(account_ids)} accounts with movements, "
        f"{created} produced, {len(account_ids) - created} already stored (in {directory})"
    )


@statements_group.command("account")
@click.option("--account", "account_number", required=True, help="Account number, e.g. 1000 0001 61.")
@click.option("--from", "date_from", required=True, help="First day, e.g. 2026-10-01.")
@click.option("--to", "date_to", required=True, help="Last day, e.g. 2026-10-31.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False), help="PDF file to write.")
@click.option("--language", type=click.Choice(["nl", "en"]), default=None, help="Default: the member's.")
@with_appcontext
def account_statement(
    account_number: str, date_from: str, date_to: str, out_path: str, language: str | None
) -> None:
    """Write the statement of one account for any past period to a PDF file (not stored)."""
    session = db.new_session()
    try:
        account = savings.lookup_account(session, account_number, field="account")
        start = builder.parse_date(date_from, field="from")
        end = builder.parse_date(date_to, field="to")
        builder.check_period(start, end)
        assert start is not None and end is not None
        content = statements.account_statement_pdf(session, account, start, end, language=language)
    except BankError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(2)
    finally:
        session.close()
    Path(out_path).write_bytes(content)
    click.echo(f"{out_path}: statement of {account.formatted_number}, {start} – {end} ({len(content)} bytes)")


def register(cli: click.Group) -> None:
    cli.add_command(statements_group)
