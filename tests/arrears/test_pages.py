"""The follow-up through its pages: the ladder on the product page, the loan's letters, the cases,
and the borrower's portal (their own reminders and promises, nobody else's)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import func, select

from bank import clock
from bank.actor import system
from bank.arrears import ladder
from bank.arrears import service as cases
from bank.arrears.models import CollectionCase, LetterKind, PaymentPromise, ReminderLadder, ReminderLetter
from bank.extensions import db

from .conftest import Story, pdf_text


def text(response) -> str:
    html = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split("<body", 1)[-1]))


def end_request_transaction() -> None:
    db.session.rollback()
    db.remove()


def test_the_admin_edits_the_ladder_and_bad_rows_are_named(story: Story, client, login_as) -> None:
    code = story.loan.product.code
    story.session.commit()  # SQLite: no open transaction may hold the write lock
    login_as("admin", language="nl")
    page = text(client.get(f"/staff/loan-products/{code}"))
    assert "Herinneringsladder" in page and "ingebrekestelling" in page and "standaardladder" in page
    form = client.get(f"/staff/loan-products/{code}/reminder-ladder")
    assert form.status_code == 200
    descending = {
        "steps-0-days": "10",
        "steps-0-kind": "reminder",
        "steps-1-days": "5",
        "steps-1-kind": "second_reminder",
    }
    refused = client.post(f"/staff/loan-products/{code}/reminder-ladder", data=descending)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="steps-1-days" name="steps-1-days"' in html
    assert "moet hoger zijn dan de stap ervoor (dagen oplopend)" in html
    unknown = client.post(
        f"/staff/loan-products/{code}/reminder-ladder", data={"steps-0-days": "5", "steps-0-kind": "telegram"}
    )
    assert unknown.status_code == 422
    assert "is geen soort brief" in unknown.get_data(as_text=True)
    end_request_transaction()
    assert story.session.scalar(select(func.count()).select_from(ReminderLadder)) == 0
    story.session.commit()
    saved = client.post(
        f"/staff/loan-products/{code}/reminder-ladder",
        data={
            "steps-0-days": "3",
            "steps-0-kind": "reminder",
            "steps-2-days": "40",
            "steps-2-kind": "handover",
        },
    )
    assert saved.status_code == 302
    end_request_transaction()
    assert ladder.ladder_of(story.session, code) == (
        ladder.Step(3, LetterKind.REMINDER),
        ladder.Step(40, LetterKind.HANDOVER),
    )
    story.session.commit()
    # The close day follows the product's own ladder from then on.
    assert story.follow_up(story.day_past_due(3))[0] == 1
    assert story.follow_up(story.day_past_due(39))[0] == 0
    assert story.follow_up(story.day_past_due(40))[0] == 1


def test_only_an_admin_edits_the_ladder(story: Story, client, login_as) -> None:
    code = story.loan.product.code
    story.session.commit()
    login_as("credit_officer")
    assert client.get(f"/staff/loan-products/{code}/reminder-ladder").status_code == 403
    data = {"steps-0-days": "3", "steps-0-kind": "reminder"}
    assert client.post(f"/staff/loan-products/{code}/reminder-ladder", data=data).status_code == 403


def test_the_loan_page_lists_the_letters_and_opens_a_case(story: Story, client, login_as) -> None:
    story.follow_up(story.day_past_due(15))
    officer = login_as("credit_officer", language="nl", name="Karin Krediet")
    page = client.get(f"/staff/loans/{story.loan.id}")
    body = text(page)
    assert "Herinneringen en incasso" in body and "herinnering" in body and "aanmaning" in body
    end_request_transaction()
    letter = story.session.scalars(
        select(ReminderLetter).where(ReminderLetter.kind == LetterKind.REMINDER)
    ).one()
    story.session.commit()
    download = client.get(f"/staff/loans/{story.loan.id}/reminder-letters/{letter.id}")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    assert "Betalingsherinnering" in pdf_text(download.data)
    assert client.get(f"/staff/loans/{story.loan.id + 1}/reminder-letters/{letter.id}").status_code == 404
    opened = client.post(f"/staff/loans/{story.loan.id}/collection-case")
    assert opened.status_code == 302
    end_request_transaction()
    case = story.session.scalars(select(CollectionCase)).one()
    assert case.owner_id == officer.id
    story.session.commit()
    case_page = text(client.get(f"/staff/collection-cases/{case.id}"))
    assert "Karin Krediet" in case_page and story.loan.number in case_page
    contact = client.post(
        f"/staff/collection-cases/{case.id}/contacts",
        data={"contacted_on": "2028-06-15", "channel": "phone", "note": "Belooft vrijdag te betalen"},
    )
    assert contact.status_code == 302
    past = client.post(
        f"/staff/collection-cases/{case.id}/promises", data={"amount": "500", "promised_on": "2028-06-01"}
    )
    assert past.status_code == 422
    assert "mag niet in het verleden liggen" in past.get_data(as_text=True)
    good = client.post(
        f"/staff/collection-cases/{case.id}/promises",
        data={"amount": "1.035,29", "promised_on": "2028-06-20"},
    )
    assert good.status_code == 302
    end_request_transaction()
    promise = story.session.scalars(select(PaymentPromise)).one()
    assert promise.amount == Decimal("1035.29")
    story.session.commit()
    listing = text(client.get("/staff/collection-cases?owner=me&status=open"))
    assert story.loan.number in listing and "Karin Krediet" in listing
    assert story.loan.number not in text(client.get("/staff/collection-cases?status=closed"))


def test_tellers_see_no_cases(story: Story, client, login_as) -> None:
    login_as("teller")
    assert client.get("/staff/collection-cases").status_code == 403


def test_the_borrower_sees_only_their_own_reminders_and_promises(
    story: Story, client, make_user, login_as
) -> None:
    bank = story.bank
    other, other_account = bank.borrower("Geheime Brouwerij Zuid")
    other_loan = bank.book(other, other_account, "6000.00", 6, dt.date(2028, 1, 15))
    bank.withdraw(other_account, str(bank.balance(other_account.ledger_account_id)), dt.date(2028, 1, 15))
    bank.run(dt.date(2028, 2, 16))  # the 15th has run already: the 16th catches the loan up
    story.follow_up(story.day_past_due(15))
    with clock.frozen(story.day_past_due(15)):
        for loan in (story.loan, other_loan):
            case = cases.open_case(story.session, loan, on=story.day_past_due(15), actor=system("t"))
            cases.add_promise(
                story.session,
                case,
                amount=Decimal("250.00"),
                promised_on=story.day_past_due(20),
                actor=system("t"),
            )
    story.session.commit()
    story.follow_up(story.day_past_due(20))
    mine = story.session.scalars(
        select(ReminderLetter).where(ReminderLetter.loan_id == story.loan.id)
    ).first()
    theirs = story.session.scalars(
        select(ReminderLetter).where(ReminderLetter.loan_id == other_loan.id)
    ).first()
    story.session.commit()
    assert mine is not None and theirs is not None
    user = make_user("member", member_id=story.member.id, name="Fietsenmaker", language="nl")
    login_as(user=user)
    page = client.get(f"/portal/loans/{story.loan.id}")
    body = text(page)
    assert "Herinneringen" in body and "Betaalafspraken" in body
    assert "€ 250,00" in body and "niet nagekomen" in body
    assert "aanmaning" in body
    assert "Geheime Brouwerij" not in body and other_loan.number not in body
    download = client.get(f"/portal/loans/{story.loan.id}/reminder-letters/{mine.id}")
    assert download.status_code == 200
    letter_text = pdf_text(download.data)
    assert "Fietsenmakerij De Spaak" in letter_text and "Geheime Brouwerij" not in letter_text
    assert client.get(f"/portal/loans/{story.loan.id}/reminder-letters/{theirs.id}").status_code == 404
    assert client.get(f"/portal/loans/{other_loan.id}/reminder-letters/{theirs.id}").status_code == 404
    assert client.get(f"/portal/loans/{other_loan.id}").status_code == 404
