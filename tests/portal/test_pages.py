"""Portal pages: transactions with a period filter, the loan page, statements, profile, data export."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from decimal import Decimal

from pypdf import PdfReader
from sqlalchemy import select

from bank import clock
from bank.audit.models import AuditEvent
from bank.auth.models import User
from bank.extensions import db
from bank.members.models import Member
from bank.portal.models import ChangeStatus, ProfileChange

from .conftest import fresh_session
from .world import IBAN, NEW_IBAN


def _pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


# ---------------------------------------------------------------------------------------------
# Dashboard and accounts


def test_dashboard_shows_balances_shares_loans_with_next_instalment_and_arrears(as_anna, world):
    html = as_anna.get("/portal/").get_data(as_text=True)
    # Anna: 1500 + 1234.56 + 10 x 10 - 4 shares of 25 = 2734.56
    assert "2.734,56" in html
    assert "Bakkerij De Korenschoof" in html and "penningmeester" in html
    # The co-op's loan: instalments 5 onwards are overdue (due from August 2026 on, unpaid).
    assert world.coop_loan.number in html
    assert 'class="tile bad"' in html


def test_transactions_are_paged_and_filtered_by_period(as_anna, world):
    url = f"/portal/accounts/{world.anna_account.id}"
    page1 = as_anna.get(url).get_data(as_text=True)
    # 14 bookings (2 deposits, 10 monthly ones, the share payment, one more) fit on one page of 25.
    assert "Maand 10" in page1 and "Salaris" in page1
    september = as_anna.get(url + "?from=2026-09-01&to=2026-09-30")
    html = september.get_data(as_text=True)
    assert september.status_code == 200
    assert "Maand 9" in html and "Maand 8" not in html and "Salaris" not in html
    # Opening balance before September: 1500 - 100 + 8 x 10 = 1480; closing: + 1234.56 + 10 = 2724.56
    assert "1.480,00" in html and "2.724,56" in html


def test_a_period_that_ends_before_it_starts_or_lies_in_the_future_is_refused(as_anna, world):
    url = f"/portal/accounts/{world.anna_account.id}"
    backwards = as_anna.get(url + "?from=2026-09-30&to=2026-09-01")
    assert backwards.status_code == 422
    assert "must not be before the start of the period" in backwards.get_data(as_text=True)
    future = clock.today().replace(year=clock.today().year + 1).isoformat()
    ahead = as_anna.get(url + f"?from=2026-01-01&to={future}")
    assert ahead.status_code == 422
    assert "must not be in the future" in ahead.get_data(as_text=True)
    junk = as_anna.get(url + "?from=yesterday")
    assert junk.status_code == 422 and "must be a date" in junk.get_data(as_text=True)


def test_transactions_page_over_many_pages(as_anna, world):
    from . import world as w

    with db.unit_of_work(fresh_session()) as s:
        account = s.get(type(world.anna_account), world.anna_account.id)
        for day in range(1, 29):
            w.deposit(s, account, "1.00", account.opened_on, f"x{day}")
    second = as_anna.get(f"/portal/accounts/{world.anna_account.id}?page=2")
    assert second.status_code == 200
    assert "page 2 of 2" in second.get_data(as_text=True) or "pagina 2 van 2" in second.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Loans and statements


def test_loan_page_shows_schedule_paid_and_unpaid_payments_and_arrears(as_anna, world):
    response = as_anna.get(f"/portal/loans/{world.coop_loan.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('class="paid"') == 4
    assert 'class="overdue"' in html
    with fresh_session() as s:
        from bank.portal import queries

        page = queries.loan_page(s, queries.loan_for(s, world.anna.id, world.coop_loan.id))
        paid = [i for i in page.instalments if i.status.value == "paid"]
        assert len(page.payments) == 4
        assert page.total_paid == sum((i.total_scheduled for i in paid), Decimal("0"))
        assert page.outstanding_principal == Decimal("12000.00") - sum(
            (i.principal_due for i in paid), Decimal("0")
        )
        overdue = [i for i in page.instalments if i.status.value == "open" and i.due_on < clock.today()]
        assert page.arrears.amount == sum((i.outstanding for i in overdue), Decimal("0"))
        assert page.arrears.days_past_due == (clock.today() - overdue[0].due_on).days
    assert str(page.payments[0].total).replace(".", ",") in html


def test_period_statement_pdf_holds_the_closing_balance(as_anna, world):
    response = as_anna.get(
        f"/portal/statements/period?account={world.anna_account.id}&from=2026-09-01&to=2026-09-30"
    )
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    assert "2.724,56" in text and "1.480,00" in text


def test_statement_period_refusals_are_clear(as_anna, world):
    base = f"/portal/statements/period?account={world.anna_account.id}"
    backwards = as_anna.get(base + "&from=2026-09-30&to=2026-09-01")
    assert backwards.status_code == 422
    assert "must not be before the start of the period" in backwards.get_data(as_text=True)
    future = clock.today().replace(year=clock.today().year + 1).isoformat()
    ahead = as_anna.get(base + f"&from=2026-09-01&to={future}")
    assert ahead.status_code == 422 and "must not be in the future" in ahead.get_data(as_text=True)
    missing = as_anna.get(base)
    assert missing.status_code == 422 and "is required" in missing.get_data(as_text=True)


def test_loan_and_annual_statements_download(as_anna, world):
    loan = as_anna.get(f"/portal/loans/{world.coop_loan.id}/statement.pdf")
    assert loan.status_code == 200 and world.coop_loan.number in _pdf_text(loan.data)
    annual = as_anna.get(f"/portal/members/{world.anna.id}/annual-statement.pdf?year=2026")
    assert annual.status_code == 200 and annual.data.startswith(b"%PDF")
    bad_year = as_anna.get(f"/portal/members/{world.anna.id}/annual-statement.pdf?year=1850")
    assert bad_year.status_code == 422


def test_stored_statements_are_listed_and_downloaded_with_their_checksum(
    app, client, login_as, world, make_user
):
    bram = make_user("member", member_id=world.bram.id)
    login_as(user=bram)
    page = client.get("/portal/statements").get_data(as_text=True)
    assert f"/portal/statements/{world.bram_statement.id}.pdf" in page
    download = client.get(f"/portal/statements/{world.bram_statement.id}.pdf")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")


# ---------------------------------------------------------------------------------------------
# Profile


def test_contact_changes_take_effect_and_are_audited(as_anna, world, anna_user):
    response = as_anna.post(
        "/portal/profile",
        data={
            "email": "anna.nieuw@example.org",
            "phone": "06 1234 5678",
            "street": "Linnaeusstraat",
            "house_number": "5",
            "postcode": "1093ek",
            "city": "Amsterdam",
            "external_iban": IBAN,
            "password": "correct horse battery staple",
        },
    )
    assert response.status_code == 302
    with fresh_session() as s:
        member = s.get(Member, world.anna.id)
        # Contact data at once; the new e-mail (the log-in) once confirmed from that address.
        assert (member.email, member.phone, member.street, member.postcode) == (
            world.anna.email,
            "06 1234 5678",
            "Linnaeusstraat",
            "1093 EK",
        )
        assert s.get(User, anna_user.id).email == anna_user.email
        event = s.scalar(
            select(AuditEvent).where(AuditEvent.action == "member.update").order_by(AuditEvent.id.desc())
        )
        assert event.actor_id == anna_user.id and event.object_id == str(world.anna.id)
        assert event.before["street"] == "Dapperstraat" and event.after["street"] == "Linnaeusstraat"
        assert "email" not in event.after and "external_iban" not in event.after


def test_bad_profile_input_names_the_field_and_changes_nothing(as_anna, world):
    response = as_anna.post(
        "/portal/profile",
        data={
            "email": "not-an-email",
            "phone": "12",
            "street": "X",
            "house_number": "5",
            "postcode": "0000 AA",
            "city": "Amsterdam",
            "external_iban": "NL00BANK0000000000",
        },
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "e-mail address like" in html and "IBAN" in html
    with fresh_session() as s:
        assert s.get(Member, world.anna.id).street == "Dapperstraat"
        assert s.scalar(select(ProfileChange).where(ProfileChange.member_id == world.anna.id)) is None


def test_a_new_iban_waits_for_staff_verification(app, client, as_anna, world, login_as):
    data = {
        "email": world.anna.email,
        "phone": "",
        "street": "Dapperstraat",
        "house_number": world.anna.house_number,
        "postcode": "1093 BS",
        "city": "Amsterdam",
        "external_iban": "NL02 ABNA 0123 4567 89",
    }
    assert as_anna.post("/portal/profile", data=data).status_code == 302
    with fresh_session() as s:
        assert s.get(Member, world.anna.id).external_iban == IBAN  # unchanged until verified
        change = s.scalar(
            select(ProfileChange).where(
                ProfileChange.member_id == world.anna.id, ProfileChange.status == ChangeStatus.PENDING
            )
        )
        assert change.new_value == NEW_IBAN
    assert "waiting for verification" in as_anna.get("/portal/profile").get_data(as_text=True)
    # A member cannot approve it.
    assert (
        as_anna.post(
            f"/staff/portal/changes/{change.id}", data={"decision": "approve", "note": "x"}
        ).status_code
        == 403
    )
    as_anna.post("/logout")

    login_as("teller")
    listing = client.get("/staff/portal/changes").get_data(as_text=True)
    assert "NL02 ABNA 0123 4567 89" in listing
    no_note = client.post(f"/staff/portal/changes/{change.id}", data={"decision": "approve", "note": ""})
    assert no_note.status_code == 302
    with fresh_session() as s:
        assert s.get(Member, world.anna.id).external_iban == IBAN
    client.post(
        f"/staff/portal/changes/{change.id}", data={"decision": "approve", "note": "Called her on 06-…"}
    )
    with fresh_session() as s:
        assert s.get(Member, world.anna.id).external_iban == NEW_IBAN
        decided = s.get(ProfileChange, change.id)
        assert decided.status is ChangeStatus.APPROVED and decided.decided_by_id is not None
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(world.anna.id))))
        assert {"member.change_requested", "member.change_approved", "member.update"} <= actions
    again = client.post(f"/staff/portal/changes/{change.id}", data={"decision": "reject", "note": "oops"})
    assert again.status_code == 302
    with fresh_session() as s:
        assert s.get(ProfileChange, change.id).status is ChangeStatus.APPROVED


def test_a_rejected_iban_shows_the_reason_to_the_member(client, world, login_as, make_user):
    login_as("teller")
    client.post(
        f"/staff/portal/changes/{world.bram_change.id}",
        data={"decision": "reject", "note": "Not his account"},
    )
    client.post("/logout")
    login_as(user=make_user("member", member_id=world.bram.id))
    html = client.get("/portal/profile").get_data(as_text=True)
    assert "Not his account" in html
    with fresh_session() as s:
        assert s.get(Member, world.bram.id).external_iban == IBAN


# ---------------------------------------------------------------------------------------------
# Data export


def test_data_export_json_holds_the_members_own_data_and_nothing_of_others(as_anna, world):
    response = as_anna.get("/portal/my-data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.data)
    assert data["member"]["number"] == world.anna.number
    assert data["member"]["email"] == world.anna.email
    assert data["represents"] == [
        {
            "organisation": "Bakkerij De Korenschoof coöperatie U.A.",
            "role": "penningmeester",
            "since": data["represents"][0]["since"],
        }
    ]
    (account,) = data["deposit_accounts"]
    assert account["number"] == world.anna_account.number and account["balance"] == "2734.56"
    credits = sum(Decimal(t["credit"] or "0") for t in account["transactions"])
    debits = sum(Decimal(t["debit"] or "0") for t in account["transactions"])
    assert credits - debits == Decimal("2734.56")
    assert account["transactions"][-1]["balance_after"] == "2734.56"
    assert data["member_shares"][0]["shares"] == 4 and data["member_shares"][0]["paid_in"] == "100.00"
    assert data["loans"] == []  # the co-op's loan is the co-op's data
    text = response.get_data(as_text=True)
    assert (
        "Geheim" not in text
        and world.bram_account.number not in text
        and world.coop_account.number not in text
    )
    assert any(e["action"] == "login.succeeded" for e in data["audit_trail"])
    with fresh_session() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "portal.data_export")) is not None


def test_data_export_pdf(client, world, login_as, make_user):
    login_as(user=make_user("member", member_id=world.bram.id))
    response = client.get("/portal/my-data.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _pdf_text(response.data)
    assert "Geheim" in text and world.bram_loan.number in text and world.bram_account.number in text
    assert "Jansen" not in text


def test_dashboard_lists_applications_with_their_status(client, world, login_as, make_user):
    login_as(user=make_user("member", member_id=world.bram.id))
    html = client.get("/portal/").get_data(as_text=True)
    assert f"/portal/applications/{world.bram_application.id}" in html and "KA-2026-0099" in html
    assert "submitted" in html or "ingediend" in html
    assert "Bakkerij" not in html  # Bram does not represent the co-op


def test_annual_statements_are_offered_from_the_first_account_and_this_year_says_per_today(as_anna, world):
    """Anna's and the co-op's accounts opened on 2 January 2026: in March 2027 the form offers 2027
    and 2026 (last year chosen), nothing older; this year's statement gives today's balance by its date."""
    with clock.frozen(dt.date(2027, 3, 1)):
        page = as_anna.get("/portal/statements").get_data(as_text=True)
        annual = page[page.index("annual-statement") :]
        assert re.findall(r'<option value="(\d{4})"', annual) == ["2027", "2026"] * 2
        assert '<option value="2026" selected>' in annual and "2025" not in annual
        this_year = _pdf_text(
            as_anna.get(f"/portal/members/{world.anna.id}/annual-statement.pdf?year=2027").data
        )
        last_year = _pdf_text(
            as_anna.get(f"/portal/members/{world.anna.id}/annual-statement.pdf?year=2026").data
        )
    assert "Saldo per 01-03-2027" in this_year and "31 december" not in this_year
    assert "Saldo 31 december" in last_year and "Saldo per" not in last_year
