"""Member shares and the municipality's seed capital (L3).

Issuing: N shares paid from the member's own deposit account (Dr deposit / Cr holding) or
received from outside at the settlement account (Dr 1000 / Cr holding). The first paid share
makes an applicant an active member (``bank.members.service.activate_on_first_share``).

Redemption is a request that a second staff member approves (four eyes, ``bank.approvals``);
on approval the nominal value is paid (Dr holding / Cr deposit account, or Cr 1000 to the
member's external IBAN). The rule on the minimum: a member keeps at least the class's minimum
while a member; redeeming below it, down to zero, is allowed only once the membership has
ended (status "left"), which is how a leaving member gets their capital back.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.approvals import service as approvals
from bank.approvals.models import Approval, ApprovalStatus
from bank.errors import N_, NotFound, PermissionDenied, ValidationError
from bank.ledger import chart
from bank.ledger import queries as ledger_queries
from bank.ledger import service as ledger
from bank.members import service as members_service
from bank.members.models import Member, MemberStatus
from bank.money import parse_amount
from bank.payment_orders import service as payment_orders
from bank.payment_orders.models import OrderSource
from bank.savings import service as savings
from bank.savings.models import DepositAccount
from bank.savings.service import Booked
from bank.shares.models import ShareClass, ShareHolding

#: The approval kind of a share redemption request.
REDEMPTION_APPROVAL = "share_redemption"
#: Most shares one form or call may issue or redeem (a typo guard; the class maximum still applies).
MAX_SHARES_PER_BOOKING = 100_000


# ---------------------------------------------------------------------------------------------
# Share classes and holdings


def create_share_class(
    session: Session,
    *,
    code: str,
    name: str,
    nominal_value: object,
    min_shares_per_member: int,
    max_shares_per_member: int,
    actor: Actor,
) -> ShareClass:
    """A class of member shares (demo: € 25, minimum 1, maximum 40 per member)."""
    if not actor.has_role("admin"):
        raise PermissionDenied(N_("only administrators may define share classes"))
    failures: dict[str, str] = {}
    code = (code or "").strip().upper()
    if not code or len(code) > 30 or not code.replace("-", "").replace("_", "").isalnum():
        failures["code"] = N_("must be 1 to 30 letters, digits, '-' or '_'")
    elif session.scalar(select(ShareClass.id).where(ShareClass.code == code)) is not None:
        failures["code"] = N_("is already used by another share class")
    if not (name or "").strip() or len(name.strip()) > 200:
        failures["name"] = N_("is required (at most 200 characters)")
    nominal = Decimal(0)
    try:
        nominal = parse_amount(nominal_value, field="nominal_value")
    except ValidationError as exc:
        failures.update(exc.fields)
    if not isinstance(min_shares_per_member, int) or min_shares_per_member < 1:
        failures["min_shares_per_member"] = N_("must be a whole number of at least 1")
    elif not isinstance(max_shares_per_member, int) or max_shares_per_member < min_shares_per_member:
        failures["max_shares_per_member"] = N_("must be a whole number not below the minimum")
    if failures:
        raise ValidationError(failures)
    share_class = ShareClass(
        code=code,
        name=name.strip(),
        nominal_value=nominal,
        min_shares_per_member=min_shares_per_member,
        max_shares_per_member=max_shares_per_member,
        active=True,
    )
    session.add(share_class)
    session.flush()
    audit.record(
        session,
        actor,
        "share_class.create",
        "share_class",
        share_class.id,
        after={
            "code": code,
            "nominal_value": nominal,
            "min": min_shares_per_member,
            "max": max_shares_per_member,
        },
    )
    return share_class


def default_share_class(session: Session) -> ShareClass:
    """The class new members buy: the oldest active one."""
    share_class = session.scalar(
        select(ShareClass).where(ShareClass.active.is_(True)).order_by(ShareClass.id)
    )
    if share_class is None:
        raise NotFound(N_("no active share class is defined; an administrator must create one"))
    return share_class


def find_holding(session: Session, member: Member, share_class: ShareClass) -> ShareHolding | None:
    return session.scalar(
        select(ShareHolding).where(
            ShareHolding.member_id == member.id, ShareHolding.share_class_id == share_class.id
        )
    )


def _holding_for(
    session: Session, member: Member, share_class: ShareClass, on: dt.date, existing: ShareHolding | None
) -> ShareHolding:
    if existing is not None:
        return existing
    account = ledger.open_child_account(
        session,
        chart.SHARE_CAPITAL,
        f"{member.number:08d}-{share_class.code}",
        f"Shares {share_class.code} {member.display_name}"[:200],
        may_go_negative=False,
    )
    holding = ShareHolding(
        member_id=member.id, share_class_id=share_class.id, ledger_account_id=account.id, opened_on=on
    )
    session.add(holding)
    session.flush()
    return holding


def shares_held(session: Session, holding: ShareHolding) -> int:
    """Shares = paid-in capital / nominal value; the ledger is the record, this only divides."""
    paid_in = ledger_queries.balance(session, holding.ledger_account_id)
    count, remainder = divmod(paid_in, holding.share_class.nominal_value)
    assert remainder == 0, f"holding {holding.id} holds {paid_in}, not a whole number of shares"
    return int(count)


def pending_redemption_shares(session: Session, holding: ShareHolding) -> int:
    """Shares already asked back in requests still waiting for a decision."""
    rows = session.scalars(
        select(Approval).where(
            Approval.kind == REDEMPTION_APPROVAL,
            Approval.status == ApprovalStatus.PENDING,
            Approval.object_type == "share_holding",
            Approval.object_id == holding.id,
        )
    )
    return sum(int(row.payload["shares"]) for row in rows)


def parse_share_count(value: object, *, field: str = "shares") -> int:
    """A whole number of shares, at least 1, typed by a person or sent by an integration."""
    if isinstance(value, bool | float):
        raise ValidationError(field, N_("must be a whole number of shares"))
    text = str(value if value is not None else "").strip()
    if not text:
        raise ValidationError(field, N_("is required"))
    if not text.lstrip("-").isdigit():
        raise ValidationError(field, N_("must be a whole number of shares, e.g. 4"))
    count = int(text)
    if count < 1:
        raise ValidationError(field, N_("must be at least 1"))
    if count > MAX_SHARES_PER_BOOKING:
        raise ValidationError(
            field,
            N_("must not exceed %(max_shares_per_booking)s"),
            max_shares_per_booking=MAX_SHARES_PER_BOOKING,
        )
    return count


# ---------------------------------------------------------------------------------------------
# Issue


def issue_shares(
    session: Session,
    member: Member,
    shares: object,
    *,
    key: str,
    actor: Actor,
    paid_from: DepositAccount | None = None,
    share_class: ShareClass | None = None,
    description: str = "",
    value_date: dt.date | None = None,
) -> Booked:
    """Issue shares to a member, paid from their deposit account or received from outside.

    Refused above the class's maximum per member. The first paid share activates an applicant.
    """
    savings.require_role(actor, *savings.BOOKING_ROLES)
    share_class = share_class or default_share_class(session)
    order = ShareOrder(member, shares, key, paid_from, description, value_date)
    prepared = _prepare_issue(session, order, share_class)
    booked = savings.post_once(
        session,
        key=prepared.request.key,
        kind=prepared.request.kind,
        lines=list(prepared.request.lines),
        value_date=prepared.request.value_date,
        memo=prepared.request.memo,
        actor=actor,
        audit_action="booking.shares_issue",
        account=paid_from,
        amount=prepared.amount,
        extra=prepared.audit_extra,
    )
    if booked.created:
        members_service.activate_on_first_share(session, member, actor=actor, on=prepared.request.value_date)
    return booked


@dataclass(frozen=True)
class ShareOrder:
    """One member's share purchase, for :func:`issue_shares_many`."""

    member: Member
    shares: object
    key: str
    paid_from: DepositAccount | None = None
    description: str = ""
    value_date: dt.date | None = None


