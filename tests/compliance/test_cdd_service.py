"""The due-diligence file as the compliance officer works it: assessments and four eyes, documents,
UBOs, the reviews due, and the gate that stops borrowing and new accounts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from applications.helpers import TODAY, build_world, submitted_coop
from sqlalchemy import func, select

from bank import clock
from bank.actor import Actor
from bank.audit.models import AuditEvent
from bank.compliance import cdd_queries, gate
from bank.compliance import due_diligence as cdd
from bank.compliance.cdd_models import BeneficialOwner, EddStatus, IdentityDocument
from bank.compliance.risk import RiskClass
from bank.errors import PermissionDenied, ValidationError
from bank.members import service as members
from bank.members import validation as check
from bank.members.models import IdentityCheck
from bank.savings import service as savings

D = dt.date


@pytest.fixture(autouse=True)
def pinned_today():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def world(session, make_user):
    return build_world(session, make_user)


@pytest.fixture
def officers(make_user) -> tuple[Actor, Actor]:
    first, second = make_user("compliance"), make_user("compliance")
    return (
        Actor(user_id=first.id, label=first.email, role="compliance"),
        Actor(user_id=second.id, label=second.email, role="compliance"),
    )


def audit_rows(session, action: str) -> list[AuditEvent]:
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_an_assessment_keeps_its_reasons_and_review_date_and_history(session, world, officers) -> None:
    officer, _second = officers
    cdd.update_facts(
        session, world.bram, actor=officer, residence_country="NL", nationality="TR", purpose="saving"
    )
    first = cdd.assess_member(session, world.bram, actor=officer)
    assert first.risk_class is RiskClass.NORMAL and first.computed_class is RiskClass.NORMAL
    assert first.reasons == [
        {"code": "nationality_outside_eea", "class": "normal", "params": {"country": "TR"}}
    ]
    assert first.review_due_on == TODAY.replace(year=TODAY.year + 3)
    assert first.edd_status is EddStatus.NOT_NEEDED
    # A higher class needs a reason; a lower one is refused, naming the field.
    with pytest.raises(ValidationError) as refused:
        cdd.assess_member(session, world.bram, actor=officer, raise_to="high")
    assert refused.value.fields == {"raise_reason": "is required when setting a higher class than computed"}
    with pytest.raises(ValidationError) as lower:
        cdd.assess_member(session, world.bram, actor=officer, raise_to="low")
    assert lower.value.fields == {"raise_to": "may not be lower than the computed class (normal)"}
    second = cdd.assess_member(
        session,
        world.bram,
        actor=officer,
        raise_to="high",
        raise_reason="Contant geld in de winkel van zijn broer",
    )
    assert (second.computed_class, second.risk_class) == (RiskClass.NORMAL, RiskClass.HIGH)
    assert second.review_due_on == TODAY.replace(year=TODAY.year + 1)
    assert cdd.file_of(session, world.bram.id).latest_assessment_id == second.id
    assert [a.id for a in cdd_queries.history(session, world.bram.id)] == [second.id, first.id]
    assert len(audit_rows(session, "compliance.assessment")) == 2
    # Only compliance officers (and admins) work on the file.
    with pytest.raises(PermissionDenied):
        cdd.assess_member(session, world.bram, actor=world.officer_actor)


def test_high_risk_waits_for_a_second_officer_before_an_account_opens(session, world, officers) -> None:
    officer, second = officers
    cdd.set_flag(
        session, world.bram, actor=officer, flag="pep", value=True, reason="Wethouder in Amsterdam-Oost"
    )
    assessment = cdd.assess_member(session, world.bram, actor=officer)
    assert assessment.risk_class is RiskClass.HIGH and assessment.edd_status is EddStatus.PENDING
    product = world.bakery_account.product
    teller = Actor(user_id=world.teller.id, label=world.teller.email, role="teller")
    with pytest.raises(ValidationError) as refused:
        savings.open_account(session, world.bram, product, actor=teller)
    assert refused.value.fields == {
        "member": "high risk: the enhanced due diligence waits for a second compliance officer's approval"
    }
    assert gate.clearance_of(session, [world.bram.id])[world.bram.id].cleared is False
    # Four eyes: the assessor cannot approve their own assessment.
    with pytest.raises(PermissionDenied) as own:
        cdd.decide_edd(session, assessment, actor=officer, approve=True, note="")
    assert "four eyes" in str(own.value)
    with pytest.raises(ValidationError) as no_note:
        cdd.decide_edd(session, assessment, actor=second, approve=False, note=" ")
    assert no_note.value.fields == {"note": "is required"}
    cdd.decide_edd(
        session, assessment, actor=second, approve=True, note="Herkomst vermogen: salaris, gecontroleerd"
    )
    assert assessment.edd_status is EddStatus.APPROVED and assessment.edd_decided_by_id == second.user_id
    account = savings.open_account(session, world.bram, product, actor=teller)
    assert account.member_id == world.bram.id
    assert gate.clearance_of(session, [world.bram.id])[world.bram.id].cleared is True
    assert [e.detail for e in audit_rows(session, "compliance.edd_approve")] == [
        "Herkomst vermogen: salaris, gecontroleerd"
    ]


def test_documents_are_masked_and_a_reveal_needs_a_reason_that_is_audited(session, world, officers) -> None:
    officer, _ = officers
    document = cdd.record_document(
        session,
        world.bram,
        actor=officer,
        kind="passport",
        number="nx 8k 42 jp 1",
        issuing_country="nl",
        issued_on=D(2020, 3, 1),
        expires_on=D(2030, 3, 1),
    )
    assert (document.number, document.masked_number) == ("NX8K42JP1", "*****2JP1")
    check_row = session.get(IdentityCheck, document.identity_check_id)
    assert (check_row.document_number_last4, check_row.checked_on) == ("2JP1", TODAY)
    with pytest.raises(ValidationError) as no_reason:
        cdd.reveal_document_number(session, document, actor=officer, reason="  ")
    assert no_reason.value.fields == {"reason": "is required"}
    assert audit_rows(session, "compliance.document_reveal") == []
    assert cdd.reveal_document_number(
        session, document, actor=officer, reason="Vergelijking met FIU-verzoek"
    ) == ("NX8K42JP1")
    (row,) = audit_rows(session, "compliance.document_reveal")
    assert (row.detail, row.object_type, row.object_id) == (
        "Vergelijking met FIU-verzoek",
        "due_diligence",
        str(world.bram.id),
    )
    assert "NX8K42JP1" not in str(row.after)


def test_bad_documents_are_refused_naming_the_field_and_nothing_is_written(session, world, officers) -> None:
    officer, _ = officers

    def record(**changes):
        values = dict(
            kind="id_card",
            number="IX12345678",
            issuing_country="NL",
            issued_on=D(2022, 1, 1),
            expires_on=D(2032, 1, 1),
        )
        values.update(changes)
        return cdd.record_document(session, world.bram, actor=officer, **values)

    with pytest.raises(ValidationError) as before_issue:
        record(expires_on=D(2021, 12, 31))
    assert before_issue.value.fields == {"expires_on": "must be after the issue date"}
    with pytest.raises(ValidationError) as expired:
        record(issued_on=D(2014, 1, 1), expires_on=TODAY - dt.timedelta(days=1))
    assert expired.value.fields == {
        "expires_on": "is in the past: an expired document does not prove identity"
    }
    with pytest.raises(ValidationError) as country:
        record(issuing_country="XX")
    assert country.value.fields == {"issuing_country": "is not a known country code (two letters, like NL)"}
    with pytest.raises(ValidationError) as kind:
        record(kind="kvk_extract")
    assert kind.value.fields == {"kind": "does not identify a person"}
    assert session.scalar(select(func.count()).select_from(IdentityDocument)) == 0


def test_rsin_passes_the_eleven_test() -> None:
    assert check.rsin("1234.56.782") == "123456782"
    with pytest.raises(ValidationError) as wrong:
        check.rsin("123456783")
    assert wrong.value.fields == {"rsin": "is not a valid RSIN (fails the 11-proef)"}
    with pytest.raises(ValidationError) as short:
        check.rsin("12345")
    assert short.value.fields == {"rsin": "must be exactly 9 digits"}


def test_rsin_is_kept_on_the_organisation(session, world, actor) -> None:
    members.update_member(session, world.clt, actor=actor, rsin="111222333")
    assert world.clt.rsin == "111222333"
    with pytest.raises(ValidationError) as refused:
        members.update_member(session, world.clt, actor=actor, rsin="123456789")
    assert refused.value.fields == {"rsin": "is not a valid RSIN (fails the 11-proef)"}


def ubo(session, organisation, officer, **changes) -> BeneficialOwner:
    values = dict(
        name="Marleen Smit",
        date_of_birth=D(1971, 5, 3),
        nationality="NL",
        residence_country="NL",
        interest="ownership",
        share_percent="40",
        document_kind="passport",
        document_number_last4="8K42",
    )
    values.update(changes)
    return cdd.add_beneficial_owner(session, organisation, actor=officer, **values)


def test_ubo_shares_above_100_are_refused(session, world, officers) -> None:
    officer, _ = officers
    with pytest.raises(ValidationError) as too_much:
        ubo(session, world.bakery, officer, share_percent="100.5")
    assert too_much.value.fields == {"share_percent": "must be more than 0 and at most 100 per cent"}
    with pytest.raises(ValidationError) as zero:
        ubo(session, world.bakery, officer, share_percent="0")
    assert zero.value.fields == {"share_percent": "must be more than 0 and at most 100 per cent"}
    ubo(session, world.bakery, officer, share_percent="60")
    with pytest.raises(ValidationError) as summed:
        ubo(session, world.bakery, officer, name="Kwame Mensah", share_percent="40.01")
    assert summed.value.fields == {
        "share_percent": "would bring the UBOs' shares to 100.01 per cent; together at most 100"
    }
    ubo(session, world.bakery, officer, name="Kwame Mensah", share_percent="40")
    assert [o.share_percent for o in cdd.owners_of(session, world.bakery.id)] == [
        Decimal("60"),
        Decimal("40"),
    ]
    with pytest.raises(ValidationError) as person:
        ubo(session, world.bram, officer)
    assert person.value.fields == {"organisation": "must be an organisation-member"}


def test_an_organisation_without_ubo_cannot_borrow(session, world, officers) -> None:
    officer, _ = officers
    # No file yet: not assessed, not stopped (members from before due diligence keep working).
    assert gate.clearance_of(session, [world.bakery.id])[world.bakery.id].cleared is True
    cdd.update_facts(session, world.bakery, actor=officer, residence_country="NL", sector="food_and_retail")
    # 20 % is no UBO; the organisation is incomplete and cannot apply.
    ubo(session, world.bakery, officer, share_percent="20")
    session.commit()
    with pytest.raises(ValidationError) as refused:
        submitted_coop(session, world)
    assert refused.value.fields == {
        "applicant": "the organisation's ultimate beneficial owners (UBO) are not recorded: an owner of 25"
        " per cent or more, or a senior managing official, is missing"
    }
    session.rollback()
    ubo(session, world.bakery, officer, name="Anna de Wit", interest="senior_manager", share_percent="")
    application = submitted_coop(session, world)
    assert application.status.value == "submitted"


def test_the_reviews_due_queue(session, world, officers) -> None:
    officer, _ = officers
    with clock.frozen(TODAY - dt.timedelta(days=400)):
        cdd.set_flag(
            session, world.bram, actor=officer, flag="sanctions_hit", value=True, reason="Bevestigd door FIU"
        )
        cdd.assess_member(session, world.bram, actor=officer)  # high: review after one year, passed
        cdd.assess_member(session, world.anna, actor=officer)  # low: five years
        cdd.record_document(
            session, world.anna, actor=officer, kind="id_card", number="IX1234567",
            issuing_country="NL", issued_on=D(2015, 1, 1), expires_on=TODAY - dt.timedelta(days=3),
        )  # fmt: skip
    due = {row.member.id: row for row in cdd_queries.reviews_due(session, TODAY)}
    assert set(due) == {world.bram.id, world.anna.id}
    assert due[world.bram.id].review_due_on == (TODAY - dt.timedelta(days=400)).replace(
        year=(TODAY - dt.timedelta(days=400)).year + 1
    )
    assert due[world.bram.id].document_expired_on is None
    assert due[world.anna.id].review_due_on is None and due[
        world.anna.id
    ].document_expired_on == TODAY - dt.timedelta(days=3)
    # Completing the review is a new assessment; a new document ends the expired flag.
    cdd.assess_member(session, world.bram, actor=officer)
    cdd.record_document(
        session, world.anna, actor=officer, kind="passport", number="NX9876543",
        issuing_country="NL", issued_on=TODAY, expires_on=TODAY.replace(year=TODAY.year + 10),
    )  # fmt: skip
    assert cdd_queries.reviews_due(session, TODAY) == []
    count, newest = cdd_queries.not_assessed(session)
    assert world.bakery in newest and world.bram not in newest and count >= 2
