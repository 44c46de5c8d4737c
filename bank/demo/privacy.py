"""The demo's privacy (issue 17): an erased applicant, and a request answered with what is kept.

A woman registered at the counter in the autumn, came back for neither the identity check nor the
member share and withdrew three weeks later: no relationship came about, so no law keeps her data,
and the retention run after yesterday's close anonymised her (the runs list shows it; her member
page shows the number only). One of the applicants who withdrew after their identity was checked
asked at the counter to be forgotten: the answer keeps the due diligence until five years after,
the accounts until seven years after the year, and erased the e-mail, telephone and log-in at once.
A member with a portal log-in asked there what the bank keeps: while a member, everything.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy.orm import Session

from bank import clock
from bank.actor import Actor
from bank.calendar import previous_business_day
from bank.demo.context import DemoContext
from bank.members import service as members
from bank.members.models import Member, MemberStatus
from bank.privacy import service as privacy
from bank.privacy.jobs import retention_job
from bank.privacy.models import RequestChannel
from bank.runs.batches import Batches
from bank.runs.models import RunJob
from bank.runs.record import guarded

TELLER = "balie@wijkbank.example"


def _actor(context: DemoContext, email: str, role: str) -> Actor:
    user = context.users.get(email)
    if user is None:
        return Actor(user_id=None, label=f"system:demo:{email}", role=role)
    return Actor(user_id=user.id, label=user.email, role=user.role)


def forget_and_answer(session: Session, context: DemoContext) -> None:
    today = clock.today()
    teller = _actor(context, TELLER, "teller")
    statements = Path(context.statement_dir) if context.statement_dir else None
    files = privacy.Files(upload_dir=Path(context.upload_folder()), statement_dir=statements)
    registered_on = today - dt.timedelta(days=70)
    with clock.frozen(registered_on):
        applicant = members.register_person(
            session,
            actor=teller,
            first_name="Roos",
            last_name="Hendriks",
            date_of_birth=dt.date(1994, 8, 23),
            street="Pretoriusstraat",
            house_number="41",
            postcode="1092 GJ",
            city="Amsterdam",
            email="roos.hendriks@mail.example",
            phone="06 41 22 87 19",
            language="nl",
        )
    left_on = registered_on + dt.timedelta(days=21)
    with clock.frozen(left_on):
        members.set_status(
            session,
            applicant,
            MemberStatus.LEFT,
            actor=teller,
            on=left_on,
            reason="trok de aanmelding in voor de identiteitscontrole en het ledenaandeel",
        )
    # After the last close day the servicing year ran (yesterday's), as the scheduler does.
    yesterday = context.serviced_through or previous_business_day(today)
    batches = Batches(session, commit_batches=False)
    guarded(
        batches,
        RunJob.RETENTION,
        yesterday,
        "system:demo",
        lambda run: retention_job(batches, run, yesterday, None, files),
    )
    asked = next((m for m in context.members_left if m.anonymised_on is None and m.id != applicant.id), None)
    if asked is not None:
        with clock.frozen(today - dt.timedelta(days=6)):
            privacy.request_erasure(
                session, asked, actor=teller, channel=RequestChannel.STAFF, on=clock.today(), files=files
            )
    # A member asked in the portal what the bank keeps; while a member, everything stays.
    portal_user = next((user for user in context.portal_users if user.member_id is not None), None)
    member = session.get(Member, portal_user.member_id) if portal_user is not None else None
    if portal_user is not None and member is not None:
        as_member = Actor(user_id=portal_user.id, label=portal_user.email, role="member", member_id=member.id)
        with clock.frozen(today - dt.timedelta(days=2)):
            privacy.request_erasure(
                session, member, actor=as_member, channel=RequestChannel.PORTAL, on=clock.today(), files=files
            )
    session.flush()
