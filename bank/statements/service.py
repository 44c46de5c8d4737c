"""Producing and storing statements (L3): month-end statements once, on-demand ones any time.

A monthly statement is produced for every deposit account with movements in the month, stored
once and never again: the PDF file goes under ``statement_dir`` (the caller passes
``Config.STATEMENT_DIR``), read-only, named after its own sha256; the database row holds the
checksum, size and the balances printed on it. Reading a stored statement back verifies the
checksum, so a changed file is refused rather than shown as the bank's word.

Why files and not database blobs: a month of statements for 100 000 accounts is a few hundred
megabytes of write-once bytes; kept out of the system of record they do not slow its backups,
replicas and vacuums. The row is the source of truth for *which* statement exists; the file
name carries the checksum, so a file left behind by a rolled-back transaction can never be
mistaken for another statement (the next run writes identical bytes: rendering is deterministic).

Public API for the portal, staff pages, the command and the scheduler's month-end job:

* :func:`produce_monthly_statements` (session, month_end, actor=, statement_dir=) -> :class:`MonthlyRun`
* :func:`accounts_with_movements` + :func:`produce_for_accounts`: the same in batches (commit per batch)
* :func:`month_end_job` (session, business_date, actor=, statement_dir=): the scheduler's hook; does
  the work only when ``business_date`` is the last day of a month
* :func:`stored_statements_for` (session, account), :func:`stored_statements_for_member` (session, member_id)
* :func:`read_stored_statement` (statement, statement_dir) -> bytes (checksum verified)
* :func:`account_statement_pdf` / :func:`loan_statement_pdf` / :func:`annual_statement_pdf`: on demand
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.orm import Session, joinedload

from bank import audit, clock
from bank.actor import Actor
from bank.errors import N_, BankError, ValidationError
from bank.ledger.models import Posting
from bank.loans.models import Loan
from bank.members.models import Member
from bank.savings.models import DepositAccount
from bank.statements import builder, pdf
from bank.statements.models import StatementKind, StoredStatement

#: Accounts are handled in chunks of this size (bind-parameter limits, memory).
_CHUNK = 500


class StatementDamaged(BankError):
    """A stored statement's file is missing or no longer matches its checksum."""

    code = "statement_damaged"
    http_status = 500


@dataclass(frozen=True)
class MonthlyRun:
    month_start: dt.date
    month_end: dt.date
    #: Accounts with movements in the month.
    accounts: int
    #: Statements produced and stored by this call.
    created: int
    #: Statements that were already stored (a second run produces nothing).
    already_stored: int


def parse_month(text: str, *, field: str = "month") -> tuple[dt.date, dt.date]:
    """``2026-10`` -> (2026-10-01, 2026-10-31); anything else names the field."""
    try:
        year_text, month_text = (text or "").strip().split("-")
        start = dt.date(int(year_text), int(month_text), 1)
    except ValueError:
        raise ValidationError(field, N_("must be a month like 2026-10")) from None
    return start, month_end_of(start)


