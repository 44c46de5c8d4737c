"""Issue 13, item 6: each approval kind names the roles that decide it; a teller cannot write off."""

from __future__ import annotations

import pytest

from bank.actor import Actor
from bank.approvals import service as approvals
from bank.approvals.models import Approval, ApprovalStatus
from bank.errors import PermissionDenied
from bank.extensions import db


def write_off_request(session, maker: Actor) -> Approval:
    approval, _created = approvals.request_approval(
        session,
        kind="loan_write_off",
        request_key="write-off:probe",
        object_type="loan",
        object_id=1,
        summary="Write off loan L-1",
        payload={"loan_id": 1},
        actor=maker,
    )
    session.commit()
    return approval


def test_every_kind_names_its_deciders(app):
    assert approvals.deciding_roles("loan_write_off") == ("credit_officer", "admin")
    assert approvals.deciding_roles("withdrawal") == ("teller", "admin")
    assert approvals.deciding_roles("share_redemption") == ("teller", "admin")
    assert approvals.deciding_roles("loan_disbursement") == ("teller", "admin")


def test_a_teller_cannot_complete_a_write_off_an_admin_proposed(client, login_as, make_user, session):
    admin = make_user("admin")
    approval = write_off_request(session, Actor(user_id=admin.id, label=admin.email, role="admin"))
    login_as("teller")
    page = client.get("/staff/approvals").get_data(as_text=True)
    # The page says who decides it, and offers the teller no button.
    assert f"/staff/approvals/{approval.id}/approve" not in page
    assert "Credit officer" in page or "credit_officer" in page
    response = client.post(f"/staff/approvals/{approval.id}/approve", data={"reason": ""})
    assert response.status_code == 302
    db.session.rollback()
    with db.new_session() as s:
        assert s.get(Approval, approval.id).status is ApprovalStatus.PENDING
    with pytest.raises(PermissionDenied):
        approvals.approve(
            session, session.get(Approval, approval.id), actor=Actor(user_id=999, label="t", role="teller")
        )
