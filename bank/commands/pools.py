"""``bank pools``: investment pools from the command line (list, subscribe, withdraw, pay-due).

Each command is one unit of work committed at the end. A refusal exits with status 2 and one
line on stderr naming the option and the rule (``--amount must be at least 50.00 …``).
"""

from __future__ import annotations

import datetime as dt

import click
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from bank.actor import system
from bank.commands.refusals import date_or_today, refuse
from bank.errors import N_, BankError, ValidationError
from bank.extensions import db
from bank.members import queries as member_queries
from bank.members.models import Member
from bank.pools import queries, service
from bank.pools.models import Pool
from bank.savings import service as savings
from bank.savings.models import DepositAccount, DepositAccountStatus

#: Service field → the option that sets it.
OPTION_OF_FIELD = {
    "amount": "--amount",
    "pool": "--pool",
    "member": "--member",
    "deposit_account": "--account",
    "account": "--account",
    "form_key": "--key",
    "on": "--date",
    "payable_from": "--date",
}


def _pool(session: Session, code: str) -> Pool:
    pool = queries.pool_by_code(session, code)
    if pool is None:
        raise ValidationError("pool", N_("no pool with code '%(code)s'"), code=code)
    return pool


def _member(session: Session, number: str) -> Member:
    member = member_queries.by_number(session, int(number)) if number.strip().isdigit() else None
    if member is None:
        raise ValidationError("member", N_("no member with number '%(number)s'"), number=number)
    return member


def _account(session: Session, member: Member, number: str | None) -> DepositAccount:
    if number:
        return savings.lookup_account(session, number, field="account")
    accounts = list(
        session.scalars(
            select(DepositAccount).where(
                DepositAccount.member_id == member.id, DepositAccount.status == DepositAccountStatus.OPEN
            )
        )
    )
    if len(accounts) != 1:
        raise ValidationError(
            "account",
            N_("the member has %(count)s open accounts; name one with --account"),
            count=len(accounts),
        )
    return accounts[0]


@click.group("pools")
def pools_group() -> None:
    """Investment pools."""


@pools_group.command("list")
@with_appcontext
def list_command() -> None:
    """Every pool with its capital, commitments, queue and buffer."""
    session = db.new_session()
    try:
        summaries = queries.pool_summaries(session)
    finally:
        session.close()
    click.echo(
        f"{'Code':<20} {'Status':<7} {'Capital':>14} {'Committed':>14} {'Uncommitted':>14}"
        f" {'Members':>7} {'Waiting':>7} {'Waiting EUR':>12} {'Buffer left':>12} {'Loans':>5}"
    )
    for s in summaries:
        click.echo(
            f"{s.pool.code:<20} {s.pool.status.value:<7} {s.capital:>14,.2f} {s.committed:>14,.2f}"
            f" {s.uncommitted:>14,.2f} {s.participants_count:>7} {s.waiting_withdrawals_count:>7}"
            f" {s.waiting_withdrawals_amount:>12,.2f} {s.buffer_remaining:>12,.2f} {s.loans_funded_count:>5}"
        )
    click.echo(f"{len(summaries)} pool(s)")


@pools_group.command("subscribe")
@click.option("--pool", "pool_code", required=True, help="Pool code, e.g. GRONDFONDS.")
@click.option("--member", "member_number", required=True, help="Member number.")
@click.option("--amount", required=True, help="Amount, e.g. 250.00.")
@click.option("--key", required=True, help="Idempotency key: the same key again books nothing new.")
@click.option("--account", "account_number", help="Deposit account to pay from (default: the only open one).")
@click.option("--date", "on", callback=date_or_today, help="Value date (YYYY-MM-DD); today by default.")
@with_appcontext
def subscribe_command(
    pool_code: str, member_number: str, amount: str, key: str, account_number: str | None, on: dt.date
) -> None:
    """Put a member's savings into a pool."""
    try:
        with db.unit_of_work(db.new_session()) as session:
            pool = _pool(session, pool_code)
            member = _member(session, member_number)
            account = _account(session, member, account_number)
            participation = service.subscribe(
                session,
                pool=pool,
                member=member,
                deposit_account=account,
                amount=amount,
                key=key,
                actor=system("cli"),
                on=on,
            )
            balance = queries.participation_balance(session, participation)
            code = pool.code
    except BankError as error:
        refuse(error, OPTION_OF_FIELD)
    click.echo(f"member {member_number} now has {balance:,.2f} in pool {code}")


@pools_group.command("withdraw")
@click.option("--pool", "pool_code", required=True, help="Pool code.")
@click.option("--member", "member_number", required=True, help="Member number.")
@click.option("--amount", required=True, help="Amount to take out of the pool.")
@click.option("--key", required=True, help="Idempotency key.")
@click.option("--date", "on", callback=date_or_today, help="Request date (YYYY-MM-DD); today by default.")
@with_appcontext
def withdraw_command(pool_code: str, member_number: str, amount: str, key: str, on: dt.date) -> None:
    """Ask to withdraw from a pool; paid after the notice period, first come first served."""
    try:
        with db.unit_of_work(db.new_session()) as session:
            pool = _pool(session, pool_code)
            member = _member(session, member_number)
            participation = service.find_participation(session, pool, member)
            if participation is None:
                raise ValidationError("member", N_("has no participation in pool %(code)s"), code=pool.code)
            request = service.request_withdrawal(
                session, participation=participation, amount=amount, key=key, actor=system("cli"), on=on
            )
            text = (
                f"withdrawal request {request.id} of {request.amount:,.2f} from pool {pool.code}"
                f" payable from {request.payable_from.isoformat()}"
            )
    except BankError as error:
        refuse(error, OPTION_OF_FIELD)
    click.echo(text)


@pools_group.command("pay-due")
@click.option("--date", "on", callback=date_or_today, help="Business date (YYYY-MM-DD); today by default.")
@with_appcontext
def pay_due_command(on: dt.date) -> None:
    """Pay the due withdrawal requests of every pool while its uncommitted capital lasts."""
    try:
        with db.unit_of_work(db.new_session()) as session:
            outcome = service.pay_due_withdrawals(session, on, actor=system("pool-withdrawals"))
    except BankError as error:
        refuse(error, OPTION_OF_FIELD)
    click.echo(
        f"{outcome.paid_count} withdrawal(s) paid ({outcome.paid_amount:,.2f}),"
        f" {outcome.waiting_count} due request(s) still waiting on {on.isoformat()}"
    )


def register(cli: click.Group) -> None:
    cli.add_command(pools_group)