def month_end_of(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def check_month_end(month_end: dt.date, today: dt.date) -> dt.date:
    if month_end != month_end_of(month_end):
        raise ValidationError(
            "month_end", N_("must be the last day of a month, not %(month_end)s"), month_end=month_end
        )
    if month_end > today:
        raise ValidationError(
            "month",
            N_("must have ended: the month ends on %(month_end)s, today is %(today)s"),
            month_end=month_end,
            today=today,
        )
    return month_end.replace(day=1)


def accounts_with_movements(session: Session, date_from: dt.date, date_to: dt.date) -> list[int]:
    """Ids of deposit accounts with at least one posting in the period (index probe per account)."""
    moved = (
        select(Posting.id)
        .where(
            Posting.account_id == DepositAccount.ledger_account_id,
            Posting.value_date >= date_from,
            Posting.value_date <= date_to,
        )
        .exists()
    )
    return list(session.scalars(select(DepositAccount.id).where(moved).order_by(DepositAccount.id)))


def produce_monthly_statements(
    session: Session,
    month_end: dt.date,
    *,
    actor: Actor,
    statement_dir: str | os.PathLike[str],
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MonthlyRun:
    """Produce and store the month's statement of every account with movements; idempotent.

    Safe to run again (or after a crash halfway): accounts whose statement is stored are
    skipped, so each statement is produced once. The caller commits (in batches if it wants:
    :func:`accounts_with_movements` and :func:`produce_for_accounts` are the pieces).
    """
    today = today or clock.today()
    month_start = check_month_end(month_end, today)
    account_ids = accounts_with_movements(session, month_start, month_end)
    created = 0
    for start in range(0, len(account_ids), _CHUNK):
        chunk = account_ids[start : start + _CHUNK]
        created += produce_for_accounts(
            session, chunk, month_end, actor=actor, statement_dir=statement_dir, today=today
        )
        if progress is not None:
            progress(min(start + _CHUNK, len(account_ids)), len(account_ids))
    run = MonthlyRun(month_start, month_end, len(account_ids), created, len(account_ids) - created)
    if created:
        audit.record(
            session,
            actor,
            "statements.monthly",
            "statement_month",
            f"{month_start:%Y-%m}",
            after={"accounts": run.accounts, "created": run.created, "already_stored": run.already_stored},
        )
    return run


def produce_for_accounts(
    session: Session,
    account_ids: list[int],
    month_end: dt.date,
    *,
    actor: Actor,
    statement_dir: str | os.PathLike[str],
    today: dt.date | None = None,
) -> int:
    """Store the month's statement of each given account that has none yet; returns how many.

    The batch step of :func:`produce_monthly_statements`: a job that commits per batch calls
    :func:`accounts_with_movements` once and this per batch (three queries per batch plus the
    statement's own).
    """
    today = today or clock.today()
    month_start = check_month_end(month_end, today)
    created = 0
    for start in range(0, len(account_ids), _CHUNK):
        chunk = account_ids[start : start + _CHUNK]
        stored = set(
            session.scalars(
                select(StoredStatement.deposit_account_id).where(
                    StoredStatement.deposit_account_id.in_(chunk),
                    StoredStatement.kind == StatementKind.ACCOUNT_MONTHLY,
                    StoredStatement.period_start == month_start,
                )
            )
        )
        accounts = session.scalars(
            select(DepositAccount)
            .options(joinedload(DepositAccount.member), joinedload(DepositAccount.product))
            .where(DepositAccount.id.in_([i for i in chunk if i not in stored]))
            .order_by(DepositAccount.id)
        ).all()
        labels: dict[tuple[int, str], str] = {}  # counterparty names shared by the batch
        # The rows are written when the caller flushes or commits, all at once: reading and
        # rendering do not hold SQLite's write lock (a job reads in a deferred transaction).
        with session.no_autoflush:
            for account in accounts:
                _store(
                    session,
                    account,
                    month_start,
                    month_end,
                    actor=actor,
                    statement_dir=statement_dir,
                    today=today,
                    label_cache=labels,
                    flush=False,
                )
                created += 1
    return created


def month_end_job(
    session: Session,
    business_date: dt.date,
    *,
    actor: Actor,
    statement_dir: str | os.PathLike[str],
) -> MonthlyRun | None:
    """The scheduler's hook for close-of-day: on the last day of a month, produce its statements.

    Also catches up: run for any business date, it produces the statements of the month that
    ended most recently on or before that date (a missed month end is done the next day).
    """
    if business_date == month_end_of(business_date):
        month_end = business_date
    else:
        month_end = business_date.replace(day=1) - dt.timedelta(days=1)
    return produce_monthly_statements(
        session, month_end, actor=actor, statement_dir=statement_dir, today=max(business_date, month_end)
    )


def store_monthly_statement(
    session: Session,
    account: DepositAccount,
    month_end: dt.date,
    *,
    actor: Actor,
    statement_dir: str | os.PathLike[str],
    today: dt.date | None = None,
) -> tuple[StoredStatement, bool]:
    """The stored statement of one account for one month: (statement, created now?)."""
    today = today or clock.today()
    month_start = check_month_end(month_end, today)
    existing = session.scalar(
        select(StoredStatement).where(
            StoredStatement.deposit_account_id == account.id,
            StoredStatement.kind == StatementKind.ACCOUNT_MONTHLY,
            StoredStatement.period_start == month_start,
        )
    )
    if existing is not None:
        return existing, False
    return _store(
        session, account, month_start, month_end, actor=actor, statement_dir=statement_dir, today=today
    ), True


def _store(
    session: Session,
    account: DepositAccount,
    month_start: dt.date,
    month_end: dt.date,
    *,
    actor: Actor,
    statement_dir: str | os.PathLike[str],
    today: dt.date,
    label_cache: dict[tuple[int, str], str] | None = None,
    flush: bool = True,
) -> StoredStatement:
    view = builder.account_statement(
        session, account, month_start, month_end, today=today, label_cache=label_cache
    )
    content = pdf.render_account_statement(view)
    checksum = hashlib.sha256(content).hexdigest()
    relative = f"{month_start:%Y-%m}/{account.number}-{checksum[:20]}.pdf"
    path = Path(statement_dir) / relative
    if _write_once(path, content, checksum):
        session.info.setdefault(_UNCOMMITTED_FILES, []).append(path)
    statement = StoredStatement(
        kind=StatementKind.ACCOUNT_MONTHLY,
        member_id=account.member_id,
        deposit_account_id=account.id,
        period_start=month_start,
        period_end=month_end,
        language=view.language,
        relative_path=relative,
        sha256=checksum,
        size_bytes=len(content),
        opening_balance=view.opening_balance,
        closing_balance=view.closing_balance,
        line_count=len(view.lines),
        produced_by=actor.label,
    )
    session.add(statement)
    if flush:
        session.flush()
    return statement


#: ``Session.info`` key: statement files written in the session's open transaction. They are
#: kept when it commits and removed when it rolls back, so a batch that dies before its commit
#: (a database outage, a kill of the connection) leaves no PDF without its statement row.
_UNCOMMITTED_FILES = "bank.statements.uncommitted_files"


def _keep_committed_files(session: Session) -> None:
    session.info.pop(_UNCOMMITTED_FILES, None)


def _drop_files_of_rollback(session: Session) -> None:
    discard_uncommitted_files(session)


def install_session_listeners() -> None:
    """Keep a committed transaction's statement files and remove a rolled-back one's (idempotent).

    Listeners on every ``Session``, installed by the app factory (``_register_session_listeners``),
    which the web, the CLI, the scheduler, the demo and the tests go through; importing this
    module installs nothing.
    """
    if not event.contains(Session, "after_commit", _keep_committed_files):
        event.listen(Session, "after_commit", _keep_committed_files)
    if not event.contains(Session, "after_rollback", _drop_files_of_rollback):
        event.listen(Session, "after_rollback", _drop_files_of_rollback)


def session_listeners_installed() -> bool:
    """Whether :func:`install_session_listeners` has run in this process."""
    return event.contains(Session, "after_commit", _keep_committed_files) and event.contains(
        Session, "after_rollback", _drop_files_of_rollback
    )


def discard_uncommitted_files(session: Session) -> int:
    """Remove the statement files the session's unfinished transaction wrote; returns how many.

    Called on rollback, and by a job whose batch failed (its rollback may not reach the
    database when the connection is gone, so it asks explicitly too).
    """
    removed = 0
    for path in session.info.pop(_UNCOMMITTED_FILES, []):
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def _write_once(path: Path, content: bytes, checksum: str) -> bool:
    """Write the file atomically and read-only; an existing file must hold the same bytes.

    Returns True when this call created the file (False when it was there already).
    """
    if path.exists():
        if hashlib.sha256(path.read_bytes()).hexdigest() != checksum:
            raise StatementDamaged(f"{path.name} exists with other content; refusing to overwrite it")
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".pdf")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o444)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def read_stored_statement(statement: StoredStatement, statement_dir: str | os.PathLike[str]) -> bytes:
    """The stored PDF's bytes, after checking them against the checksum in the database."""
    path = Path(statement_dir) / statement.relative_path
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise StatementDamaged(f"statement {statement.id}: its file is missing") from None
    if len(content) != statement.size_bytes or hashlib.sha256(content).hexdigest() != statement.sha256:
        raise StatementDamaged(f"statement {statement.id}: the file does not match its checksum")
    return content


