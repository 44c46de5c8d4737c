"""Decision letters parsed back: the key numbers are in the PDF, in the member's language."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

from applications.helpers import TODAY, on_agenda, reviewed, submitted_coop, vote
from pypdf import PdfReader

from bank.committee import letters
from bank.committee import service as committee


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\xa0", " ")


def _view(**overrides) -> letters.LetterView:
    values = dict(
        language="nl",
        approved=True,
        application_number="KA-2026-0007",
        applicant_name="Bakkerij De Korenschoof",
        address_lines=("Javastraat 12", "1094 HB Amsterdam"),
        product_name="Coöp Startlening",
        decided_on=dt.date(2026, 3, 9),
        votes_approve=3,
        votes_reject=1,
        votes_abstain=0,
        recusals=("Ruben Mulder",),
        amount=Decimal("30000.00"),
        term_months=60,
        rate_annual=Decimal("0.06"),
        apr_percent=Decimal("6.29"),
        instalment_amount=Decimal("579.98"),
        instalment_count=60,
        arrangement_fee=Decimal("150.00"),
        total_interest=Decimal("4799.09"),
        total_due=Decimal("34799.09"),
        offer_expires_on=dt.date(2026, 6, 7),
        conditions=("Statutes registered",),
        years=(letters.YearRow(2026, Decimal("3000.00"), Decimal("1200.00")),),
    )
    values.update(overrides)
    return letters.LetterView(**values)


def test_an_approval_letter_in_dutch_carries_the_terms():
    text = _text(letters.render_letter(_view()))
    for expected in (
        "Besluit kredietcommissie: aanvraag goedgekeurd",
        "KA-2026-0007",
        "€ 30.000,00",
        "60 maanden",
        "6,00 %",
        "€ 579,98",
        "€ 150,00",
        "Statutes registered",
        "07-06-2026",
        "3 voor, 1 tegen",
        "Ruben Mulder",
        "€ 4.200,00",
    ):
        assert expected in text, expected


def test_a_rejection_letter_in_english_gives_the_reasons():
    pdf = letters.render_letter(
        _view(
            language="en",
            approved=False,
            reasons="The plan depends on one customer.",
            votes_approve=0,
            votes_reject=3,
            recusals=(),
        )
    )
    text = _text(pdf)
    assert "application declined" in text and "The plan depends on one customer." in text
    assert "€30,000.00" not in text and "Vote: 0 for, 3 against" in text


def test_rendering_is_deterministic():
    assert letters.render_letter(_view()) == letters.render_letter(_view())


def test_the_letter_of_a_decided_application(session, world):
    application = submitted_coop(session, world)
    reviewed(session, application, world)
    on_agenda(session, world, application)
    for index in range(3):
        vote(session, application, world, index, "approve")
    committee.decide(
        session, application, actor=world.c(0), quorum=3, conditions="Statutes registered", on=TODAY
    )
    view = letters.letter_view(session, application)
    assert view.language == "nl" and view.approved
    assert view.instalment_amount == Decimal("579.98") and view.instalment_count == 60
    assert sum((row.principal for row in view.years), Decimal(0)) == Decimal("30000.00")
    text = _text(letters.render_letter(view))
    assert application.number in text and "€ 30.000,00" in text and "€ 579,98" in text


def test_the_letter_names_a_recused_member_and_is_dated_on_the_meeting_day(session, world):
    application = submitted_coop(session, world)
    reviewed(session, application, world)
    meeting = on_agenda(session, world, application)
    recused = world.committee_users[3]
    committee.declare(session, application, actor=world.c(3), has_conflict=True, explanation="Family")
    for index in range(3):
        vote(session, application, world, index, "approve")
    committee.decide(session, application, actor=world.c(0), quorum=3)  # recorded before the meeting
    view = letters.letter_view(session, application)
    assert view.recusals == (recused.name,) and view.decided_on == meeting.held_on
    text = _text(letters.render_letter(view))
    assert recused.name in text and recused.email not in text
    assert meeting.held_on.strftime("%d-%m-%Y") in text
    flat = " ".join(text.replace("\xa0", " ").split())
    assert re.search(r"Afsluitkosten \(bij uitbetaling van uw rekening afgeschreven\) € [0-9.,]+", flat), flat
