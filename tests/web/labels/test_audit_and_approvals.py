"""The audit log in phrases with "field: old → new", and approval summaries in the reader's language."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import Flask

from bank import audit
from bank.actor import Actor, system
from bank.extensions import db
from bank.savings import service as savings
from bank.web import labels

from .conftest import page_text

TELLER = Actor(user_id=None, label="balie@example.org", role="teller")


def test_audit_page_reads_actions_as_phrases_and_changes_as_field_old_new(world, client, login_as) -> None:
    with db.unit_of_work(db.new_session()) as s:
        audit.record(
            s,
            system("test"),
            "application.approved",
            "loan_application",
            7,
            before={"status": "on_agenda"},
            after={"status": "approved", "capacity": "committee"},
            detail="3 voor, 0 tegen",
        )
        audit.record(
            s,
            system("test"),
            "loan.prepayment",
            "loan",
            3,
            after={
                "amount": "14429.00",
                "mode": "lower_instalment",
                "on": "2026-06-29",
                "has_conflict": False,
            },
        )
    login_as("admin")
    html = client.get("/staff/audit").get_data(as_text=True)
    text = page_text(html)
    assert "Aanvraag naar status “goedgekeurd”" in text
    assert "kredietaanvraag 7" in text
    assert "Status: op de agenda van de kredietcommissie → goedgekeurd" in text
    assert "als: Lid van de kredietcommissie" in text
    assert "Extra aflossing geboekt" in text
    assert "Bedrag: € 14.429,00" in text
    assert "Datum: 29-06-2026" in text
    assert "belangenverstrengeling: nee" in text
    assert "wijze: lagere termijn" in text
    assert "Lid ingeschreven" in text and "Storting geboekt" in text  # the world's own events
    for code in (
        "application.approved",
        "member.register",
        "booking.deposit",
        "loan_application",
        "on_agenda",
    ):
        assert code not in text
    assert "{'" not in text and '{"' not in text


def test_audit_page_shows_figures_dates_timestamps_and_codes_in_dutch(world, client, login_as) -> None:
    """Pool distributions, reviews, invitations and statement downloads store canonical English values
    (amounts "129.88", checklist codes, ISO timestamps, file paths); the page reads them per locale."""
    with db.unit_of_work(db.new_session()) as s:
        audit.record(
            s,
            system("test"),
            "pool.distribution",
            "pool",
            1,
            after={"margin": "129.88", "distributed": "6171.08", "quarter_end": "2026-09-30"},
        )
        audit.record(
            s,
            system("test"),
            "pool.create",
            "pool",
            2,
            after={"margin_share": "0.25", "purposes": "['coop_startup', 'housing_coop']"},
        )
        audit.record(
            s,
            TELLER,
            "application.review",
            "loan_application",
            7,
            after={"recommended_rate_annual": "0.065", "checklist": "identity_verified,kvk_extract"},
        )
        audit.record(
            s,
            TELLER,
            "portal.invite",
            "member",
            3,
            after={"expires_at": "2026-12-06T06:11:12.397144+00:00"},
        )
        audit.record(
            s,
            TELLER,
            "approval.request.withdrawal",
            "approval",
            4,
            after={"object": "deposit_account:43"},
        )
        audit.record(s, TELLER, "member.register", "member", 20, after={"kind": "person", "language": "nl"})
        audit.record(s, TELLER, "statement.download.loan", "loan", 10, detail="2026-12-03")
        audit.record(
            s, TELLER, "statement.download.stored", "stored_statement", 585, detail="2026-11/10000229-a2.pdf"
        )
        audit.record(
            s, TELLER, "statement.download.account", "deposit_account", 43, detail="2026-10-01 – 2026-10-31"
        )
    login_as("admin")
    text = page_text(client.get("/staff/audit").get_data(as_text=True))
    assert "marge: € 129,88" in text
    assert "uitgekeerd: € 6.171,08" in text
    assert "einde kwartaal: 30-09-2026" in text
    assert "margeaandeel: 25,00 %" in text.replace("\u00a0", " ")
    assert "Doelen: Start van een coöperatie, Wooncoöperatie" in text
    assert "Geadviseerde rente: 6,50 %" in text.replace("\u00a0", " ")
    assert "Checklist: identiteit gecontroleerd, KvK-uittreksel" in text
    assert "verloopt op: 06-12-2026 07:11" in text  # the bank's time (Amsterdam), not UTC
    assert "Object: rekening 43" in text
    assert "03-12-2026" in text
    assert "opgeslagen afschrift 585" in text and "november 2026 (bestand 10000229-a2.pdf)" in text
    assert "01-10-2026 t/m 31-10-2026" in text
    assert "Soort: persoon" in text and "Taal: Nederlands" in text
    for raw in (
        "129.88",
        "6171.08",
        "2026-09-30",
        "0.25",
        "coop_startup",
        "identity_verified",
        "2026-12-06T",
        "deposit_account",
        "2026-12-03",
        "2026-11/",
        "stored_statement",
        "2026-10-01",
        "Soort: person",
        "Taal: nl",
    ):
        assert raw not in text


def test_withdrawal_waiting_for_approval_reads_in_dutch_with_dutch_amounts(world, client, login_as) -> None:
    with db.unit_of_work(db.new_session()) as s:
        account = savings.get_account(s, world.anna_account.id)
        outcome = savings.withdraw(
            s,
            account,
            Decimal("1000.00"),
            key="labels-w1",
            actor=TELLER,
            approval_threshold=Decimal("500.00"),
        )
        assert outcome.approval is not None
        stored = outcome.approval.summary
    assert stored.startswith("Withdrawal of EUR 1,000.00 from ")
    login_as("admin")
    text = page_text(client.get("/staff/approvals").get_data(as_text=True))
    assert f"Opname van € 1.000,00 van rekening {world.anna_account.formatted_number} (" in text
    assert ") naar NL91 ABNA 0417 1643 00" in text
    assert "Withdrawal of EUR" not in text


def test_disbursement_and_write_off_summaries_by_pattern(app: Flask) -> None:
    with app.test_request_context():
        assert labels.approval_summary(
            "Disbursement of KA-2025-0001: 35,000.00 to Bakkerij De Korenschoof on 2026-11-13"
        ) == ("Uitbetaling van KA-2025-0001: €\xa035.000,00 aan Bakkerij De Korenschoof op 13-11-2026")
        assert labels.approval_summary("Write-off of loan WL-2026-0002 (16726.93): Faillissement") == (
            "Afboeking lening WL-2026-0002 (€\xa016.726,93): Faillissement"
        )
        assert labels.approval_summary("Iets wat een mens typte") == "Iets wat een mens typte"


def test_every_audit_action_the_code_records_has_a_phrase() -> None:
    """An action written in the code as a literal string must be in AUDIT_ACTIONS (or a pattern)."""
    import pathlib
    import re

    root = pathlib.Path(__file__).resolve().parents[3] / "bank"
    literal = re.compile(r"record\(\s*[\w.]+,\s*[\w.()\"]+,\s*\"([a-z_]+(?:\.[a-z_]+)*)\"", re.S)
    found = set()
    for path in root.rglob("*.py"):
        found |= set(literal.findall(path.read_text()))
    assert len(found) > 30
    assert sorted(found - set(labels.AUDIT_ACTIONS)) == []


def test_dates_in_memo_params_use_the_locale(app: Flask) -> None:
    with app.test_request_context():
        assert labels.audit_changes(
            {"on": "2026-01-02"}, {"on": dt.date(2026, 1, 3).isoformat()}, "loan"
        ) == ["Datum: 02-01-2026 → 03-01-2026"]


def test_audit_details_written_by_the_services_read_in_dutch(app: Flask) -> None:
    with app.test_request_context():
        assert labels.audit_detail("offer valid until 2026-11-07 was not taken up") == (
            "aanbod geldig tot 07-11-2026 is niet benut"
        )
        assert labels.audit_detail("agenda of 2026-01-06") != "agenda of 2026-01-06"
        assert labels.audit_detail("Naar eigen rekening · to NL68BUNQ3423372214") == (
            "Naar eigen rekening · naar NL68 BUNQ 3423 3722 14"
        )
        assert labels.audit_detail("2026-10-01 to 2026-10-31") == "01-10-2026 t/m 31-10-2026"
        assert labels.audit_detail("Kopie ontvangen en in het dossier gelegd.") == (
            "Kopie ontvangen en in het dossier gelegd."
        )
