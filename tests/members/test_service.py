"""Registering, changing and auditing members through the service layer."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import func, select

from bank import clock
from bank.actor import Actor
from bank.audit.models import AuditEvent
from bank.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from bank.members import queries, service
from bank.members.models import IdentityCheck, LegalForm, Member, MemberKind, MemberStatus, Representative

from .data import OTHER_VALID_BSN, VALID_BSN, VALID_IBAN


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def events(session, action: str, member: Member | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    if member is not None:
        query = query.where(AuditEvent.object_type == "member", AuditEvent.object_id == str(member.id))
    return list(session.scalars(query))


def test_register_person_normalises_and_numbers_and_audits(session, actor):
    member = service.register_person(
        session,
        actor=actor,
        first_name=" Pieter ",
        name_prefix="van der",
        last_name="Berg",
        date_of_birth=dt.date(1970, 1, 31),
        street="Czaar Peterstraat",
        house_number="101-2",
        postcode="1018pr",
        city="Amsterdam",
        email="P.vanderBerg@Example.NL",
        phone="06 1234 5678",
        external_iban="nl91 abna 0417 1643 00",
        bsn="111 222 333",
        language="en",
    )
    session.commit()
    assert member.number == 1
    assert member.kind is MemberKind.PERSON
    assert member.status is MemberStatus.APPLICANT
    assert member.display_name == "Berg, Pieter van der"
    assert member.full_name == "Pieter van der Berg"
    assert (member.postcode, member.email, member.external_iban, member.bsn) == (
        "1018 PR",
        "p.vanderberg@example.nl",
        VALID_IBAN,
        VALID_BSN,
    )
    [event] = events(session, "member.register", member)
    assert event.after["number"] == 1
    assert event.after["bsn"] == "*****2333", "the audit log never holds a full BSN"
    assert VALID_BSN not in str(event.after)


def test_member_numbers_run_on(session, person_factory, organisation_factory):
    numbers = [person_factory().number, organisation_factory().number, person_factory().number]
    assert numbers == [1, 2, 3]


def test_register_organisation(session, organisation_factory):
    organisation = organisation_factory(
        legal_name="Zonnecoöperatie Dak Oost U.A.",
        legal_form=LegalForm.COOPERATIVE,
        kvk_number="8123 4567",
        listing_consent=True,
        activity="solar co-op",
    )
    session.commit()
    assert organisation.kind is MemberKind.ORGANISATION
    assert organisation.display_name == "Zonnecoöperatie Dak Oost U.A."
    assert organisation.kvk_number == "81234567"
    assert organisation.listing_consent is True
    assert organisation.legal_form is LegalForm.COOPERATIVE


def test_every_broken_rule_is_reported_at_once_and_nothing_is_written(session, actor):
    with pytest.raises(ValidationError) as caught:
        service.register_person(
            session,
            actor=actor,
            first_name="",
            last_name="Yilmaz",
            date_of_birth=dt.date(2020, 1, 1),
            street="Kramatweg",
            house_number="3",
            postcode="1095 XX1",
            city="Amsterdam",
            bsn="123456789",
            external_iban="NL00ABNA0417164300",
        )
    assert set(caught.value.fields) == {"first_name", "date_of_birth", "postcode", "bsn", "external_iban"}
    assert "11-proef" in caught.value.fields["bsn"]
    session.commit()
    assert count(session, Member) == 0
    assert count(session, AuditEvent) == 0


def test_organisation_needs_a_known_legal_form(session, organisation_factory):
    with pytest.raises(ValidationError) as caught:
        organisation_factory(legal_form="bv")
    assert "legal_form" in caught.value.fields


@pytest.mark.parametrize(("field", "value"), [("email", "Dup@Example.nl"), ("bsn", VALID_BSN)])
def test_duplicate_email_or_bsn_is_refused_naming_the_field(session, person_factory, field, value):
    first = person_factory(**{field: value})
    session.commit()
    audit_before = count(session, AuditEvent)
    with pytest.raises(ValidationError) as caught:
        person_factory(**{field: value.lower() if field == "email" else value})
    assert list(caught.value.fields) == [field]
    if field == "email":
        assert caught.value.fields["email"] == f"is already used by member {first.number}"
    session.commit()
    assert count(session, Member) == 1
    assert count(session, AuditEvent) == audit_before


def test_duplicate_kvk_is_refused_and_nothing_written(session, organisation_factory):
    first = organisation_factory(kvk_number="81234567")
    session.commit()
    with pytest.raises(ValidationError) as caught:
        organisation_factory(kvk_number="8123.4567")
    assert caught.value.fields == {"kvk_number": f"is already registered for member {first.number}"}
    session.commit()
    assert count(session, Member) == 1


def test_committee_members_may_not_register_members(session):
    committee = Actor(user_id=4242, label="c", role="committee")
    with pytest.raises(PermissionDenied):
        service.register_person(
            session,
            actor=committee,
            first_name="A",
            last_name="B",
            date_of_birth=dt.date(1980, 1, 1),
            street="S",
            house_number="1",
            postcode="1091 AA",
            city="Amsterdam",
        )


def test_update_audits_before_and_after_of_changed_fields_only(session, person_factory, teller_actor):
    member = person_factory(last_name="Bouzid", phone="0612345678", bsn=VALID_BSN)
    session.commit()
    changed = service.update_member(
        session,
        member,
        actor=teller_actor,
        phone="0612345678",  # unchanged: not in the audit
        postcode="1095ab",
        last_name="Bouzid-Amrani",
        bsn=OTHER_VALID_BSN,
    )
    session.commit()
    assert changed == {"postcode": "1095 AB", "last_name": "Bouzid-Amrani", "bsn": OTHER_VALID_BSN}
    assert member.display_name == "Bouzid-Amrani, Fatima"
    [event] = events(session, "member.update", member)
    assert event.before == {"postcode": "1094 HB", "last_name": "Bouzid", "bsn": "*****2333"}
    assert event.after == {"postcode": "1095 AB", "last_name": "Bouzid-Amrani", "bsn": "*****6782"}
    assert event.actor_id == teller_actor.user_id


def test_update_without_change_writes_no_audit(session, person_factory, actor):
    member = person_factory()
    session.commit()
    assert service.update_member(session, member, actor=actor, city="Amsterdam") == {}
    assert events(session, "member.update") == []


def test_update_refuses_fields_of_the_other_kind_and_duplicates(session, person_factory, actor):
    first = person_factory(email="a@example.nl")
    second = person_factory()
    session.commit()
    with pytest.raises(ValidationError) as caught:
        service.update_member(session, second, actor=actor, kvk_number="12345678")
    assert "kvk_number" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        service.update_member(session, second, actor=actor, email="A@example.nl")
    assert caught.value.fields == {"email": f"is already used by member {first.number}"}
    session.rollback()
    assert session.get(Member, second.id).email != "a@example.nl"


def test_representatives(session, person_factory, organisation_factory, actor):
    chair, treasurer = person_factory(), person_factory()
    bakery = organisation_factory()
    other = organisation_factory()
    service.add_representative(session, bakery, chair, actor=actor, role="voorzitter")
    service.add_representative(session, bakery, treasurer, actor=actor, role="penningmeester")
    service.add_representative(session, other, chair, actor=actor, role="bestuurder")
    session.commit()
    assert [(r.person.number, r.role) for r in queries.representatives_of(session, bakery.id)] == [
        (chair.number, "voorzitter"),
        (treasurer.number, "penningmeester"),
    ]
    assert {o.id for o in queries.organisations_represented_by(session, chair.id)} == {bakery.id, other.id}
    assert queries.visible_member_ids(session, chair.id) == {chair.id, bakery.id, other.id}
    assert queries.visible_member_ids(session, treasurer.id) == {treasurer.id, bakery.id}
    [event, *_] = events(session, "member.representative_add", bakery)
    assert event.after["role"] == "voorzitter"


def test_representative_must_be_a_person_once_and_not_left(
    session, person_factory, organisation_factory, actor
):
    chair = person_factory()
    bakery, solar = organisation_factory(), organisation_factory()
    service.add_representative(session, bakery, chair, actor=actor, role="voorzitter")
    with pytest.raises(ValidationError) as caught:
        service.add_representative(session, bakery, solar, actor=actor, role="bestuurder")
    assert "person-member" in caught.value.fields["person"]
    with pytest.raises(ValidationError) as caught:
        service.add_representative(session, bakery, chair, actor=actor, role="secretaris")
    assert "already represents" in caught.value.fields["person"]
    with pytest.raises(ValidationError) as caught:
        service.add_representative(session, chair, person_factory(), actor=actor, role="x")
    assert "organisation" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        service.add_representative(session, solar, chair, actor=actor, role="  ")
    assert caught.value.fields == {"role": "is required"}
    session.commit()
    assert count(session, Representative) == 1


def test_remove_representative(session, person_factory, organisation_factory, actor):
    chair, bakery = person_factory(), organisation_factory()
    link = service.add_representative(session, bakery, chair, actor=actor, role="voorzitter")
    session.commit()
    service.remove_representative(session, link, actor=actor)
    session.commit()
    assert queries.representatives_of(session, bakery.id) == []
    assert len(events(session, "member.representative_remove", bakery)) == 1


def test_identity_check_is_signed_by_the_staff_member(
    session, person_factory, organisation_factory, teller_actor
):
    member = person_factory()
    check = service.record_identity_check(
        session,
        member,
        actor=teller_actor,
        document_kind="passport",
        document_number_last4="k7x2",
        checked_on=clock.today(),
    )
    session.commit()
    assert (check.document_number_last4, check.checked_by_id) == ("K7X2", teller_actor.user_id)
    [event] = events(session, "member.identity_check", member)
    assert event.after["document_kind"] == "passport"
    with pytest.raises(ValidationError) as caught:
        service.record_identity_check(
            session,
            organisation_factory(),
            actor=teller_actor,
            document_kind="passport",
            document_number_last4="NXC12345",
            checked_on=clock.today() + dt.timedelta(days=1),
        )
    assert set(caught.value.fields) == {"document_kind", "document_number_last4", "checked_on"}
    session.rollback()
    assert count(session, IdentityCheck) == 1


def test_identity_check_needs_a_staff_user(session, person_factory, actor):
    with pytest.raises(PermissionDenied):
        service.record_identity_check(
            session,
            person_factory(),
            actor=actor,
            document_kind="id_card",
            document_number_last4="1234",
            checked_on=clock.today(),
        )


# --- BSN --------------------------------------------------------------------------------------


def test_admin_reveals_bsn_and_it_is_audited(session, person_factory, admin_actor):
    member = person_factory(bsn=VALID_BSN)
    session.commit()
    assert service.reveal_bsn(session, member, admin_actor) == VALID_BSN
    session.commit()
    [event] = events(session, "bsn.reveal", member)
    assert event.actor_id == admin_actor.user_id


@pytest.mark.parametrize("role", ["teller", "credit_officer", "committee"])
def test_non_admin_reveal_is_refused_and_the_refusal_audited(session, person_factory, make_user, role):
    member = person_factory(bsn=VALID_BSN)
    session.commit()
    user = make_user(role)
    staff = Actor(user_id=user.id, label=user.email, role=role)
    with pytest.raises(PermissionDenied):
        service.reveal_bsn(session, member, staff)
    session.commit()  # the caller commits the refusal
    assert events(session, "bsn.reveal") == []
    [refusal] = events(session, "bsn.reveal_refused", member)
    assert refusal.actor_id == user.id


def test_reveal_without_bsn_is_not_found(session, person_factory, admin_actor):
    with pytest.raises(NotFound):
        service.reveal_bsn(session, person_factory(), admin_actor)


# --- status -----------------------------------------------------------------------------------

ALLOWED = {
    (MemberStatus.APPLICANT, MemberStatus.LEFT),
    (MemberStatus.ACTIVE, MemberStatus.SUSPENDED),
    (MemberStatus.ACTIVE, MemberStatus.LEFT),
    (MemberStatus.SUSPENDED, MemberStatus.ACTIVE),
    (MemberStatus.SUSPENDED, MemberStatus.LEFT),
}


def _member_in(session, person_factory, actor, status: MemberStatus) -> Member:
    member = person_factory()
    today = clock.today()
    if status is not MemberStatus.APPLICANT:
        service.activate_on_first_share(session, member, actor=actor, on=today)
    if status is MemberStatus.SUSPENDED:
        service.set_status(session, member, MemberStatus.SUSPENDED, actor=actor, reason="unpaid fee")
    if status is MemberStatus.LEFT:
        service.set_status(session, member, MemberStatus.LEFT, actor=actor, reason="moved away")
    session.flush()
    return member


@pytest.mark.parametrize(("current", "target"), list(itertools.product(MemberStatus, MemberStatus)))
def test_status_transitions_exhaustively(session, person_factory, actor, current, target):
    member = _member_in(session, person_factory, actor, current)
    assert member.status is current
    if (current, target) in ALLOWED:
        service.set_status(session, member, target, actor=actor, reason="decided by the board")
        assert member.status is target
        assert (member.left_on == clock.today()) is (target is MemberStatus.LEFT)
        last = events(session, "member.status", member)[-1]
        assert (last.before["status"], last.after["status"]) == (current.value, target.value)
        assert last.detail == "decided by the board"
    else:
        with pytest.raises(InvalidTransition):
            service.set_status(session, member, target, actor=actor, reason="decided by the board")
        assert member.status is current
    assert set(service.allowed_statuses(member)) == {t for c, t in ALLOWED if c is member.status}


def test_applicant_becomes_active_only_through_the_first_share(session, person_factory, actor):
    member = person_factory()
    with pytest.raises(InvalidTransition, match="first member share"):
        service.set_status(session, member, MemberStatus.ACTIVE, actor=actor)
    paid_on = clock.today() - dt.timedelta(days=3)
    assert service.activate_on_first_share(session, member, actor=actor, on=paid_on) is True
    assert (member.status, member.joined_on) == (MemberStatus.ACTIVE, paid_on)
    assert service.activate_on_first_share(session, member, actor=actor, on=clock.today()) is False
    assert member.joined_on == paid_on
    service.set_status(session, member, MemberStatus.LEFT, actor=actor, reason="moved")
    with pytest.raises(InvalidTransition):
        service.activate_on_first_share(session, member, actor=actor, on=clock.today())


def test_suspending_and_leaving_need_a_reason_and_a_sane_date(session, person_factory, actor):
    member = _member_in(session, person_factory, actor, MemberStatus.ACTIVE)
    with pytest.raises(ValidationError) as caught:
        service.set_status(session, member, MemberStatus.SUSPENDED, actor=actor)
    assert "reason" in caught.value.fields
    with pytest.raises(ValidationError) as caught:
        service.set_status(
            session, member, "left", actor=actor, reason="x", on=clock.today() + dt.timedelta(days=1)
        )
    assert "future" in caught.value.fields["on"]
    with pytest.raises(ValidationError) as caught:
        service.set_status(
            session, member, "left", actor=actor, reason="x", on=clock.today() - dt.timedelta(days=30)
        )
    assert "before the member joined" in caught.value.fields["on"]
    assert member.status is MemberStatus.ACTIVE


def test_a_member_who_left_is_not_changed_any_more(session, person_factory, actor):
    member = _member_in(session, person_factory, actor, MemberStatus.LEFT)
    with pytest.raises(InvalidTransition):
        service.update_member(session, member, actor=actor, city="Diemen")


# --- queries ----------------------------------------------------------------------------------


def test_search_by_name_number_postcode_and_email(session, person_factory, organisation_factory):
    jan = person_factory(first_name="Jan", name_prefix="de", last_name="Vries", postcode="1093 AB")
    ayse = person_factory(first_name="Ayşe", last_name="Kaya", postcode="1102 CD", email="ayse@kaya.example")
    bakery = organisation_factory(legal_name="Bakkerij De Korenschoof coöperatie U.A.", postcode="1093 BS")
    session.commit()

    def found(text: str, **kwargs) -> list[int]:
        return [m.id for m in queries.search(session, text, **kwargs).items]

    assert found("vries") == [jan.id]
    assert found("de") == [bakery.id, jan.id] or found("de") == [jan.id, bakery.id]
    assert found("de 1093 AB") == [jan.id]
    assert found("1093ab") == [jan.id]
    assert set(found("1093")) == {jan.id, bakery.id}
    assert found(str(ayse.number)) == [ayse.id]
    assert found("kaya.example") == [ayse.id]
    assert found("50%") == []
    assert found("", kind=MemberKind.ORGANISATION) == [bakery.id]
    assert found("", status=MemberStatus.ACTIVE) == []


def test_search_pages(session, person_factory):
    for _ in range(7):
        person_factory()
    session.commit()
    first = queries.search(session, "", page=1, per_page=3)
    last = queries.search(session, "", page=3, per_page=3)
    assert (first.total, first.pages, len(first.items), len(last.items)) == (7, 3, 3, 1)
    assert not {m.id for m in first.items} & {m.id for m in last.items}


def test_member_detail_and_audit_trail(session, person_factory, actor):
    member = person_factory()
    service.update_member(session, member, actor=actor, city="Diemen")
    session.commit()
    detail = queries.member_detail(session, member.id)
    assert detail.identity_checks == []
    trail = queries.audit_trail(session, member.id)
    assert [e.action for e in trail.items] == ["member.update", "member.register"]
    with pytest.raises(NotFound):
        queries.member_detail(session, 999_999)
    assert queries.status_counts(session)[MemberStatus.APPLICANT] == 1
