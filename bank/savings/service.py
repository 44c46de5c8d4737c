"""Deposit accounts and staff bookings (L3): open, block, close; deposit, withdraw, transfer.

Every movement goes through :func:`bank.ledger.service.post` with an idempotency key built
from the caller's one-time key (``deposit:{key}``), so a double click or a resubmitted form
books once and returns the first booking. Every rule is checked before anything is written,
and each booking, request and status change is audited in the same transaction.

Blocked accounts: money may still come in (deposits, incoming transfers, interest) but
nothing may leave (withdrawals, transfers out, share payments). A block is for a dispute or
an investigation; refusing incoming money would only bounce it back to the payer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, object_session

from bank import audit, clock
from bank.actor import Actor
from bank.approvals import service as approvals
from bank.approvals.models import Approval
from bank.approvals.queries import pending_for
from bank.compliance import gate
from bank.db import is_postgresql
from bank.errors import (
    N_,
    InsufficientFunds,
    Message,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger import service as ledger
from bank.ledger.models import JournalEntry, Posting, Side
from bank.members.models import Member, MemberStatus
from bank.money import parse_amount, parse_rate_fraction
from bank.payment_orders import service as payment_orders
from bank.payment_orders.models import OrderSource
from bank.savings import numbers
from bank.savings.models import (
    DEPOSIT_ACCOUNT_STATUS,
    DepositAccount,
    DepositAccountStatus,
    SavingsProduct,
    SavingsProductRate,
)

#: Roles that may book money and change accounts (credit officers only look).
BOOKING_ROLES = ("teller", "admin")
#: The approval kind of a withdrawal above the threshold.
WITHDRAWAL_APPROVAL = "withdrawal"
#: The entry kind of a deposit paid in cash at the counter (a transfer received is ``deposit``).
CASH_DEPOSIT_KIND = "cash_deposit"
#: Withdrawals counted together against the approval threshold (splitting does not avoid it).
APPROVAL_WINDOW = dt.timedelta(hours=24)
#: After a payout IBAN changed, every withdrawal needs approval for this long.
NEW_IBAN_PERIOD = dt.timedelta(days=30)
#: Arbitrary constant for PostgreSQL's advisory lock around account numbering.
_NUMBER_LOCK_KEY = 7_300_003
#: Longest description staff may give a booking.
MAX_DESCRIPTION = 200


# ---------------------------------------------------------------------------------------------
# Products


def create_product(
    session: Session,
    *,
    code: str,
    name_nl: str,
    name_en: str,
    rate_annual: Decimal,
    effective_from: dt.date,
    actor: Actor,
) -> SavingsProduct:
    """A new savings product with its first rate (interest posting itself is issue 5's run)."""
    require_role(actor, "admin")
    code = (code or "").strip().upper()
    failures: dict[str, str] = {}
    if not code or len(code) > 30 or not code.replace("_", "").replace("-", "").isalnum():
        failures["code"] = N_("must be 1 to 30 letters, digits, '-' or '_'")
    elif session.scalar(select(SavingsProduct.id).where(SavingsProduct.code == code)) is not None:
        failures["code"] = N_("is already used by another product")
    for field, value in (("name_nl", name_nl), ("name_en", name_en)):
        if not (value or "").strip() or len(value.strip()) > 200:
            failures[field] = N_("is required (at most 200 characters)")
    try:
        rate = _rate(rate_annual)
    except ValidationError as exc:
        failures.update(exc.fields)
    if failures:
        raise ValidationError(failures)
    product = SavingsProduct(code=code, name_nl=name_nl.strip(), name_en=name_en.strip(), active=True)
    product.rates.append(
        SavingsProductRate(rate_annual=rate, effective_from=effective_from, created_by_id=actor.user_id)
    )
    session.add(product)
    session.flush()
    audit.record(
        session,
        actor,
        "savings_product.create",
        "savings_product",
        product.id,
        after={"code": code, "rate_annual": rate, "effective_from": effective_from},
    )
    return product


def set_product_rate(
    session: Session, product: SavingsProduct, *, rate_annual: Decimal, effective_from: dt.date, actor: Actor
) -> SavingsProductRate:
    """A rate change from a date on; earlier days keep the rate that was in force then."""
    require_role(actor, "admin")
    rate = _rate(rate_annual)
    if any(r.effective_from == effective_from for r in product.rates):
        raise ValidationError("effective_from", N_("already has a rate for this product; pick another date"))
    before = product.rate_on(effective_from)
    row = SavingsProductRate(rate_annual=rate, effective_from=effective_from, created_by_id=actor.user_id)
    product.rates.append(row)
    session.flush()
    audit.record(
        session,
        actor,
        "savings_product.rate",
        "savings_product",
        product.id,
        before={"rate_annual": before},
        after={"rate_annual": rate, "effective_from": effective_from},
    )
    return row


def _rate(value: object) -> Decimal:
    """An annual rate as a fraction (0.0125); between 0 and 20 % a year, 8 decimals at most."""
    return parse_rate_fraction(
        value,
        field="rate_annual",
        maximum=Decimal("0.20"),
        not_a_number=N_("must be a number such as 0.0125 for 1.25 per cent"),
        out_of_range=N_("must be between 0 and 0.20 (20 per cent a year)"),
        refuse_float=False,
    )


# ---------------------------------------------------------------------------------------------
# Accounts


def open_account(
    session: Session,
    member: Member,
    product: SavingsProduct,
    *,
    actor: Actor,
    opened_on: dt.date | None = None,
) -> DepositAccount:
    """Open a deposit account for a member: a ten-digit number and a ledger child under 2000."""
    require_role(actor, *BOOKING_ROLES)
    if member.status is MemberStatus.LEFT:
        raise ValidationError("member", N_("has left the bank; no new account can be opened"))
    if not product.active:
        raise ValidationError("product", N_("is no longer offered; choose an active product"))
    gate.require_clear(session, member.id, gate.Purpose.OPEN_ACCOUNT)
    opened_on = opened_on or clock.today()
    if opened_on > clock.today():
        raise ValidationError("opened_on", N_("must not be in the future"))
    number = _next_number(session)
    ledger_account = ledger.open_child_account(
        session,
        chart.MEMBER_DEPOSITS,
        number,
        f"{product.name_nl} {member.display_name}"[:200],
        may_go_negative=False,
    )
    account = DepositAccount(
        number=number,
        member_id=member.id,
        product_id=product.id,
        ledger_account_id=ledger_account.id,
        status=DepositAccountStatus.OPEN,
        opened_on=opened_on,
        blocked_reason="",
    )
    session.add(account)
    session.flush()
    audit.record(
        session,
        actor,
        "account.open",
        "deposit_account",
        account.id,
        after={"number": number, "member": member.number, "product": product.code, "opened_on": opened_on},
    )
    return account


def _next_number(session: Session) -> str:
    """The next serial with its check digits; serialised so two openings never collide."""
    if is_postgresql(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _NUMBER_LOCK_KEY})
    highest = session.scalar(select(func.max(DepositAccount.number)))
    serial = numbers.serial_of(highest) + 1 if highest else numbers.FIRST_SERIAL
    return numbers.make_number(serial)