@dataclass(frozen=True)
class _PreparedIssue:
    request: ledger.EntryRequest
    amount: Decimal
    audit_extra: dict[str, object]
    repeat: bool


def _prepare_issue(session: Session, order: ShareOrder, share_class: ShareClass) -> _PreparedIssue:
    """Check one order by every rule and build its ledger entry; opens the holding if needed."""
    member, paid_from = order.member, order.paid_from
    count = parse_share_count(order.shares)
    ledger_key = f"shares-issue:{savings.clean_key(order.key)}"
    repeat = savings.already_posted(session, ledger_key)
    value_date = order.value_date or clock.today()
    if value_date > clock.today():
        raise ValidationError("value_date", N_("must not be in the future"))
    if member.status in (MemberStatus.LEFT, MemberStatus.SUSPENDED):
        raise ValidationError("member", N_("is %(status)s; no shares can be issued"), status=member.status)
    amount = share_class.nominal_value * count
    existing = find_holding(session, member, share_class)
    held = shares_held(session, existing) if existing is not None else 0
    if not repeat and held + count > share_class.max_shares_per_member:
        raise ValidationError(
            "shares",
            N_(
                "would bring the member to %(total)s shares; the maximum is %(max_shares_per_member)s "
                "per member (now %(held)s)"
            ),
            total=held + count,
            max_shares_per_member=share_class.max_shares_per_member,
            held=held,
        )
    if paid_from is not None:
        if paid_from.member_id != member.id:
            raise ValidationError(
                "from_account", N_("belongs to another member; shares are paid from own money")
            )
        if not repeat:
            savings.require_money_may_leave(paid_from, field="from_account")
            savings.require_funds(session, paid_from, amount, field="shares")
        source = paid_from.ledger_account_id
    else:
        source = ledger.account_by_code(session, chart.SETTLEMENT).id
    holding = _holding_for(session, member, share_class, value_date, existing)
    memo = (
        savings.clean_description(order.description)
        or f"{count} member share(s) {share_class.code} à {share_class.nominal_value:.2f}"
    )
    if paid_from is None:
        memo += " · received from outside"
    request = ledger.EntryRequest(
        key=ledger_key,
        kind="shares_issue",
        lines=[ledger.debit(source, amount), ledger.credit(holding.ledger_account_id, amount)],
        value_date=value_date,
        memo=memo,
    )
    extra: dict[str, object] = {"member": member.number, "shares": count, "class": share_class.code}
    return _PreparedIssue(request, amount, extra, repeat)


