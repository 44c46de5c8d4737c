"""The members demo step: a believable, valid and deterministic neighbourhood."""

from __future__ import annotations

import random
from collections import Counter

from schwifty import IBAN
from sqlalchemy import func, select
from stdnum.nl import bsn as stdnum_bsn

from bank.demo import members as demo_members
from bank.demo import staff
from bank.demo.context import DemoContext
from bank.members.models import IdentityCheck, Member, MemberKind, MemberStatus, Representative


def test_generated_identifiers_are_valid_and_deterministic():
    first = random.Random(1)
    bsns = [demo_members.make_bsn(first, set()) for _ in range(200)]
    assert all(stdnum_bsn.is_valid(number) for number in bsns)
    ibans = [demo_members.make_iban(first) for _ in range(50)]
    assert all(IBAN(number).country_code == "NL" for number in ibans)
    again = random.Random(1)
    assert [demo_members.make_bsn(again, set()) for _ in range(200)] == bsns
    assert demo_members.split_surname("van der Berg") == ("van der", "Berg")
    assert demo_members.split_surname("El Idrissi") == ("", "El Idrissi")


def test_demo_members_step(session):
    context = DemoContext()
    staff.load_staff(session, context)
    demo_members.load_members(session, context)
    session.commit()

    kinds = Counter(session.scalars(select(Member.kind)))
    assert kinds == {MemberKind.PERSON: 185, MemberKind.ORGANISATION: 15}
    assert [m.number for m in context.members] == list(range(1, 201))
    assert set(context.organisations) >= {"bakery", "cleaning", "solar", "clt"}
    bakery = context.organisations["bakery"]
    assert bakery.legal_name == "Bakkerij De Korenschoof coöperatie U.A."
    assert context.organisations["clt"].legal_name == "Stichting Grondgemeenschap Oost"

    for key, organisation in context.organisations.items():
        people = context.representatives[key]
        assert 1 <= len(people) <= 3
        assert {r.person_id for r in organisation.representatives} == {p.id for p in people}
        assert all(p.kind is MemberKind.PERSON for p in people)

    # Every member's identity was checked; every stored identifier passes its check.
    checked = session.scalar(select(func.count(func.distinct(IdentityCheck.member_id))))
    assert checked == 200
    bsns = session.scalars(select(Member.bsn).where(Member.bsn.is_not(None))).all()
    assert 90 <= len(bsns) <= 140
    assert all(stdnum_bsn.is_valid(number) for number in bsns)
    assert all(IBAN(m.external_iban) for m in context.members)
    areas = {m.postcode_area for m in context.members}
    assert areas <= {str(n) for n in [*range(1091, 1099), *range(1102, 1109)]}
    assert len(areas) >= 12

    left = session.scalars(select(Member).where(Member.status == MemberStatus.LEFT)).all()
    assert {m.id for m in left} == {m.id for m in context.members_left}
    assert all(m.left_on is not None for m in left)
    assert len(context.pending_applicants) >= 5
    assert all(m.status is MemberStatus.APPLICANT for m in context.pending_applicants)
    assert session.scalar(select(func.count()).select_from(Representative)) >= 15
    # Registered over the year: numbers follow registration days.
    days = [context.registered_on[m.id] for m in context.members]
    assert days == sorted(days) and days[0] >= context.opened_on