def block_account(session: Session, account: DepositAccount, *, reason: str, actor: Actor) -> DepositAccount:
    """Stop money leaving the account (withdrawals, transfers out); deposits still arrive."""
    require_role(actor, *BOOKING_ROLES)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("reason", N_("is required to block an account"))
    if len(reason) > 500:
        raise ValidationError("reason", N_("may be at most 500 characters"))
    DEPOSIT_ACCOUNT_STATUS.require(
        account.status,
        DepositAccountStatus.BLOCKED,
        N_("account %(formatted_number)s is %(status)s, not open"),
        formatted_number=account.formatted_number,
        status=account.status,
    )
    account.status = DepositAccountStatus.BLOCKED
    account.blocked_reason = reason
    session.flush()
    audit.record(
        session,
        actor,
        "account.block",
        "deposit_account",
        account.id,
        before={"status": "open"},
        after={"status": "blocked"},
        detail=reason,
    )
    return account


def unblock_account(session: Session, account: DepositAccount, *, actor: Actor) -> DepositAccount:
    require_role(actor, *BOOKING_ROLES)
    DEPOSIT_ACCOUNT_STATUS.require(
        account.status,
        DepositAccountStatus.OPEN,
        N_("account %(formatted_number)s is %(status)s, not blocked"),
        formatted_number=account.formatted_number,
        status=account.status,
    )
    reason = account.blocked_reason
    account.status = DepositAccountStatus.OPEN
    account.blocked_reason = ""
    session.flush()
    audit.record(
        session,
        actor,
        "account.unblock",
        "deposit_account",
        account.id,
        before={"status": "blocked", "reason": reason},
        after={"status": "open"},
    )
    return account