def issue_shares_many(
    session: Session, orders: list[ShareOrder], *, actor: Actor, share_class: ShareClass | None = None
) -> list[int]:
    """Issue shares to many members in one ledger batch (the demo; taking over an existing register).

    The same rules as :func:`issue_shares`, checked for every order before anything is posted;
    all or nothing. One order per member, so the maximum is checked against what they hold.
    """
    savings.require_role(actor, *savings.BOOKING_ROLES)
    share_class = share_class or default_share_class(session)
    members = [order.member.id for order in orders]
    if len(set(members)) != len(members):
        raise ValidationError("orders", N_("hold more than one order for a member; combine them"))
    prepared = [_prepare_issue(session, order, share_class) for order in orders]
    entry_ids = ledger.post_many(session, [p.request for p in prepared], actor=actor)
    for order, issue, entry_id in zip(orders, prepared, entry_ids, strict=True):
        if issue.repeat:
            continue
        audit.record(
            session,
            actor,
            "booking.shares_issue",
            "journal_entry",
            entry_id,
            after={
                "account": order.paid_from.number if order.paid_from is not None else None,
                "amount": issue.amount,
                "value_date": issue.request.value_date,
                **issue.audit_extra,
            },
            detail=issue.request.memo,
        )
        members_service.activate_on_first_share(
            session, order.member, actor=actor, on=issue.request.value_date
        )
    return entry_ids


