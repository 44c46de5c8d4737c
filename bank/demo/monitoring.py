"""Demo: transaction monitoring — alerts from every rule, one case reported and exported, one closed.

Today, after the year of close days: members bring cash to the counter, a saver receives three
transfers just under € 10 000 and sends most of a large cash deposit on at once, a new member
pays out to his account in Monaco (on the EU list of high-risk third countries). The rules run
over today's postings as the close day will (:func:`bank.monitoring.service.run_rules`; today's
close day then finds the alerts raised and raises nothing twice). For the rule "above expected
use" one member told the bank at the counter to expect € 800 a month (her due-diligence file).

The compliance officers then work the queue: Yasmina Bouzid opens a case from the cash deposit
and its departure, notes what she checked, and Thomas de Boer (four eyes) reports it as unusual
and downloads the FIU-NL report; the structuring pattern becomes a case closed as not unusual; the
turnover far above expectation is a case waiting for the second officer's decision; two alerts are
dismissed with their reasons; the one at exactly € 10 000 stays open, with the year's own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.compliance import due_diligence
from bank.demo.context import DemoContext
from bank.demo.forbearance import actor
from bank.members import service as members
from bank.members.models import Member
from bank.monitoring import service
from bank.monitoring.models import Alert
from bank.savings import service as savings
from bank.savings.models import DepositAccount

TELLER = "balie@wijkbank.example"
OFFICER = "naleving@wijkbank.example"
SECOND_OFFICER = "naleving2@wijkbank.example"
#: A bank in Monaco (on the EU list of high-risk third countries since August 2025).
MONACO_IBAN = "MC5811222000010123456789030"


def _savers(context: DemoContext, count: int) -> list[tuple[Member, DepositAccount]]:
    """Person-members with an account, from the last registered back (the first ones tell other stories)."""
    found = [
        (member, context.deposit_accounts[member.id])
        for member in reversed(context.persons)
        if member.id in context.deposit_accounts
    ]
    return found[:count]


def load_monitoring(session: Session, context: DemoContext) -> None:
    today = clock.today()
    teller = actor(context, TELLER, "teller")
    officer = actor(context, OFFICER, "compliance")
    second = actor(context, SECOND_OFFICER, "compliance")
    savers = _savers(context, 5)
    cash_in_out, structuring, expected, round_sum, caravan = (member for member, _ in savers)
    accounts = {member.id: account for member, account in savers}

    def deposit(member: Member, amount: str, key: str, *, cash: bool = False, text: str = "") -> None:
        savings.deposit(
            session,
            accounts[member.id],
            Decimal(amount),
            key=f"demo-monitoring-{key}",
            actor=teller,
            description=text,
            cash=cash,
            value_date=today,
        )

    def withdraw(account: DepositAccount, amount: str, key: str) -> None:
        savings.withdraw(
            session,
            account,
            Decimal(amount),
            key=f"demo-monitoring-{key}",
            actor=teller,
            approval_threshold=None,
            value_date=today,
        )

    # a and c: notes at the counter, most of it gone again the same day.
    deposit(cash_in_out, "12500.00", "cash-1", cash=True, text="Contant, biljetten van 500")
    withdraw(accounts[cash_in_out.id], "11800.00", "cash-1-out")
    # b: three transfers just under the threshold.
    for number, amount in enumerate(("9500.00", "9200.00", "8900.00"), start=1):
        deposit(structuring, amount, f"split-{number}", text=f"Termijn {number}")
    # a: exactly at the threshold; and one dismissed later (a caravan sold for cash).
    deposit(round_sum, "10000.00", "cash-2", cash=True)
    deposit(caravan, "11000.00", "cash-3", cash=True, text="Verkoop caravan")
    # d: a new member's payout to his own account in Monaco.
    moreau = members.register_person(
        session,
        actor=teller,
        first_name="Luca",
        last_name="Moreau",
        date_of_birth=dt.date(1979, 3, 14),
        street="Czaar Peterstraat",
        house_number="88",
        postcode="1018 PW",
        city="Amsterdam",
        external_iban=MONACO_IBAN,
    )
    product = next(iter(context.savings_products.values()))
    moreau_account = savings.open_account(session, moreau, product, actor=teller, opened_on=today)
    savings.deposit(
        session,
        moreau_account,
        Decimal("3000.00"),
        key="demo-monitoring-moreau",
        actor=teller,
        value_date=today,
    )
    withdraw(moreau_account, "2400.00", "moreau-out")
    # e: turnover far above what the member said to expect (€ 800 a month, in her file).
    file = due_diligence.file_of(session, expected.id)
    due_diligence.update_facts(
        session,
        expected,
        actor=officer,
        residence_country=(file.residence_country if file else None) or "NL",
        nationality=(file.nationality if file else None) or "NL",
        sector=file.sector if file else None,
        expected_monthly_turnover=Decimal("800.00"),
        purpose=file.purpose if file else None,
    )
    deposit(expected, "4000.00", "expected", text="Huurpenningen")
    session.flush()

    service.run_rules(session, today)
    _work_the_queue(session, officer, second, cash_in_out, structuring, caravan, moreau)
    waiting = service.open_case(
        session,
        _alerts_of(session, expected),
        reason="Omzet deze maand ver boven de opgegeven € 800 per maand: huurpenningen van wie?",
        key="demo-monitoring-case-3",
        actor=officer,
    )
    service.add_note(
        session,
        waiting,
        text="Kadaster geraadpleegd: het lid bezit geen tweede woning. Huurcontract opvragen via de "
        "periodieke herbeoordeling (cliëntenonderzoek), zonder het signaal te noemen.",
        key="demo-monitoring-note-3",
        actor=officer,
    )


def _alerts_of(session: Session, member: Member) -> list[Alert]:
    return list(session.scalars(select(Alert).where(Alert.member_id == member.id).order_by(Alert.id)))


def _work_the_queue(
    session: Session,
    officer: Actor,
    second: Actor,
    cash_in_out: Member,
    structuring: Member,
    caravan: Member,
    moreau: Member,
) -> None:
    reported = service.open_case(
        session,
        _alerts_of(session, cash_in_out),
        reason="€ 12.500 contant gestort en dezelfde dag € 11.800 opgenomen; herkomst onbekend.",
        key="demo-monitoring-case-1",
        actor=officer,
    )
    service.add_note(
        session,
        reported,
        text="Geen verklaring van herkomst in het dossier; het lid heeft geen bedrijf en een bescheiden "
        "inkomen. Lid niet benaderd (tipping-off).",
        key="demo-monitoring-note-1",
        actor=officer,
    )
    service.decide_case(
        session,
        reported,
        unusual=True,
        reason="Contante storting van € 12.500 zonder aannemelijke herkomst, dezelfde dag voor 94 % "
        "opgenomen: past niet bij het profiel van het lid (subjectieve indicator).",
        actor=second,
    )
    service.mark_exported(session, reported, actor=second)

    closed = service.open_case(
        session,
        _alerts_of(session, structuring),
        reason="Drie overboekingen net onder € 10.000 op één dag.",
        key="demo-monitoring-case-2",
        actor=officer,
    )
    service.add_note(
        session,
        closed,
        text="Koopovereenkomst van de verkochte woning van haar moeder in het dossier: de notaris keerde "
        "de erfdelen in drie termijnen uit.",
        key="demo-monitoring-note-2",
        actor=officer,
    )
    service.decide_case(
        session,
        closed,
        unusual=False,
        reason="Uitkering van een erfenis via de notaris, stukken gezien; niet ongebruikelijk.",
        actor=second,
    )

    for alert in _alerts_of(session, caravan):
        service.dismiss_alert(
            session,
            alert,
            reason="Verkoop van een caravan, koopovereenkomst en kenteken gezien.",
            actor=officer,
        )
    for alert in _alerts_of(session, moreau):
        service.dismiss_alert(
            session,
            alert,
            reason="Eigen rekening van het lid in Monaco, waar hij deels woont (cliëntenonderzoek).",
            actor=officer,
        )
    session.flush()
