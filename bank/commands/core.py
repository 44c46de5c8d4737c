"""``bank db``, ``bank demo``, ``bank users`` and ``bank ledger`` commands."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from bank import demo as demo_module
from bank import migrate
from bank.actor import ROLES, system
from bank.auth import service as auth_service
from bank.auth.models import User
from bank.errors import N_, BankError, ValidationError
from bank.extensions import db
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry, LedgerAccount


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic)."""


@db_group.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Upgrade the database schema to REVISION; data is kept."""
    migrate.upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database upgraded to {revision}")


@db_group.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Downgrade the database schema to REVISION (development only)."""
    migrate.downgrade(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database downgraded to {revision}")


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Only load when the database holds no members or entries yet.")
@with_appcontext
def demo(if_empty: bool) -> None:
    """Load the demo neighbourhood bank and print every demo log-in."""
    session = db.new_session()
    try:
        holds_data = bool(if_empty and session.scalar(select(func.count()).select_from(JournalEntry)))
        if not holds_data:
            with db.unit_of_work(session):
                demo_module.load(
                    session,
                    echo=click.echo,
                    statement_dir=current_app.config["STATEMENT_DIR"],
                    upload_dir=current_app.config["UPLOAD_DIR"],
                )
    finally:
        # Closed before the log-ins are read on a connection of their own: on SQLite every
        # transaction holds the write lock, and an open one here made that read wait for it.
        session.close()
    if holds_data:
        click.echo("database already holds data; demo not loaded")
    click.echo(demo_module.login_table())


@click.group("users")
def users_group() -> None:
    """Log-ins of staff and members."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@with_appcontext
def users_create(email: str, name: str, role: str, password: str) -> None:
    """Create a user with ROLE."""
    try:
        with db.unit_of_work(db.new_session()) as session:
            user = auth_service.create_user(
                session, email=email, name=name, role=role, password=password, actor=system("cli")
            )
    except BankError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(2)
    click.echo(f"user {user.email} created with role {user.role}")


@users_group.command("second-factor-link")
@click.argument("email")
@with_appcontext
def users_second_factor_link(email: str) -> None:
    """Print a single-use link with which the staff member EMAIL sets up their authenticator app."""
    from flask import url_for

    try:
        with db.unit_of_work(db.new_session()) as session:
            user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
            if user is None:
                raise ValidationError("email", N_("is not a known log-in"))
            token = auth_service.issue_enrolment_link(session, user, actor=system("cli"))
    except BankError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(2)
    base = str(current_app.config.get("EXTERNAL_URL") or "http://127.0.0.1:5000").rstrip("/")
    with current_app.test_request_context(base_url=base):
        path = url_for("auth.enrol_second_factor", token=token)
    hours = int(auth_service.ENROLMENT_VALID_FOR.total_seconds() // 3600)
    click.echo(f"set-up link for {user.email} (works once, for {hours} hours):")
    click.echo(base + path)


@click.group("ledger")
def ledger_group() -> None:
    """The general ledger."""


@ledger_group.command("verify")
@with_appcontext
def ledger_verify() -> None:
    """Recompute balances from postings and check every ledger invariant."""
    session = db.new_session()
    try:
        problems = ledger_queries.verify(session)
        entries = session.scalar(select(func.count()).select_from(JournalEntry)) or 0
        accounts = session.scalar(select(func.count()).select_from(LedgerAccount)) or 0
    finally:
        session.close()
    if problems:
        for problem in problems:
            click.echo(f"FAIL {problem}", err=True)
        click.echo(f"ledger verify: {len(problems)} problem(s)", err=True)
        sys.exit(1)
    click.echo(
        f"ledger verify: OK — {entries} entries, {accounts} accounts, trial balance zero, caches match"
    )


def register(cli: click.Group) -> None:
    for command in (db_group, demo, users_group, ledger_group):
        cli.add_command(command)
