"""Every status change writes the applicant a message in their language (the sending: tests/notifications)."""

from __future__ import annotations

from sqlalchemy import select

from bank.applications import service as applications
from bank.members import service as members
from bank.notifications import service as notifications
from bank.notifications.models import OutboxMessage, OutboxStatus

from .helpers import SETUP, actor_of, coop_data


def test_status_changes_reach_the_applicant_in_their_language(session, world):
    members.update_member(session, world.bakery, actor=SETUP, language="en")
    application = applications.create_draft(
        session,
        applicant=world.bakery,
        product=world.coop_product,
        actor=world.anna_actor,
        data=coop_data(world),
    )
    applications.submit(session, application, actor=world.anna_actor)
    applications.take_for_review(session, application, actor=world.officer_actor)
    applications.return_for_information(
        session, application, actor=world.officer_actor, note="Please add last year's accounts."
    )
    messages = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.subject for m in messages] == [
        f"Your loan application {application.number} has been received",
        f"Your loan application {application.number} is being reviewed",
        f"Your loan application {application.number}: we need more information",
    ]
    assert all(m.to_address == world.bakery.email and m.language == "en" for m in messages)
    assert "Please add last year's accounts." in messages[-1].body
    assert all(m.status is OutboxStatus.QUEUED for m in messages)


def test_a_member_without_email_is_kept_for_staff_to_read(session, world):
    members.update_member(session, world.clt, actor=SETUP, email=None)
    application = applications.create_draft(
        session, applicant=world.clt, product=world.land_product, actor=actor_of(world.teller)
    )
    applications.withdraw(session, application, actor=actor_of(world.teller))
    message = session.scalars(select(OutboxMessage)).one()
    assert message.status is OutboxStatus.NO_ADDRESS and message.to_address is None
    assert message.subject.startswith("Uw kredietaanvraag")


def test_staff_read_the_outbox(client, login_as, session, world):
    notifications.enqueue(
        session, member=world.bakery, subject="Uw kredietaanvraag KA-1", body="Beste aanvrager"
    )
    session.commit()
    login_as("credit_officer")
    page = client.get("/staff/outbox").get_data(as_text=True)
    assert "Uw kredietaanvraag KA-1" in page and world.bakery.email in page
