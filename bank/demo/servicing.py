"""Demo step: a year of loan servicing, closed day by day through the real runs.

Runs after the applications step (``context.loans``: the loans it disbursed). For every
business day from the first disbursement to yesterday it closes the day with the same jobs the
scheduler runs (repayments, savings interest, offers, pools; the month-end statements for the
last months only), inside the demo's one transaction. Before each
run the borrowers' accounts are funded the way their story goes:

* most borrowers pay on time (their revenue arrives before the instalment is collected);
* one pays late: the second instalment finds an empty account, the money comes three weeks
  later (late fee, penalty interest);
* one pays in part for three months and tops up a week later;
* one prepays and shortens the term, another prepays and lowers the instalment;
* one repays in full early (payoff);
* one stops paying, is written off by an administrator and a second approver, and a part is
  recovered later;
* one has stopped paying recently, so the arrears page shows a loan in arrears today;
* one paid late, then asked for forbearance: a payment holiday and a longer term, granted
  (``bank.demo.forbearance``);
* one otherwise punctual payer missed the instalment collected a few days ago, so the staff
  home's "newly in arrears" has a loan to show (the latest missed instalment of the last week).

When the applications step booked no loans (an older checkout), a few are booked here through
``book_funded_loan`` first, guarded by their keys so a second load books nothing twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor, system
from bank.approvals import service as approvals
from bank.auth.service import actor_for
from bank.calendar import business_days, collection_cutoff, next_business_day
from bank.day import close_day_in
from bank.demo import forbearance as forbearance_demo
from bank.demo.collections import MandateYear
from bank.demo.context import DemoContext
from bank.demo.statements import MONTHS as STATEMENT_MONTHS
from bank.ledger import queries as ledger_queries
from bank.lending.disbursement import book_funded_loan
from bank.loans import servicing
from bank.loans.models import Instalment, InstalmentStatus, Loan, LoanStatus
from bank.loans.products_models import LoanProduct, ProductStatus
from bank.provisioning.queries import current_flags as risk_flags
from bank.runs.batches import Batches
from bank.savings import service as savings
from bank.savings.models import DepositAccount

#: Stories, given to the loans with the most history first (a part is skipped when a loan is too
#: young for it): instalment numbers refer to the loan's first schedule.
PLANS: tuple[dict[str, Any], ...] = (
    {"late": 2, "prepay": ("shorten_term", 6)},
    {"partial": (2, 3, 4), "stops_paying_from": 6, "write_off_days": 95, "recovery_days": 120},
    {"prepay": ("lower_instalment", 4)},
    {},
    {"payoff": 3},
    {"in_arrears": True},
    {"late": 1, "forbearance": 2},
)


def _actor(context: DemoContext, email: str) -> Actor:
    users = context.users
    return (
        actor_for(users[email])
        if email in users
        else Actor(user_id=None, label=f"system:demo:{email}", role="admin")
    )


def _fallback_loans(session: Session, context: DemoContext) -> list[Loan]:
    """Book a few loans when no earlier step did (guarded by their keys)."""
    product = session.scalar(
        select(LoanProduct).where(LoanProduct.status == ProductStatus.ACTIVE).order_by(LoanProduct.id)
    )
    accounts = list(context.deposit_accounts.values())
    if product is None or not accounts:
        return []
    opened: dt.date = context.opened_on
    officer = system("demo")
    loans = []
    for index, account in enumerate(accounts[: len(PLANS) + 2]):
        disbursed_on = opened + dt.timedelta(days=20 + 25 * index)
        with clock.frozen(disbursed_on):
            loans.append(
                book_funded_loan(
                    session,
                    borrower=account.member,
                    product=product,
                    principal=max(product.amount_min, min(product.amount_max, Decimal("15000.00"))),
                    term_periods=max(1, -(-product.term_min_months // product.frequency.months)),
                    disbursed_on=disbursed_on,
                    repayment_account=account,
                    actor=officer,
                    key=f"demo-servicing-{index}",
                )
            )
    return loans


def load_servicing(session: Session, context: DemoContext) -> None:
    loans: list[Loan] = sorted(
        context.loans or _fallback_loans(session, context),
        key=lambda loan: (loan.disbursed_on, loan.id),
    )
    if not loans:
        return
    today = clock.today()
    yesterday = today - dt.timedelta(days=1)
    teller = _actor(context, "balie@wijkbank.example")
    admin = _actor(context, "beheer@wijkbank.example")
    second_admin = _actor(context, "beheer2@wijkbank.example")
    by_id = {loan.id: loan for loan in loans}
    accounts = {loan.id: session.get_one(DepositAccount, loan.repayment_account_id) for loan in loans}
    instalments = list(session.scalars(select(Instalment).where(Instalment.loan_id.in_(list(by_id)))))
    collect_on = {(item.loan_id, item.number): next_business_day(item.due_on) for item in instalments}
    due_on = {(item.loan_id, item.number): item.due_on for item in instalments}
    events: dict[dt.date, list[Callable[[dt.date], None]]] = {}

    # An action is called with the day; the lambdas below bind their loan as a default argument.
    def at(loan: Loan, number: int, days_after: int, action: Callable[..., None]) -> None:
        base = collect_on.get((loan.id, number))
        if base is None:
            return
        day = next_business_day(base + dt.timedelta(days=days_after))
        if day <= yesterday:
            events.setdefault(day, []).append(action)

    def balance(loan_id: int) -> Decimal:
        return ledger_queries.balance(session, accounts[loan_id].ledger_account_id)

    def deposit(loan_id: int, amount: Decimal, key: str, description: str) -> None:
        amount = amount.quantize(Decimal("1"), rounding=ROUND_UP)
        if amount > 0:
            savings.deposit(
                session,
                accounts[loan_id],
                amount,
                key=f"demo:servicing:{key}",
                actor=teller,
                description=description,
            )

    def withdraw_to(loan_id: int, keep: Decimal, key: str) -> None:
        amount = (balance(loan_id) - keep).quantize(Decimal("0.01"))
        if amount > 0:
            savings.withdraw(
                session,
                accounts[loan_id],
                amount,
                key=f"demo:servicing:{key}",
                actor=teller,
                approval_threshold=None,
                description="Betaling leverancier",
            )

    # Stories go to the loans with the most instalments collected before today.
    history = {
        loan.id: sum(
            1 for (loan_id, _n), day in collect_on.items() if loan_id == loan.id and day <= yesterday
        )
        for loan in loans
    }
    plan: dict[int, dict[str, Any]] = {loan.id: {} for loan in loans}
    for loan, wanted in _assign(session, loans, history):
        plan[loan.id] = dict(wanted)
        if "prepay" in wanted:
            mode, number = wanted["prepay"]
            at(
                loan,
                number,
                3,
                lambda day, lid=loan.id, mode=mode: _prepay(session, by_id[lid], day, mode, teller, deposit),
            )
        if "payoff" in wanted:
            at(
                loan,
                wanted["payoff"],
                4,
                lambda day, lid=loan.id: _payoff(session, by_id[lid], day, teller, deposit, balance),
            )
        if "forbearance" in wanted:
            at(
                loan,
                wanted["forbearance"],
                8,
                lambda day, lid=loan.id: forbearance_demo.grant_payment_holiday(
                    session, context, by_id[lid], day
                ),
            )
        if "stops_paying_from" in wanted:
            number = wanted["stops_paying_from"]
            at(
                loan,
                number,
                wanted["write_off_days"],
                lambda day, lid=loan.id: _write_off(session, by_id[lid], admin, second_admin),
            )
            at(
                loan,
                number,
                wanted["recovery_days"],
                lambda day, lid=loan.id: _recover(session, by_id[lid], teller, deposit),
            )

    newly = _newly_late(plan, due_on, collect_on, today)
    if newly is not None:
        plan[newly[0]]["newly_late"] = newly[1]

    start = min(loan.disbursed_on for loan in loans) + dt.timedelta(days=1)
    mandate_year = MandateYear(session, context) if context.users else None
    batches = Batches(session, commit_batches=False)
    # The close days store the month-end statements of the last months only, as the statements
    # step does (every month of the year would only slow the demo down).
    statement_dir = context.statement_dir
    statements_from = today.replace(day=1) - dt.timedelta(days=1)
    for _month in range(STATEMENT_MONTHS - 1):
        statements_from = statements_from.replace(day=1) - dt.timedelta(days=1)
    for day in business_days(start, yesterday):
        with clock.frozen(day):
            if mandate_year is not None:
                mandate_year.before_funding(day, next_business_day(day + dt.timedelta(days=1)))
            cutoff = collection_cutoff(day)
            due = session.scalars(
                select(Instalment)
                .join(Loan, Loan.id == Instalment.loan_id)
                .where(
                    Loan.id.in_(list(by_id)),
                    Loan.status == LoanStatus.ACTIVE,
                    Instalment.status == InstalmentStatus.OPEN,
                    Instalment.due_on <= cutoff,
                )
                .order_by(Instalment.loan_id, Instalment.due_on)
            ).all()
            funded: set[int] = set()
            for item in due:
                if item.loan_id in funded:
                    continue
                funded.add(item.loan_id)
                _fund(
                    session,
                    item,
                    plan[item.loan_id],
                    day,
                    today,
                    collect_on,
                    deposit,
                    withdraw_to,
                    mandate_year.take_back if mandate_year else None,
                )
            for action in events.get(day, []):
                action(day)
            close_day_in(
                batches,
                day,
                started_by="system:scheduler",
                statement_dir=statement_dir if day >= statements_from else None,
            )
            session.expire_all()
    context.serviced_through = yesterday


def _assign(
    session: Session, loans: list[Loan], history: dict[int, int]
) -> list[tuple[Loan, dict[str, Any]]]:
    """The stories to the loans with the most history first; the forbearance story to a loan not on
    the watchlist, so that its month-ends show it in stage 2 *because* it is forborne."""
    ranked = sorted(loans, key=lambda x: (-history[x.id], x.id))
    assigned = list(zip(ranked, PLANS, strict=False))
    spare = [loan for loan in ranked[len(assigned) :] if not risk_flags(session, loan.id)]
    for index, (loan, wanted) in enumerate(assigned):
        if "forbearance" in wanted and risk_flags(session, loan.id) and spare:
            substitute = next((x for x in spare if history[x.id] >= history[loan.id]), spare[0])
            assigned[index] = (substitute, wanted)
    return assigned


#: Stories that decide (or reschedule) every instalment of their loan from some point on: not for
#: "newly late".
_WHOLE_LOAN_STORIES = ("in_arrears", "stops_paying_from", "payoff", "prepay", "forbearance")


def _newly_late(
    plan: dict[int, dict[str, Any]],
    due_on: dict[tuple[int, int], dt.date],
    collect_on: dict[tuple[int, int], dt.date],
    today: dt.date,
) -> tuple[int, int] | None:
    """(loan id, instalment number) of an instalment due in the last week and collected before
    today, which its borrower will not have paid: the staff home's "newly in arrears".

    The demo's dates follow the day it is loaded, so the loan is chosen, not named: a punctual
    payer without a story of its own first, then one whose story leaves that instalment alone;
    two or more days overdue when there is such an instalment, the most recent one otherwise.
    On a day when no instalment was collected in the last week (a long weekend) there is none.
    """
    yesterday = today - dt.timedelta(days=1)
    candidates = []
    for (loan_id, number), due in due_on.items():
        story = plan.get(loan_id)
        if story is None or any(key in story for key in _WHOLE_LOAN_STORIES):
            continue
        if number == story.get("late") or number in story.get("partial", ()):
            continue
        if today - dt.timedelta(days=7) <= due <= yesterday and collect_on[(loan_id, number)] <= yesterday:
            candidates.append((not story, due <= today - dt.timedelta(days=2), due, loan_id, number))
    if not candidates:
        return None
    *_rank, loan_id, number = max(candidates)
    return loan_id, number


def _owed(session: Session, loan_id: int) -> Decimal:
    """What the loan's open instalments due so far still ask for."""
    items = session.scalars(
        select(Instalment).where(
            Instalment.loan_id == loan_id,
            Instalment.status == InstalmentStatus.OPEN,
            Instalment.due_on <= clock.today(),
        )
    ).all()
    return sum((item.outstanding for item in items), Decimal("0.00"))


