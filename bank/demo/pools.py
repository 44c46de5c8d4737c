"""Demo steps: the two investment pools, members' money in them over the year, withdrawals.

Two steps, around the applications step, because a pool funds a loan out of the money it holds
when the loan is paid out (:func:`bank.lending.disbursement.book_funded_loan` asks
:func:`bank.pools.funding.fund_loan`):

1. **Pools launched with the bank** (before the loans): "Grondfonds" (land-trust purchases and
   housing co-ops) and "Coöp Startfonds" (co-op startups and associations), each with a
   first-loss buffer from the municipality's seed capital; in the bank's first weeks, before
   the first loans are paid out, some 30 members subscribe (a few large anchor investors
   among them, and the persons who get a portal log-in), so the first loans (the co-op that
   is later written off among them) are funded in part by the members.
2. **The rest of the year** (after the loans, before the year of close days): some 40 more
   subscriptions, new participants and top-ups, dated through the year; one withdrawal request
   whose notice runs out in the past (the close day of that date pays it), one whose notice
   is still running (it waits in the queue staff see), one full exit.

Money subscribed in step 2 funds no loan: the loans were booked before it, in the applications
step, so the pools fund only what they held then (a truthful lower bound; the rest of the
year's money shows as not lent out, and pays the withdrawals). The year of close days
(``bank.demo.servicing``) then distributes each ended quarter and pays the due withdrawal;
the write-off of the co-op loan takes the pool's share of the loss to the pool's buffer.

Every subscription is dated with the demo clock set to its day, and never takes more than
the member's account holds on every later day of its history (the year of deposits and
withdrawals is already booked); a member short of money first moves savings in.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.auth.service import actor_for
from bank.calendar import next_business_day
from bank.demo.context import DemoContext
from bank.demo.portal import portal_candidates
from bank.ledger.models import Posting, Side
from bank.loans.products_models import LoanPurpose
from bank.members.models import Member, MemberKind, MemberStatus
from bank.pools import queries as pool_queries
from bank.pools import service as pools
from bank.pools.models import Participation, Pool, WithdrawalRequest
from bank.savings import service as savings
from bank.savings.models import DepositAccount

SEED = 2026_0007
#: The bank's first weeks, before the first loans are paid out (in its seventh week).
EARLY_DAYS = (3, 38)
EARLY_SUBSCRIBERS = 26
#: Large early subscriptions that give each pool money to lend from its first weeks.
ANCHORS = {"COOPSTART": 3, "GRONDFONDS": 2}
ANCHOR_AMOUNT = Decimal("10000.00")
LATER_SUBSCRIBERS = 34
LATER_TOP_UPS = 8
#: Amounts (euros) members put in, and how often.
AMOUNTS = (
    (50, 6),
    (100, 8),
    (250, 10),
    (500, 12),
    (750, 6),
    (1000, 12),
    (1500, 8),
    (2500, 8),
    (5000, 5),
    (7500, 2),
    (10000, 2),
)
POOLS: tuple[dict[str, Any], ...] = (
    {
        "code": "GRONDFONDS",
        "name": "Grondfonds",
        "purposes": [LoanPurpose.LAND_TRUST_PURCHASE.value, LoanPurpose.HOUSING_COOP.value],
        "minimum_participation": Decimal("50.00"),
        "notice_months": 3,
        "margin_share": Decimal("0.25"),
        "target_return_annual": Decimal("0.03"),
        "first_loss_buffer": Decimal("100000.00"),
        "description": (
            "Grond en gebouwen uit de markt: uw spaargeld financiert de aankopen van de"
            " gemeenschappelijke grondtrust en wooncoöperaties in de wijk."
        ),
    },
    {
        "code": "COOPSTART",
        "name": "Coöp Startfonds",
        "purposes": [LoanPurpose.COOP_STARTUP.value, LoanPurpose.ASSOCIATION.value],
        "minimum_participation": Decimal("50.00"),
        "notice_months": 3,
        "margin_share": Decimal("0.30"),
        "target_return_annual": Decimal("0.035"),
        "first_loss_buffer": Decimal("75000.00"),
        "description": (
            "Werk in de wijk: uw spaargeld helpt nieuwe werkerscoöperaties en verenigingen op weg."
        ),
    },
)
TOP_UP_DESCRIPTION = "Overboeking spaargeld voor deelname {pool}"


def _actor(context: DemoContext, email: str) -> Actor:
    return actor_for(context.users[email])


def _amount(rng: random.Random) -> Decimal:
    values, weights = zip(*AMOUNTS, strict=True)
    return Decimal(rng.choices(values, weights=weights)[0]).quantize(Decimal("0.01"))


@dataclass
class PoolLaunch:
    """What the first pools step hands its second step (and no later step: it is cleared)."""

    teller: Actor
    money: _Money
    early_members: list[Member]


class _Money:
    """What each member's account may still give on a day without its later history going negative."""

    def __init__(self, session: Session) -> None:
        self.session = session
        #: account id -> {value date: net credit of the day}
        self._days: dict[int, dict[dt.date, Decimal]] = {}

    def _movements(self, account: DepositAccount) -> dict[dt.date, Decimal]:
        if account.id not in self._days:
            days: dict[dt.date, Decimal] = {}
            rows = self.session.execute(
                select(Posting.value_date, Posting.side, Posting.amount).where(
                    Posting.account_id == account.ledger_account_id
                )
            )
            for value_date, side, amount in rows:
                signed = amount if side is Side.CREDIT else -amount
                days[value_date] = days.get(value_date, Decimal("0.00")) + signed
            self._days[account.id] = days
        return self._days[account.id]

    def spare(self, account: DepositAccount, on: dt.date) -> Decimal:
        """The lowest end-of-day balance from ``on`` onwards."""
        days = self._movements(account)
        running = sum((amount for day, amount in days.items() if day < on), Decimal("0.00"))
        lowest: Decimal | None = None
        for day in sorted(d for d in {on, *days} if d >= on):
            running += days.get(day, Decimal("0.00"))
            lowest = running if lowest is None else min(lowest, running)
        return lowest if lowest is not None else running

    def moved(self, account: DepositAccount, on: dt.date, amount: Decimal) -> None:
        days = self._movements(account)
        days[on] = days.get(on, Decimal("0.00")) + amount


