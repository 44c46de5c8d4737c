"""The demo's screening: a made-up sanctions and PEP list loaded, everyone screened, hits decided.

Four members join in the last weeks, each with a small savings account: Radomir Zelenko, whose
name and date of birth are on the (fictional) list's sanctions entries — naleving2@ confirms the
match and every account of his is frozen; Henrietta Bloemwater, a namesake of a (fictional) PEP
born in the same year but on another day — naleving@ proposes clearing, naleving2@ confirms it;
Ottokar Quispel, whose hit waits in the queue; and Wendelina Trompetter, whose clearing naleving2@
proposed and naleving@ has still to confirm. The list
(``bank/demo/data/demo-sanctielijst.ftm.jsonl``, FollowTheMoney lines) has a few dozen other entries
whose names are obviously invented, so no other demo member is hit.

Runs after every step that moves these members' money would (it runs late: nothing after it
pays out), before the books are closed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from bank import clock
from bank.compliance import screening_service
from bank.compliance.models import ScreeningHit
from bank.demo.context import DemoContext
from bank.demo.forbearance import actor
from bank.members import service as members
from bank.members.models import Member
from bank.savings import service as savings

LIST_FILE = Path(__file__).parent / "data" / "demo-sanctielijst.ftm.jsonl"
OFFICER = "naleving@wijkbank.example"
SECOND_OFFICER = "naleving2@wijkbank.example"
TELLER = "balie@wijkbank.example"

#: (first name, last name, born, house number, IBAN, deposit, days ago they joined).
NEWCOMERS = (
    ("Radomir", "Zelenko", dt.date(1971, 4, 18), "14", "NL56TRIO0417164311", Decimal("85.00"), 20),
    ("Henrietta", "Bloemwater", dt.date(1962, 8, 30), "3-2", "NL82TRIO0530098712", Decimal("240.00"), 16),
    ("Ottokar", "Quispel", dt.date(1980, 5, 5), "77", "NL91TRIO0619283745", Decimal("60.00"), 9),
    ("Wendelina", "Trompetter", dt.date(1975, 3, 12), "120", "NL29TRIO0728374650", Decimal("150.00"), 6),
)


def _newcomer(
    session: Session, context: DemoContext, spec: tuple[str, str, dt.date, str, str, Decimal, int]
) -> Member:
    first_name, last_name, born_on, house, iban, amount, days_ago = spec
    teller = actor(context, TELLER, "teller")
    day = clock.today() - dt.timedelta(days=days_ago)
    member = members.register_person(
        session,
        actor=teller,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=born_on,
        street="Pretoriusstraat",
        house_number=house,
        postcode="1092 GE",
        city="Amsterdam",
        email=f"{first_name.lower()}.{last_name.lower()}@example.org",
        external_iban=iban,
    )
    account = savings.open_account(
        session, member, context.savings_products["WIJKSPAAR"], actor=teller, opened_on=day
    )
    savings.deposit(
        session,
        account,
        amount,
        key=f"demo-screening-{member.number}",
        actor=teller,
        description="Eerste storting",
        value_date=day,
    )
    context.deposit_accounts[member.id] = account
    return member


def load_and_decide(session: Session, context: DemoContext) -> None:
    zelenko, bloemwater, quispel, trompetter = (_newcomer(session, context, spec) for spec in NEWCOMERS)
    officer = actor(context, OFFICER, "compliance")
    second = actor(context, SECOND_OFFICER, "compliance")
    screening_service.load_list(session, LIST_FILE.read_bytes(), LIST_FILE.name, "ftm", officer)
    result = screening_service.screen_everyone(session, officer)
    by_member: dict[int, ScreeningHit] = {hit.member_id: hit for hit in result.new_hits}
    expected = {zelenko.id, bloemwater.id, quispel.id, trompetter.id}
    assert set(by_member) == expected, f"the demo list hit other members: {set(by_member) - expected}"
    namesake = by_member[bloemwater.id]
    screening_service.propose_clearing(
        session,
        namesake,
        reason=(
            "Naamgenoot: ons lid is geboren op 30-08-1962, de vermelde PEP op 15-01-1962 (paspoort gezien)."
        ),
        actor=officer,
    )
    screening_service.confirm_clearing(
        session, namesake, note="Geboortedatum in het paspoort gecontroleerd: akkoord.", actor=second
    )
    # Proposed by the second officer; the first (or an administrator) confirms it on the hit's page.
    screening_service.propose_clearing(
        session,
        by_member[trompetter.id],
        reason=(
            "Andere persoon: de vermelde wethouder woont in Zeeland en is elders geboren (paspoort gezien)."
        ),
        actor=second,
    )
    screening_service.confirm_match(
        session,
        by_member[zelenko.id],
        reason=(
            "Naam, geboortedatum en Kosovaars paspoort komen overeen met de vermelding op de sanctielijst."
        ),
        actor=second,
    )