def close_account(
    session: Session, account: DepositAccount, *, actor: Actor, closed_on: dt.date | None = None
) -> DepositAccount:
    """Close an open or blocked account, only at a zero balance and with nothing waiting on it."""
    require_role(actor, *BOOKING_ROLES)
    DEPOSIT_ACCOUNT_STATUS.require(
        account.status,
        DepositAccountStatus.CLOSED,
        N_("account %(formatted_number)s is already closed"),
        formatted_number=account.formatted_number,
    )
    balance = ledger_queries.balance(session, account.ledger_account_id)
    if balance != 0:
        raise ValidationError(
            "account", N_("can only be closed at a zero balance; the balance is %(balance)s"), balance=balance
        )

    if pending_for(session, "deposit_account", account.id):
        raise ValidationError("account", N_("has a request waiting for approval; decide it first"))
    closed_on = closed_on or clock.today()
    before = account.status.value
    ledger.close_account(session, account.ledger_account)
    account.status = DepositAccountStatus.CLOSED
    account.closed_on = closed_on
    session.flush()
    audit.record(
        session,
        actor,
        "account.close",
        "deposit_account",
        account.id,
        before={"status": before},
        after={"status": "closed", "closed_on": closed_on},
    )
    return account


def lookup_account(session: Session, number_text: str, *, field: str = "account") -> DepositAccount:
    """Find an account by the number a person typed; a wrong check digit names the field."""
    number = numbers.normalise(number_text or "")
    if not number:
        raise ValidationError(field, N_("is required"))
    if not number.isdigit() or len(number) != 10:
        raise ValidationError(field, N_("must be a 10-digit account number, e.g. 1000 0001 61"))
    if not numbers.is_valid(number):
        raise ValidationError(field, N_("is not a valid account number (the check digits do not match)"))
    account = session.scalar(select(DepositAccount).where(DepositAccount.number == number))
    if account is None:
        raise ValidationError(field, N_("no account with this number exists"))
    return account


def get_account(session: Session, account_id: int) -> DepositAccount:
    account = session.get(DepositAccount, account_id)
    if account is None:
        raise NotFound(N_("deposit account %(account_id)s does not exist"), account_id=account_id)
    return account


def require_money_may_leave(account: DepositAccount, *, field: str = "account") -> None:
    """Refuse outgoing money from a blocked or closed account (also for shares, pools, loans),
    or from a member whom compliance stops (a confirmed sanctions hit freezes every account)."""
    if account.status is DepositAccountStatus.CLOSED:
        raise ValidationError(
            field, N_("account %(formatted_number)s is closed"), formatted_number=account.formatted_number
        )
    if account.status is DepositAccountStatus.BLOCKED:
        raise ValidationError(
            field,
            N_("account %(formatted_number)s is blocked; no money may leave it"),
            formatted_number=account.formatted_number,
        )
    session = object_session(account)
    if session is not None:
        gate.require_clear(session, account.member_id, gate.Purpose.MONEY_OUT, field=field)


def require_money_may_arrive(account: DepositAccount, *, field: str = "account") -> None:
    if account.status is DepositAccountStatus.CLOSED:
        raise ValidationError(
            field, N_("account %(formatted_number)s is closed"), formatted_number=account.formatted_number
        )


def available_balance(session: Session, account: DepositAccount) -> Decimal:
    return ledger_queries.balance(session, account.ledger_account_id)