# ---------------------------------------------------------------------------------------------
# Redemption


@dataclass(frozen=True)
class RedemptionRequest:
    approval: Approval
    created: bool


def request_redemption(
    session: Session,
    member: Member,
    shares: object,
    *,
    key: str,
    actor: Actor,
    pay_to: DepositAccount | None = None,
    share_class: ShareClass | None = None,
    description: str = "",
) -> RedemptionRequest:
    """Ask to redeem N shares; a second staff member approves it and the money is paid then.

    ``pay_to`` is the member's deposit account; None pays out to the external IBAN.
    """
    savings.require_role(actor, *savings.BOOKING_ROLES)
    count = parse_share_count(shares)
    share_class = share_class or default_share_class(session)
    request_key = f"shares-redeem:{savings.clean_key(key)}"
    description = savings.clean_description(description)
    holding = find_holding(session, member, share_class)
    if holding is None:
        raise ValidationError("shares", N_("the member holds no shares of this class"))
    destination = _destination(member, pay_to)
    existing = session.scalar(select(Approval).where(Approval.request_key == request_key))
    if existing is None:
        _check_redemption(session, member, holding, count, include_pending=True)
    amount = share_class.nominal_value * count
    approval, created = approvals.request_approval(
        session,
        kind=REDEMPTION_APPROVAL,
        request_key=request_key,
        object_type="share_holding",
        object_id=holding.id,
        amount=amount,
        summary=(
            f"Redeem {count} share(s) {share_class.code} of {member.display_name} "
            f"(EUR {amount:,.2f}) to {destination}"
        ),
        payload={
            "holding_id": holding.id,
            "member_id": member.id,
            "shares": count,
            "pay_to_account_id": pay_to.id if pay_to is not None else None,
            "iban": member.external_iban if pay_to is None else None,
            "description": description,
            "key": request_key,
        },
        actor=actor,
    )
    return RedemptionRequest(approval=approval, created=created)


def _destination(member: Member, pay_to: DepositAccount | None) -> str:
    if pay_to is not None:
        if pay_to.member_id != member.id:
            raise ValidationError(
                "to_account", N_("belongs to another member; shares are paid to the member")
            )
        savings.require_money_may_arrive(pay_to, field="to_account")
        return pay_to.formatted_number
    return savings.payout_iban(member)


def _check_redemption(
    session: Session, member: Member, holding: ShareHolding, count: int, *, include_pending: bool
) -> None:
    held = shares_held(session, holding)
    waiting = pending_redemption_shares(session, holding) if include_pending else 0
    remaining = held - waiting - count
    if remaining < 0:
        raise ValidationError(
            "shares",
            N_(
                "the member holds %(held)s share(s), %(waiting)s already asked back; %(count)s "
                "cannot be redeemed"
            )
            if waiting
            else N_("the member holds %(held)s share(s); %(count)s cannot be redeemed"),
            held=held,
            waiting=waiting,
            count=count,
        )
    minimum = holding.share_class.min_shares_per_member
    if remaining < minimum and member.status is not MemberStatus.LEFT:
        raise ValidationError(
            "shares",
            N_(
                "would leave %(remaining)s share(s) (%(waiting)s already asked back); a member "
                "keeps at least "
                "%(minimum)s (all shares can be redeemed once the membership has ended)"
            )
            if waiting
            else N_(
                "would leave %(remaining)s share(s); a member keeps at least %(minimum)s "
                "(all shares can be redeemed once the membership has ended)"
            ),
            remaining=remaining,
            waiting=waiting,
            minimum=minimum,
        )


