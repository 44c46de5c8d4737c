"""Demo step: savings products, a deposit account for every member with a year of history,
member shares, the municipality's seed capital and one large withdrawal awaiting approval.

Runs after the members step and uses ``context.members``, ``context.organisations``,
``context.registered_on`` and ``context.pending_applicants``. Deterministic (one seeded
:class:`random.Random`). Accounts and shares go through the services (number allocation,
activation of applicants); the year of deposits and withdrawals is posted in one
``post_many`` batch of :class:`EntryRequest` so ``make run`` stays fast.

What later steps find in the context:

* ``context.savings_products``: code -> :class:`SavingsProduct` ("WIJKSPAAR", "BUFFER").
* ``context.deposit_accounts``: member id -> the member's main (Wijkspaarrekening) account.
* ``context.share_class``: the member share class (€ 25, 1 to 40 per member).
* ``context.pending_withdrawal``: the approval waiting for a second teller.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from sqlalchemy.orm import Session

from bank import audit, clock
from bank.actor import Actor
from bank.approvals.models import Approval
from bank.auth.models import User
from bank.demo.context import DemoContext
from bank.ledger import chart
from bank.ledger import service as ledger
from bank.ledger.service import EntryRequest
from bank.members.models import Member, MemberKind, MemberStatus
from bank.savings import service as savings
from bank.savings.models import DepositAccount
from bank.shares import service as shares

SEED = 2026_0003
_MAY_BUY = (MemberStatus.APPLICANT, MemberStatus.ACTIVE)
SEED_CAPITAL = Decimal("2000000.00")
#: Organisations keep working capital; persons keep savings.
PERSON_DEPOSITS = (Decimal("50"), Decimal("4000"))
ORGANISATION_DEPOSITS = (Decimal("1500"), Decimal("40000"))
#: Share of persons who also keep a "Vaste buffer" account.
BUFFER_SHARE = 0.2
PERSON_DESCRIPTIONS = (
    "Contante storting",
    "Spaargeld van eigen rekening",
    "Vakantiegeld",
    "Maandelijkse inleg",
    "Teruggave belasting",
    "Verjaardagsgeld",
)
ORGANISATION_DESCRIPTIONS = (
    "Omzet week",
    "Ledenbijdragen",
    "Subsidie gemeente",
    "Betaling klant",
    "Contributie",
)
WITHDRAWAL_DESCRIPTIONS = ("Opname", "Huur", "Aankoop", "Naar eigen rekening", "Rekening leverancier")


def _actor(context: DemoContext, email: str) -> Actor:
    user: User = context.users[email]
    return Actor(user_id=user.id, label=user.email, role=user.role)


def _euros(rng: random.Random, low: Decimal, high: Decimal) -> Decimal:
    """A believable amount: round tens mostly, sometimes with cents."""
    cents = rng.randint(int(low * 100), int(high * 100))
    if rng.random() < 0.7:
        cents = max(cents - cents % 1000, 1000)
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def _day_between(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    if last <= first:
        return first
    return first + dt.timedelta(days=rng.randint(0, (last - first).days))


def load_money(session: Session, context: DemoContext) -> None:
    # The services flush where they need ids; skipping autoflush before every read saves
    # most of this step's time (hundreds of small audit rows would otherwise flush each query).
    with session.no_autoflush:
        _load_money(session, context)


def _load_money(session: Session, context: DemoContext) -> None:
    rng = random.Random(SEED)
    today = clock.today()
    opened_on: dt.date = context.opened_on
    admin = _actor(context, "beheer@wijkbank.example")
    tellers = [_actor(context, "balie@wijkbank.example"), _actor(context, "balie2@wijkbank.example")]
    members: list[Member] = context.members
    registered_on: dict[int, dt.date] = context.registered_on
    pending: set[int] = {m.id for m in context.pending_applicants}

    # The municipality's seed capital arrived on the bank's first day.
    with clock.frozen(opened_on):
        shares.receive_seed_capital(
            session,
            SEED_CAPITAL,
            key="demo:seed-capital",
            actor=admin,
            description="Startkapitaal gemeente Amsterdam (raadsbesluit WijkWelvaartsWerk)",
            value_date=opened_on,
        )
        products = {
            "WIJKSPAAR": savings.create_product(
                session,
                code="WIJKSPAAR",
                name_nl="Wijkspaarrekening",
                name_en="Neighbourhood savings account",
                rate_annual=Decimal("0.0125"),
                effective_from=opened_on,
                actor=admin,
            ),
            "BUFFER": savings.create_product(
                session,
                code="BUFFER",
                name_nl="Vaste buffer",
                name_en="Fixed buffer",
                rate_annual=Decimal("0.02"),
                effective_from=opened_on,
                actor=admin,
            ),
        }
        share_class = shares.create_share_class(
            session,
            code="A",
            name="Aandeel A",
            nominal_value=Decimal("25.00"),
            min_shares_per_member=1,
            max_shares_per_member=40,
            actor=admin,
        )

    settlement = ledger.account_by_code(session, chart.SETTLEMENT).id
    main_accounts: dict[int, DepositAccount] = {}
    buffers: list[tuple[Member, DepositAccount, DepositAccount]] = []
    requests: list[tuple[dt.date, int, EntryRequest, Actor, DepositAccount, Decimal, str]] = []
    share_plans: list[tuple[Member, DepositAccount, int, dt.date, bool]] = []

    for index, member in enumerate(members):
        if member.status is MemberStatus.LEFT:
            continue  # withdrew before becoming a member: no account
        teller = tellers[index % 2]
        start = max(registered_on.get(member.id, opened_on), opened_on)
        with clock.frozen(start):
            account = savings.open_account(
                session, member, products["WIJKSPAAR"], actor=teller, opened_on=start
            )
        main_accounts[member.id] = account
        organisation = member.kind is MemberKind.ORGANISATION
        low, high = ORGANISATION_DEPOSITS if organisation else PERSON_DEPOSITS
        descriptions = ORGANISATION_DESCRIPTIONS if organisation else PERSON_DESCRIPTIONS

        shares_wanted = 0 if member.id in pending or member.status not in _MAY_BUY else rng.randint(1, 10)
        from_outside = rng.random() < 0.3
        share_cost = share_class.nominal_value * shares_wanted
        # Events in date order; the running balance keeps every withdrawal and share covered.
        first = _euros(rng, max(low + 100, share_cost + 100), max(high, share_cost + 200))
        events: list[tuple[dt.date, str, Decimal]] = [(start, "deposit", first)]
        for _ in range(rng.randint(1, 5)):
            events.append((_day_between(rng, start, today), "deposit", _euros(rng, low, high)))
        for _ in range(rng.randint(0, 3)):
            events.append((_day_between(rng, start + dt.timedelta(days=7), today), "withdrawal", Decimal(0)))
        events.sort(key=lambda e: (e[0], e[1] != "deposit"))
        balance = Decimal(0)
        for number, (day, kind, amount) in enumerate(events):
            if day > today:
                continue
            if kind == "withdrawal":
                spare = balance - (share_cost if not from_outside else 0)
                if spare < 100:
                    continue
                amount = _euros(rng, Decimal(20), (spare * Decimal("0.6")).quantize(Decimal("0.01")))
                if amount > spare:
                    continue
                balance -= amount
                memo = f"{rng.choice(WITHDRAWAL_DESCRIPTIONS)} · to {member.external_iban}"
                lines = [ledger.debit(account.ledger_account_id, amount), ledger.credit(settlement, amount)]
                if not member.external_iban:
                    balance += amount
                    continue
            else:
                balance += amount
                memo = rng.choice(descriptions)
                lines = [ledger.debit(settlement, amount), ledger.credit(account.ledger_account_id, amount)]
            request = EntryRequest(
                key=f"demo:{kind}:{member.number}:{number}",
                kind=kind,
                lines=lines,
                value_date=day,
                memo=memo,
            )
            requests.append((day, len(requests), request, teller, account, amount, f"booking.{kind}"))
        if shares_wanted:
            share_day = min(start + dt.timedelta(days=rng.randint(0, 10)), today)
            share_plans.append((member, account, shares_wanted, share_day, from_outside))

        if not organisation and rng.random() < BUFFER_SHARE and balance > 600:
            # After the account's last movement, so its running balance never dips below zero.
            last_day = max((day for day, _kind, _amount in events if day <= today), default=start)
            buffer_day = _day_between(rng, last_day, today)
            with clock.frozen(buffer_day):
                buffer = savings.open_account(
                    session, member, products["BUFFER"], actor=teller, opened_on=buffer_day
                )
            amount = (balance / 2).quantize(Decimal("1"))
            request = EntryRequest(
                key=f"demo:transfer:{member.number}:buffer",
                kind="transfer",
                lines=[
                    ledger.debit(account.ledger_account_id, amount),
                    ledger.credit(buffer.ledger_account_id, amount),
                ],
                value_date=buffer_day,
                memo=f"Naar vaste buffer · {account.formatted_number} → {buffer.formatted_number}",
            )
            # Post after everything the account received, so the transfer is always covered.
            requests.append(
                (
                    today + dt.timedelta(days=1),
                    len(requests),
                    request,
                    teller,
                    account,
                    amount,
                    "booking.transfer",
                )
            )
            buffers.append((member, account, buffer))

    requests.sort(key=lambda r: (r[0], r[1]))
    entry_ids = ledger.post_many(session, [r[2] for r in requests], actor=tellers[0])
    for (_day, _n, request, teller, account, amount, action), entry_id in zip(
        requests, entry_ids, strict=True
    ):
        audit.record(
            session,
            teller,
            action,
            "journal_entry",
            entry_id,
            after={"account": account.number, "amount": amount, "value_date": request.value_date},
            detail=request.memo,
        )

    # Member shares in one ledger batch per teller; each first share activates the applicant.
    for number, teller in enumerate(tellers):
        orders = [
            shares.ShareOrder(
                member,
                count,
                key=f"demo:shares:{member.number}",
                paid_from=None if from_outside else account,
                value_date=day,
            )
            for member, account, count, day, from_outside in share_plans
            if member.number % len(tellers) == number
        ]
        shares.issue_shares_many(session, orders, actor=teller, share_class=share_class)

    # One buffer account is blocked while a dispute is looked into.
    if buffers:
        _member, _account, blocked = buffers[len(buffers) // 2]
        savings.block_account(
            session, blocked, reason="Onderzoek naar herkomst storting (melding compliance)", actor=admin
        )

    context.savings_products = products
    context.deposit_accounts = main_accounts
    context.share_class = share_class
    context.pending_withdrawal = _pending_withdrawal(session, context, main_accounts, tellers[0])


def _pending_withdrawal(
    session: Session, context: DemoContext, accounts: dict[int, DepositAccount], teller: Actor
) -> Approval | None:
    """A large withdrawal that the second teller still has to approve (four eyes)."""
    candidates = [context.organisations.get("bakery"), *context.members]
    for member in candidates:
        if member is None or member.id not in accounts or not member.external_iban:
            continue
        account = accounts[member.id]
        if savings.available_balance(session, account) > Decimal("13000"):
            outcome = savings.withdraw(
                session,
                account,
                Decimal("12500.00"),
                key="demo:pending-withdrawal",
                actor=teller,
                approval_threshold=Decimal("10000.00"),
                description="Aanbetaling nieuwe oven",
            )
            return outcome.approval
    return None
