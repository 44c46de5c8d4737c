"""Staff pages of the mandates, in Dutch: register from the member page with the signed PDF,
the list, the mandate page (download, amend, revoke), and a loan's collection method."""

from __future__ import annotations

import io

from sqlalchemy import select

from bank.extensions import db
from bank.loans.models import CollectionMethod, Loan
from bank.payments.models import Mandate, MandateStatus

from ..conftest import SIGNED_PDF
from .conftest import read, text_of


def _register(page, member_id: int, **overrides) -> tuple[int, str]:
    data = {
        "reference": "WB-2026-0001",
        "scheme": "core",
        "signed_on": "2026-11-02",
        "debtor_name": "Bakkerij De Korenschoof",
        "iban": "NL91 ABNA 0417 1643 00",
        "bic": "",
        "document": (io.BytesIO(SIGNED_PDF), "machtiging korenschoof.pdf"),
    }
    data.update(overrides)
    return page(f"/staff/members/{member_id}/mandates/new", data, content_type="multipart/form-data")


def _mandate(reference: str) -> Mandate:
    db.session.rollback()
    with db.new_session() as session:
        found = session.scalar(select(Mandate).where(Mandate.reference == reference))
        assert found is not None
        session.expunge(found)
        return found


def test_a_teller_registers_a_b2b_mandate_from_the_member_page_and_downloads_the_signed_form(
    world, client, login_as, page
) -> None:
    login_as("teller")
    status, html = page(f"/staff/members/{world.coop.id}")
    assert status == 200
    assert "Machtigingen" in text_of(html) and "Nog geen machtiging." in text_of(html)
    assert f"/staff/members/{world.coop.id}/mandates/new" in html
    status, html = page(f"/staff/members/{world.coop.id}/mandates/new")
    text = text_of(html)
    assert status == 200
    assert "Machtiging vastleggen" in text and "Incassant-ID: NL69ZZZ123456780000" in text
    assert 'value="b2b"' in html  # an organisation may choose B2B
    status, html = _register(page, world.coop.id, scheme="b2b")
    assert status == 302, text_of(html)
    mandate = _mandate("WB-2026-0001")
    assert (mandate.scheme.value, mandate.bic, mandate.member_id) == ("b2b", "ABNANL2A", world.coop.id)
    status, html = page(f"/staff/mandates/{mandate.id}")
    text = text_of(html)
    assert "Machtiging WB-2026-0001" in text and "actief" in text
    assert "SEPA B2B (zakelijk)" in text and "NL91 ABNA 0417 1643 00" in text
    assert "eerste incasso (FRST)" in text and "02-11-2029" in text  # expires unused 36 months on
    response = client.get(f"/staff/mandates/{mandate.id}/document")
    assert response.status_code == 200 and response.data == SIGNED_PDF
    assert "machtiging korenschoof.pdf" in response.headers["Content-Disposition"]


def test_a_person_is_offered_core_only_and_wrong_input_is_named_by_field_in_dutch(
    world, login_as, page
) -> None:
    login_as("teller")
    status, html = page(f"/staff/members/{world.anna.id}/mandates/new")
    assert 'value="b2b"' not in html
    status, html = _register(
        page,
        world.anna.id,
        iban="NL91ABNA0417164301",
        bic="RABONL2U",
        reference="WB 1",
        document=(io.BytesIO(b"MZ\x90\x00"), "machtiging.pdf"),
    )
    text = text_of(html)
    assert status == 422
    assert "is geen geldige IBAN (de controlecijfers kloppen niet)" in text
    assert "mag alleen letters A-Z, cijfers en + ? / - : ( ) . , ' bevatten (geen spaties)" in text
    assert "is een programma of script, geen document; het wordt geweigerd" in text
    db.session.rollback()
    with db.new_session() as session:
        assert session.scalar(select(Mandate.id).where(Mandate.member_id == world.anna.id)) is None
    status, html = _register(page, world.anna.id, bic="RABONL2U", reference="WB-1")
    assert status == 422
    assert "is niet de BIC van de bank van deze IBAN (dat is ABNANL2A)" in text_of(html)


def test_the_list_filters_by_status_and_finds_by_member(world, login_as, page, mandate_for) -> None:
    login_as("credit_officer")
    mandate_for(world.anna, reference="WB-ANNA")
    status, html = page("/staff/mandates")
    text = text_of(html)
    assert status == 200 and "Machtigingen" in text
    assert "WB-ANNA" in text and "WB-BRAM-GEHEIM" in text
    _status, html = page("/staff/mandates?q=jansen")
    assert "WB-ANNA" in html and "WB-BRAM-GEHEIM" not in html
    _status, html = page(f"/staff/mandates?q={world.bram.number}")
    assert "WB-BRAM-GEHEIM" in html and "WB-ANNA" not in html
    _status, html = page("/staff/mandates?status=revoked")
    assert "Geen machtigingen gevonden." in text_of(html)


