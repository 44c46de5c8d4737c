"""Investment pools (L3 writes): terms, subscriptions, the withdrawal queue and its payouts.

Money moves only between a member's deposit account (2000-…) and their participation
(2100-<pool>-<member>), both liabilities of the bank: subscribing earmarks savings for the
pool, a paid withdrawal releases them. Every movement has a deterministic ledger key
(``pool-subscribe:{key}``, ``pool-withdrawal:{request id}``), every rule is checked before
anything is written, and every change is audited in the same transaction.

Withdrawals wait out the pool's notice period and are then paid strictly first come, first
served (requested_on, id) while the pool's uncommitted capital suffices; a request that
cannot be paid keeps its place and blocks the ones behind it, so no later, smaller request
overtakes it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.calendar import add_months
from bank.db import is_postgresql
from bank.errors import (
    N_,
    IdempotencyConflict,
    InsufficientFunds,
    Message,
    NotFound,
    ValidationError,
)
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger import service as ledger
from bank.ledger.models import JournalEntry
from bank.loans.products_models import LoanPurpose
from bank.members.models import Member, MemberStatus
from bank.members.queries import visible_member_ids
from bank.money import ZERO, parse_amount
from bank.pools import queries
from bank.pools.models import (
    POOL_STATUS,
    WITHDRAWAL_STATUS,
    Participation,
    Pool,
    PoolStatus,
    WithdrawalRequest,
    WithdrawalStatus,
)
from bank.savings import service as savings
from bank.savings.models import DepositAccount

#: Who may define and change pools.
POOL_ADMIN_ROLES = ("admin",)
#: Staff who may subscribe and withdraw on a member's behalf.
BOOKING_ROLES = ("teller", "admin")
_CODE = re.compile(r"^[A-Z0-9]{1,20}$")
MAX_NOTICE_MONTHS = 24
MAX_TARGET_RETURN = Decimal("0.20")


# ---------------------------------------------------------------------------------------------
# Pools


def _rate(value: object, field: str, maximum: Decimal, failures: dict[str, str]) -> Decimal | None:
    if isinstance(value, float):
        failures[field] = N_("must be given as text or a decimal, not a float")
        return None
    try:
        rate = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        failures[field] = N_("must be a number such as 0.25")
        return None
    if not rate.is_finite() or rate < 0 or rate > maximum:
        failures[field] = Message(
            N_("must be between 0 and %(maximum_rate)s"),
            maximum_rate=int(maximum) if maximum == int(maximum) else maximum,
        )
        return None
    if rate != rate.quantize(Decimal("0.00000001")):
        failures[field] = N_("may have at most 8 decimals")
        return None
    return rate


def _clean_terms(session: Session, values: dict[str, Any], pool: Pool | None) -> dict[str, Any]:
    """Every rule of a pool's terms at once, so a form shows all its mistakes together."""
    failures: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    if "code" in values:
        code = str(values["code"] or "").strip().upper()
        if not _CODE.match(code):
            failures["code"] = N_("must be 1 to 20 capital letters or digits, e.g. GRONDFONDS")
        elif session.scalar(select(Pool.id).where(Pool.code == code, Pool.id != (pool.id if pool else -1))):
            failures["code"] = N_("is already used by another pool")
        cleaned["code"] = code
    if "name" in values:
        name = " ".join(str(values["name"] or "").split())
        if not name or len(name) > 200:
            failures["name"] = N_("is required (at most 200 characters)")
        cleaned["name"] = name
    if "description" in values:
        description = str(values["description"] or "").strip()
        if len(description) > 5000:
            failures["description"] = N_("may be at most 5000 characters")
        cleaned["description"] = description
    if "purposes" in values:
        raw = values["purposes"] or []
        if isinstance(raw, str):
            raw = [raw]
        purposes: list[str] = []
        known = {p.value for p in LoanPurpose}
        for item in raw:
            value = str(getattr(item, "value", item)).strip()
            if value not in known:
                failures["purposes"] = Message(
                    N_("'%(value)s' is not a loan purpose; choose from %(known)s"),
                    value=value,
                    known=", ".join(sorted(known)),
                )
                break
            if value not in purposes:
                purposes.append(value)
        if not purposes and "purposes" not in failures:
            failures["purposes"] = N_("choose at least one loan purpose")
        if "purposes" not in failures:
            for other in session.scalars(
                select(Pool).where(Pool.status == PoolStatus.OPEN, Pool.id != (pool.id if pool else -1))
            ):
                taken = sorted(set(purposes) & set(other.purposes or []))
                if taken:
                    failures["purposes"] = Message(
                        N_("%(purposes)s already belongs to the open pool %(code)s"),
                        purposes=tuple(taken),
                        code=other.code,
                    )
                    break
        cleaned["purposes"] = purposes
    if "minimum_participation" in values:
        try:
            cleaned["minimum_participation"] = parse_amount(
                values["minimum_participation"], field="minimum_participation"
            )
        except ValidationError as exc:
            failures.update(exc.fields)
    if "notice_months" in values:
        raw_notice = values["notice_months"]
        try:
            if isinstance(raw_notice, bool | float):
                raise ValueError
            notice = int(str(raw_notice).strip())
        except ValueError:
            notice = -1
        if not 0 <= notice <= MAX_NOTICE_MONTHS:
            failures["notice_months"] = Message(
                N_("must be a whole number of months from 0 to %(max_notice_months)s"),
                max_notice_months=MAX_NOTICE_MONTHS,
            )
        cleaned["notice_months"] = notice
    if "margin_share" in values:
        cleaned["margin_share"] = _rate(values["margin_share"], "margin_share", Decimal("1"), failures)
    if "target_return_annual" in values:
        cleaned["target_return_annual"] = _rate(
            values["target_return_annual"], "target_return_annual", MAX_TARGET_RETURN, failures
        )
    if "first_loss_buffer" in values:
        try:
            buffer = parse_amount(values["first_loss_buffer"], field="first_loss_buffer", allow_zero=True)
        except ValidationError as exc:
            failures.update(exc.fields)
        else:
            cleaned["first_loss_buffer"] = buffer
            seed = ledger_queries.balance(session, ledger.account_by_code(session, chart.SEED_CAPITAL).id)
            free = seed - queries.buffers_reserved_elsewhere(session, pool.id if pool else None)
            already_absorbed = (
                (pool.first_loss_buffer - queries.first_loss_buffer_remaining(session, pool))
                if pool
                else ZERO
            )
            if buffer - already_absorbed > free:
                failures["first_loss_buffer"] = Message(
                    N_("must not exceed the seed capital not yet promised to other pools (%(free)s)"),
                    free=max(free, ZERO),
                )
    if failures:
        raise ValidationError(failures)
    return cleaned


