"""The committee at work through its pages: plan, declare, vote, decide; then the payout under four eyes."""

from __future__ import annotations

import datetime as dt
import io

from applications.helpers import TODAY, reviewed, submitted_coop
from pypdf import PdfReader
from sqlalchemy import select

from bank import clock
from bank.applications.models import ApplicationStatus as S
from bank.applications.models import LoanApplication
from bank.approvals.models import Approval
from bank.committee.models import Meeting
from bank.extensions import db


def _stored(model, object_id):
    with db.new_session() as fresh:
        row = fresh.get(model, object_id)
        fresh.expunge(row)
        return row


def test_from_meeting_to_decision_letter_to_payout(client, session, world, login_as, make_user):
    application = submitted_coop(session, world)
    reviewed(session, application, world)
    application_id = application.id
    session.commit()
    members = [make_user("committee", name=name) for name in ("Marleen", "Kwame", "Els", "Ruben")]
    chair = members[0]
    with clock.frozen(TODAY):
        login_as(user=chair)
        planned = client.post(
            "/committee/meetings/new",
            data={
                "held_on": (TODAY + dt.timedelta(days=7)).isoformat(),
                "chair_id": chair.id,
                "location": "Buurthuis",
            },
        )
        assert planned.status_code == 302
        meeting_id = int(planned.headers["Location"].rsplit("/", 1)[1])
        past = client.post("/committee/meetings/new", data={"held_on": "2020-01-01", "chair_id": chair.id})
        assert past.status_code == 422 and "must be today or later" in past.get_data(as_text=True)
        client.post("/logout")

        officer = make_user("credit_officer")
        # Any credit officer may put a reviewed application on the agenda (here a colleague of the reviewer).
        login_as(user=officer)
        response = client.post(
            f"/staff/applications/{application_id}/agenda", data={"meeting_id": meeting_id}
        )
        assert response.status_code == 302
        assert _stored(LoanApplication, application_id).status is S.ON_AGENDA
        client.post("/logout")

        choices = {members[0]: "approve", members[1]: "approve", members[2]: "reject"}
        for member, choice in choices.items():
            login_as(user=member)
            page = client.get(f"/committee/applications/{application_id}").get_data(as_text=True)
            assert "conflict of interest" in page
            client.post(f"/committee/applications/{application_id}/declare", data={"has_conflict": "no"})
            voted = client.post(
                f"/committee/applications/{application_id}/vote",
                data={"choice": choice, "comment": "too optimistic" if choice == "reject" else ""},
                follow_redirects=True,
            )
            assert "Your vote is recorded" in voted.get_data(as_text=True) or "stem" in voted.get_data(
                as_text=True
            )
            again = client.post(
                f"/committee/applications/{application_id}/vote",
                data={"choice": "approve"},
                follow_redirects=True,
            )
            assert "already voted" in again.get_data(as_text=True)
            client.post("/logout")
        login_as(user=members[3])
        client.post(
            f"/committee/applications/{application_id}/declare",
            data={"has_conflict": "yes", "explanation": "my partner works at the bakery"},
        )
        refused = client.post(
            f"/committee/applications/{application_id}/vote",
            data={"choice": "approve"},
            follow_redirects=True,
        )
        assert "recused" in refused.get_data(as_text=True)
        # Not the chair: no decision.
        not_chair = client.post(
            f"/committee/applications/{application_id}/decide", data={}, follow_redirects=True
        )
        assert "only the chair" in not_chair.get_data(as_text=True)
        client.post("/logout")

        login_as(user=chair)
        # The chair starts from what the credit officer proposed, not from an empty box.
        chair_page = client.get(f"/committee/applications/{application_id}").get_data(as_text=True)
        assert 'name="conditions" rows="3" cols="40">Statutes registered</textarea>' in chair_page
        decided = client.post(
            f"/committee/applications/{application_id}/decide",
            data={
                "amount": "30000",
                "term_months": "60",
                "rate_annual": "6",
                "conditions": "Statutes registered",
            },
            follow_redirects=True,
        )
        assert decided.status_code == 200
        stored = _stored(LoanApplication, application_id)
        assert stored.status is S.APPROVED
        meeting_page = client.get(f"/committee/meetings/{meeting_id}").get_data(as_text=True)
        assert "2 / 1 / 0" in meeting_page
        letter = client.get(f"/committee/applications/{application_id}/letter.pdf")
        assert letter.status_code == 200 and letter.headers["Content-Type"] == "application/pdf"
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(letter.data)).pages).replace(
            "\xa0", " "
        )
        assert "€ 30.000,00" in text and "2 voor, 1 tegen" in text and "verschoond" in text
        client.post("/logout")

        # Conditions, then the payout: prepared by one, approved by another.
        login_as(user=officer)
        detail = client.get(f"/staff/applications/{application_id}").get_data(as_text=True)
        assert "Statutes registered" in detail
        condition_id = _condition_id(application_id)
        early = client.post(
            f"/staff/applications/{application_id}/disburse", data={"form_key": "f1"}, follow_redirects=True
        )
        assert "conditions not yet met" in early.get_data(as_text=True)
        empty = client.post(
            f"/staff/applications/{application_id}/conditions/{condition_id}",
            data={"evidence_note": ""},
            follow_redirects=True,
        )
        assert "evidence_note" in empty.get_data(as_text=True)
        client.post(
            f"/staff/applications/{application_id}/conditions/{condition_id}",
            data={"evidence_note": "KvK extract of 3 March shows the statutes"},
        )
        prepared = client.post(f"/staff/applications/{application_id}/disburse", data={"form_key": "f2"})
        assert prepared.status_code == 302
        with db.new_session() as fresh:
            approval_id = fresh.scalar(select(Approval.id).where(Approval.kind == "loan_disbursement"))
        own = client.post(f"/staff/approvals/{approval_id}/approve", data={"reason": ""})
        assert own.status_code in (302, 403)
        assert _stored(LoanApplication, application_id).status is S.APPROVED
        client.post("/logout")

        login_as("teller")
        approved = client.post(f"/staff/approvals/{approval_id}/approve", data={"reason": ""})
        assert approved.status_code == 302
        final = _stored(LoanApplication, application_id)
        assert final.status is S.DISBURSED and final.loan_id is not None
        assert _stored(Meeting, meeting_id).chair_id == chair.id


def _condition_id(application_id: int) -> int:
    from bank.committee.models import Condition

    with db.new_session() as fresh:
        return fresh.scalar(select(Condition.id).where(Condition.application_id == application_id))


def test_a_meeting_date_typed_the_dutch_way_is_read(client, make_user, login_as):
    chair = make_user("committee", name="Marleen")
    login_as(user=chair)
    with clock.frozen(TODAY):
        held_on = TODAY + dt.timedelta(days=7)
        planned = client.post(
            "/committee/meetings/new", data={"held_on": f"{held_on:%d-%m-%Y}", "chair_id": chair.id}
        )
        assert planned.status_code == 302
        meeting_id = int(planned.headers["Location"].rsplit("/", 1)[1])
        assert _stored(Meeting, meeting_id).held_on == held_on
        for typed, said in (("", "is required"), ("31-02-20xx", "must be a date like")):
            refused = client.post("/committee/meetings/new", data={"held_on": typed, "chair_id": chair.id})
            assert refused.status_code == 422 and said in refused.get_data(as_text=True)