def _fund(
    session: Session,
    item: Instalment,
    story: dict[str, Any],
    day: dt.date,
    today: dt.date,
    collect_on: dict[tuple[int, int], dt.date],
    deposit: Callable[[int, Decimal, str, str], None],
    withdraw_to: Callable[[int, Decimal, str], None],
    take_back: Callable[[int, dt.date], None] | None,
) -> None:
    """Before the run of ``day``: put the borrower's money where their story wants it.

    A borrower collected by mandate whose story says the money is not there has today's direct
    debit come back (``take_back``) before anything else happens to the account."""
    loan_id = item.loan_id
    first_collection = collect_on.get((loan_id, item.number), next_business_day(item.due_on))
    days_late = (day - first_collection).days
    owed = _owed(session, loan_id)
    available = ledger_queries.balance(
        session, session.get_one(Loan, loan_id).repayment_account.ledger_account_id
    )
    starve = (
        (item.number == story.get("late") and item.schedule_version == 1 and days_late < 21)
        or item.number >= story.get("stops_paying_from", 10**6)
        or (story.get("in_arrears", False) and item.due_on >= today - dt.timedelta(days=50))
        or (item.number == story.get("newly_late") and item.schedule_version == 1)
    )
    if starve:
        if take_back is not None:
            take_back(loan_id, day)
        if days_late == 0:
            withdraw_to(loan_id, Decimal("0.00"), f"starve:{loan_id}:{day.isoformat()}")
        return
    if item.number in story.get("partial", ()) and days_late < 7:
        if take_back is not None:
            take_back(loan_id, day)
        if days_late == 0:
            withdraw_to(loan_id, Decimal("0.00"), f"partial-out:{loan_id}:{day.isoformat()}")
            deposit(
                loan_id,
                (owed * Decimal("0.4")).quantize(Decimal("0.01")),
                f"partial:{loan_id}:{day}",
                "Omzet",
            )
        return
    if available < owed:
        deposit(loan_id, owed - available, f"revenue:{loan_id}:{day.isoformat()}", "Omzet")