def create_pool(
    session: Session,
    *,
    code: str,
    name: str,
    purposes: list[str],
    minimum_participation: Decimal,
    notice_months: int,
    margin_share: Decimal,
    target_return_annual: Decimal,
    first_loss_buffer: Decimal,
    description: str = "",
    actor: Actor,
) -> Pool:
    """A new open pool; its buffer is seed capital promised to stand first in line for losses."""
    savings.require_role(actor, *POOL_ADMIN_ROLES)
    values = _clean_terms(
        session,
        {
            "code": code,
            "name": name,
            "purposes": purposes,
            "minimum_participation": minimum_participation,
            "notice_months": notice_months,
            "margin_share": margin_share,
            "target_return_annual": target_return_annual,
            "first_loss_buffer": first_loss_buffer,
            "description": description,
        },
        None,
    )
    pool = Pool(status=PoolStatus.OPEN, **values)
    session.add(pool)
    session.flush()
    audit.record(session, actor, "pool.create", "pool", pool.id, after=_terms_of(pool))
    return pool


_UPDATABLE = (
    "name",
    "description",
    "purposes",
    "minimum_participation",
    "notice_months",
    "margin_share",
    "target_return_annual",
    "first_loss_buffer",
)


def update_pool(session: Session, pool: Pool, *, actor: Actor, **fields: Any) -> Pool:
    """Change a pool's terms by the same rules as creating it (the code stays).

    A new notice period applies to requests made from now on; waiting requests keep the date
    they were promised.
    """
    savings.require_role(actor, *POOL_ADMIN_ROLES)
    unknown = sorted(set(fields) - set(_UPDATABLE))
    if unknown:
        raise ValidationError(unknown[0], N_("cannot be changed"))
    values = _clean_terms(session, fields, pool)
    before = _terms_of(pool)
    for name, value in values.items():
        setattr(pool, name, value)
    session.flush()
    audit.record(session, actor, "pool.update", "pool", pool.id, before=before, after=_terms_of(pool))
    return pool