def _subscribe(
    session: Session,
    context: DemoContext,
    teller: Actor,
    money: _Money,
    pool: Pool,
    member: Member,
    on: dt.date,
    amount: Decimal,
    key: str,
) -> Participation:
    account: DepositAccount = context.deposit_accounts[member.id]
    with clock.frozen(on):
        short = amount - money.spare(account, on)
        if short > 0:
            top_up = short.quantize(Decimal("10"), rounding=ROUND_UP)
            savings.deposit(
                session,
                account,
                top_up,
                key=f"demo:pool-top-up:{key}",
                actor=teller,
                description=TOP_UP_DESCRIPTION.format(pool=pool.name),
                value_date=on,
            )
            money.moved(account, on, top_up)
        participation = pools.subscribe(
            session,
            pool=pool,
            member=member,
            deposit_account=account,
            amount=amount,
            key=f"demo:{key}",
            actor=teller,
            on=on,
        )
    money.moved(account, on, -amount)
    return participation


def _eligible(member: Member, context: DemoContext, on: dt.date) -> bool:
    account = context.deposit_accounts.get(member.id)
    registered = context.registered_on.get(member.id, context.opened_on)
    return (
        account is not None
        and member.kind is MemberKind.PERSON
        and member.status is MemberStatus.ACTIVE
        and registered <= on
        and account.opened_on <= on
    )


def _day(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    """A business day between ``first`` and ``last`` (``last`` itself when none follows in time)."""
    day = next_business_day(first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0))))
    return day if day <= last else last