# ---------------------------------------------------------------------------------------------
# Bookings


@dataclass(frozen=True)
class Booked:
    """The outcome of a booking service: the entry, and whether this call created it."""

    entry: JournalEntry
    created: bool


@dataclass(frozen=True)
class WithdrawalOutcome:
    """A withdrawal is either booked at once or waits for a second person's approval."""

    entry: JournalEntry | None = None
    approval: Approval | None = None
    created: bool = True

    @property
    def needs_approval(self) -> bool:
        return self.approval is not None and self.entry is None


def deposit(
    session: Session,
    account: DepositAccount,
    amount: object,
    *,
    key: str,
    actor: Actor,
    description: str = "",
    value_date: dt.date | None = None,
    cash: bool = False,
) -> Booked:
    """Money received at the settlement account for the member: Dr 1000 / Cr member account.

    ``cash``: paid in notes at the counter (the teller takes it to the clearing bank the same
    day); the entry's kind is then ``cash_deposit``, which transaction monitoring watches
    (:mod:`bank.monitoring.rules`), instead of ``deposit``.
    """
    require_role(actor, *BOOKING_ROLES)
    amount_value = parse_amount(amount, field="amount")
    memo = clean_description(description) or ("Cash deposit" if cash else "Deposit")
    key = f"deposit:{clean_key(key)}"
    if not already_posted(session, key):
        require_money_may_arrive(account)
    value_date = _value_date(value_date, account)
    settlement = ledger.account_by_code(session, chart.SETTLEMENT)
    return post_once(
        session,
        key=key,
        kind=CASH_DEPOSIT_KIND if cash else "deposit",
        lines=[
            ledger.debit(settlement, amount_value),
            ledger.credit(account.ledger_account_id, amount_value),
        ],
        value_date=value_date,
        memo=memo,
        actor=actor,
        audit_action="booking.deposit",
        account=account,
        amount=amount_value,
        extra={"cash": True} if cash else None,
    )


def withdraw(
    session: Session,
    account: DepositAccount,
    amount: object,
    *,
    key: str,
    actor: Actor,
    approval_threshold: Decimal | None,
    description: str = "",
    value_date: dt.date | None = None,
) -> WithdrawalOutcome:
    """Pay out to the member's external IBAN: a payment order, Dr member account / Cr 1090.

    Above ``approval_threshold`` (the caller passes Config WITHDRAWAL_APPROVAL_THRESHOLD;
    None means no limit) nothing is posted: a pending approval is recorded and a second staff
    member carries it out, checking the funds again at that moment.
    """
    require_role(actor, *BOOKING_ROLES)
    amount_value = parse_amount(amount, field="amount")
    description = clean_description(description)
    key = clean_key(key)
    # A resubmitted form must find its first booking or request, even when the balance has
    # since dropped: the state checks apply only to what has not happened yet.
    repeat = already_posted(session, f"withdrawal:{key}") or _already_requested(session, f"withdrawal:{key}")
    if not repeat:
        require_money_may_leave(account)
    iban = payout_iban(account.member)
    value_date = _value_date(value_date, account)
    if not repeat:
        require_funds(session, account, amount_value)
    if approval_threshold is not None and _needs_approval(session, account, amount_value, approval_threshold):
        approval, created = approvals.request_approval(
            session,
            kind=WITHDRAWAL_APPROVAL,
            request_key=f"withdrawal:{key}",
            object_type="deposit_account",
            object_id=account.id,
            amount=amount_value,
            summary=(
                f"Withdrawal of EUR {amount_value:,.2f} from {account.formatted_number} "
                f"({account.member.display_name}) to {_grouped(iban)}"
            ),
            payload={
                "account_id": account.id,
                "amount": str(amount_value),
                "iban": iban,
                "description": description,
                "key": key,
            },
            actor=actor,
        )
        return WithdrawalOutcome(approval=approval, created=created)
    booked = _post_withdrawal(session, account, amount_value, key, iban, description, value_date, actor)
    return WithdrawalOutcome(entry=booked.entry, created=booked.created)