def close_pool(session: Session, pool: Pool, *, actor: Actor) -> Pool:
    """No new subscriptions or loans; participations, withdrawals and returns carry on."""
    savings.require_role(actor, *POOL_ADMIN_ROLES)
    POOL_STATUS.require(
        pool.status,
        PoolStatus.CLOSED,
        N_("pool %(code)s is already %(status)s"),
        code=pool.code,
        status=pool.status,
    )
    pool.status = PoolStatus.CLOSED
    session.flush()
    audit.record(
        session, actor, "pool.close", "pool", pool.id, before={"status": "open"}, after={"status": "closed"}
    )
    return pool


def _terms_of(pool: Pool) -> dict[str, Any]:
    return {
        "code": pool.code,
        "name": pool.name,
        "purposes": list(pool.purposes or []),
        "minimum_participation": pool.minimum_participation,
        "notice_months": pool.notice_months,
        "margin_share": pool.margin_share,
        "target_return_annual": pool.target_return_annual,
        "first_loss_buffer": pool.first_loss_buffer,
        "status": pool.status.value,
    }


# ---------------------------------------------------------------------------------------------
# Access


def require_acts_for(session: Session, actor: Actor, member: Member) -> None:
    """Staff tellers and admins act for any member; a portal member for themself or an
    organisation they represent (anyone else's member looks like one that does not exist)."""
    if actor.is_system:
        return
    if actor.role == "member":
        if actor.member_id is None or member.id not in visible_member_ids(session, actor.member_id):
            raise NotFound(N_("member %(id)s does not exist"), id=member.id)
        return
    savings.require_role(actor, *BOOKING_ROLES)


def lock_pool(session: Session, pool: Pool) -> None:
    """Serialise what reads the pool's free money and then spends it (requests, payouts, funding).

    On PostgreSQL the pool's row is locked until the transaction ends, so two tellers (or a
    teller and the close-day job) cannot both pay out the same uncommitted euro; SQLite
    already lets one writer at a time in.
    """
    if is_postgresql(session):
        session.execute(select(Pool.id).where(Pool.id == pool.id).with_for_update())


def find_participation(session: Session, pool: Pool, member: Member) -> Participation | None:
    return session.scalar(
        select(Participation).where(Participation.pool_id == pool.id, Participation.member_id == member.id)
    )


def _business_date(on: dt.date | None, *, not_before: dt.date | None = None) -> dt.date:
    on = on or clock.today()
    if on > clock.today():
        raise ValidationError("on", N_("must not be in the future"))
    if not_before is not None and on < not_before:
        raise ValidationError("on", N_("must not be before %(not_before)s"), not_before=not_before)
    return on


# ---------------------------------------------------------------------------------------------
# Subscriptions


