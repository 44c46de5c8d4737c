"""``bank mandates list | add | revoke``: one transaction each, a table or JSON, one-line errors."""

from __future__ import annotations

import json

import pytest
from flask.cli import ScriptInfo
from sqlalchemy import select

from bank.cli import cli
from bank.loans.models import CollectionMethod, Loan
from bank.payments import mandates
from bank.payments.models import Mandate, MandateStatus

from .conftest import SIGNED_PDF, TELLER


@pytest.fixture
def run(app, session):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        session.commit()  # SQLite: the test's session must not hold a read lock while the command writes
        result = runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))
        session.expire_all()
        return result

    return invoke


def test_add_list_and_revoke_from_the_command_line(run, session, world, tmp_path) -> None:
    signed = tmp_path / "machtiging.pdf"
    signed.write_bytes(SIGNED_PDF)
    coop_number = str(world.coop.number)
    result = run(
        "mandates", "add", "--member", coop_number, "--reference", "WB-CLI-1", "--iban", "NL91ABNA0417164300",
        "--scheme", "b2b", "--signed-on", "2026-11-02", "--document", str(signed),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"mandate WB-CLI-1 (b2b) registered for member {coop_number}"
    added = session.scalar(select(Mandate).where(Mandate.reference == "WB-CLI-1"))
    assert added is not None and added.bic == "ABNANL2A" and added.debtor_name.startswith("Bakkerij")
    loan = session.get(Loan, world.coop_loan.id)
    mandates.set_collection_method(session, loan, CollectionMethod.MANDATE, actor=TELLER, mandate=added)

    table = run("mandates", "list")
    assert table.exit_code == 0
    lines = table.output.splitlines()
    assert lines[0].split()[:4] == ["Reference", "Member", "Scheme", "Status"]
    assert lines[-1] == "2 mandate(s)"
    assert any(line.startswith("WB-CLI-1") and " b2b " in line and " active " in line for line in lines)

    listed = json.loads(run("mandates", "list", "--json", "--status", "active").output)
    assert [(m["reference"], m["scheme"], m["sequence"]) for m in listed["mandates"]] == [
        ("WB-CLI-1", "b2b", "FRST"),
        ("WB-BRAM-GEHEIM", "core", "FRST"),
    ]
    assert (
        listed["mandates"][0]["iban"] == "NL91ABNA0417164300" and listed["mandates"][0]["revoked_on"] is None
    )

    revoked = run("mandates", "revoke", "WB-CLI-1", "--reason", "opgezegd per brief", "--date", "2026-12-01")
    assert revoked.exit_code == 0, revoked.output
    assert revoked.output.strip() == (
        f"mandate WB-CLI-1 revoked on 2026-12-01; loans {world.coop_loan.number} are collected from their"
        " repayment accounts again"
    )
    session.refresh(added)
    assert (added.status, added.revoked_reason) == (MandateStatus.REVOKED, "opgezegd per brief")
    assert session.get(Loan, world.coop_loan.id).collection_method is CollectionMethod.REPAYMENT_ACCOUNT
    only_revoked = json.loads(run("mandates", "list", "--json", "--status", "revoked").output)
    assert [m["reference"] for m in only_revoked["mandates"]] == ["WB-CLI-1"]


def test_refusals_name_the_option_and_write_nothing(run, session, world, tmp_path) -> None:
    signed = tmp_path / "machtiging.pdf"
    signed.write_bytes(SIGNED_PDF)
    result = run(
        "mandates", "add", "--member", str(world.anna.number), "--reference", "WB-CLI-2",
        "--iban", "NL91ABNA0417164301", "--scheme", "b2b", "--document", str(signed),
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--scheme B2B is only for organisations; a person signs a Core mandate" in result.output
    assert "--iban is not a valid IBAN (the check digits do not match)" in result.output
    assert session.scalar(select(Mandate).where(Mandate.reference == "WB-CLI-2")) is None
    missing = run("mandates", "revoke", "WB-NOPE", "--reason", "x")
    assert missing.exit_code == 2 and "--reference no mandate with reference 'WB-NOPE'" in missing.output
    twice = run("mandates", "revoke", "WB-BRAM-GEHEIM", "--reason", "a")
    assert twice.exit_code == 0
    again = run("mandates", "revoke", "WB-BRAM-GEHEIM", "--reason", "b")
    assert again.exit_code == 2
    assert "mandate WB-BRAM-GEHEIM is revoked; only an active mandate can be revoked" in again.output