def _prepay(
    session: Session,
    loan: Loan,
    day: dt.date,
    mode: str,
    teller: Actor,
    deposit: Callable[[int, Decimal, str, str], None],
) -> None:
    if loan.status is not LoanStatus.ACTIVE or _owed(session, loan.id) > 0:
        return
    outstanding = servicing.outstanding_principal(session, loan)
    amount = (outstanding * Decimal("0.25")).quantize(Decimal("1"))
    deposit(loan.id, amount, f"prepay-funds:{loan.id}", "Subsidie gemeente")
    servicing.prepay(session, loan, amount, mode=mode, on=day, key=f"demo-{day.isoformat()}", actor=teller)


def _payoff(
    session: Session,
    loan: Loan,
    day: dt.date,
    teller: Actor,
    deposit: Callable[[int, Decimal, str, str], None],
    balance: Callable[[int], Decimal],
) -> None:
    if loan.status is not LoanStatus.ACTIVE:
        return
    quote = servicing.payoff_quote(session, loan, day)
    short = quote.total - balance(loan.id)
    if short > 0:
        deposit(loan.id, short, f"payoff-funds:{loan.id}", "Verkoop pand, opbrengst")
    servicing.pay_off(session, loan, on=day, key=f"demo-{day.isoformat()}", actor=teller)


def _write_off(session: Session, loan: Loan, admin: Actor, second_admin: Actor) -> None:
    if loan.status is not LoanStatus.ACTIVE:
        return
    approval = servicing.request_write_off(
        session, loan, reason="Faillissement uitgesproken; curator ziet geen baten", key="demo", actor=admin
    )
    approvals.approve(session, approval, actor=second_admin, note="Dossier gezien; akkoord.")


def _recover(
    session: Session, loan: Loan, teller: Actor, deposit: Callable[[int, Decimal, str, str], None]
) -> None:
    if loan.status is not LoanStatus.WRITTEN_OFF:
        return
    deposit(loan.id, Decimal("750.00"), f"recovery-funds:{loan.id}", "Uitkering curator")
    servicing.record_recovery(session, loan, Decimal("750.00"), key="demo-curator", actor=teller)