def stored_statements_for(session: Session, account: DepositAccount) -> list[StoredStatement]:
    """An account's stored statements, newest month first."""
    return list(
        session.scalars(
            select(StoredStatement)
            .where(StoredStatement.deposit_account_id == account.id)
            .order_by(StoredStatement.period_start.desc(), StoredStatement.id.desc())
        )
    )


def stored_statements_for_member(session: Session, member_id: int) -> list[StoredStatement]:
    """All stored statements of a member's accounts, newest month first (one query)."""
    return list(
        session.scalars(
            select(StoredStatement)
            .options(joinedload(StoredStatement.deposit_account))
            .where(StoredStatement.member_id == member_id)
            .order_by(StoredStatement.period_start.desc(), StoredStatement.deposit_account_id)
        )
    )


def stored_statement_of_member(session: Session, member_id: int, statement_id: int) -> StoredStatement | None:
    """A stored statement looked up through its member (None when it is someone else's)."""
    return session.scalar(
        select(StoredStatement).where(
            StoredStatement.id == statement_id, StoredStatement.member_id == member_id
        )
    )


# ---------------------------------------------------------------------------------------------
# On demand (not stored): any period, any loan, any year


def account_statement_pdf(
    session: Session,
    account: DepositAccount,
    date_from: dt.date,
    date_to: dt.date,
    *,
    language: str | None = None,
) -> bytes:
    """An account statement for any past period; bad periods raise ValidationError naming the field."""
    return pdf.render_account_statement(
        builder.account_statement(session, account, date_from, date_to, language=language)
    )


def loan_statement_pdf(session: Session, loan: Loan, as_of: dt.date, *, language: str | None = None) -> bytes:
    return pdf.render_loan_statement(builder.loan_statement(session, loan, as_of, language=language))


def annual_statement_pdf(
    session: Session, member: Member, year: int, *, language: str | None = None
) -> bytes:
    return pdf.render_annual_statement(builder.annual_statement(session, member, year, language=language))
