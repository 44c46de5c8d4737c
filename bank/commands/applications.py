"""``bank applications``: operator commands for loan applications (the scheduler calls the same function)."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from flask.cli import with_appcontext

from bank import clock
from bank.actor import system
from bank.applications import service as applications
from bank.extensions import db
from bank.notifications import service as notifications


@click.group("applications")
def applications_group() -> None:
    """Loan applications."""


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> dt.date:
    if value is None:
        return clock.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date as YYYY-MM-DD") from None


@applications_group.command("expire-offers")
@click.option("--date", "on", callback=_date, help="Business date (YYYY-MM-DD); today by default.")
@with_appcontext
def expire_offers(on: dt.date) -> None:
    """Expire approved offers not disbursed within 90 days; safe to run again for the same date."""
    with db.unit_of_work(db.new_session()) as session:
        expired = applications.expire_offers(session, on, actor=system("expire-offers"))
    for number in expired:
        click.echo(f"expired {number}")
    click.echo(f"{len(expired)} offer(s) expired on {on.isoformat()}")
    deliver_mail()


def deliver_mail() -> None:
    """Send the queued outbox by SMTP when MAIL_SMTP_HOST is configured; otherwise it stays in the outbox."""
    host = current_app.config.get("MAIL_SMTP_HOST")
    if not host:
        return
    with db.unit_of_work(db.new_session()) as session:
        notifications.deliver_pending(
            session,
            smtp_host=host,
            sender=current_app.config["MAIL_FROM"],
            smtp_port=int(current_app.config.get("MAIL_SMTP_PORT", 25)),
        )


def register(cli: click.Group) -> None:
    cli.add_command(applications_group)