def test_amend_and_revoke_from_the_mandate_page(world, login_as, page, mandate_for) -> None:
    login_as("teller")
    mandate = mandate_for(world.anna, reference="WB-A1")
    status, html = page(
        f"/staff/mandates/{mandate.id}/amend", {"new_iban": "NL02ABNA0123456789", "reason": "verhuisd"}
    )
    assert status == 302, text_of(html)
    _status, html = page(f"/staff/mandates/{mandate.id}")
    text = text_of(html)
    assert "Wijzigingen" in text and "NL91 ABNA 0417 1643 00 (ABNANL2A)" in text and "verhuisd" in text
    assert "nog niet" in text  # not yet carried by a collection
    status, html = page(f"/staff/mandates/{mandate.id}/revoke", {"reason": ""})
    assert status == 422 and "is verplicht" in text_of(html)
    status, _html = page(f"/staff/mandates/{mandate.id}/revoke", {"reason": "Lid belde: rekening opgeheven"})
    assert status == 302
    _status, html = page(f"/staff/mandates/{mandate.id}")
    text = text_of(html)
    assert "ingetrokken" in text and "Lid belde: rekening opgeheven" in text
    assert 'id="revoke"' not in html and 'id="amend"' not in html


def test_a_loan_is_set_to_its_borrowers_mandate_and_told_when_it_ends(
    world, login_as, page, mandate_for
) -> None:
    login_as("teller")
    own = mandate_for(world.coop, reference="WB-COOP", scheme="b2b")
    status, html = page(f"/staff/loans/{world.coop_loan.id}")
    assert status == 200 and "Manier van innen" in text_of(html)
    assert "WB-COOP" in html and "WB-BRAM-GEHEIM" not in html  # only the borrower's own mandates
    status, html = page(
        f"/staff/loans/{world.coop_loan.id}/collection",
        {"collection_method": "mandate", "mandate_id": str(world.bram_mandate.id)},
    )
    assert status == 422
    assert "machtiging WB-BRAM-GEHEIM is van een ander lid, niet van de lener van lening" in text_of(html)
    status, _html = page(
        f"/staff/loans/{world.coop_loan.id}/collection",
        {"collection_method": "mandate", "mandate_id": str(own.id)},
    )
    assert status == 302
    loan = read(Loan, world.coop_loan.id)
    assert (loan.collection_method, loan.mandate_id) == (CollectionMethod.MANDATE, own.id)
    _status, html = page(f"/staff/loans/{world.coop_loan.id}")
    assert "per automatische incasso (machtiging)" in text_of(html)
    page(f"/staff/mandates/{own.id}/revoke", {"reason": "opgezegd"})
    _status, html = page(f"/staff/loans/{world.coop_loan.id}")
    text = text_of(html)
    assert "Machtiging WB-COOP is ingetrokken sinds" in text
    assert "van de aflossingsrekening" in text
    assert _mandate("WB-COOP").status is MandateStatus.REVOKED


def test_staff_nav_and_member_page_in_english(world, client, login_as, page) -> None:
    login_as("admin")
    client.post("/lang/en")
    status, html = page("/staff/mandates")
    assert status == 200 and "Mandates" in html and "Mandate reference" in html
    status, html = page(f"/staff/members/{world.bram.id}")
    assert "Register a mandate" in html and "WB-BRAM-GEHEIM" in html


def test_the_audit_log_reads_mandate_events_in_dutch(world, login_as, page, mandate_for) -> None:
    login_as("admin")
    own = mandate_for(world.bram, reference="WB-B9")
    page(
        f"/staff/loans/{world.bram_loan.id}/collection",
        {"collection_method": "mandate", "mandate_id": str(own.id)},
    )
    page(f"/staff/mandates/{own.id}/revoke", {"reason": "opgezegd"})
    _status, html = page("/staff/audit")
    text = text_of(html)
    for phrase in (
        "Machtiging vastgelegd",
        "Machtiging ingetrokken",
        "Manier van innen van de lening gewijzigd",
        "Manier van innen: per automatische incasso (machtiging) → van de aflossingsrekening",
        "Status van de machtiging: ingetrokken",
    ):
        assert phrase in text, phrase
    assert "repayment_account" not in text and "mandate_status" not in text


def test_amending_or_revoking_an_ended_mandate_says_why(world, login_as, page, mandate_for) -> None:
    login_as("teller")
    ended = mandate_for(world.anna, reference="WB-END")
    page(f"/staff/mandates/{ended.id}/revoke", {"reason": "opgezegd"})
    status, html = page(f"/staff/mandates/{ended.id}/amend", {"new_reference": "WB-END2"})
    assert status == 422
    assert "machtiging WB-END is ingetrokken; alleen een actieve machtiging kan worden gewijzigd" in text_of(
        html
    )
    status, html = page(f"/staff/mandates/{ended.id}/revoke", {"reason": "nogmaals"})
    assert "alleen een actieve machtiging kan worden ingetrokken" in text_of(html)
