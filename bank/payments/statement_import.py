"""Importing the clearing bank's statements: check everything, then book every line (issue 14).

:func:`import_statement` keeps the file under ``UPLOAD_DIR`` and reads it with
:mod:`bank.payments.statement_reader`. A first pass writes nothing and checks the whole file:
what the reader finds wrong (balances that do not add up, a currency other than EUR, an account
that is not one of the bank's ``SETTLEMENT_IBANS``), a statement booked before, and each
account's series: a statement carries the sequence number after the last one booked and opens
with that one's closing balance. One broken rule refuses the file: the import is recorded as
refused with the rule in words (and the difference, where there is one) and nothing is booked.
The same file a second time (its SHA-256) books nothing more and says it was imported already.

The second pass books every line through the ledger with ``post_many``, a batch at a time, each
line as the first matcher of :data:`bank.payments.matching.MATCHERS` decides, under the key
``statement:{statement}:{line}`` (a collection under its own ``collection-settle:{e2e}``, which
the batch path uses too, so the two never book the same money twice).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import secrets
import shutil
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.db import table_of
from bank.errors import N_, BankError, Message, PermissionDenied
from bank.ledger import chart
from bank.ledger.models import JournalEntry
from bank.ledger.queries import first_open_day, open_value_date
from bank.ledger.service import EntryRequest, account_by_code, post_many
from bank.money import ZERO
from bank.payments import matching, statement_reader
from bank.payments.statement_models import (
    BankStatement,
    BankStatementLine,
    ImportStatus,
    LineStatus,
    StatementImport,
    encode_params,
)
from bank.payments.statement_reader import Entry, Statement, StatementUnreadable

#: Who may import a statement (it books money in and out of the settlement account).
IMPORT_ROLES = ("admin", "teller", "credit_officer")
#: Lines posted per ``post_many`` call.
BATCH_LINES = 5000
#: Where under ``UPLOAD_DIR`` the statement files are kept.
STATEMENT_FOLDER = "statements"
_SEQUENCE = re.compile(r"\s*0*([0-9]{1,9})\s*(?:/.*)?")


class StatementRefused(BankError):
    """The file breaks a rule of the import; nothing of it is booked."""

    code = "statement_refused"
    http_status = 422


@dataclass
class ImportResult:
    """What one import did: the import row, and what was booked, matched and left in suspense."""

    statement_import: StatementImport
    #: Where the file is kept.
    stored_path: Path
    already_imported: bool = False
    refusal: Message | None = None
    statements: list[BankStatement] = field(default_factory=list)
    lines: int = 0
    #: Entries posted by this import (a collection the batch path booked earlier is not one).
    posted: int = 0
    #: Lines per matcher (``collection``, ``reference``, ``member_iban``, ``suspense``, …).
    by_matcher: Counter[str] = field(default_factory=Counter)
    amount_in: Decimal = ZERO
    amount_out: Decimal = ZERO
    suspense_amount: Decimal = ZERO

    @property
    def refused(self) -> bool:
        return self.refusal is not None

    @property
    def matched(self) -> int:
        return self.lines - self.by_matcher.get("suspense", 0)

    @property
    def suspense(self) -> int:
        return self.by_matcher.get("suspense", 0)


@dataclass(frozen=True)
class _Planned:
    """A statement that passed every check, with the values its row gets."""

    statement: Statement
    iban: str
    sequence: int
    closing_on: dt.date


def import_statement(
    session: Session,
    path: str | os.PathLike[str],
    *,
    actor: Actor,
    settings: Mapping[str, object],
    original_name: str | None = None,
) -> ImportResult:
    """Import the statement file at ``path``: refuse it whole, or book every line of it.

    ``settings`` gives ``SETTLEMENT_IBANS`` (the bank's own accounts) and ``UPLOAD_DIR``. A
    refusal is returned (``ImportResult.refusal``), recorded on the import, not raised, so the
    caller commits the record of it; nothing of a refused file touches the ledger.
    """
    if not actor.has_role(*IMPORT_ROLES):
        raise PermissionDenied(N_("only staff of the back office may import a bank statement"))
    source = Path(path)
    digest, size = _sha256(source)
    folder = Path(str(settings["UPLOAD_DIR"])) / STATEMENT_FOLDER
    existing = session.scalar(select(StatementImport).where(StatementImport.sha256 == digest))
    if existing is not None and existing.status is ImportStatus.BOOKED:
        return ImportResult(
            existing,
            folder / existing.stored_name,
            already_imported=True,
            statements=list(existing.statements),
            lines=existing.line_count,
        )
    stored_name = existing.stored_name if existing is not None else _store(source, folder)
    record = existing or StatementImport(sha256=digest, stored_name=stored_name)
    record.original_name = (original_name or source.name)[:255]
    record.size_bytes = size
    record.imported_at = clock.now_utc()
    record.imported_by_id = actor.user_id
    record.imported_by_label = actor.label
    own_ibans = own_accounts(settings)
    try:
        read = statement_reader.read(source, own_ibans=own_ibans)
        record.format = read.format
        planned = _check(session, read)
    except (StatementUnreadable, StatementRefused) as error:
        return _refuse(session, record, error, actor, folder / stored_name)
    record.status = ImportStatus.BOOKED
    record.refusal = record.refusal_template = ""
    record.refusal_params = {}
    session.add(record)
    session.flush()
    result = ImportResult(record, folder / stored_name)
    _book(session, record, planned, actor, result)
    record.line_count = result.lines
    record.matched_count = result.matched
    record.suspense_count = result.suspense
    session.flush()
    audit.record(
        session,
        actor,
        "statements.import",
        "statement_import",
        record.id,
        after={
            "sha256": digest,
            "format": record.format,
            "statements": [
                f"{s.account_iban} {s.statement_id} #{s.sequence_number}" for s in result.statements
            ],
            "lines": result.lines,
            "matched": result.matched,
            "suspense": result.suspense,
            "in": result.amount_in,
            "out": result.amount_out,
        },
        detail=record.original_name,
    )
    return result


def own_accounts(settings: Mapping[str, object]) -> tuple[str, ...]:
    """The bank's own accounts at its clearing bank (``SETTLEMENT_IBANS``), compact."""
    ibans = settings.get("SETTLEMENT_IBANS") or ()
    if isinstance(ibans, str):
        ibans = ibans.split(",")
    if not isinstance(ibans, tuple | list):
        return ()
    return tuple("".join(str(iban).split()).upper() for iban in ibans if str(iban).strip())


def _sha256(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
    except OSError as error:
        raise StatementUnreadable(N_("the file cannot be read: %(reason)s"), reason=error.strerror) from None
    return digest.hexdigest(), size


def _store(source: Path, folder: Path) -> str:
    """Copy the file under a new random name of ours in ``folder`` (created exclusively, 0600)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stored_name = secrets.token_hex(16)
    descriptor = os.open(folder / stored_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as target, source.open("rb") as handle:
        shutil.copyfileobj(handle, target, 1 << 20)
    return stored_name


def stored_file(statement_import: StatementImport, upload_dir: str | Path) -> Path:
    """Where the import's file is kept (the stored name is ours: 32 hex characters)."""
    if not re.fullmatch(r"[0-9a-f]{32}", statement_import.stored_name):
        raise StatementRefused(N_("stored name is not one of ours"))
    return Path(upload_dir) / STATEMENT_FOLDER / statement_import.stored_name


def _refuse(
    session: Session, record: StatementImport, error: BankError, actor: Actor, stored: Path
) -> ImportResult:
    record.status = ImportStatus.REFUSED
    record.refusal = str(error.message)
    record.refusal_template = error.message.template
    record.refusal_params = encode_params(error.message.params)
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor,
        "statements.refuse",
        "statement_import",
        record.id,
        after={"sha256": record.sha256, "format": record.format, "refusal": record.refusal},
        detail=record.original_name,
    )
    return ImportResult(record, stored, refusal=error.message)


# --- the first pass: check everything, write nothing --------------------------------------------


def sequence_of(text: str | None) -> int | None:
    """The number of a sequence as a statement writes it (``236``, MT940 ``236/1`` → 236)."""
    match = _SEQUENCE.fullmatch(text or "")
    return int(match.group(1)) if match else None


def _check(session: Session, read: statement_reader.StatementFile) -> list[_Planned]:
    if not read.statements:
        raise StatementRefused(N_("the file holds no statement"))
    planned: list[_Planned] = []
    #: The last statement of each account, booked or earlier in this file: (sequence, closing, id).
    last: dict[str, tuple[int, Decimal, str]] = {}
    for statement in read.statements:
        name = statement.id or "?"
        if statement.problems:
            # The reader's own words (they name the account, currency or difference).
            problem = statement.problems[0]
            raise StatementRefused(problem)
        iban = statement.account_iban
        opening, closing = statement.opening_balance, statement.closing_balance
        if iban is None or opening is None or closing is None:
            raise StatementRefused(
                N_(
                    "statement %(statement)s has no opening or closing balance; only a day statement "
                    "(CAMT.053 or MT940) is booked"
                ),
                statement=name,
            )
        sequence = sequence_of(statement.sequence_number)
        if sequence is None:
            raise StatementRefused(
                N_(
                    "statement %(statement)s carries no sequence number (ElctrncSeqNb or :28C:), so its "
                    "place in the series of %(iban)s cannot be checked"
                ),
                statement=name,
                iban=iban,
            )
        booked = session.scalar(
            select(BankStatement).where(
                BankStatement.account_iban == iban,
                BankStatement.statement_id == statement.id,
                BankStatement.sequence_number == (statement.sequence_number or ""),
            )
        )
        if booked is not None or any(
            p.iban == iban and p.statement.id == statement.id and p.sequence == sequence for p in planned
        ):
            raise StatementRefused(
                N_("statement %(statement)s (sequence %(sequence)s) of %(iban)s is already booked"),
                statement=name,
                sequence=sequence,
                iban=iban,
            )
        if iban not in last:
            previous = session.scalar(
                select(BankStatement)
                .where(BankStatement.account_iban == iban)
                .order_by(BankStatement.sequence.desc(), BankStatement.id.desc())
                .limit(1)
            )
            if previous is not None and previous.sequence is not None:
                last[iban] = (previous.sequence, previous.closing_balance, previous.statement_id)
        if iban in last:
            last_sequence, last_closing, last_id = last[iban]
            if sequence != last_sequence + 1:
                raise StatementRefused(
                    N_(
                        "statement %(statement)s of %(iban)s has sequence number %(sequence)s, but the next "
                        "one is %(expected)s (the last booked is %(last)s, number %(last_sequence)s)"
                    ),
                    statement=name,
                    iban=iban,
                    sequence=sequence,
                    expected=last_sequence + 1,
                    last=last_id,
                    last_sequence=last_sequence,
                )
            if opening != last_closing:
                raise StatementRefused(
                    N_(
                        "statement %(statement)s of %(iban)s opens with %(opening)s, but the statement "
                        "before it (%(last)s) closed with %(closing)s: a difference of %(difference)s"
                    ),
                    statement=name,
                    iban=iban,
                    opening=opening,
                    last=last_id,
                    closing=last_closing,
                    difference=opening - last_closing,
                )
        closing_on = statement.closing_date or _last_booking_date(statement.entries) or statement.opening_date
        if closing_on is None:
            raise StatementRefused(
                N_("statement %(statement)s names no date for its closing balance"), statement=name
            )
        last[iban] = (sequence, closing, statement.id)
        planned.append(_Planned(statement, iban, sequence, closing_on))
    return planned


def _last_booking_date(entries: Sequence[Entry]) -> dt.date | None:
    dates = [e.booking_date for e in entries if e.booking_date is not None]
    return max(dates) if dates else None


# --- the second pass: book ----------------------------------------------------------------------


def _book(
    session: Session, record: StatementImport, planned: list[_Planned], actor: Actor, result: ImportResult
) -> None:
    rows: list[BankStatement] = []
    for plan in planned:
        statement = plan.statement
        row = BankStatement(
            import_id=record.id,
            account_iban=plan.iban,
            statement_id=statement.id,
            sequence_number=statement.sequence_number or "",
            sequence=plan.sequence,
            opening_balance=statement.opening_balance,
            closing_balance=statement.closing_balance,
            opening_on=statement.opening_date,
            closing_on=plan.closing_on,
            line_count=len(statement.entries),
        )
        session.add(row)
        rows.append(row)
    session.flush()
    result.statements = rows
    context = matching.MatchContext(
        session,
        actor,
        account_by_code(session, chart.SETTLEMENT).id,
        account_by_code(session, chart.SUSPENSE).id,
        [entry for plan in planned for entry in plan.statement.entries],
    )
    pending: list[tuple[matching.LineToMatch, matching.Booking]] = []
    first_open = first_open_day(session)
    for plan, row in zip(planned, rows, strict=True):
        for line_no, entry in enumerate(plan.statement.entries, start=1):
            booked_on = entry.booking_date or plan.closing_on
            line = matching.LineToMatch(row.id, line_no, entry, open_value_date(booked_on, first_open))
            booking = _zero(line) or matching.match(context, line)
            pending.append((line, _late(booking, booked_on, line.value_date)))
            if len(pending) >= BATCH_LINES:
                _post_batch(session, pending, actor, result)
                pending = []
    if pending:
        _post_batch(session, pending, actor, result)


def _late(booking: matching.Booking, booked_on: dt.date, value_date: dt.date) -> matching.Booking:
    """A line the bank booked in a period since closed is booked on the first open day instead
    (the statement line keeps the bank's dates), its entry naming the month it belongs to."""
    if booked_on == value_date or booking.request is None:
        return booking
    return replace(booking, request=replace(booking.request, corrects_month=booked_on))


def _zero(line: matching.LineToMatch) -> matching.Booking | None:
    """A line of nothing (a bank's information line) is kept and books nothing."""
    if line.entry.amount == 0:
        return matching.Booking("zero", LineStatus.MATCHED, None)
    return None


def _post_batch(
    session: Session,
    pending: list[tuple[matching.LineToMatch, matching.Booking]],
    actor: Actor,
    result: ImportResult,
) -> None:
    requests: list[EntryRequest] = [b.request for _, b in pending if b.request is not None]
    entry_ids = dict(zip((r.key for r in requests), post_many(session, requests, actor=actor), strict=True))
    existing_keys = [b.existing_key for _, b in pending if b.existing_key is not None]
    if existing_keys:
        found = session.execute(
            select(JournalEntry.idempotency_key, JournalEntry.id).where(
                JournalEntry.idempotency_key.in_(existing_keys)
            )
        )
        entry_ids.update((key, entry_id) for key, entry_id in found)
    rows = []
    for line, booking in pending:
        key = booking.request.key if booking.request is not None else booking.existing_key
        entry_id = entry_ids.get(key) if key is not None else None
        if booking.after_posting is not None and entry_id is not None:
            booking.after_posting(session, actor, entry_id)
        entry = line.entry
        rows.append(
            {
                "statement_id": line.statement_pk,
                "line_no": line.line_no,
                "amount": entry.amount,
                "booking_on": entry.booking_date,
                "value_on": entry.value_date,
                "end_to_end_id": _cut(entry.end_to_end_id, 35),
                "mandate_id": _cut(entry.mandate_id, 35),
                "return_reason": _cut(entry.return_reason, 35),
                "counterparty_iban": _cut(entry.counterparty_iban, 34),
                "counterparty_name": _cut(entry.counterparty_name, 140),
                "remittance": entry.remittance,
                "reversal": entry.reversal,
                "reference": _cut(entry.reference, 35),
                "status": booking.status,
                "matched_by": booking.matched_by,
                "matched_type": booking.matched_type,
                "matched_id": booking.matched_id,
                "journal_entry_id": entry_id,
                "resolved_by_label": "",
                "resolution_note": "",
            }
        )
        result.lines += 1
        result.by_matcher[booking.matched_by] += 1
        if entry.amount > 0:
            result.amount_in += entry.amount
        else:
            result.amount_out += entry.amount
        if booking.status is LineStatus.SUSPENSE:
            result.suspense_amount += entry.amount
    result.posted += len(requests)
    # Core's executemany on the table: one statement for the batch (the ORM's bulk insert
    # split it into a statement per few rows).
    session.execute(insert(table_of(BankStatementLine)), rows)
    session.flush()


def _cut(text: str | None, length: int) -> str | None:
    return None if text is None else text[:length]
