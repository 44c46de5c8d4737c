"""The mandate rules: scheme, reference, IBAN/BIC, creditor id, transitions, amendment history,
36-month expiry to the day, and a loan collected only by its own borrower's active mandate."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bank.actor import Actor, system
from bank.audit.models import AuditEvent
from bank.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from bank.loans.models import CollectionMethod, Loan
from bank.members.models import Member
from bank.payments import mandates, queries
from bank.payments.models import MANDATE_STATUS, MandateScheme, MandateSequence, MandateStatus

from .conftest import CREDITOR_ID, SIGNED_PDF, TELLER, register


@pytest.fixture
def people(world, session):
    return {
        "anna": session.get(Member, world.anna.id),
        "bram": session.get(Member, world.bram.id),
        "coop": session.get(Member, world.coop.id),
        "coop_loan": session.get(Loan, world.coop_loan.id),
        "bram_loan": session.get(Loan, world.bram_loan.id),
    }


def _fields(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, str]:
    return {name: str(rule) for name, rule in error.value.fields.items()}


def test_a_core_mandate_is_registered_with_its_signed_form_and_audited(app, session, people) -> None:
    mandate = register(
        session, people["anna"], app.config["UPLOAD_DIR"], reference="WB-ANNA-1", bic="abna nl 2a"
    )
    assert mandate.status is MandateStatus.ACTIVE
    assert mandate.scheme is MandateScheme.CORE
    assert (mandate.iban, mandate.bic, mandate.creditor_id) == ("NL91ABNA0417164300", "ABNANL2A", CREDITOR_ID)
    assert mandate.sequence is MandateSequence.FIRST
    assert mandate.document_content_type == "application/pdf"
    assert mandates.document_of(mandate, app.config["UPLOAD_DIR"]) == SIGNED_PDF
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "mandate.register"))
    assert event is not None and event.object_id == str(mandate.id)
    assert event.after is not None and event.after["reference"] == "WB-ANNA-1"


def test_the_bic_is_taken_from_a_dutch_iban_when_left_blank(app, session, people) -> None:
    mandate = register(
        session, people["anna"], app.config["UPLOAD_DIR"], iban="NL91 abna 0417 1643 00", bic=""
    )
    assert (mandate.iban, mandate.bic) == ("NL91ABNA0417164300", "ABNANL2A")


def test_b2b_is_only_for_organisations(app, session, people) -> None:
    with pytest.raises(ValidationError) as refused:
        register(session, people["anna"], app.config["UPLOAD_DIR"], scheme="b2b")
    assert _fields(refused) == {"scheme": "B2B is only for organisations; a person signs a Core mandate"}
    mandate = register(session, people["coop"], app.config["UPLOAD_DIR"], scheme="b2b")
    assert mandate.scheme is MandateScheme.B2B


def test_every_broken_rule_is_named_by_its_field_at_once(app, session, people) -> None:
    with pytest.raises(ValidationError) as refused:
        register(
            session,
            people["anna"],
            app.config["UPLOAD_DIR"],
            reference="WB M 1",
            signed_on=dt.date(2026, 12, 2),
            debtor_name="  ",
            iban="NL91ABNA0417164301",
            creditor_id="NL00ZZZ123456780000",
            document=mandates.Upload("machtiging.xlsx", b"hello"),
        )
    assert _fields(refused) == {
        "reference": "may contain only letters A-Z, digits and + ? / - : ( ) . , ' (no spaces)",
        "signed_on": "must not be in the future",
        "debtor_name": "is required",
        "iban": "is not a valid IBAN (the check digits do not match)",
        "creditor_id": "is not a valid creditor identifier (the check digits do not match)",
        "document": "must be a PDF, PNG, JPEG, XLSX or ODS file (checked by its content)",
    }


@pytest.mark.parametrize(
    ("bic", "rule"),
    [
        ("ABNAN", "is not a valid BIC (8 or 11 letters and digits, like ABNANL2A)"),
        ("RABONL2U", "is not the BIC of the bank of this IBAN (that is ABNANL2A)"),
    ],
)
def test_a_bic_must_be_valid_and_of_the_ibans_bank(app, session, people, bic, rule) -> None:
    with pytest.raises(ValidationError) as refused:
        register(session, people["anna"], app.config["UPLOAD_DIR"], bic=bic)
    assert _fields(refused) == {"bic": rule}


def test_an_iban_outside_the_sepa_zone_and_a_spreadsheet_are_refused(app, session, people) -> None:
    with pytest.raises(ValidationError) as refused:
        register(session, people["anna"], app.config["UPLOAD_DIR"], iban="BR1500000000000010932840814P2")
    assert set(_fields(refused)) == {"iban"}
    assert "SEPA" in _fields(refused)["iban"]


@pytest.mark.parametrize(
    ("reference", "rule"),
    [
        ("A" * 36, "must be at most 35 characters"),
        ("/WB-1", "must not begin or end with / and must not contain //"),
        ("WB//1", "must not begin or end with / and must not contain //"),
        ("WB-Ü1", "may contain only letters A-Z, digits and + ? / - : ( ) . , ' (no spaces)"),
    ],
)
def test_the_reference_keeps_to_the_sepa_character_set(reference, rule) -> None:
    with pytest.raises(ValidationError) as refused:
        mandates.check_reference(reference)
    assert _fields(refused) == {"reference": rule}
    assert mandates.check_reference("WB-2026/0001:(a).b,c'+?") == "WB-2026/0001:(a).b,c'+?"


def test_the_creditor_identifier_is_checked_with_stdnum_at_02() -> None:
    assert mandates.check_creditor_id("nl69 zzz 123456780000") == "NL69ZZZ123456780000"
    for wrong in ("NL70ZZZ123456780000", "NL69ZZZ12345678000X!", ""):
        with pytest.raises(ValidationError) as refused:
            mandates.check_creditor_id(wrong)
        assert set(refused.value.fields) == {"creditor_id"}


def test_a_reference_is_unique_even_after_it_was_amended_away(app, session, people) -> None:
    first = register(session, people["anna"], app.config["UPLOAD_DIR"], reference="WB-1")
    with pytest.raises(ValidationError) as refused:
        register(session, people["bram"], app.config["UPLOAD_DIR"], reference="WB-1")
    assert _fields(refused) == {"reference": "is already used by another mandate"}
    mandates.amend_mandate(session, first, actor=TELLER, on=dt.date(2026, 11, 20), new_reference="WB-1A")
    with pytest.raises(ValidationError) as refused:
        register(session, people["bram"], app.config["UPLOAD_DIR"], reference="WB-1")
    assert _fields(refused) == {"reference": "is already used by another mandate"}


def test_an_amendment_keeps_the_original_reference_and_account(app, session, people) -> None:
    mandate = register(session, people["anna"], app.config["UPLOAD_DIR"], reference="WB-7")
    mandates.amend_mandate(
        session,
        mandate,
        actor=TELLER,
        on=dt.date(2026, 11, 10),
        new_iban="NL02ABNA0123456789",
        reason="nieuwe rekening",
    )
    mandates.amend_mandate(session, mandate, actor=TELLER, on=dt.date(2026, 11, 20), new_reference="WB-7B")
    session.refresh(mandate)
    assert (mandate.reference, mandate.iban, mandate.bic) == ("WB-7B", "NL02ABNA0123456789", "ABNANL2A")
    first, second = mandate.amendments
    assert (first.original_iban, first.original_bic, first.new_iban, first.original_reference) == (
        "NL91ABNA0417164300",
        "ABNANL2A",
        "NL02ABNA0123456789",
        None,
    )
    assert first.reason == "nieuwe rekening" and first.account_changed
    assert (second.original_reference, second.new_reference, second.original_iban) == ("WB-7", "WB-7B", None)
    assert not second.account_changed
    assert first.carried_on is None
    with pytest.raises(ValidationError) as refused:
        mandates.amend_mandate(
            session, mandate, actor=TELLER, on=dt.date(2026, 11, 21), new_reference="WB-7B"
        )
    assert _fields(refused) == {"new_reference": "give a new reference or a new IBAN; nothing would change"}


def test_the_status_table_allows_only_the_moves_out_of_active() -> None:
    assert MANDATE_STATUS.targets(MandateStatus.ACTIVE) == [MandateStatus.REVOKED, MandateStatus.EXPIRED]
    assert MANDATE_STATUS.final == {MandateStatus.REVOKED, MandateStatus.EXPIRED}
    for action in ("amend", "collect", "assign_to_loan"):
        assert [s for s in MandateStatus if MANDATE_STATUS.allows_action(action, s)] == [MandateStatus.ACTIVE]


def test_revoking_needs_a_reason_from_staff_and_is_final(app, session, people) -> None:
    mandate = register(session, people["anna"], app.config["UPLOAD_DIR"], reference="WB-R")
    with pytest.raises(ValidationError) as refused:
        mandates.revoke_mandate(session, mandate, actor=TELLER, on=dt.date(2026, 11, 30), reason=" ")
    assert _fields(refused) == {"reason": "is required"}
    mandates.revoke_mandate(session, mandate, actor=TELLER, on=dt.date(2026, 11, 30), reason="lid belde op")
    assert (mandate.status, mandate.revoked_on, mandate.revoked_reason) == (
        MandateStatus.REVOKED,
        dt.date(2026, 11, 30),
        "lid belde op",
    )
    assert not mandate.revoked_by_member and mandate.revoked_by_label == TELLER.label
    with pytest.raises(
        InvalidTransition, match="mandate WB-R is revoked; only an active mandate can be revoked"
    ):
        mandates.revoke_mandate(session, mandate, actor=TELLER, on=dt.date(2026, 12, 1), reason="nogmaals")
    with pytest.raises(InvalidTransition, match="only an active mandate can be amended"):
        mandates.amend_mandate(session, mandate, actor=TELLER, on=dt.date(2026, 12, 1), new_reference="WB-R2")


def test_a_member_revokes_only_their_own_mandate(app, session, people) -> None:
    mandate = register(session, people["anna"], app.config["UPLOAD_DIR"], reference="WB-A")
    bram = Actor(user_id=None, label="bram@example.org", role="member", member_id=people["bram"].id)
    with pytest.raises(NotFound):
        mandates.revoke_mandate(session, mandate, actor=bram, on=dt.date(2026, 12, 1), reason="")
    anna = Actor(user_id=None, label="anna@example.org", role="member", member_id=people["anna"].id)
    mandates.revoke_mandate(session, mandate, actor=anna, on=dt.date(2026, 12, 1), reason="")
    assert mandate.status is MandateStatus.REVOKED and mandate.revoked_by_member
    # Anna is the co-op's treasurer: she acts for it in the portal, Bram does not.
    coop_mandate = register(session, people["coop"], app.config["UPLOAD_DIR"], reference="WB-C")
    with pytest.raises(NotFound):
        mandates.revoke_mandate(session, coop_mandate, actor=bram, on=dt.date(2026, 12, 1), reason="")
    mandates.revoke_mandate(
        session, coop_mandate, actor=anna, on=dt.date(2026, 12, 1), reason="", acting_for=[people["coop"].id]
    )
    assert coop_mandate.status is MandateStatus.REVOKED


def test_a_member_cannot_register_or_amend(app, session, people) -> None:
    mandate = register(session, people["anna"], app.config["UPLOAD_DIR"])
    anna = Actor(user_id=10**6, label="anna@example.org", role="member", member_id=people["anna"].id)
    with pytest.raises(PermissionDenied):
        register(session, people["anna"], app.config["UPLOAD_DIR"], actor=anna)
    with pytest.raises(PermissionDenied):
        mandates.amend_mandate(session, mandate, actor=anna, on=dt.date(2026, 12, 1), new_reference="WB-X")


def test_a_mandate_unused_for_36_months_expires_on_the_day_and_not_before(app, session, people) -> None:
    never_used = register(session, people["anna"], app.config["UPLOAD_DIR"], signed_on=dt.date(2023, 3, 15))
    used = register(session, people["bram"], app.config["UPLOAD_DIR"], signed_on=dt.date(2023, 1, 10))
    mandates.record_collection(session, used, dt.date(2023, 2, 1))
    mandates.record_collection(session, used, dt.date(2023, 5, 31))
    assert (used.first_collected_on, used.last_collected_on, used.sequence) == (
        dt.date(2023, 2, 1),
        dt.date(2023, 5, 31),
        MandateSequence.RECURRING,
    )
    job = system("expire-mandates")
    assert mandates.expire_unused_mandates(session, job, dt.date(2026, 3, 14)) == []
    assert never_used.status is MandateStatus.ACTIVE
    assert mandates.expire_unused_mandates(session, job, dt.date(2026, 3, 15)) == [never_used]
    assert (never_used.status, never_used.expired_on) == (MandateStatus.EXPIRED, dt.date(2026, 3, 15))
    # Used last on 31 May 2023: 36 months later is 31 May 2026, not 1 February 2026.
    assert mandates.expire_unused_mandates(session, job, dt.date(2026, 5, 30)) == []
    assert mandates.expire_unused_mandates(session, job, dt.date(2026, 5, 31)) == [used]
    assert mandates.expire_unused_mandates(session, job, dt.date(2026, 6, 1)) == []
    assert session.scalars(select(AuditEvent.action).where(AuditEvent.action == "mandate.expire")).all() == [
        "mandate.expire",
        "mandate.expire",
    ]


def test_a_mandate_signed_on_29_february_expires_on_28_february(app, session, people) -> None:
    mandate = register(session, people["anna"], app.config["UPLOAD_DIR"], signed_on=dt.date(2024, 2, 29))
    assert mandates.expires_on(mandate) == dt.date(2027, 2, 28)


def test_a_loan_is_collected_by_its_own_borrowers_active_mandate_only(app, session, people) -> None:
    coop_mandate = register(
        session, people["coop"], app.config["UPLOAD_DIR"], scheme="b2b", reference="WB-COOP"
    )
    bram_mandate = register(session, people["bram"], app.config["UPLOAD_DIR"], reference="WB-BRAM")
    loan = people["coop_loan"]
    assert loan.collection_method is CollectionMethod.REPAYMENT_ACCOUNT
    with pytest.raises(ValidationError) as refused:
        mandates.set_collection_method(session, loan, "mandate", actor=TELLER, mandate=bram_mandate)
    assert _fields(refused) == {
        "mandate_id": f"mandate WB-BRAM is of another member, not of the borrower of loan {loan.number}"
    }
    with pytest.raises(ValidationError) as refused:
        mandates.set_collection_method(session, loan, "mandate", actor=TELLER, mandate=None)
    assert _fields(refused) == {"mandate_id": "choose the mandate to collect by"}
    mandates.set_collection_method(session, loan, "mandate", actor=TELLER, mandate=coop_mandate)
    assert (loan.collection_method, loan.mandate_id) == (CollectionMethod.MANDATE, coop_mandate.id)
    assert queries.loans_of_mandate(session, coop_mandate.id) == [loan]


def test_a_loan_whose_mandate_ends_falls_back_to_its_repayment_account_visibly(app, session, people) -> None:
    mandate = register(session, people["bram"], app.config["UPLOAD_DIR"], reference="WB-B2")
    loan = people["bram_loan"]
    mandates.set_collection_method(session, loan, CollectionMethod.MANDATE, actor=TELLER, mandate=mandate)
    mandates.revoke_mandate(
        session, mandate, actor=TELLER, on=dt.date(2026, 12, 1), reason="rekening opgeheven"
    )
    assert loan.collection_method is CollectionMethod.REPAYMENT_ACCOUNT
    assert loan.mandate_id == mandate.id  # kept, so the loan page says why
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "loan.collection_method").order_by(AuditEvent.id)
    ).all()
    assert [e.after["collection_method"] for e in events if e.after] == ["mandate", "repayment_account"]
    assert events[-1].after is not None and events[-1].after["mandate_status"] == "revoked"
    with pytest.raises(InvalidTransition, match="a loan can only be collected by an active mandate"):
        mandates.set_collection_method(session, loan, "mandate", actor=TELLER, mandate=mandate)
    mandates.set_collection_method(session, loan, "repayment_account", actor=TELLER)
    assert loan.mandate_id is None
