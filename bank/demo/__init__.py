"""The demo bank (``bank demo``): a believable neighbourhood bank a year into its life.

Each step lives in a module of this package, takes the session and the :class:`DemoContext`,
and writes through the services, so the demo exercises the same code as the staff do. ``STEPS``
below is the one place that says which steps run and in which order.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank.auth.models import User
from bank.demo import (
    applications,
    arrears,
    clearing,
    collateral,
    collections,
    impact,
    mandates,
    members,
    money,
    payouts,
    periods,
    pools,
    portal,
    products,
    servicing,
    staff,
    statements,
)
from bank.demo import compliance as compliance_demo
from bank.demo import forbearance as forbearance_demo
from bank.demo import monitoring as monitoring_demo
from bank.demo import privacy as privacy_demo
from bank.demo import provisioning as provisioning_demo
from bank.demo import screening as screening_demo
from bank.demo.context import OPENED_YEARS_AGO, DemoContext, opened_on
from bank.demo.staff import DEMO_PASSWORD
from bank.extensions import db

__all__ = [
    "DEMO_PASSWORD",
    "OPENED_YEARS_AGO",
    "STEPS",
    "DemoContext",
    "Step",
    "load",
    "login_table",
    "opened_on",
]

Step = Callable[[Session, DemoContext], None]

#: Every step of the demo, in the order they run. A step may use what any step above it put in
#: the context, and nothing of the steps below it.
STEPS: tuple[tuple[str, Step], ...] = (
    ("staff users", staff.load_staff),
    ("members", members.load_members),
    ("accounts, deposits, shares and seed capital", money.load_money),
    ("loan products", products.load_products),
    # Before the applications: a pool funds a loan from what it holds when the loan is paid out.
    ("investment pools launched with the bank: first participants", pools.launch_pools),
    ("loan applications, committee and disbursed loans", applications.load_applications),
    (
        "investment pools through the year: subscriptions and withdrawal requests",
        pools.pools_through_the_year,
    ),
    # After the loans (a borrower signs when the loan is paid out), before the servicing year.
    ("SEPA mandates of the borrowers, their loans collected by mandate", mandates.load_mandates),
    # Before the servicing year: its close days provision every month-end with the table in force.
    ("loan-loss provisions: the PD table, a loan on the watchlist", provisioning_demo.prepare_provisioning),
    (
        "a year of loan servicing: close-day runs, late and partial payers, prepayments",
        servicing.load_servicing,
    ),
    # After the servicing year, whose close days sent the reminder letters: what staff did about them.
    (
        "collection cases: calls, visits and promises to pay (one kept, one broken) on the late loans",
        arrears.load_collection_cases,
    ),
    # After the collection cases: the loan in arrears today asks for a longer term.
    (
        "forbearance: a payment holiday granted in the year, a longer term waiting for its decision",
        forbearance_demo.request_waiting,
    ),
    # After the loans are paid out (their securities carried over from the applications).
    (
        "collateral: deeds from the notary, a new appraisal, a pledge on a running loan",
        collateral.collateral_through_the_year,
    ),
    # After every step that pays out (withdrawals, the notary, redemptions): their orders go by batch.
    (
        "payouts by SEPA transfer: the year's batches, and today's at each stage",
        payouts.pay_the_year_by_batch,
    ),
    # After the servicing year and the payouts: every movement of the settlement account is in
    # the ledger; before the monthly statements, which show what the clearing bank's brought.
    (
        "the clearing bank's statement of every business day, imported; a few items in suspense",
        clearing.import_the_year,
    ),
    ("monthly statements", statements.produce_statements),
    ("portal log-ins", portal.load_portal),
    ("impact: expected and reported jobs, homes and land", impact.load_impact),
    # After the close days (the retention run follows yesterday's): an applicant who withdrew
    # before any check is anonymised; another's request to be forgotten is answered.
    (
        "privacy: a withdrawn applicant anonymised by the retention run, a request to erase answered",
        privacy_demo.forget_and_answer,
    ),
    # Last: the loans collected by mandate and their open instalments are all there.
    (
        "the next collection batch (SEPA direct debits) and its pre-notifications",
        collections.prepare_next_batch,
    ),
    # After every step that acts for members: the stops it sets (an organisation without its UBOs,
    # enhanced due diligence waiting) must not refuse what the steps above did through the year.
    # It posts nothing, so it may come before the period close.
    (
        "due diligence: risk classes, identity documents, UBOs, enhanced due diligence, reviews due",
        compliance_demo.load_due_diligence,
    ),
    # After the servicing year and the payouts: today's movements, the rules over them, the queue worked.
    (
        "transaction monitoring: alerts from every rule, a case reported to FIU-Nederland, one closed",
        monitoring_demo.load_monitoring,
    ),
    # Late: nothing after it pays out, so the member whose accounts it freezes holds nothing up;
    # before the books close (its newcomers' first deposits are this month's).
    (
        "screening: a made-up sanctions and PEP list loaded, one hit cleared, one confirmed, one open",
        screening_demo.load_and_decide,
    ),
    # Last of all: after every step that posts. From here no entry may be dated in a closed month.
    ("period close: the first year closed, this year's months up to two months ago", periods.close_the_books),
)


def load(
    session: Session,
    echo: Callable[[str], None] = print,
    *,
    statement_dir: str | None = None,
    upload_dir: str | None = None,
) -> DemoContext:
    """Run every step of ``STEPS`` in one transaction (the caller commits); returns what they made.

    ``statement_dir``: where statement PDFs go (``bank demo`` passes the app's STATEMENT_DIR);
    ``upload_dir``: where the signed mandates go (the app's UPLOAD_DIR).
    """
    context = DemoContext(statement_dir=statement_dir, upload_dir=upload_dir)
    for name, step in STEPS:
        echo(f"demo: {name} …")
        step(session, context)
        session.flush()
    return context


def login_table() -> str:
    """The demo's log-ins for the terminal: every staff role and the first member log-ins."""
    session = db.new_session()
    try:
        users = session.execute(
            select(User.email, User.role).where(User.password_hash != "").order_by(User.role, User.email)
        ).all()
    finally:
        session.close()
    lines = ["", "Demo log-ins (password for all: " + DEMO_PASSWORD + "):"]
    lines += [f"  {role:<15} {email}" for email, role in users[:40]]
    if len(users) > 40:
        lines.append(f"  … and {len(users) - 40} more member log-ins")
    return "\n".join(lines)
