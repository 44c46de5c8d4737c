"""The suspense queue: statement lines nobody recognised, assigned or sent back by staff (issue 14).

A line the matchers did not recognise is booked on the suspense account 1095 (money in:
Dr 1000 / Cr 1095; money out: Dr 1095 / Cr 1000). Staff take it off again, once:

- :func:`assign_line` books it on a member's deposit account: money in Dr 1095 / Cr the account
  (the member's money after all), money out Dr the account / Cr 1095 (the member's payment);
- :func:`send_back_line` returns money that came in to whoever sent it: Dr 1095 / Cr 1000, the
  transfer back to the counterparty's IBAN (recorded on the line with the IBAN and the note).

Above ``PAYMENTS_SUSPENSE_FOUR_EYES_LIMIT`` (the caller passes it) nothing is booked: a second
staff member approves the request (``bank.approvals``, kind :data:`SUSPENSE_APPROVAL`) and the
booking happens then, under the checker's name. Every step is audited; each line's booking has
one key (``suspense-assign:{line}`` / ``suspense-return:{line}``), so a second submit books nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.approvals import service as approvals
from bank.approvals.models import Approval
from bank.errors import N_, NotFound, PermissionDenied, ValidationError
from bank.ledger import chart
from bank.ledger.models import JournalEntry
from bank.ledger.service import account_by_code, credit, debit, post
from bank.payments.statement_models import LINE_STATUS, BankStatementLine, LineStatus
from bank.savings.models import DepositAccount

#: The approval kind of a suspense line taken off above the limit (``bank.approval_kinds``).
SUSPENSE_APPROVAL = "statement_suspense"
#: Who may assign a suspense line or send it back.
RESOLVE_ROLES = ("admin", "teller", "credit_officer")
ASSIGN = "assign"
SEND_BACK = "send_back"
ASSIGN_KIND = "suspense_assign"
SEND_BACK_KIND = "suspense_return"
MAX_NOTE = 200


@dataclass(frozen=True)
class Resolution:
    """What one call did: the entry booked, or the approval that waits for a second person."""

    line: BankStatementLine
    entry: JournalEntry | None = None
    approval: Approval | None = None


def get_line(session: Session, line_id: int) -> BankStatementLine:
    line = session.get(BankStatementLine, line_id)
    if line is None:
        raise NotFound(N_("statement line %(line)s does not exist"), line=line_id)
    return line


def _require(line: BankStatementLine, target: LineStatus) -> None:
    LINE_STATUS.require(
        line.status,
        target,
        N_("statement line %(line)s is %(status)s; only a line in suspense can be assigned or sent back"),
        line=line.id,
        status=line.status,
    )


def _clean_note(note: str) -> str:
    note = " ".join((note or "").split())
    if len(note) > MAX_NOTE:
        raise ValidationError("note", N_("must be at most %(maximum)s characters"), maximum=MAX_NOTE)
    return note


def assign_line(
    session: Session,
    line: BankStatementLine,
    account: DepositAccount,
    *,
    actor: Actor,
    four_eyes_limit: Decimal | None,
    note: str = "",
) -> Resolution:
    """Book a suspense line on ``account``; above ``four_eyes_limit`` ask a second person first."""
    if not actor.has_role(*RESOLVE_ROLES):
        raise PermissionDenied(N_("only back-office staff may assign a suspense item"))
    note = _clean_note(note)
    if line.status is LineStatus.ASSIGNED and line.resolved_account_id == account.id:
        return Resolution(line, _resolved_entry(session, line))
    _require(line, LineStatus.ASSIGNED)
    if four_eyes_limit is not None and abs(line.amount) > four_eyes_limit:
        return _ask(session, line, ASSIGN, actor, note, account)
    return Resolution(line, _assign(session, line, account, actor, note))


def send_back_line(
    session: Session,
    line: BankStatementLine,
    *,
    actor: Actor,
    four_eyes_limit: Decimal | None,
    note: str = "",
) -> Resolution:
    """Pay money that came in back to its sender; above ``four_eyes_limit`` ask a second person first."""
    if not actor.has_role(*RESOLVE_ROLES):
        raise PermissionDenied(N_("only back-office staff may send a suspense item back"))
    note = _clean_note(note)
    if line.status is LineStatus.RETURNED_TO_SENDER:
        return Resolution(line, _resolved_entry(session, line))
    _require(line, LineStatus.RETURNED_TO_SENDER)
    if line.amount <= 0:
        raise ValidationError("action", N_("only money that came in can be sent back"))
    if four_eyes_limit is not None and line.amount > four_eyes_limit:
        return _ask(session, line, SEND_BACK, actor, note, None)
    return Resolution(line, _send_back(session, line, actor, note))


def _resolved_entry(session: Session, line: BankStatementLine) -> JournalEntry | None:
    return session.get(JournalEntry, line.resolved_entry_id) if line.resolved_entry_id else None


def _ask(
    session: Session,
    line: BankStatementLine,
    action: str,
    actor: Actor,
    note: str,
    account: DepositAccount | None,
) -> Resolution:
    target = account.formatted_number if account is not None else (line.counterparty_iban or "?")
    words = "Assign" if action == ASSIGN else "Send back"
    approval, _created = approvals.request_approval(
        session,
        kind=SUSPENSE_APPROVAL,
        request_key=f"suspense:{line.id}:{action}:{account.id if account is not None else '-'}",
        object_type="bank_statement_line",
        object_id=line.id,
        amount=abs(line.amount),
        summary=f"{words} statement line {line.id} of EUR {line.amount:,.2f} ({target})",
        payload={
            "line_id": line.id,
            "action": action,
            "account_id": account.id if account is not None else None,
            "note": note,
        },
        actor=actor,
    )
    return Resolution(line, approval=approval)


def carry_out_resolution(session: Session, approval: Approval, actor: Actor) -> int | None:
    """Carry out an approved assignment or sending back (the approval's handler)."""
    payload = approval.payload
    line = get_line(session, int(payload["line_id"]))
    note = str(payload.get("note") or "")
    if payload["action"] == ASSIGN:
        account = session.get(DepositAccount, int(payload["account_id"]))
        if account is None:
            raise NotFound(N_("account %(account)s does not exist"), account=payload["account_id"])
        _require(line, LineStatus.ASSIGNED)
        return _assign(session, line, account, actor, note).id
    _require(line, LineStatus.RETURNED_TO_SENDER)
    return _send_back(session, line, actor, note).id


def _today() -> dt.date:
    return clock.today()


def _assign(
    session: Session, line: BankStatementLine, account: DepositAccount, actor: Actor, note: str
) -> JournalEntry:
    suspense = account_by_code(session, chart.SUSPENSE).id
    amount = abs(line.amount)
    if line.amount > 0:
        lines = [debit(suspense, amount), credit(account.ledger_account_id, amount)]
    else:
        lines = [debit(account.ledger_account_id, amount), credit(suspense, amount)]
    memo = " · ".join(part for part in (line.counterparty_name or "", line.remittance or "", note) if part)
    entry = post(session, f"suspense-assign:{line.id}", ASSIGN_KIND, lines, _today(), actor, memo[:500])
    _resolve(line, LineStatus.ASSIGNED, entry, actor, note, account)
    session.flush()
    audit.record(
        session,
        actor,
        "statements.suspense.assign",
        "bank_statement_line",
        line.id,
        before={"status": LineStatus.SUSPENSE.value},
        after={"status": line.status.value, "account": account.number, "amount": line.amount, "note": note},
        detail=account.number,
    )
    return entry


def _send_back(session: Session, line: BankStatementLine, actor: Actor, note: str) -> JournalEntry:
    suspense = account_by_code(session, chart.SUSPENSE).id
    settlement = account_by_code(session, chart.SETTLEMENT).id
    memo = " · ".join(
        part for part in (line.counterparty_iban or "", line.counterparty_name or "", note) if part
    )
    entry = post(
        session,
        f"suspense-return:{line.id}",
        SEND_BACK_KIND,
        [debit(suspense, line.amount), credit(settlement, line.amount)],
        _today(),
        actor,
        memo[:500],
    )
    _resolve(line, LineStatus.RETURNED_TO_SENDER, entry, actor, note, None)
    session.flush()
    audit.record(
        session,
        actor,
        "statements.suspense.send_back",
        "bank_statement_line",
        line.id,
        before={"status": LineStatus.SUSPENSE.value},
        after={
            "status": line.status.value,
            "iban": line.counterparty_iban,
            "amount": line.amount,
            "note": note,
        },
        detail=line.counterparty_iban or "",
    )
    return entry


def _resolve(
    line: BankStatementLine,
    status: LineStatus,
    entry: JournalEntry,
    actor: Actor,
    note: str,
    account: DepositAccount | None,
) -> None:
    line.status = status
    line.resolved_entry_id = entry.id
    line.resolved_account_id = account.id if account is not None else None
    line.resolved_at = clock.now_utc()
    line.resolved_by_label = actor.label
    line.resolution_note = note
