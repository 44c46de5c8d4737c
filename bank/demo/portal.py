"""Demo step: portal log-ins for a handful of members, so a newcomer can look through their eyes.

Runs after the steps that register members and book their history. It gives a log-in (the demo
password) to the chair of the co-op bakery and of the community land trust (the
representatives see their organisation's accounts and loans), to the borrower granted
forbearance (or the first who acts for it) and to a few persons with the most going on; it
leaves one IBAN change waiting for staff verification and one invitation sent but not yet
accepted, so the staff pages show both.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bank.actor import Actor, system
from bank.auth import service as auth_service
from bank.auth.models import User
from bank.demo.context import DemoContext
from bank.demo.staff import DEMO_PASSWORD
from bank.forbearance.models import ForbearanceMeasure, MeasureStatus
from bank.loans.models import Loan
from bank.members import queries as member_queries
from bank.members.models import Member, MemberKind, MemberStatus
from bank.portal import service as portal
from bank.savings.models import DepositAccount

#: Organisations whose first representative gets a log-in (keys of ``context.organisations``).
REPRESENTED = ("bakery", "clt")
#: Persons with their own log-in, besides the representatives.
EXTRA_PERSONS = 4
#: An IBAN the demo member asks to be paid to (verified by staff in the demo's story).
DEMO_NEW_IBAN = "NL20INGB0001234567"


def portal_candidates(session: Session, context: DemoContext) -> list[Member]:
    chosen: list[Member] = []
    representatives: dict[str, list[Member]] = context.representatives
    for key in REPRESENTED:
        with_email = [
            p for p in representatives.get(key) or [] if p.email and p.status is not MemberStatus.LEFT
        ]
        if with_email:
            chosen.append(with_email[0])
    # The borrower granted forbearance (or the first who acts for it) sees the new schedule.
    for borrower in _forborne_borrowers(session):
        person: Member | None = borrower
        if borrower.kind is not MemberKind.PERSON:
            acting = [
                r.person for r in member_queries.representatives_of(session, borrower.id) if r.person.email
            ]
            person = acting[0] if acting else None
        if person is not None and person.email and person not in chosen:
            chosen.append(person)
    cap = len(chosen) + EXTRA_PERSONS
    # Persons with the most accounts and loans first: the ones whose portal has most to show.
    activity = (
        select(Member)
        .outerjoin(DepositAccount, DepositAccount.member_id == Member.id)
        .outerjoin(Loan, Loan.borrower_id == Member.id)
        .where(
            Member.kind == MemberKind.PERSON, Member.status != MemberStatus.LEFT, Member.email.is_not(None)
        )
        .group_by(Member.id)
        .order_by(
            (func.count(DepositAccount.id.distinct()) + 2 * func.count(Loan.id.distinct())).desc(), Member.id
        )
        .limit(cap)
    )
    for person in session.scalars(activity):
        if person not in chosen and len(chosen) < cap:
            chosen.append(person)
    return [p for p in chosen if p.email and p.status is not MemberStatus.LEFT]


def _forborne_borrowers(session: Session) -> list[Member]:
    return list(
        session.scalars(
            select(Member)
            .join(Loan, Loan.borrower_id == Member.id)
            .join(ForbearanceMeasure, ForbearanceMeasure.loan_id == Loan.id)
            .where(ForbearanceMeasure.status == MeasureStatus.GRANTED)
            .order_by(ForbearanceMeasure.id)
            .limit(1)
        )
    )


def load_portal(session: Session, context: DemoContext) -> None:
    admin_user: User | None = context.users.get("balie@wijkbank.example")
    staff = (
        Actor(user_id=admin_user.id, label=admin_user.email, role=admin_user.role)
        if admin_user is not None
        else Actor(user_id=None, label="system:demo", role="teller")
    )
    people = portal_candidates(session, context)
    logins: list[User] = []
    for person in people:
        if portal.portal_user_of(session, person.id) is not None:
            continue
        user = auth_service.create_user(
            session,
            email=person.email or "",
            name=person.full_name,
            role="member",
            password=DEMO_PASSWORD,
            actor=system("demo"),
            member_id=person.id,
            language=person.language,
        )
        logins.append(user)
    context.portal_users = logins
    context.logins.extend((u.email, "member") for u in logins)
    # One member asked for a new payout IBAN: it waits in the staff's "Portal changes".
    if logins:
        user = logins[-1]
        member = session.get(Member, user.member_id)
        if member is not None and member.external_iban != DEMO_NEW_IBAN:
            actor = auth_service.actor_for(user)
            portal.request_iban_change(session, member, DEMO_NEW_IBAN, actor=actor)
    # One invitation sent but not yet accepted (shown on the member's page and in the outbox).
    invited = {u.member_id for u in logins}
    waiting = session.scalar(
        select(Member)
        .where(
            Member.kind == MemberKind.PERSON,
            Member.status != MemberStatus.LEFT,
            Member.email.is_not(None),
            Member.id.not_in(invited or {-1}),
            ~select(User.id).where(User.member_id == Member.id).exists(),
        )
        .order_by(Member.number.desc())
        .limit(1)
    )
    if waiting is not None:
        portal.invite(session, waiting, actor=staff, link_base="http://localhost:5000/portal/invite")