def withdrawn_recently(session: Session, account: DepositAccount) -> Decimal:
    """What left the account as withdrawals posted in the last :data:`APPROVAL_WINDOW`."""
    since = clock.now_utc() - APPROVAL_WINDOW
    total = session.scalar(
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(
            Posting.account_id == account.ledger_account_id,
            Posting.side == Side.DEBIT,
            JournalEntry.kind == "withdrawal",
            JournalEntry.posted_at >= since,
        )
    )
    return Decimal(total or 0)


def _needs_approval(session: Session, account: DepositAccount, amount: Decimal, threshold: Decimal) -> bool:
    """Four eyes above the threshold, counted over a rolling 24 hours, and for a new payout IBAN.

    Three withdrawals just under the limit add up; and a payout IBAN changed in the last 30 days
    could be a hijacked account, so every payout to it waits for a second person.
    """
    changed_at = account.member.external_iban_changed_at
    if changed_at is not None and clock.now_utc() - changed_at < NEW_IBAN_PERIOD:
        return True
    if amount > threshold:
        return True
    return withdrawn_recently(session, account) + amount > threshold


#: A payment order's fields as the withdrawal names them.
_WITHDRAWAL_FIELDS = {"remittance": "description", "iban": "external_iban", "creditor_name": "account"}


def _post_withdrawal(
    session: Session,
    account: DepositAccount,
    amount: Decimal,
    key: str,
    iban: str,
    description: str,
    value_date: dt.date,
    actor: Actor,
) -> Booked:
    """Order the payout to the member's IBAN: Dr member account / Cr 1090 payments in transit.

    The money reaches the settlement account 1000 only when the clearing bank's statement shows
    the transfer left (``bank.payments.payouts``); until then it is in transit, and a rejected
    transfer comes back to this account.
    """
    ledger_key = f"withdrawal:{key}"
    existed = already_posted(session, ledger_key)
    try:
        ordered = payment_orders.order_payment(
            session,
            key=ledger_key,
            kind="withdrawal",
            source=OrderSource.WITHDRAWAL,
            paying_account_id=account.ledger_account_id,
            amount=amount,
            creditor_name=account.member.full_name[:70],
            iban=iban,
            remittance=description or f"Wijkbank {account.formatted_number}",
            execution_on=max(value_date, clock.today()),
            actor=actor,
            memo=f"{description or 'Withdrawal'} · to {iban}",
            member=account.member,
            value_date=value_date,
        )
    except ValidationError as error:
        # The order's words for the withdrawal form's fields.
        raise ValidationError(
            {_WITHDRAWAL_FIELDS.get(name, name): rule for name, rule in error.fields.items()}
        ) from None
    entry = session.get(JournalEntry, ordered.order.order_entry_id)
    assert entry is not None
    if not existed:
        audit.record(
            session,
            actor,
            "booking.withdrawal",
            "journal_entry",
            entry.id,
            after={
                "account": account.number,
                "amount": amount,
                "value_date": value_date,
                "end_to_end_id": ordered.order.end_to_end_id,
            },
            detail=entry.memo,
        )
    return Booked(entry=entry, created=not existed)


def carry_out_withdrawal(session: Session, approval: Approval, actor: Actor) -> int:
    """Carry out an approved withdrawal: the account must still allow it and hold the funds."""
    payload = approval.payload
    account = get_account(session, int(payload["account_id"]))
    amount = parse_amount(payload["amount"], field="amount")
    require_money_may_leave(account)
    require_funds(session, account, amount)
    booked = _post_withdrawal(
        session,
        account,
        amount,
        str(payload["key"]),
        str(payload["iban"]),
        str(payload["description"]),
        clock.today(),
        actor,
    )
    return booked.entry.id


