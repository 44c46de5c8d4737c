"""``bank mandates list|add|revoke``: SEPA direct-debit mandates from the command line.

Each command is one unit of work committed at the end. A refusal exits with status 2 and one
line on stderr naming the option and the rule (``--iban is not a valid IBAN …``).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from bank import clock
from bank.actor import system
from bank.commands.refusals import date_or_today, refuse
from bank.errors import N_, BankError, ValidationError
from bank.extensions import db
from bank.members import queries as member_queries
from bank.payments import mandates as service
from bank.payments import queries
from bank.payments.models import Mandate, MandateStatus

#: Service field → the option that sets it.
OPTION_OF_FIELD = {
    "member": "--member",
    "reference": "--reference",
    "scheme": "--scheme",
    "signed_on": "--signed-on",
    "debtor_name": "--name",
    "iban": "--iban",
    "bic": "--bic",
    "creditor_id": "SEPA_CREDITOR_ID",
    "document": "--document",
    "reason": "--reason",
}


def _row(mandate: Mandate) -> dict[str, object]:
    return {
        "reference": mandate.reference,
        "member": mandate.member.number,
        "member_name": mandate.member.display_name,
        "scheme": mandate.scheme.value,
        "status": mandate.status.value,
        "signed_on": mandate.signed_on.isoformat(),
        "debtor_name": mandate.debtor_name,
        "iban": mandate.iban,
        "bic": mandate.bic,
        "creditor_id": mandate.creditor_id,
        "sequence": mandate.sequence.value,
        "last_collected_on": mandate.last_collected_on.isoformat() if mandate.last_collected_on else None,
        "revoked_on": mandate.revoked_on.isoformat() if mandate.revoked_on else None,
        "expired_on": mandate.expired_on.isoformat() if mandate.expired_on else None,
    }


@click.group("mandates")
def mandates_group() -> None:
    """SEPA direct-debit mandates."""


@mandates_group.command("list")
@click.option(
    "--status", type=click.Choice([s.value for s in MandateStatus]), help="Only mandates in this status."
)
@click.option("--member", "member_number", type=int, help="Only this member's mandates (member number).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def list_command(status: str | None, member_number: int | None, as_json: bool) -> None:
    """Every mandate, newest first: reference, member, scheme, status, IBAN."""
    session = db.new_session()
    try:
        rows: list[dict[str, object]] = []
        page = 1
        while True:
            result = queries.mandates_list(
                session,
                status=MandateStatus(status) if status else None,
                text=str(member_number) if member_number else "",
                page=page,
                per_page=500,
            )
            rows += [
                _row(m) for m in result.items if member_number is None or m.member.number == member_number
            ]
            if page >= result.pages:
                break
            page += 1
    finally:
        session.close()
    if as_json:
        click.echo(json.dumps({"mandates": rows}, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"{'Reference':<35} {'Member':>7} {'Scheme':<6} {'Status':<8} {'Signed on':<10} {'IBAN':<34} {'Name'}"
    )
    for row in rows:
        click.echo(
            f"{row['reference']!s:<35} {row['member']!s:>7} {row['scheme']!s:<6} {row['status']!s:<8}"
            f" {row['signed_on']!s:<10} {row['iban']!s:<34} {row['member_name']}"
        )
    click.echo(f"{len(rows)} mandate(s)")


@mandates_group.command("add")
@click.option("--member", "member_number", required=True, type=int, help="Member number.")
@click.option("--reference", required=True, help="Unique mandate reference (max 35, SEPA characters).")
@click.option("--iban", required=True, help="The debtor's IBAN.")
@click.option("--bic", default="", help="The debtor bank's BIC (default: from a Dutch IBAN).")
@click.option("--name", "debtor_name", help="Account holder as on the form (default: the member's name).")
@click.option("--scheme", type=click.Choice(["core", "b2b"]), default="core", show_default=True)
@click.option(
    "--signed-on", "signed_on", callback=date_or_today, help="Date signed (YYYY-MM-DD); today by default."
)
@click.option(
    "--document",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The signed mandate: a PDF, PNG or JPEG file.",
)
@with_appcontext
def add_command(
    member_number: int,
    reference: str,
    iban: str,
    bic: str,
    debtor_name: str | None,
    scheme: str,
    signed_on: dt.date,
    document: Path,
) -> None:
    """Register a member's signed mandate (for the bank's creditor identifier SEPA_CREDITOR_ID)."""
    try:
        with db.unit_of_work(db.new_session()) as session:
            member = member_queries.by_number(session, member_number)
            if member is None:
                raise ValidationError(
                    "member", N_("no member with number '%(number)s'"), number=member_number
                )
            mandate = service.register_mandate(
                session,
                member,
                actor=system("cli"),
                reference=reference,
                scheme=scheme,
                signed_on=signed_on,
                debtor_name=debtor_name if debtor_name is not None else member.full_name[:70],
                iban=iban,
                bic=bic,
                creditor_id=current_app.config["SEPA_CREDITOR_ID"],
                document=service.Upload(
                    document.name, document.read_bytes()[: service.attachments.MAX_BYTES + 1]
                ),
                upload_dir=current_app.config["UPLOAD_DIR"],
                today=clock.today(),
            )
            text = (
                f"mandate {mandate.reference} ({mandate.scheme.value}) registered for member {member.number}"
            )
    except BankError as error:
        refuse(error, OPTION_OF_FIELD)
    click.echo(text)


@mandates_group.command("revoke")
@click.argument("reference")
@click.option("--reason", required=True, help="Why the mandate ends (kept on the mandate).")
@click.option("--date", "on", callback=date_or_today, help="Date revoked (YYYY-MM-DD); today by default.")
@with_appcontext
def revoke_command(reference: str, reason: str, on: dt.date) -> None:
    """Revoke mandate REFERENCE; loans collected by it fall back to their repayment accounts."""
    try:
        with db.unit_of_work(db.new_session()) as session:
            mandate = queries.mandate_by_reference(session, reference)
            if mandate is None:
                raise ValidationError(
                    "reference", N_("no mandate with reference '%(reference)s'"), reference=reference
                )
            service.revoke_mandate(session, mandate, actor=system("cli"), on=on, reason=reason)
            loans = [loan.number for loan in queries.loans_of_mandate(session, mandate.id)]
    except BankError as error:
        refuse(error, OPTION_OF_FIELD)
    suffix = f"; loans {', '.join(loans)} are collected from their repayment accounts again" if loans else ""
    click.echo(f"mandate {reference} revoked on {on.isoformat()}{suffix}")


def register(cli: click.Group) -> None:
    cli.add_command(mandates_group)