def subscribe(
    session: Session,
    *,
    pool: Pool,
    member: Member,
    deposit_account: DepositAccount,
    amount: object,
    key: str,
    actor: Actor,
    on: dt.date | None = None,
) -> Participation:
    """Put savings in the pool: Dr the member's deposit account / Cr their participation.

    The first subscription must reach the pool's minimum; a top-up may be any amount as long as
    the participation stays at or above it. Idempotent on ``key``: the same key again returns
    the participation and posts nothing.
    """
    require_acts_for(session, actor, member)
    amount_value = parse_amount(amount, field="amount")
    ledger_key = f"pool-subscribe:{savings.clean_key(key)}"
    participation = find_participation(session, pool, member)
    repeat = savings.already_posted(session, ledger_key)
    if repeat and participation is None:
        raise IdempotencyConflict(N_("key '%(key)s' was already used for another subscription"), key=key)
    if repeat and participation is not None:
        # Same key, same content: the ledger returns the first entry; other content: a conflict.
        ledger.post(
            session,
            ledger_key,
            "pool_subscription",
            [ledger.debit(deposit_account.ledger_account_id, amount_value),
             ledger.credit(participation.ledger_account_id, amount_value)],
            _entry_date(session, ledger_key),
            actor,
            f"Subscription to pool {pool.code}",
        )  # fmt: skip
        return participation
    if pool.status is not PoolStatus.OPEN:
        raise ValidationError(
            "pool", N_("pool %(code)s is closed and takes no new subscriptions"), code=pool.code
        )
    if member.status in (MemberStatus.SUSPENDED, MemberStatus.LEFT):
        raise ValidationError("member", N_("is %(status)s and cannot subscribe"), status=member.status)
    if deposit_account.member_id != member.id:
        raise ValidationError("deposit_account", N_("must be an account of the subscribing member"))
    savings.require_money_may_leave(deposit_account, field="deposit_account")
    on = _business_date(on, not_before=deposit_account.opened_on)
    minimum = pool.minimum_participation
    if participation is None:
        if amount_value < minimum:
            raise ValidationError(
                "amount",
                N_("must be at least %(minimum)s, the pool's minimum participation"),
                minimum=minimum,
            )
    else:
        current = queries.participation_balance(session, participation)
        if current + amount_value < minimum:
            raise ValidationError(
                "amount",
                N_(
                    "must bring the participation to at least %(minimum)s, the pool's minimum (it is "
                    "%(current)s now)"
                ),
                minimum=minimum,
                current=current,
            )
    savings.require_funds(session, deposit_account, amount_value, field="amount")
    if participation is None:
        ledger_account = ledger.open_child_account(
            session,
            chart.POOL_PARTICIPATIONS,
            f"{pool.code}-{member.number}",
            f"{pool.name} · {member.display_name}"[:200],
            may_go_negative=False,
        )
        participation = Participation(
            pool_id=pool.id,
            member_id=member.id,
            deposit_account_id=deposit_account.id,
            ledger_account_id=ledger_account.id,
            opened_on=on,
        )
        session.add(participation)
        session.flush()
    entry = ledger.post(
        session,
        ledger_key,
        "pool_subscription",
        [
            ledger.debit(deposit_account.ledger_account_id, amount_value),
            ledger.credit(participation.ledger_account_id, amount_value),
        ],
        on,
        actor,
        f"Subscription to pool {pool.code}",
    )
    audit.record(
        session,
        actor,
        "pool.subscribe",
        "pool_participation",
        participation.id,
        after={
            "pool": pool.code,
            "member": member.number,
            "account": deposit_account.number,
            "amount": amount_value,
            "value_date": on,
            "entry": entry.id,
        },
    )
    return participation


def _entry_date(session: Session, ledger_key: str) -> dt.date:
    entry = session.scalar(select(JournalEntry).where(JournalEntry.idempotency_key == ledger_key))
    assert entry is not None
    return entry.value_date


# ---------------------------------------------------------------------------------------------
# Withdrawals