def launch_pools(session: Session, context: DemoContext) -> None:
    """Step 1: the pools and their first participants, before any loan is paid out."""
    rng = random.Random(SEED)
    opened_on: dt.date = context.opened_on
    admin = _actor(context, "beheer@wijkbank.example")
    teller = _actor(context, "balie@wijkbank.example")
    created: dict[str, Pool] = {}
    with clock.frozen(next_business_day(opened_on + dt.timedelta(days=1))):
        for terms in POOLS:
            created[terms["code"]] = pools.create_pool(session, actor=admin, **terms)
    context.pools = created
    money = _Money(session)
    first, last = (opened_on + dt.timedelta(days=days) for days in EARLY_DAYS)
    persons = [m for m in context.persons if _eligible(m, context, last)]
    # Portal users first (they should find their pools in the portal), then the earliest members.
    portal = [m for m in portal_candidates(session, context) if m in persons]
    early = portal + [m for m in persons if m not in portal]
    early = early[: EARLY_SUBSCRIBERS + sum(ANCHORS.values())]
    subscriptions: list[tuple[dt.date, str, Member, Decimal, str]] = []
    anchors = [code for code, count in ANCHORS.items() for _ in range(count)]
    for index, member in enumerate(early):
        registered = max(context.registered_on.get(member.id, first), first)
        on = _day(rng, registered, last)
        if index < len(portal):
            code = POOLS[index % 2]["code"]
            amount = _amount(rng)
        elif anchors:
            code, amount = anchors.pop(0), ANCHOR_AMOUNT
        else:
            code = "COOPSTART" if rng.random() < 0.55 else "GRONDFONDS"
            amount = _amount(rng)
        subscriptions.append((on, code, member, amount, f"pool-early:{member.number}:{code}"))
        if rng.random() < 0.15:  # some put money in both pools
            other = "GRONDFONDS" if code == "COOPSTART" else "COOPSTART"
            subscriptions.append((on, other, member, _amount(rng), f"pool-early:{member.number}:{other}"))
    for on, code, member, amount, key in sorted(subscriptions, key=lambda s: (s[0], s[2].number, s[1])):
        _subscribe(session, context, teller, money, created[code], member, on, amount, key)
    context.pool_launch = PoolLaunch(teller=teller, money=money, early_members=early)


def pools_through_the_year(session: Session, context: DemoContext) -> None:
    """Step 2: more subscriptions through the year, and three withdrawal requests."""
    rng = random.Random(SEED + 1)
    created: dict[str, Pool] = context.pools
    launch = context.pool_launch
    if launch is None:
        raise RuntimeError("the pools' second demo step runs after their first (launch_pools)")
    teller, money, early = launch.teller, launch.money, launch.early_members
    today = clock.today()
    first = context.opened_on + dt.timedelta(days=EARLY_DAYS[1] + 1)
    last = today - dt.timedelta(days=3)
    members: list[Member] = context.persons
    newcomers = [m for m in members if m not in early and _eligible(m, context, last)]
    rng.shuffle(newcomers)
    subscriptions: list[tuple[dt.date, str, Member, Decimal, str]] = []
    for member in newcomers[:LATER_SUBSCRIBERS]:
        registered = context.registered_on.get(member.id, first)
        on = _day(rng, max(registered, context.deposit_accounts[member.id].opened_on, first), last)
        code = "COOPSTART" if rng.random() < 0.5 else "GRONDFONDS"
        subscriptions.append((on, code, member, _amount(rng), f"pool-later:{member.number}:{code}"))
    participations = {
        (p.pool_id, p.member_id): p for p in session.scalars(select(Participation).order_by(Participation.id))
    }
    by_id = {pool.id: pool for pool in created.values()}
    # Withdrawals come from early participants who put in more than the minimum and no more later.
    leaving = [p for p in participations.values() if p.member_id in {m.id for m in early}]
    rng.shuffle(leaving)
    withdrawers = leaving[:3]
    for participation in rng.sample(
        [p for p in participations.values() if p not in withdrawers], LATER_TOP_UPS
    ):
        pool = by_id[participation.pool_id]
        member = participation.member
        on = _day(rng, first, last)
        subscriptions.append(
            (on, pool.code, member, _amount(rng), f"pool-top-up:{member.number}:{pool.code}")
        )
    for on, code, member, amount, key in sorted(subscriptions, key=lambda s: (s[0], s[2].number, s[1])):
        _subscribe(session, context, teller, money, created[code], member, on, amount, key)

    requests: list[WithdrawalRequest] = []
    stories = (
        # (days ago, part of the participation): paid by the close day three months later ...
        (170, Decimal("0.5")),
        # ... everything, paid too (the member leaves the pool) ...
        (130, Decimal("1")),
        # ... and one whose notice is still running: it waits in the queue.
        (35, Decimal("0.4")),
    )
    for participation, (days_ago, part) in zip(withdrawers, stories, strict=False):
        on = next_business_day(today - dt.timedelta(days=days_ago))
        if on < participation.opened_on:
            continue
        with clock.frozen(on):
            held = pool_queries.participation_balance(session, participation)
            amount = held if part == 1 else (held * part / 10).quantize(Decimal("1")) * 10
            if held - amount < participation.pool.minimum_participation:
                amount = held
            requests.append(
                pools.request_withdrawal(
                    session,
                    participation=participation,
                    amount=amount,
                    key=f"demo:pool-withdrawal:{participation.id}",
                    actor=teller,
                    on=on,
                )
            )
    context.pool_withdrawals = requests
    context.pool_launch = None
