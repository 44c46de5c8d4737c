"""Demo step: the compliance officer's due diligence over the bank's first year.

Written through the due-diligence service by the two demo compliance officers (Yasmina Bouzid and
Thomas de Boer), each act dated on a day in the year, so the files, their histories and the
audit log tell a believable story:

* every organisation has its facts, an RSIN and an assessment (at least "normaal"); all but one
  have their ultimate beneficial owners: the bakery's four bakers hold a quarter of the votes
  each, the other co-ops, associations and foundations record their board as senior managing
  officials (nobody holds 25 %). The basketball club has none yet: the gate shows it cannot
  borrow (its only application was rejected earlier, so nothing in progress is stopped);
* the earliest members are assessed at registration, most "laag", some "normaal" (a nationality
  outside the EU/EEA, another purpose), one reviewed half a year later;
* three are "hoog": a member of the district committee (PEP), approved by the second officer; a
  hairdresser with a lot of cash whom the officer set higher than computed, approved, now due for
  review; a member stating € 14.000 a month through a private account, waiting for approval;
* identity documents for the assessed persons, two of which have expired since (due for review);
* the newest registrations are not assessed yet: the reviews page nudges the officer.

Runs after every step that acts for members (just before the period close; it posts nothing): a
stop it sets (no UBOs, EDD waiting) must not refuse what the earlier steps did through the year.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from decimal import Decimal

from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.auth.service import actor_for
from bank.compliance import due_diligence as cdd
from bank.compliance.cdd_models import InterestKind
from bank.compliance.risk import RelationPurpose, Sector
from bank.demo.context import DemoContext
from bank.demo.members import NAMES
from bank.members import service as members
from bank.members.models import LegalForm, Member, MemberStatus

SEED = 17_2026
#: How many of the earliest person-members were assessed at registration.
ASSESSED_PERSONS = 60
#: The organisation whose UBOs are still missing (its one application was rejected).
WITHOUT_UBO = "sports"

SECTORS = {
    "bakery": Sector.FOOD_AND_RETAIL,
    "cleaning": Sector.OTHER,
    "solar": Sector.ENERGY,
    "clt": Sector.HOUSING_AND_LAND,
    "housing": Sector.HOUSING_AND_LAND,
    "care": Sector.CARE_AND_EDUCATION,
    "catering": Sector.FOOD_AND_RETAIL,
    "bikes": Sector.CRAFT_AND_REPAIR,
    "childcare": Sector.CARE_AND_EDUCATION,
    "kitchen": Sector.FOOD_AND_RETAIL,
    "garden": Sector.NEIGHBOURHOOD,
    "residents": Sector.NEIGHBOURHOOD,
    "tenants": Sector.NEIGHBOURHOOD,
    "sports": Sector.CULTURE_AND_SPORT,
    "repair": Sector.CRAFT_AND_REPAIR,
}
#: The bakery's four bakers beside its representatives (a quarter of the votes each).
BAKERS = (("Joost Bakker", dt.date(1981, 2, 14)), ("Elif Kaya", dt.date(1990, 9, 3)))
#: Nationality by the background of a surname, and how often it differs from Dutch.
NATIONALITY = {"turkish": "TR", "moroccan": "MA", "ghanaian": "GH", "surinamese": "SR"}
OTHER_NATIONALITY = {"Kowalski": "PL", "Nowak": "PL", "Rossi": "IT", "Tesfamariam": "ER"}


def _rsin(rng: random.Random) -> str:
    """Nine digits passing the 11-proef."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(8)]
        digits[0] = 8  # the RSINs of the demo's legal persons start with 8
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        check = total % 11
        if check < 10:
            return "".join(map(str, digits)) + str(check)


def _document_number(rng: random.Random) -> str:
    """A Dutch-looking document number: two letters, six letters or digits, a digit (no O)."""
    letters = string.ascii_uppercase.replace("O", "")
    middle = "".join(rng.choice(letters + string.digits) for _ in range(6))
    return rng.choice(letters) + rng.choice(letters) + middle + str(rng.randint(0, 9))


def _background(person: Member) -> str:
    surname = " ".join(part for part in (person.name_prefix, person.last_name) if part)
    for background, (_women, _men, surnames) in NAMES.items():
        if surname in surnames:
            return background
    return "dutch"


def _nationality(rng: random.Random, person: Member) -> str:
    background = _background(person)
    if background in NATIONALITY and rng.random() < 0.3:
        return NATIONALITY[background]
    if background == "other":
        return OTHER_NATIONALITY.get(person.last_name or "", "NL")
    return "NL"


def _day(context: DemoContext, member: Member, after_days: int) -> dt.date:
    registered = context.registered_on.get(member.id, context.opened_on)
    return min(registered + dt.timedelta(days=after_days), clock.today())


def load_due_diligence(session: Session, context: DemoContext) -> None:
    """Files, assessments, documents and UBOs for the demo's members (see the module notes)."""
    rng = random.Random(SEED)
    officer = actor_for(context.users["naleving@wijkbank.example"])
    second = actor_for(context.users["naleving2@wijkbank.example"])
    teller = actor_for(context.users["balie@wijkbank.example"])
    _organisations(session, context, rng, officer, teller)
    _persons(session, context, rng, officer, second)