def transfer(
    session: Session,
    source: DepositAccount,
    target: DepositAccount,
    amount: object,
    *,
    key: str,
    actor: Actor,
    description: str = "",
    value_date: dt.date | None = None,
) -> Booked:
    """Move money between two member accounts: Dr source / Cr target."""
    require_role(actor, *BOOKING_ROLES)
    amount_value = parse_amount(amount, field="amount")
    memo = clean_description(description) or "Transfer"
    if source.id == target.id:
        raise ValidationError("to_account", N_("must be another account than the one the money comes from"))
    key = f"transfer:{clean_key(key)}"
    repeat = already_posted(session, key)
    if not repeat:
        require_money_may_leave(source, field="from_account")
        require_money_may_arrive(target, field="to_account")
    value_date = _value_date(value_date, source, target)
    if not repeat:
        require_funds(session, source, amount_value)
    return post_once(
        session,
        key=key,
        kind="transfer",
        lines=[
            ledger.debit(source.ledger_account_id, amount_value),
            ledger.credit(target.ledger_account_id, amount_value),
        ],
        value_date=value_date,
        memo=f"{memo} · {source.formatted_number} → {target.formatted_number}",
        actor=actor,
        audit_action="booking.transfer",
        account=source,
        amount=amount_value,
        extra={"to_account": target.number},
    )


# ---------------------------------------------------------------------------------------------
# Helpers shared with bank.shares


def post_once(
    session: Session,
    *,
    key: str,
    kind: str,
    lines: list[ledger.Line],
    value_date: dt.date,
    memo: str,
    actor: Actor,
    audit_action: str,
    account: DepositAccount | None,
    amount: Decimal,
    extra: dict[str, object] | None = None,
) -> Booked:
    """Post through the ledger; audit only the first time (a resubmission writes nothing)."""
    existed = already_posted(session, key)
    entry = ledger.post(session, key, kind, lines, value_date, actor, memo)
    if not existed:
        audit.record(
            session,
            actor,
            audit_action,
            "journal_entry",
            entry.id,
            after={
                "account": account.number if account is not None else None,
                "amount": amount,
                "value_date": value_date,
                **(extra or {}),
            },
            detail=memo,
        )
    return Booked(entry=entry, created=not existed)


def already_posted(session: Session, ledger_key: str) -> bool:
    return (
        session.scalar(select(JournalEntry.id).where(JournalEntry.idempotency_key == ledger_key)) is not None
    )


def _already_requested(session: Session, request_key: str) -> bool:
    return session.scalar(select(Approval.id).where(Approval.request_key == request_key)) is not None


def require_role(actor: Actor, *roles: str) -> None:
    if not actor.has_role(*roles):
        raise PermissionDenied(
            N_("role %(role)s may not do this; it needs %(roles)s"), role=actor.role, roles=" or ".join(roles)
        )


def clean_key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 150:
        raise ValidationError("form_key", N_("is missing or too long; reload the form and try again"))
    return key


def clean_description(text_value: str | None) -> str:
    value = " ".join((text_value or "").split())
    if len(value) > MAX_DESCRIPTION:
        raise ValidationError(
            "description",
            N_("may be at most %(max_description)s characters"),
            max_description=MAX_DESCRIPTION,
        )
    return value


def _value_date(value_date: dt.date | None, *accounts: DepositAccount) -> dt.date:
    value_date = value_date or clock.today()
    if value_date > clock.today():
        raise ValidationError("value_date", N_("must not be in the future"))
    for account in accounts:
        if value_date < account.opened_on:
            raise ValidationError("value_date", N_("must not be before the account was opened"))
    return value_date


def _grouped(iban: str) -> str:
    """NL91 ABNA 0417 1643 00: how people read an IBAN in a summary."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def payout_iban(member: Member) -> str:
    if not member.external_iban:
        raise ValidationError(
            "external_iban",
            N_("the member has no external IBAN to pay out to; record one on the member first"),
        )
    return member.external_iban


def require_funds(session: Session, account: DepositAccount, amount: Decimal, field: str = "amount") -> None:
    """A friendly early refusal; the ledger checks again under lock when it posts."""
    available = available_balance(session, account)
    if amount > available:
        raise InsufficientFunds(
            N_(
                "insufficient funds: %(amount)s is more than the balance of %(available)s on account "
                "%(formatted_number)s"
            ),
            fields={
                field: Message(N_("exceeds the available balance of %(available)s"), available=available)
            },
            amount=amount,
            available=available,
            formatted_number=account.formatted_number,
        )
