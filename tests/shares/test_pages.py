"""Share issue, redemption and seed capital forms through the test client."""

from __future__ import annotations

import re
from decimal import Decimal

from savings.factories import balance, main_balance
from sqlalchemy import select

from bank.approvals.models import Approval, ApprovalStatus
from bank.ledger import chart
from bank.members.models import Member, MemberStatus
from bank.shares import queries


def _key(html: str) -> str:
    match = re.search(r'name="form_key" type="hidden" value="([^"]+)"', html)
    assert match
    return match.group(1)


def test_issue_form_activates_the_applicant_and_refuses_above_the_maximum(client, login_as, session, world):
    anna_id, account_id = world["anna"].id, world["account"].id
    login_as("teller")
    page = client.get(f"/staff/members/{anna_id}/shares/issue").get_data(as_text=True)
    key = _key(page)
    too_many = client.post(
        f"/staff/members/{anna_id}/shares/issue",
        data={"form_key": key, "shares": "41", "source": str(account_id)},
    )
    assert too_many.status_code == 422
    assert "maximum is 40" in too_many.get_data(as_text=True)
    text = client.post(
        f"/staff/members/{anna_id}/shares/issue",
        data={"form_key": key, "shares": "vier", "source": str(account_id)},
    )
    assert text.status_code == 422 and "whole number" in text.get_data(as_text=True)
    ok = client.post(
        f"/staff/members/{anna_id}/shares/issue",
        data={"form_key": key, "shares": "4", "source": str(account_id)},
    )
    again = client.post(
        f"/staff/members/{anna_id}/shares/issue",
        data={"form_key": key, "shares": "4", "source": str(account_id)},
    )
    assert ok.status_code == 302 and again.status_code == 302
    session.expire_all()
    assert session.get(Member, anna_id).status is MemberStatus.ACTIVE
    assert queries.holdings_of_member(session, anna_id)[0].shares == 4
    assert balance(session, world["account"]) == Decimal("900.00")
    session.commit()
    member_page = client.get(f"/staff/members/{anna_id}").get_data(as_text=True)
    assert 'id="shares"' in member_page and "€" in member_page


def test_redeem_form_creates_a_request_for_a_second_person(client, login_as, session, world, teller):
    from bank.shares import service

    anna_id = world["anna"].id
    service.issue_shares(session, world["anna"], 3, key="i", actor=teller, paid_from=world["account"])
    session.commit()
    login_as("teller")
    key = _key(client.get(f"/staff/members/{anna_id}/shares/redeem").get_data(as_text=True))
    below_min = client.post(
        f"/staff/members/{anna_id}/shares/redeem",
        data={"form_key": key, "shares": "3", "destination": "outside"},
    )
    assert below_min.status_code == 422 and "keeps at least 1" in below_min.get_data(as_text=True)
    response = client.post(
        f"/staff/members/{anna_id}/shares/redeem",
        data={"form_key": key, "shares": "2", "destination": "outside"},
    )
    assert response.status_code == 302
    approval = session.scalar(select(Approval))
    assert approval.kind == "share_redemption" and approval.status is ApprovalStatus.PENDING
    assert approval.amount == Decimal("50.00")
    session.commit()
    login_as("admin")
    client.post(f"/staff/approvals/{approval.id}/approve", data={})
    session.expire_all()
    assert session.get(Approval, approval.id).status is ApprovalStatus.APPROVED
    assert queries.holdings_of_member(session, anna_id)[0].shares == 1


def test_seed_capital_form_is_for_admins(client, login_as, session, world):
    login_as("teller")
    assert client.get("/staff/seed-capital").status_code == 403
    login_as("admin")
    page = client.get("/staff/seed-capital").get_data(as_text=True)
    key = _key(page)
    bad = client.post("/staff/seed-capital", data={"form_key": key, "amount": "2.000.000,001"})
    assert bad.status_code == 422 and "at most 2 decimals" in bad.get_data(as_text=True)
    ok = client.post(
        "/staff/seed-capital", data={"form_key": key, "amount": "2.000.000,00", "value_date": ""}
    )
    assert ok.status_code == 302
    client.post("/staff/seed-capital", data={"form_key": key, "amount": "2.000.000,00", "value_date": ""})
    session.expire_all()
    assert main_balance(session, chart.SEED_CAPITAL) == Decimal("2000000.00")
