"""Demo step: loan applications at every stage, a year of committee meetings, and disbursed loans.

Runs after the members, money and products steps and uses ``context.organisations``,
``context.deposit_accounts``, ``context.loan_products`` and ``context.users``. Every
application goes the real way (draft, submit, review, agenda, declarations, votes, the chair's
decision, conditions ticked off, disbursement prepared by a credit officer and approved by a
teller), with the clock set to the day each step happened, so the history reads true.

What later steps find in the context: ``context.loans``: the loans booked here (12, disbursed
over the past year) for the servicing step to run repayments on; ``context.applications``:
key -> application.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.applications import service as applications
from bank.applications.models import LoanApplication
from bank.auth.service import actor_for
from bank.committee import service as committee
from bank.committee.models import Meeting
from bank.demo import collateral
from bank.demo.context import DemoContext
from bank.ledger import queries as ledger_queries
from bank.lending import disbursement
from bank.members.models import Member
from bank.savings import service as savings
from bank.savings.models import DepositAccount

QUORUM = 3
NOTARY_IBAN = "NL20INGB0001234567"
NOTARY_NAME = "Notariskantoor Oost-Watergraafsmeer"
D = Decimal


@dataclass(frozen=True)
class Plan:
    """One application of the demo; ``days_ago`` is when it was submitted."""

    key: str
    org: str
    product: str
    amount: str
    term_months: int
    purpose: str
    costs: tuple[tuple[str, str], ...]
    days_ago: int
    own: str = "0.00"
    stage: str = "disbursed"
    votes: tuple[str, ...] = ("approve", "approve", "approve")
    conditions: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)
    note: str = ""


COOP = {"worker_members": "4", "expected_monthly_revenue": "11500.00", "expected_monthly_costs": "8900.00"}

PLANS: tuple[Plan, ...] = (
    # Disbursed over the past year (oldest first).
    Plan(
        "bakery",
        "bakery",
        "COOP-START",
        "35000.00",
        60,
        "Een tweede steenoven en een bakfiets, zodat we twee scholen kunnen beleveren.",
        (("Steenoven", "28000.00"), ("Bakfiets", "6500.00"), ("Inrichting", "5500.00")),
        360,
        own="5000.00",
        conditions=("Statuten ingeschreven bij de KvK",),
        extra=COOP,
    ),
    Plan(
        "cleaning",
        "cleaning",
        "COOP-START",
        "18000.00",
        48,
        "Machines en een bestelbus voor het schoonmaakwerk in het ziekenhuis.",
        (("Bestelbus (tweedehands)", "14000.00"), ("Schrobmachines", "6000.00")),
        330,
        own="2000.00",
        extra={**COOP, "worker_members": "7"},
    ),
    Plan(
        "solar",
        "solar",
        "COOP-START",
        "60000.00",
        84,
        "Zonnepanelen op de daken van drie scholen.",
        (("Panelen en omvormers", "52000.00"), ("Installatie", "11000.00")),
        300,
        own="3000.00",
        votes=("approve", "approve", "abstain"),
        extra={
            **COOP,
            "worker_members": "3",
            "expected_monthly_revenue": "4200.00",
            "expected_monthly_costs": "1900.00",
        },
    ),
    Plan(
        "clt",
        "clt",
        "GRONDFONDS",
        "240000.00",
        240,
        "Aankoop van het bedrijfspand aan de Dapperstraat voor zes"
        " betaalbare werkplaatsen, voor altijd uit de markt.",
        (("Koopsom", "295000.00"), ("Notaris en overdrachtsbelasting", "5000.00")),
        275,
        own="60000.00",
        votes=("approve", "approve", "reject"),
        conditions=("Hypotheekakte getekend bij de notaris", "Taxatierapport niet ouder dan zes maanden"),
        extra={
            "property_address": "Dapperstraat 41, 1093 BS Amsterdam",
            "cadastral_reference": "ASD04 K 1234",
            "purchase_price": "295000.00",
            "appraisal_value": "320000.00",
            "own_funds": "60000.00",
            "notary_iban": NOTARY_IBAN,
            "notary_name": NOTARY_NAME,
        },
    ),
    Plan(
        "residents",
        "residents",
        "VERENIGING",
        "8000.00",
        36,
        "Een buurtkamer inrichten: keuken, stoelen, beamer.",
        (("Keuken", "5000.00"), ("Meubilair", "3000.00")),
        240,
    ),
    Plan(
        "repair",
        "repair",
        "OVERBRUG",
        "6000.00",
        12,
        "Voorfinanciering van de gemeentesubsidie voor het nieuwe repair café.",
        (("Gereedschap en werkbanken", "6000.00"),),
        215,
    ),
    Plan(
        "kitchen",
        "kitchen",
        "VERENIGING",
        "12000.00",
        48,
        "Een professionele afwasmachine en koelcel voor de buurtkeuken.",
        (("Afwasmachine", "7000.00"), ("Koelcel", "5000.00")),
        185,
    ),
    Plan(
        "garden",
        "garden",
        "VERENIGING",
        "4500.00",
        24,
        "Een kas en regenwateropvang voor de moestuin.",
        (("Kas", "3200.00"), ("Regenwatertanks", "1300.00")),
        150,
    ),
    Plan(
        "bakery-bridge",
        "bakery",
        "OVERBRUG",
        "9000.00",
        6,
        "Overbrugging tot de betaling van de schoolcontracten.",
        (("Werkkapitaal", "9000.00"),),
        120,
    ),
    Plan(
        "childcare",
        "childcare",
        "COOP-START",
        "25000.00",
        60,
        "Inrichting van een tweede groepsruimte.",
        (("Verbouwing", "17000.00"), ("Speelmateriaal", "8000.00")),
        95,
        own="0.00",
        extra={**COOP, "worker_members": "6"},
    ),
    Plan(
        "tenants",
        "tenants",
        "VERENIGING",
        "3000.00",
        12,
        "Juridisch advies voor de onderhoudszaak.",
        (("Advocaat", "3000.00"),),
        75,
    ),
    Plan(
        "cleaning-bridge",
        "cleaning",
        "OVERBRUG",
        "5000.00",
        6,
        "Voorfinanciering van een grote schoonmaakopdracht.",
        (("Werkkapitaal", "5000.00"),),
        50,
    ),
    # Still on their way, or ended otherwise.
    Plan(
        "care",
        "care",
        "COOP-START",
        "20000.00",
        48,
        "Elektrische auto's voor de thuiszorgronde.",
        (("Twee e-auto's (lease-koop)", "20000.00"),),
        125,
        stage="expired",
        extra={**COOP, "worker_members": "9"},
        conditions=("Leasecontract getekend",),
    ),
    Plan(
        "sports",
        "sports",
        "VERENIGING",
        "15000.00",
        60,
        "Een nieuwe vloer voor de sporthal.",
        (("Sportvloer", "15000.00"),),
        70,
        stage="rejected",
        votes=("reject", "reject", "approve"),
        note="De hal is van de gemeente; zij is verantwoordelijk voor de vloer. Vraag eerst daar subsidie.",
    ),
    Plan(
        "housing",
        "housing",
        "WOONCOOP",
        "450000.00",
        360,
        "Aankoop en verduurzaming van het blok aan de Wagenaarstraat door de bewoners.",
        (("Koopsom", "520000.00"), ("Isolatie en warmtepompen", "80000.00")),
        40,
        own="150000.00",
        stage="approved",
        conditions=("Hypotheekakte getekend", "Ledenvergadering heeft de aankoop goedgekeurd"),
    ),
    Plan(
        "tenants-2",
        "tenants",
        "VERENIGING",
        "2500.00",
        12,
        "Een huurdersblad, vier nummers.",
        (("Drukwerk", "2500.00"),),
        20,
        stage="returned",
        note="Wilt u de begroting van het blad en de offerte van de drukker toevoegen?",
    ),
    Plan(
        "kitchen-2",
        "kitchen",
        "VERENIGING",
        "6000.00",
        24,
        "Een bakfiets voor maaltijdbezorging.",
        (("Bakfiets", "6000.00"),),
        30,
        stage="withdrawn",
        note="We krijgen de bakfiets van een sponsor.",
    ),
    Plan(
        "catering",
        "catering",
        "COOP-START",
        "30000.00",
        60,
        "Een eigen bedrijfskeuken in plaats van huren per dag.",
        (("Keukeninrichting", "26000.00"), ("Vergunningen", "4000.00")),
        16,
        own="0.00",
        stage="on_agenda",
        votes=("approve", "abstain"),
        extra={**COOP, "worker_members": "5"},
        conditions=("Huurcontract bedrijfsruimte van minstens vijf jaar",),
    ),
    Plan(
        "childcare-2",
        "childcare",
        "OVERBRUG",
        "4000.00",
        12,
        "Voorfinanciering van de kinderopvangtoeslag.",
        (("Werkkapitaal", "4000.00"),),
        12,
        stage="on_agenda",
        votes=(),
    ),
    Plan(
        "bikes",
        "bikes",
        "COOP-START",
        "15000.00",
        36,
        "Een werkplaats met voorraad onderdelen.",
        (("Onderdelen", "9000.00"), ("Werkbanken", "6000.00")),
        6,
        stage="in_review",
        extra={**COOP, "worker_members": "3"},
    ),
    Plan(
        "repair-2",
        "repair",
        "VERENIGING",
        "2000.00",
        24,
        "Soldeerstations en een 3D-printer.",
        (("Soldeerstations", "900.00"), ("3D-printer", "1100.00")),
        2,
        stage="submitted",
    ),
    Plan(
        "garden-2",
        "garden",
        "VERENIGING",
        "3500.00",
        24,
        "Een gereedschapsschuur.",
        (("Schuur", "3500.00"),),
        1,
        stage="draft",
    ),
)


def _actor(context: DemoContext, email: str) -> Actor:
    return actor_for(context.users[email])


def load_applications(session: Session, context: DemoContext) -> None:
    today = clock.today()
    organisations: dict[str, Member] = context.organisations
    accounts: dict[int, DepositAccount] = context.deposit_accounts
    products = context.loan_products
    registered_on: dict[int, dt.date] = context.registered_on
    officers = [_actor(context, "krediet@wijkbank.example"), _actor(context, "krediet2@wijkbank.example")]
    teller = _actor(context, "balie@wijkbank.example")
    committee_users = [context.users[f"commissie{n}@wijkbank.example"] for n in (1, 2, 3, 4)]
    members_of_committee = [actor_for(user) for user in committee_users]
    loans = []
    made: dict[str, LoanApplication] = {}
    next_meeting: Meeting | None = None
    # Process in the order things happened, so loan numbers follow the disbursement dates.
    planned: list[tuple[dt.date, int, Plan, Member, Any, DepositAccount]] = []
    for index, plan in enumerate(PLANS):
        org = organisations.get(plan.org)
        product = products.get(plan.product)
        if org is None or product is None or org.id not in accounts:
            continue
        account = accounts[org.id]
        start = max(
            today - dt.timedelta(days=plan.days_ago),
            registered_on.get(org.id, today) + dt.timedelta(days=7),
            account.opened_on + dt.timedelta(days=1),
        )
        if start <= today:
            planned.append((start, index, plan, org, product, account))
    for start, index, plan, org, product, account in sorted(planned, key=lambda item: (item[0], item[1])):
        officer = officers[index % 2]
        data: dict[str, Any] = {
            "amount": plan.amount,
            "term_months": str(plan.term_months),
            "purpose_text": plan.purpose,
            "own_contribution": plan.own,
            "repayment_account_id": str(account.id),
            "cost_lines": list(plan.costs),
            **plan.extra,
        }
        with clock.frozen(start):
            application = applications.create_draft(
                session, applicant=org, product=product, actor=teller, data=data
            )
            made[plan.key] = application
            if plan.stage == "draft":
                continue
            applications.submit(session, application, actor=teller)
            if plan.stage == "withdrawn":
                applications.withdraw(session, application, actor=teller, note=plan.note)
                continue
        if plan.stage == "submitted":
            continue
        reviewed_on = min(start + dt.timedelta(days=2), today)
        with clock.frozen(reviewed_on):
            applications.take_for_review(session, application, actor=officer)
            if plan.stage == "returned":
                applications.return_for_information(session, application, actor=officer, note=plan.note)
                continue
            applications.save_review(
                session,
                application,
                {
                    "checklist": {
                        item: True
                        for item in (
                            "identity_verified",
                            "kvk_extract",
                            "statutes",
                            "financials",
                            "appraisal",
                            "deed",
                        )
                    },
                    "risk_grade": "B" if D(plan.amount) < 50000 else "C",
                    "recommended_amount": plan.amount,
                    "recommended_term_months": str(plan.term_months),
                    "recommended_rate_annual": str(product.rate_annual * 100),
                    "proposed_conditions": "\n".join(plan.conditions),
                    "review_notes": "Plan besproken met de initiatiefnemers; cijfers nagerekend.",
                },
                actor=officer,
            )
            # The securities the credit officer registered while reviewing (bank.demo.collateral).
            collateral.register_on_application(
                session, context, plan.key, application, org=plan.org, actor=officer
            )
            if plan.stage == "in_review":
                continue
            if plan.stage == "on_agenda":
                if next_meeting is None:
                    next_meeting = committee.create_meeting(
                        session,
                        held_on=today + dt.timedelta(days=7),
                        chair=committee_users[0],
                        actor=officer,
                        location="Buurthuis De Meeuw",
                    )
                meeting = next_meeting
            else:
                meeting = committee.create_meeting(
                    session,
                    held_on=reviewed_on + dt.timedelta(days=7),
                    chair=committee_users[0],
                    actor=officer,
                    location="Buurthuis De Meeuw",
                )
            committee.place_on_agenda(session, application, meeting, actor=officer)
        voting_day = min(meeting.held_on, today)
        with clock.frozen(voting_day):
            if plan.key in ("clt", "catering"):
                committee.declare(
                    session,
                    application,
                    actor=members_of_committee[2],
                    has_conflict=True,
                    explanation="woont in het blok / kookt af en toe mee",
                )
                voters = [members_of_committee[i] for i in (0, 1, 3)]
            else:
                voters = members_of_committee[:3]
            for voter, choice in zip(voters, plan.votes, strict=False):
                committee.declare(session, application, actor=voter, has_conflict=False)
                committee.cast_vote(
                    session,
                    application,
                    actor=voter,
                    choice=choice,
                    comment="Twijfel over de omzetprognose." if choice == "reject" else "",
                )
            if plan.stage == "on_agenda":
                continue
        with clock.frozen(meeting.held_on):
            committee.decide(
                session,
                application,
                actor=members_of_committee[0],
                quorum=QUORUM,
                conditions=list(plan.conditions),
                reasons=plan.note if plan.stage == "rejected" else "",
                condition_items=collateral.condition_items(session, application, list(plan.conditions)),
            )
        if plan.stage in ("rejected", "approved", "expired"):
            continue
        paid_on = meeting.held_on + dt.timedelta(days=10)
        with clock.frozen(paid_on - dt.timedelta(days=2)):
            for condition in committee.open_conditions(session, application):
                committee.tick_condition(
                    session,
                    condition,
                    actor=officer,
                    evidence_note="Kopie ontvangen en in het dossier gelegd.",
                )
        with clock.frozen(paid_on):
            fee = product.arrangement_fee(D(plan.amount))
            if application.notary_iban and ledger_queries.balance(session, account.ledger_account_id) < fee:
                savings.deposit(
                    session,
                    account,
                    fee,
                    key=f"demo:fee-funds:{plan.key}",
                    actor=teller,
                    description="Storting afsluitkosten",
                    value_date=paid_on,
                )
            loan = disbursement.disburse_directly(
                session,
                application,
                maker=officer,
                checker=teller,
                key=f"demo-{plan.key}",
                disbursed_on=paid_on,
            )
            loans.append(loan)
    # Offers not taken up within 90 days lapse (the care co-op's).
    applications.expire_offers(session, today, actor=_actor(context, "beheer@wijkbank.example"))
    context.loans = loans
    context.applications = made