def carry_out_redemption(session: Session, approval: Approval, actor: Actor) -> int:
    """Pay out an approved redemption, re-checking the holding and the minimum now."""
    payload = approval.payload
    holding = session.get(ShareHolding, int(payload["holding_id"]))
    if holding is None:
        raise NotFound(N_("the share holding of this request no longer exists"))
    member = holding.member
    count = int(payload["shares"])
    _check_redemption(session, member, holding, count, include_pending=False)
    amount = holding.share_class.nominal_value * count
    if not payload.get("pay_to_account_id"):
        return _order_redemption_payout(session, approval, holding, count, amount, actor)
    account = savings.get_account(session, int(payload["pay_to_account_id"]))
    savings.require_money_may_arrive(account, field="to_account")
    target = account.ledger_account_id
    memo = f"Redemption of {count} member share(s) {holding.share_class.code} to {account.formatted_number}"
    if payload.get("description"):
        memo = f"{payload['description']} · {memo}"
    booked = savings.post_once(
        session,
        key=str(payload["key"]),
        kind="shares_redemption",
        lines=[ledger.debit(holding.ledger_account_id, amount), ledger.credit(target, amount)],
        value_date=clock.today(),
        memo=memo,
        actor=actor,
        audit_action="booking.shares_redemption",
        account=account,
        amount=amount,
        extra={"member": member.number, "shares": count, "approval": approval.id},
    )
    return booked.entry.id


def _order_redemption_payout(
    session: Session, approval: Approval, holding: ShareHolding, count: int, amount: Decimal, actor: Actor
) -> int:
    """Pay a redemption to the member's external IBAN: a payment order, Dr the holding / Cr 1090.

    The statement clears it against 1000 (``bank.payments.payouts``); a transfer that comes back
    is credited back to the holding.
    """
    payload = approval.payload
    member = holding.member
    key = str(payload["key"])
    memo = f"Redemption of {count} member share(s) {holding.share_class.code} · to {payload['iban']}"
    if payload.get("description"):
        memo = f"{payload['description']} · {memo}"
    existed = savings.already_posted(session, key)
    ordered = payment_orders.order_payment(
        session,
        key=key,
        kind="shares_redemption",
        source=OrderSource.SHARE_REDEMPTION,
        paying_account_id=holding.ledger_account_id,
        amount=amount,
        creditor_name=member.full_name[:70],
        iban=str(payload["iban"]),
        remittance=f"Wijkbank aandelen {member.number}",
        execution_on=clock.today(),
        actor=actor,
        memo=memo,
        member=member,
    )
    if not existed:
        audit.record(
            session,
            actor,
            "booking.shares_redemption",
            "journal_entry",
            ordered.order.order_entry_id,
            after={
                "account": None,
                "amount": amount,
                "member": member.number,
                "shares": count,
                "approval": approval.id,
                "end_to_end_id": ordered.order.end_to_end_id,
            },
            detail=memo,
        )
    return ordered.order.order_entry_id


# ---------------------------------------------------------------------------------------------
# Seed capital


def receive_seed_capital(
    session: Session,
    amount: object,
    *,
    key: str,
    actor: Actor,
    description: str = "",
    value_date: dt.date | None = None,
) -> Booked:
    """The municipality's seed capital arrived at the settlement account: Dr 1000 / Cr 3100 (admin)."""
    if not actor.has_role("admin"):
        raise PermissionDenied(N_("only administrators may book municipal seed capital"))
    amount_value = parse_amount(amount, field="amount")
    memo = savings.clean_description(description) or "Municipal seed capital received"
    value_date = value_date or clock.today()
    if value_date > clock.today():
        raise ValidationError("value_date", N_("must not be in the future"))
    settlement = ledger.account_by_code(session, chart.SETTLEMENT)
    seed = ledger.account_by_code(session, chart.SEED_CAPITAL)
    return savings.post_once(
        session,
        key=f"seed-capital:{savings.clean_key(key)}",
        kind="seed_capital",
        lines=[ledger.debit(settlement, amount_value), ledger.credit(seed, amount_value)],
        value_date=value_date,
        memo=memo,
        actor=actor,
        audit_action="booking.seed_capital",
        account=None,
        amount=amount_value,
    )
