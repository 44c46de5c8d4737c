"""``bank payments``: the clearing bank's side of the bank from the command line.

``bank payments payouts [--date D]`` prepares the pain.001 of the payment orders waiting for a
date and prints where the stored file is.

``bank payments import-statement FILE [--json]`` books one (``bank.payments.statement_import``).
``bank payments read-statement FILE [--json]`` reads a CAMT.053/054 or MT940 statement file,
checks it and writes nothing: a file it can read exits 0 with every problem listed in words; a
file it cannot read exits 2 with the reason on stderr.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal

import click
from flask import current_app
from flask.cli import with_appcontext

from bank import clock
from bank.actor import system
from bank.commands.refusals import date_or_today, refuse
from bank.errors import BankError
from bank.extensions import db
from bank.payments import collections, payouts, statement_import, statement_reader
from bank.payments.batch_models import PaymentBatch
from bank.payments.payout_models import PayoutBatch, PayoutBatchState
from bank.payments.statement_reader import Entry, Statement, StatementFile, StatementUnreadable


@click.group("payments")
def payments_group() -> None:
    """Statements, collections and payouts through the clearing bank."""


def _amount(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def entry_json(entry: Entry) -> dict[str, object]:
    return {
        "amount": _amount(entry.amount),
        "booking_date": _date(entry.booking_date),
        "value_date": _date(entry.value_date),
        "end_to_end_id": entry.end_to_end_id,
        "mandate_id": entry.mandate_id,
        "return_reason": entry.return_reason,
        "counterparty_iban": entry.counterparty_iban,
        "counterparty_name": entry.counterparty_name,
        "remittance": entry.remittance,
        "reversal": entry.reversal,
    }


def statement_json(statement: Statement) -> dict[str, object]:
    return {
        "id": statement.id,
        "account_iban": statement.account_iban,
        "currency": statement.currency,
        "opening_balance": _amount(statement.opening_balance),
        "closing_balance": _amount(statement.closing_balance),
        "entries": [entry_json(entry) for entry in statement.entries],
        "problems": [str(problem) for problem in statement.problems],
    }


def file_json(read: StatementFile) -> dict[str, object]:
    return {"format": read.format, "statements": [statement_json(s) for s in read.statements]}


def _summary(read: StatementFile) -> list[str]:
    count = len(read.statements)
    lines = [f"{read.format}: {count} statement{'s' if count != 1 else ''}"]
    for statement in read.statements:
        money_in = sum((e.amount for e in statement.entries if e.amount > 0), Decimal("0.00"))
        money_out = sum((e.amount for e in statement.entries if e.amount < 0), Decimal("0.00"))
        sequence = f" (sequence {statement.sequence_number})" if statement.sequence_number else ""
        lines.append(
            f"statement {statement.id}{sequence} of {statement.account_iban or '?'} in "
            f"{statement.currency or '?'}: opening {_amount(statement.opening_balance) or '?'} on "
            f"{_date(statement.opening_date) or '?'}, closing {_amount(statement.closing_balance) or '?'} on "
            f"{_date(statement.closing_date) or '?'}; {statement.entry_count} entries, "
            f"in {money_in:.2f}, out {money_out:.2f}"
        )
        lines.extend(f"  problem: {problem}" for problem in statement.problems)
        if not statement.problems:
            lines.append("  no problems")
    return lines


@payments_group.command("read-statement")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print what was read as JSON.")
@with_appcontext
def read_statement(file: str, as_json: bool) -> None:
    """Read and check a CAMT.053/054 or MT940 FILE; writes nothing."""
    try:
        read = statement_reader.read(file, own_ibans=current_app.config["SETTLEMENT_IBANS"])
    except StatementUnreadable as error:
        click.echo(f"error: {file}: {error.message}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(file_json(read), indent=2, ensure_ascii=False))
    else:
        for line in _summary(read):
            click.echo(line)


@payments_group.command("collections")
@click.option("--date", "collection_on", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The collection date (YYYY-MM-DD), at least 14 days ahead.")  # fmt: skip
@click.option("--format", "version", type=click.Choice(collections.PAIN_VERSIONS),
              default=collections.PAIN_VERSION, show_default=True,
              help="The pain.008 message version the clearing bank asks for.")  # fmt: skip
@with_appcontext
def prepare_collections(collection_on: dt.datetime, version: str) -> None:
    """Prepare the collection batches (pain.008) of the instalments due on a date, by mandate.

    Each file is built, checked against its XSD and stored with its checksum in its batch; the
    borrowers are notified. Run again for the same date, it prepares nothing more and says so.
    """
    on = collection_on.date()
    creditor_settings = current_app.config
    try:
        with db.unit_of_work(db.new_session()) as session:
            creditor = collections.creditor_from_settings(creditor_settings)
            done = collections.prepare_collections(
                session,
                system("payments collections"),
                on,
                creditor=creditor,
                today=clock.today(),
                version=version,
            )
            lines = [_batch_line(batch) for batch in done.prepared]
            earlier = [_batch_line(batch) for batch in done.earlier]
            notified = done.notified
    except BankError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(2)
    if not lines:
        click.echo(
            f"nothing more to prepare for {on.isoformat()}: every instalment due by mandate is in a batch"
        )
    for line in lines:
        click.echo(f"prepared {line}")
    for line in earlier:
        click.echo(f"earlier  {line}")
    if lines:
        click.echo(f"{notified} pre-notifications queued in the outbox")


def _batch_line(batch: PaymentBatch) -> str:
    return (
        f"batch {batch.batch_id} (id {batch.id}, {batch.scheme.value}, {batch.pain_version}): "
        f"{batch.number_of_transactions} collections, {batch.control_sum:.2f} EUR, {batch.state.value}, "
        f"sha256 {batch.sha256}; stored in the database, download at /staff/collections/{batch.id}"
    )


@payments_group.command("payouts")
@click.option("--date", "execution_on", default=None, callback=date_or_today,
              help="The execution date (YYYY-MM-DD), today or later; today when left out.")  # fmt: skip
@click.option("--format", "version", type=click.Choice(payouts.PAIN_VERSIONS),
              default=payouts.PAIN_VERSION, show_default=True,
              help="The pain.001 message version the clearing bank asks for.")  # fmt: skip
@with_appcontext
def prepare_payouts(execution_on: dt.date, version: str) -> None:
    """Prepare the payout batch (pain.001) of the payment orders waiting for a date.

    The file is built, checked against its XSD and stored with its checksum in its batch. Above
    PAYMENTS_PAYOUT_FOUR_EYES_LIMIT a staff member releases it on the payouts page before it can
    be downloaded. Run again for the same date, it prepares nothing more and says so.
    """
    settings = current_app.config
    try:
        with db.unit_of_work(db.new_session()) as session:
            done = payouts.prepare_payouts(
                session,
                execution_on,
                system("payments payouts"),
                payer=payouts.payer_from_settings(settings),
                four_eyes_limit=payouts.four_eyes_limit_from_settings(settings),
                version=version,
                today=clock.today(),
            )
            line = _payout_line(done.batch) if done.batch is not None else None
            earlier = [_payout_line(batch) for batch in done.earlier]
    except BankError as error:
        refuse(error, {"execution_on": "--date"})
    if line is None:
        click.echo(f"nothing more to prepare for {execution_on.isoformat()}: no payment order is waiting")
    else:
        click.echo(f"prepared {line}")
    for text in earlier:
        click.echo(f"earlier  {text}")


def _payout_line(batch: PayoutBatch) -> str:
    prepared = batch.state is PayoutBatchState.PREPARED
    waiting = ", waits for release by a second staff member" if prepared else ""
    return (
        f"batch {batch.batch_id} (id {batch.id}, {batch.pain_version}): {batch.number_of_transactions} "
        f"transfers, {batch.control_sum:.2f} EUR, {batch.state.value}{waiting}, sha256 {batch.sha256}; "
        f"stored in the database, download at /staff/payouts/batches/{batch.id}"
    )


def import_json(result: statement_import.ImportResult) -> dict[str, object]:
    """What an import did, as the command prints it with ``--json``."""
    record = result.statement_import
    return {
        "import_id": record.id,
        "status": "already_imported" if result.already_imported else record.status.value,
        "refusal": None if result.refusal is None else str(result.refusal),
        "format": record.format,
        "sha256": record.sha256,
        "stored_at": str(result.stored_path),
        "statements": [
            {
                "id": s.statement_id,
                "account_iban": s.account_iban,
                "sequence_number": s.sequence_number,
                "opening_balance": _amount(s.opening_balance),
                "closing_balance": _amount(s.closing_balance),
                "closing_on": _date(s.closing_on),
            }
            for s in result.statements
        ],
        "lines": result.lines,
        "matched": result.matched,
        "suspense": result.suspense,
        "by_matcher": dict(sorted(result.by_matcher.items())),
        "amount_in": _amount(result.amount_in),
        "amount_out": _amount(result.amount_out),
        "suspense_amount": _amount(result.suspense_amount),
    }


def _import_lines(summary: dict[str, object]) -> list[str]:
    if summary["status"] == "already_imported":
        return [
            f"already imported as import {summary['import_id']} ({summary['lines']} lines); nothing booked",
            f"file kept at {summary['stored_at']}",
        ]
    lines = [f"import {summary['import_id']} ({summary['format']}): booked"]
    statements = summary["statements"]
    assert isinstance(statements, list)
    for statement in statements:
        lines.append(
            f"statement {statement['id']} (sequence {statement['sequence_number']}) of "
            f"{statement['account_iban']}: "
            f"opening {statement['opening_balance']}, closing {statement['closing_balance']} on "
            f"{statement['closing_on']}"
        )
    by_matcher = summary["by_matcher"]
    assert isinstance(by_matcher, dict)
    matchers = ", ".join(f"{name} {count}" for name, count in by_matcher.items())
    lines.append(
        f"{summary['lines']} lines: {summary['matched']} matched, {summary['suspense']} in suspense "
        f"(1095, {summary['suspense_amount']} EUR); by matcher: {matchers or 'none'}"
    )
    lines.append(f"in {summary['amount_in']} EUR, out {summary['amount_out']} EUR")
    lines.append(f"file kept at {summary['stored_at']}")
    return lines


@payments_group.command("import-statement")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print what was booked as JSON.")
@with_appcontext
def import_statement(file: str, as_json: bool) -> None:
    """Import a CAMT.053 or MT940 FILE: book and match every line, or refuse the file whole.

    The file is kept under UPLOAD_DIR. A refused file (its reason on stderr) books nothing and
    exits 2; the same file a second time books nothing more and says so.
    """
    try:
        with db.unit_of_work(db.new_session()) as session:
            result = statement_import.import_statement(
                session, file, actor=system("payments import-statement"), settings=current_app.config
            )
            summary = import_json(result)
    except BankError as error:
        click.echo(f"error: {file}: {error.message}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    if summary["refusal"] is not None:
        click.echo(f"error: {file}: refused: {summary['refusal']}", err=True)
        click.echo(f"file kept at {summary['stored_at']} (import {summary['import_id']}, refused)", err=True)
        sys.exit(2)
    if not as_json:
        for line in _import_lines(summary):
            click.echo(line)


def register(cli: click.Group) -> None:
    cli.add_command(payments_group)