def request_withdrawal(
    session: Session,
    *,
    participation: Participation,
    amount: object,
    key: str,
    actor: Actor,
    on: dt.date | None = None,
) -> WithdrawalRequest:
    """Ask to take money out; it is payable once the pool's notice period has passed.

    Idempotent on ``key`` (stored as the request's ``request_key``): a repeated key returns the
    first request; the same key for another participation or amount is a conflict.
    """
    require_acts_for(session, actor, participation.member)
    amount_value = parse_amount(amount, field="amount")
    request_key = f"pool-withdrawal-request:{savings.clean_key(key)}"
    existing = _request_by_key(session, request_key)
    if existing is not None:
        if existing.participation_id != participation.id or existing.amount != amount_value:
            raise IdempotencyConflict(
                N_("key '%(key)s' was already used for another withdrawal request"), key=key
            )
        return existing
    pool = participation.pool
    on = _business_date(on, not_before=participation.opened_on)
    lock_pool(session, pool)
    balance = queries.participation_balance(session, participation)
    waiting = queries.waiting_amount_of(session, participation)
    free = balance - waiting
    if amount_value > free:
        if waiting:
            rule = Message(
                N_(
                    "must not exceed %(free)s: the participation of %(balance)s less %(waiting)s "
                    "already asked for"
                ),
                free=max(free, ZERO),
                balance=balance,
                waiting=waiting,
            )
        else:
            rule = Message(N_("must not exceed the participation of %(balance)s"), balance=balance)
        raise ValidationError("amount", rule)
    remainder = free - amount_value
    if 0 < remainder < pool.minimum_participation:
        raise ValidationError(
            "amount",
            N_(
                "would leave %(remainder)s, below the pool's minimum; withdraw everything (%(free)s) "
                "or leave at least %(minimum_participation)s"
            ),
            remainder=remainder,
            free=free,
            minimum_participation=pool.minimum_participation,
        )
    request = WithdrawalRequest(
        participation_id=participation.id,
        amount=amount_value,
        requested_on=on,
        payable_from=add_months(on, pool.notice_months),
        status=WithdrawalStatus.WAITING,
        requested_by=actor.label[:200],
        request_key=request_key,
        cancelled_reason="",
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        actor,
        "pool.withdrawal_request",
        "pool_withdrawal_request",
        request.id,
        after={
            "pool": pool.code,
            "participation": participation.id,
            "amount": amount_value,
            "requested_on": on,
            "payable_from": request.payable_from,
            "key": request_key,
        },
        detail=request_key,
    )
    return request


def _request_by_key(session: Session, request_key: str) -> WithdrawalRequest | None:
    return session.scalar(select(WithdrawalRequest).where(WithdrawalRequest.request_key == request_key))


def cancel_withdrawal(
    session: Session, request: WithdrawalRequest, *, reason: str, actor: Actor
) -> WithdrawalRequest:
    """Withdraw a request that still waits; the money stays in the pool."""
    require_acts_for(session, actor, request.participation.member)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError("reason", N_("is required to cancel a withdrawal request"))
    if len(reason) > 500:
        raise ValidationError("reason", N_("may be at most 500 characters"))
    WITHDRAWAL_STATUS.require(
        request.status,
        WithdrawalStatus.CANCELLED,
        N_("the withdrawal request is %(status)s, not waiting"),
        status=request.status,
    )
    request.status = WithdrawalStatus.CANCELLED
    request.cancelled_reason = reason
    session.flush()
    audit.record(
        session,
        actor,
        "pool.withdrawal_cancel",
        "pool_withdrawal_request",
        request.id,
        before={"status": "waiting"},
        after={"status": "cancelled"},
        detail=reason,
    )
    return request


def pay_withdrawal(
    session: Session, request: WithdrawalRequest, *, actor: Actor, on: dt.date | None = None
) -> WithdrawalRequest:
    """Pay a due request: Dr the participation / Cr the member's deposit account.

    Refused inside the notice period, when an older due request of the pool waits (first come,
    first served), and when the pool's uncommitted capital does not cover it.
    """
    savings.require_role(actor, *BOOKING_ROLES)
    if request.status is WithdrawalStatus.PAID:
        return request
    WITHDRAWAL_STATUS.require(
        request.status,
        WithdrawalStatus.PAID,
        N_("the withdrawal request is %(status)s, not waiting"),
        status=request.status,
    )
    on = _business_date(on)
    if on < request.payable_from:
        raise ValidationError(
            "payable_from", N_("payable from %(payable_from)s"), payable_from=request.payable_from
        )
    participation = request.participation
    pool = participation.pool
    lock_pool(session, pool)
    session.refresh(request)
    WITHDRAWAL_STATUS.require(
        request.status,
        WithdrawalStatus.PAID,
        N_("the withdrawal request is %(status)s, not waiting"),
        status=request.status,
    )
    due = [
        r
        for r in queries.waiting_withdrawals(session, pool, due_on=on)
        if r.id == request.id or _exceeds_participation(session, r) is None
    ]
    if due and due[0].id != request.id:
        raise ValidationError(
            "request",
            N_("an earlier request of pool %(code)s waits to be paid first (first come, first served)"),
            code=pool.code,
        )
    _pay(session, request, pool, actor, on)
    return request


