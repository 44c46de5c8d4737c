"""Issue 13, item 3: one teller cannot pay a member's money to a new IBAN."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from bank import clock
from bank.approvals.models import Approval, ApprovalStatus
from bank.extensions import db
from bank.ledger import queries as ledger_queries
from bank.members.models import Member
from bank.notifications.models import OutboxMessage
from bank.portal.models import ChangeStatus, ProfileChange

from .conftest import ATTACKER_IBAN, IBAN


def member_form(member: Member, **changes: str) -> dict[str, str]:
    data = {
        "first_name": member.first_name,
        "name_prefix": "",
        "last_name": member.last_name,
        "date_of_birth": member.date_of_birth.isoformat(),
        "bsn": "",
        "street": member.street,
        "house_number": member.house_number,
        "postcode": member.postcode,
        "city": member.city,
        "email": member.email,
        "phone": "",
        "external_iban": member.external_iban,
        "language": "nl",
        "notes": "",
    }
    return {**data, **changes}


def fresh(model, ident):
    db.session.rollback()
    with db.new_session() as s:
        row = s.get(model, ident)
        s.expunge_all()
        return row


def withdraw(client, account_id: int, amount: str, key: str):
    return client.post(
        f"/staff/accounts/{account_id}/withdraw", data={"form_key": key, "amount": amount, "description": ""}
    )


def balance(account) -> Decimal:
    db.session.rollback()
    with db.new_session() as s:
        return ledger_queries.balance(s, account.ledger_account_id)


def pending_withdrawals() -> list[Approval]:
    db.session.rollback()
    with db.new_session() as s:
        return list(
            s.scalars(
                select(Approval).where(
                    Approval.kind == "withdrawal", Approval.status == ApprovalStatus.PENDING
                )
            )
        )


def test_one_teller_changes_the_iban_and_splits_a_payout_under_the_limit(client, login_as, make_user, saver):
    teller = login_as("teller")
    response = client.post(
        f"/staff/members/{saver.member.id}/edit", data=member_form(saver.member, external_iban=ATTACKER_IBAN)
    )
    assert response.status_code == 302
    # Nothing changed yet: the change waits for a second staff member.
    assert fresh(Member, saver.member.id).external_iban == IBAN
    with db.new_session() as s:
        [change] = s.scalars(select(ProfileChange).where(ProfileChange.member_id == saver.member.id)).all()
        # The member is told at the address the bank knows, with only the end of the new IBAN.
        [notice] = s.scalars(select(OutboxMessage).where(OutboxMessage.member_id == saver.member.id)).all()
    assert change.status is ChangeStatus.PENDING and change.requested_by_id == teller.id
    assert notice.to_address == saver.member.email and "…6789" in notice.body
    assert ATTACKER_IBAN not in notice.body

    # The same teller cannot approve their own request.
    client.post(f"/staff/portal/changes/{change.id}", data={"decision": "approve", "note": "checked"})
    assert fresh(Member, saver.member.id).external_iban == IBAN

    # Three withdrawals just under the limit: the second already waits for approval.
    for n in range(3):
        withdraw(client, saver.account.id, "9999,99", f"split-{n}")
    assert balance(saver.account) == Decimal("40000.00") - Decimal("9999.99")
    assert len(pending_withdrawals()) == 2
    client.post("/logout")

    # A second staff member approves the IBAN; the member hears of it; payouts then need approval.
    login_as("teller")
    client.post(f"/staff/portal/changes/{change.id}", data={"decision": "approve", "note": "called her"})
    member = fresh(Member, saver.member.id)
    assert member.external_iban == ATTACKER_IBAN and member.external_iban_changed_at is not None
    with db.new_session() as s:
        subjects = list(
            s.scalars(select(OutboxMessage.subject).where(OutboxMessage.member_id == saver.member.id))
        )
    assert subjects[-1] == "Uw uitbetalingsrekening is gewijzigd"
    response = withdraw(client, saver.account.id, "50,00", "small-after-change")
    assert response.status_code == 302
    assert len(pending_withdrawals()) == 3
    assert balance(saver.account) == Decimal("40000.00") - Decimal("9999.99")

    # Thirty days later a small payout is one step again (after logging in again: staff idle out).
    with clock.frozen(clock.now_utc() + dt.timedelta(days=31)):
        login_as("teller")
        withdraw(client, saver.account.id, "50,00", "small-later")
    assert balance(saver.account) == Decimal("40000.00") - Decimal("9999.99") - Decimal("50.00")


def test_a_normal_withdrawal_is_still_one_step(client, login_as, saver):
    login_as("teller")
    response = withdraw(client, saver.account.id, "250,00", "normal")
    assert response.status_code == 302
    assert balance(saver.account) == Decimal("39750.00")
    assert pending_withdrawals() == []


def test_the_rolling_window_forgets_yesterday(client, login_as, saver):
    login_as("teller")
    withdraw(client, saver.account.id, "9000,00", "day-1")
    with clock.frozen(clock.now_utc() + dt.timedelta(hours=25)):
        login_as("teller")
        withdraw(client, saver.account.id, "9000,00", "day-2")
    assert balance(saver.account) == Decimal("22000.00")
    assert pending_withdrawals() == []
