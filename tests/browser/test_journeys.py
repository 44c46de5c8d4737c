"""The journeys that matter, in a real browser: staff register a member and book a deposit; a
member opens a loan and downloads statements whose closing balance matches the ledger."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from portal.world import build
from pypdf import PdfReader
from sqlalchemy import select

from bank import clock
from bank.actor import system
from bank.auth import service as auth_service
from bank.extensions import db
from bank.ledger import queries as ledger_queries
from bank.members.models import Member
from bank.savings import service as savings
from bank.savings.models import DepositAccount

PASSWORD = "correct horse battery staple"

pytestmark = pytest.mark.browser


def _user(email: str, role: str, member_id: int | None = None) -> None:
    with db.unit_of_work(db.new_session()) as s:
        auth_service.create_user(
            s, email=email, name=email.split("@")[0], role=role, password=PASSWORD, actor=system("test"),
            member_id=member_id,
        )  # fmt: skip


def _log_in(page, email: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit].primary")


def _pdf_text(path: str | Path) -> str:
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(Path(path).read_bytes())).pages)


def test_staff_log_in_register_a_member_and_book_a_deposit(app, browser_page, screenshots):
    with db.unit_of_work(db.new_session()) as s:
        savings.create_product(
            s, code="WIJKSPAAR", name_nl="Wijkspaarrekening", name_en="Neighbourhood savings",
            rate_annual=Decimal("0.0125"), effective_from=dt.date(2020, 1, 1), actor=system("test"),
        )  # fmt: skip
    _user("balie@test.example", "teller")
    page = browser_page
    _log_in(page, "balie@test.example")
    page.wait_for_url("**/staff/**")
    page.screenshot(path=str(screenshots / "staff-dashboard.png"), full_page=True)

    page.goto("/staff/members/new/person")
    page.fill("#first_name", "Fatima")
    page.fill("#last_name", "Browser")
    page.fill("#date_of_birth", "1985-04-12")
    page.fill("#street", "Javastraat")
    page.fill("#house_number", "7")
    page.fill("#postcode", "1094 HB")
    page.fill("#city", "Amsterdam")
    page.fill("#email", "fatima.browser@example.org")
    page.fill("#external_iban", "NL91ABNA0417164300")
    page.screenshot(path=str(screenshots / "staff-register-form.png"), full_page=True)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/staff/members/*")
    assert "Fatima Browser" in page.inner_text("h1")
    page.screenshot(path=str(screenshots / "staff-member.png"), full_page=True)
    with db.new_session() as s:
        member = s.scalar(select(Member).where(Member.last_name == "Browser"))
    assert member is not None

    page.goto(f"/staff/members/{member.id}/accounts/new")
    page.click("button[type=submit].primary")
    page.wait_for_url("**/staff/accounts/*")
    account_url = page.url
    page.goto(account_url + "/deposit")
    page.fill("#amount", "250,75")
    page.fill("#description", "Eerste inleg")
    page.screenshot(path=str(screenshots / "staff-deposit-form.png"), full_page=True)
    page.click("button[type=submit].primary")
    page.wait_for_url(account_url)
    page.screenshot(path=str(screenshots / "staff-account-after-deposit.png"), full_page=True)
    assert "250,75" in page.content()
    with db.new_session() as s:
        account = s.scalar(select(DepositAccount).where(DepositAccount.member_id == member.id))
        assert ledger_queries.balance(s, account.ledger_account_id) == Decimal("250.75")

    # Invite the new member to the portal from their page; the link goes to the outbox.
    page.goto(f"/staff/members/{member.id}#portal")
    page.click("#portal .invite-button")
    page.wait_for_selector(".flash")
    page.screenshot(path=str(screenshots / "staff-member-invited.png"), full_page=True)
    assert "fatima.browser@example.org" in page.inner_text(".flash")
    from bank.notifications.models import OutboxMessage

    with db.new_session() as s:
        message = s.scalar(select(OutboxMessage).where(OutboxMessage.member_id == member.id))
    # The staff copy is masked; the member's own mail carries the link.
    assert "/portal/invite/" not in message.body
    from bank.notifications import secret_mail

    assert "/portal/invite/" in secret_mail.TRANSPORT.sent[-1][2]


def test_member_opens_a_loan_and_downloads_statements_with_the_right_closing_balance(
    app, browser_page, screenshots
):
    with db.unit_of_work(db.new_session()) as s:
        world = build(s, app.config["STATEMENT_DIR"])
    _user("anna.browser@example.org", "member", member_id=world.anna.id)
    page = browser_page
    _log_in(page, "anna.browser@example.org")
    page.wait_for_url("**/portal/")
    page.screenshot(path=str(screenshots / "portal-dashboard.png"), full_page=True)

    # The home names the loan in its next-instalment card too; the link is in the loans table.
    page.click(f"a:text-is('{world.coop_loan.number}')")
    page.wait_for_url(f"**/portal/loans/{world.coop_loan.id}")
    page.screenshot(path=str(screenshots / "portal-loan.png"), full_page=True)
    with page.expect_download() as loan_download:
        page.click("#loan-statement")
    loan_text = _pdf_text(loan_download.value.path())
    assert world.coop_loan.number in loan_text
    with db.new_session() as s:
        outstanding = ledger_queries.balance(s, world.coop_loan.principal_account_id)
    assert f"{outstanding:,.2f}".replace(",", "_").replace(".", ",").replace("_", ".") in loan_text

    # The account statement for September: its closing balance is the ledger's on 30 September.
    page.goto(f"/portal/accounts/{world.anna_account.id}?from=2026-09-01&to=2026-09-30")
    page.screenshot(path=str(screenshots / "portal-account.png"), full_page=True)
    with page.expect_download() as account_download:
        page.click("text=PDF")
    text = _pdf_text(account_download.value.path())
    with db.new_session() as s:
        closing = ledger_queries.balance(s, world.anna_account.ledger_account_id, as_of=dt.date(2026, 9, 30))
    assert closing == Decimal("2724.56")
    assert "2.724,56" in text

    page.goto("/portal/statements")
    page.screenshot(path=str(screenshots / "portal-statements.png"), full_page=True)
    page.goto("/portal/profile")
    page.screenshot(path=str(screenshots / "portal-profile.png"), full_page=True)

    # A new payout IBAN waits until staff verified it with the member.
    page.fill("#external_iban", "NL20 INGB 0001 2345 67")
    page.click("form button[type=submit].primary")
    page.wait_for_selector("#profile-changes")
    page.screenshot(path=str(screenshots / "portal-profile-pending.png"), full_page=True)
    assert "NL91 ABNA 0417 1643 00" in page.inner_text("#current-iban")
    page.click("text=Log out")
    _user("balie.browser@test.example", "teller")
    _log_in(page, "balie.browser@test.example")
    page.goto("/staff/portal/changes")
    row = page.locator("tr", has_text="NL20 INGB 0001 2345 67")
    row.locator("textarea[name=note]").fill("Called Anna on her known number; she confirmed the new account.")
    page.screenshot(path=str(screenshots / "staff-portal-changes.png"), full_page=True)
    row.locator("button[value=approve]").click()
    page.wait_for_selector(".flash")
    with db.new_session() as s:
        assert s.get(Member, world.anna.id).external_iban == "NL20INGB0001234567"
    assert clock.today() >= dt.date(2026, 10, 1)


def test_committee_member_declares_and_votes(app, browser_page, screenshots, make_user):
    from applications import helpers

    with clock.frozen(helpers.TODAY):
        with db.unit_of_work(db.new_session()) as s:
            world = helpers.build_world(s, make_user)
            application = helpers.reviewed(s, helpers.submitted_coop(s, world), world)
            helpers.on_agenda(s, world, application)
            member_of_committee = world.committee_users[1]
            auth_service.set_password(s, s.merge(member_of_committee), PASSWORD, actor=system("test"))
            application_id, number, email = application.id, application.number, member_of_committee.email
        page = browser_page
        _log_in(page, email)
        page.wait_for_url("**/committee/**")
        page.screenshot(path=str(screenshots / "committee-queue.png"), full_page=True)
        page.click(f"text={number}")
        page.wait_for_url(f"**/committee/applications/{application_id}")
        page.check("input[name=has_conflict][value=no]")
        page.click("form[action$='/declare'] button[type=submit]")
        page.check("input[name=choice][value=approve]")
        page.screenshot(path=str(screenshots / "committee-vote.png"), full_page=True)
        page.click("form[action$='/vote'] button[type=submit]")
        page.wait_for_selector(".flash")
        page.screenshot(path=str(screenshots / "committee-voted.png"), full_page=True)
    from bank.committee.models import Vote

    with db.new_session() as s:
        votes = list(s.scalars(select(Vote).where(Vote.application_id == application_id)))
    assert [(v.user_id, v.choice.value) for v in votes] == [(member_of_committee.id, "approve")]