def _exceeds_participation(session: Session, request: WithdrawalRequest) -> Decimal | None:
    """The participation's balance when a loss took it below the request, else None."""
    held = queries.participation_balance(session, request.participation)
    return held if request.amount > held else None


def _pay(session: Session, request: WithdrawalRequest, pool: Pool, actor: Actor, on: dt.date) -> None:
    held = _exceeds_participation(session, request)
    if held is not None:
        raise ValidationError(
            "amount",
            N_(
                "is more than the participation now holds (%(held)s) after a loss; cancel the request "
                "and ask again"
            ),
            held=held,
        )
    uncommitted = queries.uncommitted_capital(session, pool)
    if uncommitted < request.amount:
        raise InsufficientFunds(
            N_("pool %(code)s has %(uncommitted)s uncommitted, less than %(amount)s"),
            fields={
                "amount": Message(
                    N_("the pool's uncommitted capital is %(uncommitted)s; the request waits its turn"),
                    uncommitted=uncommitted,
                )
            },
            code=pool.code,
            uncommitted=uncommitted,
            amount=request.amount,
        )
    participation = request.participation
    account = participation.deposit_account
    savings.require_money_may_arrive(account, field="deposit_account")
    entry = ledger.post(
        session,
        f"pool-withdrawal:{request.id}",
        "pool_withdrawal",
        [
            ledger.debit(participation.ledger_account_id, request.amount),
            ledger.credit(account.ledger_account_id, request.amount),
        ],
        on,
        actor,
        f"Withdrawal from pool {pool.code}",
    )
    request.status = WithdrawalStatus.PAID
    request.paid_on = on
    request.entry_id = entry.id
    session.flush()
    audit.record(
        session,
        actor,
        "pool.withdrawal_pay",
        "pool_withdrawal_request",
        request.id,
        before={"status": "waiting"},
        after={"status": "paid", "amount": request.amount, "paid_on": on, "entry": entry.id},
    )


@dataclass(frozen=True)
class WithdrawalPayout:
    paid_count: int
    paid_amount: Decimal
    #: Due requests left waiting (the pool lacked uncommitted capital for them or one before them).
    waiting_count: int


def pay_due_withdrawals(session: Session, on: dt.date, *, actor: Actor) -> WithdrawalPayout:
    """Pay every pool's due requests in order while its uncommitted capital lasts.

    Within a pool the queue stops at the first request it cannot pay: that request keeps its
    place and the ones behind it wait too, however small. A request for more than its
    participation still holds (a loss was absorbed after it was made) can never be paid as
    asked; it stays waiting for staff to cancel and does not hold up the ones behind it.
    """
    savings.require_role(actor, *BOOKING_ROLES)
    paid_count, paid_amount, waiting_count = 0, ZERO, 0
    for pool in queries.all_pools(session):
        if not queries.waiting_withdrawals(session, pool, due_on=on):
            continue
        lock_pool(session, pool)
        due = queries.waiting_withdrawals(session, pool, due_on=on)
        uncommitted = queries.uncommitted_capital(session, pool)
        for index, request in enumerate(due):
            if _exceeds_participation(session, request) is not None:
                waiting_count += 1
                continue
            if request.amount > uncommitted:
                waiting_count += len(due) - index
                break
            _pay(session, request, pool, actor, on)
            uncommitted -= request.amount
            paid_count += 1
            paid_amount += request.amount
    return WithdrawalPayout(paid_count=paid_count, paid_amount=paid_amount, waiting_count=waiting_count)
