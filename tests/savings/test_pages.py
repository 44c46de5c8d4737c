"""The staff pages for accounts and bookings, through the test client."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import func, select

from bank.approvals.models import Approval, ApprovalStatus
from bank.audit.models import AuditEvent
from bank.ledger import queries as ledger_queries
from bank.ledger.models import JournalEntry
from bank.savings.models import DepositAccount, DepositAccountStatus

from .factories import balance


def _form_key(html: str) -> str:
    match = re.search(r'name="form_key" type="hidden" value="([^"]+)"', html) or re.search(
        r'id="form_key" name="form_key" type="hidden" value="([^"]+)"', html
    )
    assert match, "the money form carries a one-time key"
    return match.group(1)


def _entries(session) -> int:
    return session.scalar(select(func.count()).select_from(JournalEntry))


def test_teller_opens_an_account_and_deposits_once_despite_a_double_submit(
    client, login_as, session, bank_setup
):
    login_as("teller")
    anna = bank_setup["anna"]
    anna_id = anna.id
    page = client.get(f"/staff/members/{anna.id}/accounts/new")
    assert page.status_code == 200
    response = client.post(f"/staff/members/{anna.id}/accounts/new", data={"product": "WIJKSPAAR"})
    assert response.status_code == 302
    account = session.scalars(
        select(DepositAccount).where(DepositAccount.member_id == anna.id).order_by(DepositAccount.id.desc())
    ).first()
    assert response.headers["Location"].endswith(f"/staff/accounts/{account.id}")
    session.commit()  # end the read: SQLite lets one writer in at a time

    form = client.get(f"/staff/accounts/{account.id}/deposit").get_data(as_text=True)
    key = _form_key(form)
    data = {"form_key": key, "amount": "1.234,56", "description": "Contant gestort"}
    first = client.post(f"/staff/accounts/{account.id}/deposit", data=data)
    second = client.post(f"/staff/accounts/{account.id}/deposit", data=data, follow_redirects=True)
    assert first.status_code == 302
    assert second.status_code == 200
    assert "already submitted" in second.get_data(as_text=True) or "al verstuurd" in second.get_data(
        as_text=True
    )
    session.expire_all()
    assert balance(session, account) == Decimal("1234.56")
    assert session.scalar(select(func.count()).where(AuditEvent.action == "booking.deposit")) == 1
    session.commit()

    detail = client.get(f"/staff/accounts/{account.id}").get_data(as_text=True)
    assert "Contant gestort" in detail
    assert account.formatted_number in detail
    # The member page lists the account with its balance.
    member_page = client.get(f"/staff/members/{anna_id}").get_data(as_text=True)
    assert account.formatted_number in member_page


def test_bad_amounts_are_refused_next_to_the_field_and_nothing_is_written(
    client, login_as, session, bank_setup
):
    login_as("teller")
    account = bank_setup["anna_account"]
    before = _entries(session)
    session.commit()
    for amount, rule in [
        ("0", "greater than 0"),
        ("-5", "greater than 0"),
        ("12,345", "at most 2 decimals"),
        ("100.000.000,01", "must not exceed"),
        ("tien euro", "must be a number"),
        ("", "is required"),
    ]:
        response = client.post(
            f"/staff/accounts/{account.id}/deposit", data={"form_key": f"k-{amount}", "amount": amount}
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 422, amount
        field = re.search(r'<div class="field [^"]*has-error">\s*<label for="amount"', html)
        assert field, f"the error for {amount!r} sits next to the amount field"
        assert rule in html, (amount, rule)
    session.expire_all()
    assert _entries(session) == before


def test_withdrawal_above_the_threshold_waits_for_a_second_teller(
    client, login_as, session, bank_setup, teller
):
    from bank.savings import service

    account = bank_setup["anna_account"]
    service.deposit(session, account, "15000", key="setup", actor=teller)
    session.commit()
    maker = login_as("teller")
    key = _form_key(client.get(f"/staff/accounts/{account.id}/withdraw").get_data(as_text=True))
    response = client.post(
        f"/staff/accounts/{account.id}/withdraw", data={"form_key": key, "amount": "12.500,00"}
    )
    assert response.status_code == 302
    approval = session.scalar(select(Approval))
    assert approval.status is ApprovalStatus.PENDING and approval.maker_id == maker.id
    assert balance(session, account) == Decimal("15000.00")
    session.commit()

    queue = client.get("/staff/approvals").get_data(as_text=True)
    assert f'id="approval-{approval.id}"' in queue
    assert f"/staff/approvals/{approval.id}/approve" not in queue, "the maker gets no approve button"
    refused = client.post(f"/staff/approvals/{approval.id}/approve", data={}, follow_redirects=True)
    assert "four eyes" in refused.get_data(as_text=True)
    session.expire_all()
    assert session.get(Approval, approval.id).status is ApprovalStatus.PENDING
    session.commit()

    login_as("teller")
    queue = client.get("/staff/approvals").get_data(as_text=True)
    assert f"/staff/approvals/{approval.id}/approve" in queue
    done = client.post(f"/staff/approvals/{approval.id}/approve", data={}, follow_redirects=True)
    assert done.status_code == 200
    session.expire_all()
    approved = session.get(Approval, approval.id)
    assert approved.status is ApprovalStatus.APPROVED
    assert balance(session, account) == Decimal("2500.00")
    assert ledger_queries.verify(session) == []


def test_reject_needs_a_reason(client, login_as, session, bank_setup, teller):
    from bank.savings import service

    account = bank_setup["anna_account"]
    service.deposit(session, account, "15000", key="setup", actor=teller)
    outcome = service.withdraw(
        session, account, "11000", key="w", actor=teller, approval_threshold=Decimal("10000")
    )
    session.commit()
    login_as("teller")
    no_reason = client.post(
        f"/staff/approvals/{outcome.approval.id}/reject", data={"reason": ""}, follow_redirects=True
    )
    assert "reason" in no_reason.get_data(as_text=True)
    session.expire_all()
    assert session.get(Approval, outcome.approval.id).status is ApprovalStatus.PENDING
    session.commit()
    client.post(
        f"/staff/approvals/{outcome.approval.id}/reject", data={"reason": "Member called: not needed"}
    )
    session.expire_all()
    rejected = session.get(Approval, outcome.approval.id)
    assert rejected.status is ApprovalStatus.REJECTED and rejected.reason == "Member called: not needed"
    assert balance(session, account) == Decimal("15000.00")


def test_transfer_form_refuses_a_mistyped_account_number(client, login_as, session, bank_setup, teller):
    from bank.savings import service

    anna_acct, bram_acct = bank_setup["anna_account"], bank_setup["bram_account"]
    service.deposit(session, anna_acct, "100", key="setup", actor=teller)
    session.commit()
    login_as("teller")
    wrong = bram_acct.number[:-1] + str((int(bram_acct.number[-1]) + 1) % 10)
    response = client.post(
        f"/staff/accounts/{anna_acct.id}/transfer",
        data={"form_key": "t1", "amount": "40", "to_account": wrong},
    )
    assert response.status_code == 422
    assert "check digits" in response.get_data(as_text=True)
    response = client.post(
        f"/staff/accounts/{anna_acct.id}/transfer",
        data={"form_key": "t1", "amount": "40", "to_account": bram_acct.formatted_number},
    )
    assert response.status_code == 302
    session.expire_all()
    assert balance(session, anna_acct) == Decimal("60.00")
    assert balance(session, bram_acct) == Decimal("40.00")


def test_block_unblock_and_close_buttons(client, login_as, session, bank_setup):
    login_as("teller")
    account = bank_setup["bram_account"]
    no_reason = client.post(f"/staff/accounts/{account.id}/block", data={"reason": ""})
    assert no_reason.status_code == 422
    client.post(f"/staff/accounts/{account.id}/block", data={"reason": "Fraud investigation"})
    session.expire_all()
    assert session.get(DepositAccount, account.id).status is DepositAccountStatus.BLOCKED
    session.commit()
    refused = client.post(f"/staff/accounts/{account.id}/withdraw", data={"form_key": "w", "amount": "1"})
    assert refused.status_code == 422 and "blocked" in refused.get_data(as_text=True)
    client.post(f"/staff/accounts/{account.id}/unblock", data={})
    client.post(f"/staff/accounts/{account.id}/close", data={})
    session.expire_all()
    closed = session.get(DepositAccount, account.id)
    assert closed.status is DepositAccountStatus.CLOSED and closed.closed_on is not None


def test_credit_officers_may_look_but_not_book(client, login_as, session, bank_setup):
    login_as("credit_officer")
    account = bank_setup["anna_account"]
    assert client.get(f"/staff/accounts/{account.id}").status_code == 200
    assert client.get("/staff/accounts?q=Anna").status_code == 200
    assert client.get("/staff/approvals").status_code == 200
    assert (
        client.post(
            f"/staff/accounts/{account.id}/deposit", data={"form_key": "x", "amount": "5"}
        ).status_code
        == 403
    )
    session.expire_all()
    assert balance(session, account) == Decimal("0.00")


def test_find_account_by_number(client, login_as, bank_setup):
    login_as("teller")
    account = bank_setup["anna_account"]
    found = client.get(f"/staff/accounts/find?number={account.formatted_number}")
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/staff/accounts/{account.id}")
    typo = client.get("/staff/accounts/find?number=1000000162", follow_redirects=True)
    assert "check digits" in typo.get_data(as_text=True)


def test_admin_defines_a_product_and_changes_its_rate(client, login_as, session):
    login_as("admin")
    bad = client.post(
        "/staff/savings-products",
        data={"code": "BUF", "name_nl": "Vaste buffer", "name_en": "Fixed buffer", "rate_percent": "veel"},
    )
    assert bad.status_code == 422 and "must be a number" in bad.get_data(as_text=True)
    ok = client.post(
        "/staff/savings-products",
        data={
            "code": "buf",
            "name_nl": "Vaste buffer",
            "name_en": "Fixed buffer",
            "rate_percent": "2,0",
            "effective_from": "2026-01-01",
        },
    )
    assert ok.status_code == 302
    from bank.savings.models import SavingsProduct

    product = session.scalar(select(SavingsProduct).where(SavingsProduct.code == "BUF"))
    assert product.rate_on(dt.date(2026, 1, 1)) == Decimal("0.02")
    product_id = product.id
    session.commit()
    changed = client.post(
        f"/staff/savings-products/{product_id}/rates",
        data={"rate_percent": "2,25", "effective_from": "2026-09-01"},
    )
    assert changed.status_code == 302
    session.expire_all()
    product = session.get(SavingsProduct, product_id)
    assert product.rate_on(dt.date(2026, 8, 31)) == Decimal("0.02")
    assert product.rate_on(dt.date(2026, 9, 1)) == Decimal("0.0225")
    session.commit()
    login_as("teller")
    assert client.get("/staff/savings-products").status_code == 200
    assert (
        client.post(f"/staff/savings-products/{product_id}/rates", data={"rate_percent": "9"}).status_code
        == 403
    )


def test_an_account_with_a_withdrawal_waiting_for_approval_opens_and_links_to_the_queue(
    client, login_as, session, bank_setup, teller
):
    from bank.savings import service as savings

    from .factories import THRESHOLD

    account = bank_setup["anna_account"]
    savings.deposit(session, account, "20000", key="d", actor=teller)
    request = savings.withdraw(
        session, account, "15000", key="big", actor=teller, approval_threshold=THRESHOLD
    )
    session.commit()
    login_as("teller")
    response = client.get(f"/staff/accounts/{account.id}")
    assert response.status_code == 200
    assert f'/staff/approvals#approval-{request.approval.id}"' in response.get_data(as_text=True)


def test_each_viewer_is_told_whether_and_why_they_may_decide_a_request(
    client, login_as, session, bank_setup, make_user
):
    from bank.savings import service as savings

    from .factories import THRESHOLD, staff

    maker_user = make_user("teller")
    maker = staff(lambda *a, **k: maker_user, "teller")
    account = bank_setup["anna_account"]
    savings.deposit(session, account, "20000", key="d", actor=maker)
    request = savings.withdraw(
        session, account, "15000", key="big", actor=maker, approval_threshold=THRESHOLD
    )
    session.commit()

    def note(user) -> str:
        login_as(user=user)
        page = client.get("/staff/approvals").get_data(as_text=True)
        client.post("/logout")
        row = page[page.index(f'id="approval-{request.approval.id}"') :]
        return re.search(r'<p class="hint decision-note">([^<]*)</p>', row).group(1)

    assert note(maker_user) == (
        "You made this request: another staff member (Teller / Administrator) decides it (four eyes)."
    )
    assert note(make_user("credit_officer")) == (
        "Only Teller / Administrator decide this request; you are Credit officer, so you cannot approve"
        " or reject it."
    )
    assert note(make_user("teller")) == "You may approve or reject this request (you did not make it)."