def _organisations(
    session: Session, context: DemoContext, rng: random.Random, officer: Actor, teller: Actor
) -> None:
    for key, organisation in context.organisations.items():
        if organisation.status is MemberStatus.LEFT:
            continue
        with clock.frozen(_day(context, organisation, 5)):
            members.update_member(session, organisation, actor=teller, rsin=_rsin(rng))
            cdd.update_facts(
                session,
                organisation,
                actor=officer,
                residence_country="NL",
                sector=SECTORS.get(key, Sector.OTHER),
                expected_monthly_turnover=Decimal(rng.choice((1500, 4000, 8000, 12000, 20000))),
                purpose=RelationPurpose.BUSINESS
                if organisation.legal_form is LegalForm.COOPERATIVE
                else RelationPurpose.PAYMENTS,
            )
            if key != WITHOUT_UBO:
                _owners(session, context, rng, officer, key, organisation)
            cdd.assess_member(session, organisation, actor=officer)


def _owners(
    session: Session, context: DemoContext, rng: random.Random, officer: Actor, key: str, organisation: Member
) -> None:
    board = context.representatives.get(key, [])
    if key == "bakery":
        holders = [(p.full_name, p.date_of_birth, p) for p in board[:2]] + [
            (name, born, None) for name, born in BAKERS
        ]
        for name, born, person in holders[:4]:
            cdd.add_beneficial_owner(
                session,
                organisation,
                actor=officer,
                name=name,
                date_of_birth=born,
                nationality="NL",
                residence_country="NL",
                interest=InterestKind.VOTING_RIGHTS,
                share_percent=Decimal("25"),
                document_kind="passport",
                document_number_last4=_document_number(rng)[-4:],
                member=person,
            )
        return
    for person in board[:2]:
        cdd.add_beneficial_owner(
            session,
            organisation,
            actor=officer,
            name=person.full_name,
            date_of_birth=person.date_of_birth,
            nationality="NL",
            residence_country="NL",
            interest=InterestKind.SENIOR_MANAGER,
            share_percent=None,
            document_kind=rng.choice(("passport", "id_card")),
            document_number_last4=_document_number(rng)[-4:],
            member=person,
        )


def _persons(
    session: Session, context: DemoContext, rng: random.Random, officer: Actor, second: Actor
) -> None:
    today = clock.today()
    pending = {member.id for member in context.pending_applicants}
    assessed = [
        person
        for person in context.persons
        if person.status is not MemberStatus.LEFT and person.id not in pending
    ][:ASSESSED_PERSONS]
    # The one registered on the opening day (or the earliest) is the hairdresser due for review.
    hairdresser = min(assessed, key=lambda p: (context.registered_on.get(p.id, today), p.number))
    pep, waiting, reviewed = assessed[7], assessed[-3], assessed[11]
    expired = {assessed[4].id, assessed[19].id}
    for person in assessed:
        day = _day(context, person, 0 if person is hairdresser else rng.randint(0, 6))
        if person is waiting:
            day = max(day, today - dt.timedelta(days=6))
        with clock.frozen(day):
            _document(session, rng, officer, person, expired=person.id in expired, now=today)
            nationality = _nationality(rng, person)
            purpose = RelationPurpose.PAYMENTS if rng.random() < 0.3 else RelationPurpose.SAVING
            turnover = Decimal(rng.choice((250, 500, 800, 1200, 1800, 2500)))
            if person is waiting:
                turnover, purpose = Decimal("14000"), RelationPurpose.PAYMENTS
            if person is hairdresser:
                turnover, purpose = Decimal("6500"), RelationPurpose.BUSINESS
            cdd.update_facts(
                session,
                person,
                actor=officer,
                residence_country="NL",
                nationality=nationality,
                expected_monthly_turnover=turnover,
                purpose=purpose,
            )
            if person is pep:
                cdd.set_flag(
                    session,
                    person,
                    actor=officer,
                    flag="pep",
                    value=True,
                    reason="Lid van de stadsdeelcommissie Oost (gemeente Amsterdam)",
                )
            if person is hairdresser:
                assessment = cdd.assess_member(
                    session,
                    person,
                    actor=officer,
                    raise_to="high",
                    raise_reason="Eigen kapsalon met veel contante omzet; stortingen in contanten verwacht",
                )
            else:
                assessment = cdd.assess_member(session, person, actor=officer)
        if person in (pep, hairdresser):
            with clock.frozen(min(day + dt.timedelta(days=2), today)):
                cdd.decide_edd(
                    session,
                    assessment,
                    actor=second,
                    approve=True,
                    note="Herkomst van het vermogen nagegaan (loonstroken en jaaropgave); geen bezwaar"
                    if person is pep
                    else "Kassasysteem en jaarcijfers van de kapsalon ingezien; omzet past bij de stortingen",
                )
    # A review half a year on: the member now also pays from the account.
    with clock.frozen(min(_day(context, reviewed, 180), today)):
        cdd.update_facts(
            session,
            reviewed,
            actor=second,
            residence_country="NL",
            nationality="NL",
            expected_monthly_turnover=Decimal("3000"),
            purpose=RelationPurpose.OTHER,
        )
        cdd.assess_member(session, reviewed, actor=second)


def _document(
    session: Session, rng: random.Random, officer: Actor, person: Member, *, expired: bool, now: dt.date
) -> None:
    """An identity document seen at registration (today is the frozen day); ``expired`` ones have
    run out a few weeks before ``now``, the demo's today."""
    today = clock.today()
    if expired:
        expires_on = max(now - dt.timedelta(days=rng.randint(5, 30)), today + dt.timedelta(days=1))
        issued_on = expires_on.replace(year=expires_on.year - 10)
    else:
        issued_on = today - dt.timedelta(days=rng.randint(200, 3000))
        expires_on = issued_on.replace(year=issued_on.year + 10)
    cdd.record_document(
        session,
        person,
        actor=officer,
        kind=rng.choice(("passport", "id_card", "id_card")),
        number=_document_number(rng),
        issuing_country="NL",
        issued_on=issued_on,
        expires_on=expires_on,
    )
