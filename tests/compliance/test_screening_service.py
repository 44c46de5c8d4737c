"""Screening as a bank process: load a list, screen everyone, decide hits with four eyes, the gate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from savings import factories
from sqlalchemy import func, select

from bank import clock
from bank.audit.models import AuditEvent
from bank.compliance import due_diligence, gate, screening_service
from bank.compliance.models import HitStatus, ScreeningHit, ScreeningListEntry, ScreeningListLoad, SubjectKind
from bank.compliance.risk import RiskClass
from bank.errors import InvalidTransition, PermissionDenied, ValidationError
from bank.members import service as members_service
from bank.payments import payouts
from bank.savings import service as savings
from compliance import screening_world as world

TODAY = dt.date(2026, 12, 4)


@pytest.fixture(autouse=True)
def pinned_today():
    with clock.frozen(TODAY):
        yield


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def hits_of(session, member) -> list[ScreeningHit]:
    return list(session.scalars(select(ScreeningHit).where(ScreeningHit.member_id == member.id)))


@pytest.fixture
def officers(make_user):
    return world.officer(make_user), world.officer(make_user)


@pytest.fixture
def admin(make_user):
    return world.officer(make_user, "admin")


@pytest.fixture
def loaded(session, officers, admin):
    people = world.members(session)
    load = screening_service.load_list(
        session, world.LIST_FILE.read_bytes(), "members_screening.ftm.jsonl", "ftm", officers[0]
    )
    result = screening_service.screen_everyone(session, officers[0])
    session.commit()
    return people, load, result


def test_a_load_stores_its_entries_and_everyone_is_screened_with_exact_scores(session, loaded):
    people, load, result = loaded
    assert (load.kind, load.file_name, load.is_current) == ("ftm", "members_screening.ftm.jsonl", True)
    assert (load.entry_count, load.person_count, load.organisation_count) == (5, 4, 1)
    assert count(session, ScreeningListEntry) == 5
    assert result.subjects == 5
    found = {(hit.member_id, hit.entry_key): hit.score for hit in result.new_hits}
    # The true match and the near-year namesake are hits; the far namesakes are not.
    assert found == {(people.petrov.id, "T-sanc-petrov"): 100, (people.ivanova.id, "T-sanc-ivanova"): 90}
    petrov = hits_of(session, people.petrov)[0]
    assert petrov.status is HitStatus.OPEN
    assert (petrov.is_sanction, petrov.is_pep, petrov.subject_name) == (True, False, "Dmitri Petrov")
    assert petrov.reasons == {
        "name_score": 96,
        "subject_name": "Dmitri Petrov",
        "entry_name": "Dmitri Aleksandrovich Petrov",
        "birth_date": "same_date",
        "nationality": "unknown",
    }
    ivanova = hits_of(session, people.ivanova)[0]
    assert (ivanova.reasons["name_score"], ivanova.reasons["birth_date"]) == (100, "near_year")
    for member in (people.haddad, people.dmitry, people.de_vries):
        assert hits_of(session, member) == []
    actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("screening.%")))
    assert sorted(actions) == [
        "screening.everyone_screened",
        "screening.hit_found",
        "screening.hit_found",
        "screening.list_loaded",
    ]


def test_screening_again_adds_no_duplicate(session, loaded, officers):
    people, _, _ = loaded
    again = screening_service.screen_everyone(session, officers[1])
    assert (again.subjects, again.new_hits) == (5, [])
    assert screening_service.screen_member(session, people.petrov, officers[1]) == []
    assert count(session, ScreeningHit) == 2


def test_a_malformed_file_is_refused_naming_the_line_and_nothing_is_written(session, officers):
    bad = b'{"id": "x", "schema": "Person", "properties": {"name": ["A B"], "topics": ["sanction"]}}\n{oops\n'
    with pytest.raises(ValidationError) as refused:
        screening_service.load_list(session, bad, "bad.jsonl", "ftm", officers[0])
    assert "line 2" in str(refused.value.fields["file"])
    session.rollback()
    assert count(session, ScreeningListLoad) == 0
    assert count(session, ScreeningListEntry) == 0


def test_the_identical_file_twice_is_refused(session, loaded, officers):
    with pytest.raises(ValidationError) as refused:
        screening_service.load_list(session, world.LIST_FILE.read_bytes(), "again.jsonl", "ftm", officers[1])
    assert str(refused.value.fields["file"]) == (
        "this file was already loaded on 2026-12-04 (as members_screening.ftm.jsonl); nothing was loaded"
    )


def test_a_new_load_of_the_kind_becomes_current_and_the_old_stays(session, loaded, officers):
    _, first, _ = loaded
    data = world.LIST_FILE.read_bytes().replace(b"Karim Haddad", b"Karim Haddadi")
    second = screening_service.load_list(session, data, "newer.jsonl", "ftm", officers[1])
    session.flush()
    session.refresh(first)
    assert (first.is_current, second.is_current) == (False, True)
    assert count(session, ScreeningListLoad) == 2
    assert len(screening_service.current_lists(session).rows) == 5


def test_only_compliance_or_admin_loads(session, make_user):
    teller = world.officer(make_user, "teller")  # before the session writes (SQLite's one writer)
    with pytest.raises(PermissionDenied):
        screening_service.load_list(session, world.LIST_FILE.read_bytes(), "l.jsonl", "ftm", teller)


def test_clearing_needs_a_reason_and_a_second_person(session, loaded, officers):
    people, _, _ = loaded
    first, second = officers
    hit = hits_of(session, people.ivanova)[0]
    with pytest.raises(ValidationError) as refused:
        screening_service.propose_clearing(session, hit, reason="  ", actor=first)
    assert str(refused.value.fields["reason"]) == (
        "is required: say why this is not the listed person or organisation"
    )
    screening_service.propose_clearing(session, hit, reason="born 1949, the listed one 1948", actor=first)
    assert hit.status is HitStatus.CLEARING_PROPOSED
    with pytest.raises(PermissionDenied) as own:
        screening_service.confirm_clearing(session, hit, actor=first)
    assert str(own.value) == (
        "you proposed clearing this hit; a second compliance officer or an administrator confirms it "
        "(four eyes)"
    )
    assert hit.status is HitStatus.CLEARING_PROPOSED
    screening_service.confirm_clearing(session, hit, actor=second)
    assert (hit.status, hit.decided_by_label, hit.proposed_by_label) == (
        HitStatus.CLEARED,
        second.label,
        first.label,
    )
    # Cleared for this name and birth date: screening again does not bring it back…
    assert screening_service.screen_member(session, people.ivanova, first) == []
    # …a change of birth date does.
    changed = members_service.update_member(
        session, people.ivanova, actor=world.SETUP, date_of_birth=dt.date(1948, 9, 9)
    )
    again = screening_service.screen_after_change(session, people.ivanova, changed, first)
    assert [(h.entry_key, h.score, h.status) for h in again] == [("T-sanc-ivanova", 100, HitStatus.OPEN)]


def test_an_admin_counts_as_the_second_person(session, loaded, officers, admin):
    people, _, _ = loaded
    hit = hits_of(session, people.ivanova)[0]
    screening_service.propose_clearing(session, hit, reason="another person", actor=officers[0])
    screening_service.confirm_clearing(session, hit, actor=admin)
    assert hit.status is HitStatus.CLEARED


def test_a_confirmed_sanctions_match_freezes_every_account_and_holds_payouts(session, officers):
    people = world.members(session)
    product = factories.product(session)
    account = factories.account(session, people.ivanova, product, opened_on=TODAY)
    factories.deposit(session, account, "250.00", TODAY)
    other = factories.account(session, people.de_vries, product, opened_on=TODAY)
    factories.deposit(session, other, "100.00", TODAY)
    screening_service.load_list(session, world.LIST_FILE.read_bytes(), "l.jsonl", "ftm", officers[0])
    screening_service.screen_everyone(session, officers[0])
    # An open hit stops a new account and a payout of a loan, not money out.
    with pytest.raises(ValidationError) as open_refusal:
        savings.open_account(session, people.ivanova, product, actor=factories.SETUP)
    hit = hits_of(session, people.ivanova)[0]
    assert str(open_refusal.value.fields["member"]) == (
        f"a screening hit (hit {hit.id}) waits for compliance's decision: until then no account is opened "
        "and no loan is paid out (money may still leave)"
    )
    savings.withdraw(
        session, account, Decimal("20.00"), key="w1", actor=factories.TELLER, approval_threshold=None
    )
    savings.withdraw(
        session, other, Decimal("10.00"), key="w2", actor=factories.TELLER, approval_threshold=None
    )
    assert {o.member_id for o in payouts.waiting_orders(session, TODAY)} == {
        people.ivanova.id,
        people.de_vries.id,
    }
    with pytest.raises(ValidationError) as no_reason:
        screening_service.confirm_match(session, hit, reason="", actor=officers[1])
    assert str(no_reason.value.fields["reason"]) == (
        "is required: say why this is the listed person or organisation"
    )
    screening_service.confirm_match(
        session, hit, reason="passport copy matches the listing", actor=officers[1]
    )
    session.commit()
    frozen = f"a confirmed sanctions list match (hit {hit.id}) – every account is frozen"
    with pytest.raises(ValidationError) as refused:
        savings.withdraw(
            session, account, Decimal("5.00"), key="w3", actor=factories.TELLER, approval_threshold=None
        )
    assert str(refused.value.fields["account"]) == frozen
    session.rollback()
    with pytest.raises(ValidationError) as no_account:
        savings.open_account(session, people.ivanova, product, actor=factories.SETUP)
    assert str(no_account.value.fields["member"]) == frozen
    session.rollback()
    with pytest.raises(ValidationError):
        gate.require_clear(session, people.ivanova.id, gate.Purpose.BORROW)
    # The order already made is held back; the other member's goes.
    assert [o.member_id for o in payouts.waiting_orders(session, TODAY)] == [people.de_vries.id]
    assert factories.balance(session, account) == Decimal("230.00")
    assert screening_service.confirmed_pep_member_ids(session, [people.ivanova.id]) == set()
    assert due_diligence.file_of(session, people.ivanova.id).sanctions_hit is True
    # Decided: it cannot be cleared any more; only an administrator lifts it, with a reason.
    with pytest.raises(InvalidTransition):
        screening_service.propose_clearing(session, hit, reason="x", actor=officers[0])
    with pytest.raises(PermissionDenied):
        screening_service.lift(session, hit, reason="delisted", actor=officers[0])


def test_a_confirmed_pep_match_marks_but_does_not_freeze(session, officers):
    member = world.person(session, "Geertruida", "Smit", dt.date(1955, 7, 12))
    screening_service.load_list(session, world.LIST_FILE.read_bytes(), "l.jsonl", "ftm", officers[0])
    [hit] = screening_service.screen_member(session, member, officers[0])
    assert (hit.entry_key, hit.score, hit.is_pep, hit.is_sanction) == ("T-pep-smit", 100, True, False)
    screening_service.confirm_match(
        session, hit, reason="member of the provincial council", actor=officers[1]
    )
    assert screening_service.confirmed_pep_member_ids(session, [member.id]) == {member.id}
    assert gate.hindrances(session, [member.id]) == {}
    # The due-diligence file is marked PEP (naming the hit), so the next assessment classes it high.
    file = due_diligence.file_of(session, member.id)
    assert (file.pep, file.sanctions_hit) == (True, False)
    assert file.pep_reason == f"#{hit.id}: member of the provincial council"
    assert due_diligence.preview(session, member).risk_class is RiskClass.HIGH


def test_an_admin_lifts_a_confirmed_match(session, loaded, officers, admin):
    people, _, _ = loaded
    hit = hits_of(session, people.petrov)[0]
    screening_service.confirm_match(session, hit, reason="same person", actor=officers[0])
    with pytest.raises(ValidationError):
        screening_service.lift(session, hit, reason=" ", actor=admin)
    screening_service.lift(session, hit, reason="delisted by the Council on 1 December", actor=admin)
    assert hit.status is HitStatus.LIFTED
    assert gate.hindrances(session, [people.petrov.id]) == {}


def test_a_beneficial_owner_who_is_not_a_member_is_screened_for_the_organisation(session, officers):
    organisation = factories.coop_bakery(session)
    screening_service.load_list(session, world.LIST_FILE.read_bytes(), "l.jsonl", "ftm", officers[0])
    owner = due_diligence.add_beneficial_owner(
        session,
        organisation,
        actor=officers[0],
        name="Dmitri Petrov",
        date_of_birth=dt.date(1970, 2, 3),
        nationality="RU",
        residence_country="NL",
        interest="ownership",
        share_percent="40",
        document_kind="passport",
        document_number_last4="4471",
    )
    [hit] = screening_service.screen_owner(session, owner, officers[0])
    assert (hit.subject_kind, hit.subject_id, hit.member_id) == (SubjectKind.UBO, owner.id, organisation.id)
    assert (hit.entry_key, hit.subject_name, hit.is_sanction) == ("T-sanc-petrov", "Dmitri Petrov", True)
    # Screening everyone again finds nothing new for the owner; an open hit stops new accounts.
    assert [
        h
        for h in screening_service.screen_everyone(session, officers[0]).new_hits
        if h.member_id == organisation.id
    ] == []
    with pytest.raises(ValidationError):
        gate.require_clear(session, organisation.id, gate.Purpose.OPEN_ACCOUNT)
    # Confirmed, it freezes the organisation.
    screening_service.confirm_match(session, hit, reason="same passport", actor=officers[1])
    with pytest.raises(ValidationError) as frozen:
        gate.require_clear(session, organisation.id, gate.Purpose.MONEY_OUT)
    assert (
        str(frozen.value.fields["member"])
        == f"a confirmed sanctions list match (hit {hit.id}) – every account is frozen"
    )
