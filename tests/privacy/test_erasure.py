"""Erasure within the retention duties: the answer to a request, and anonymising when due."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bank.actor import Actor, system
from bank.audit.models import AuditEvent
from bank.auth.models import User
from bank.compliance.cdd_models import IdentityDocument
from bank.errors import PermissionDenied, ValidationError
from bank.extensions import db
from bank.ledger.models import LedgerAccount
from bank.members.models import DocumentKind, IdentityCheck, Member
from bank.notifications.models import OutboxMessage
from bank.privacy import service as privacy
from bank.privacy.jobs import run_retention
from bank.privacy.models import Erasure, ErasureRequest, RequestChannel
from bank.runs.models import RunStatus

COMPLIANCE = Actor(user_id=None, label="system:test-compliance", role="compliance")


def test_a_former_member_asking_early_is_told_what_is_kept_until_when_and_loses_only_contact_details(
    make_former,
):
    former = make_former(dt.date(2026, 3, 15))
    with db.unit_of_work(db.new_session()) as s:
        member = s.get(Member, former.member_id)
        answered = privacy.request_erasure(
            s, member, actor=COMPLIANCE, channel=RequestChannel.STAFF, on=dt.date(2026, 11, 2)
        )
        assert answered.answer == [
            {"category": "due_diligence", "law": "wwft", "kept_until": "2031-03-15"},
            {"category": "accounting", "law": "tax", "kept_until": "2033-12-31"},
            {"category": "contact", "law": "none", "kept_until": "2026-03-15"},
        ]
        assert answered.erasable_on == dt.date(2034, 1, 1)
        assert answered.erased_now == ["email", "phone", "portal_login"]
    with db.new_session() as s:
        member = s.get(Member, former.member_id)
        assert (member.email, member.phone) == (None, None)
        assert member.last_name == "Vermeulen" and member.bsn == "111222333"  # kept by law
        assert member.anonymised_on is None
        user = s.get(User, former.user_id)
        assert not user.is_active and user.password_hash == "" and user.email.endswith("@invalid.example")
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "privacy.erasure_request"))
        assert event.object_id == str(former.member_id)


def test_anonymising_before_the_periods_have_passed_is_refused_naming_the_last_day(make_former):
    former = make_former(dt.date(2026, 3, 15))
    with db.new_session() as s:
        member = s.get(Member, former.member_id)
        with pytest.raises(ValidationError) as refused:
            privacy.anonymise(s, member, actor=COMPLIANCE, on=dt.date(2030, 1, 1))
        assert refused.value.fields["member"].template == "must be kept until %(date)s (retention periods)"
        assert refused.value.fields["member"].params["date"] == dt.date(2033, 12, 31)


def test_the_retention_job_anonymises_who_is_due_and_keeps_the_ledger(make_former):
    former = make_former(dt.date(2018, 6, 1))
    outcome = run_retention(db, dt.date(2026, 12, 1))
    assert outcome.run.status is RunStatus.COMPLETED
    assert (outcome.run.items_count, outcome.run.items_done, outcome.run.items_waiting) == (1, 1, 0)
    with db.new_session() as s:
        member = s.get(Member, former.member_id)
        assert member.anonymised_on == dt.date(2026, 12, 1)
        number = f"#{member.number}"
        assert (member.display_name, member.first_name, member.last_name) == (number, None, number)
        assert (member.bsn, member.date_of_birth, member.email, member.phone, member.external_iban) == (
            None,
        ) * 5
        assert (member.street, member.house_number, member.city) == ("", "", "")
        assert member.postcode == "1093"  # the neighbourhood stays for the impact counts
        check = s.scalar(select(IdentityCheck).where(IdentityCheck.member_id == member.id))
        assert check.document_number_last4 == ""
        mail = s.scalar(select(OutboxMessage).where(OutboxMessage.member_id == member.id))
        assert (mail.to_address, mail.subject, mail.body) == (None, "", "")
        # The ledger keeps the account (named by number; entries are never changed).
        assert s.get(LedgerAccount, former.account_ledger_id) is not None
        erasure = s.scalar(select(Erasure).where(Erasure.member_id == member.id))
        assert erasure.run_id == outcome.run.id and erasure.member_number == member.number
        assert erasure.counts["identity_checks"] == 1 and erasure.counts["mails"] == 1
        assert erasure.counts["portal_logins"] == 1
        assert erasure.counts["identity_documents"] == 0 and erasure.counts["screening_hits"] == 0
        assert "Vermeulen" not in str(erasure.counts)
    # A second run of the day does nothing more; a later day finds nobody due.
    assert run_retention(db, dt.date(2026, 12, 2)).run.items_count == 0


def test_a_registration_that_never_became_membership_is_erased_whole_on_request(make_former):
    former = make_former(dt.date(2026, 10, 1), with_account=False)
    with db.unit_of_work(db.new_session()) as s:
        member = s.get(Member, former.member_id)
        answered = privacy.request_erasure(
            s, member, actor=COMPLIANCE, channel=RequestChannel.STAFF, on=dt.date(2026, 11, 2)
        )
        assert answered.erased_now == ["everything"]
    with db.new_session() as s:
        member = s.get(Member, former.member_id)
        assert member.anonymised_on == dt.date(2026, 11, 2)
        assert member.display_name == f"#{member.number}"


def test_a_member_may_ask_only_for_themselves_and_a_committee_member_not_at_all(make_former):
    former = make_former(dt.date(2026, 3, 15))
    with db.new_session() as s:
        member = s.get(Member, former.member_id)
        other = Actor(user_id=1, label="bram@example.org", role="member", member_id=former.member_id + 999)
        with pytest.raises(PermissionDenied):
            privacy.request_erasure(s, member, actor=other, channel=RequestChannel.PORTAL)
        committee = Actor(user_id=1, label="commissie@example.org", role="committee")
        with pytest.raises(PermissionDenied):
            privacy.request_erasure(s, member, actor=committee, channel=RequestChannel.STAFF)
        assert s.scalar(select(ErasureRequest)) is None


def test_a_member_still_a_member_is_told_the_periods_start_when_membership_ends(session, actor):
    from savings import factories

    member = factories.member(session, first_name="Sanne", last_name="Kok")
    answered = privacy.request_erasure(session, member, actor=system("test"), channel=RequestChannel.STAFF)
    assert [item["kept_until"] for item in answered.answer] == [None, None, None]
    assert answered.erased_now == [] and answered.erasable_on is None
    assert member.email is not None


def test_anonymising_blanks_the_identity_document_number_and_the_screened_name(make_former):
    former = make_former(dt.date(2018, 6, 1))
    with db.unit_of_work(db.new_session()) as s:
        s.add(
            IdentityDocument(
                member_id=former.member_id,
                kind=DocumentKind.PASSPORT,
                number="NX4512AB9",
                issuing_country="NL",
                issued_on=dt.date(2014, 3, 1),
                expires_on=dt.date(2024, 3, 1),
                recorded_by_label="naleving@wijkbank.example",
            )
        )
    run_retention(db, dt.date(2026, 12, 1))
    with db.new_session() as s:
        document = s.scalar(select(IdentityDocument).where(IdentityDocument.member_id == former.member_id))
        assert document.number == ""
        assert (document.kind, document.expires_on) == (DocumentKind.PASSPORT, dt.date(2024, 3, 1))
        erasure = s.scalar(select(Erasure).where(Erasure.member_id == former.member_id))
        assert erasure.counts["identity_documents"] == 1
