"""The collection batches in the back office (in Dutch) and ``bank payments collections --date D``."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.cli import ScriptInfo
from flask_babel import refresh
from sqlalchemy import select
from translations.conftest import DutchTestConfig, compiled_catalogue  # noqa: F401  (compiles the .mo)

from bank import clock, create_app
from bank.cli import cli
from bank.extensions import db
from bank.loans.models import Instalment, Loan
from bank.members.models import Member
from bank.payments import mandates
from bank.payments.batch_models import BatchState, PaymentBatch
from bank.payments.collections import PRE_NOTIFICATION_DAYS

from .conftest import TELLER, register


@pytest.fixture
def app(database_url: str, tmp_path) -> Iterator[Flask]:
    """The shared app with the real Dutch catalogue, Dutch by default, as in production."""
    application = create_app(
        DutchTestConfig(database_url=database_url, instance_path=str(tmp_path / "instance"))
    )
    # End each request's scoped session after the request, as a real server would.
    application.teardown_request(lambda _exc: db.remove())
    with application.app_context():
        yield application
    db.remove()
    if db.engine is not None:
        db.engine.dispose()


@pytest.fixture
def collected(world, app):
    """Both loans of the portal's world collected by mandate; the first due date 14+ days ahead."""
    with db.unit_of_work(db.new_session()) as s:
        upload = app.config["UPLOAD_DIR"]
        coop_loan = s.get(Loan, world.coop_loan.id)
        bram_loan = s.get(Loan, world.bram_loan.id)
        coop_mandate = register(s, s.get(Member, world.coop.id), upload, reference="WB-COOP-P")
        bram_mandate = register(s, s.get(Member, world.bram.id), upload, reference="WB-BRAM-P")
        mandates.set_collection_method(s, coop_loan, "mandate", actor=TELLER, mandate=coop_mandate)
        mandates.set_collection_method(s, bram_loan, "mandate", actor=TELLER, mandate=bram_mandate)
        earliest = clock.today() + dt.timedelta(days=PRE_NOTIFICATION_DAYS)
        on = s.scalars(
            select(Instalment.due_on)
            .where(Instalment.loan_id == bram_loan.id, Instalment.due_on >= earliest)
            .order_by(Instalment.due_on)
        ).first()
        coop_due = s.scalars(
            select(Instalment).where(Instalment.loan_id == coop_loan.id, Instalment.due_on == on)
        ).first()
        bram_due = s.scalars(
            select(Instalment).where(Instalment.loan_id == bram_loan.id, Instalment.due_on == on)
        ).one()
        total = bram_due.outstanding + (coop_due.outstanding if coop_due is not None else 0)
    assert on is not None, "the portal world's loans run long enough for a date 14 days ahead"
    return {"on": on, "total": total}


def _dutch_amount(amount) -> str:
    return f"{amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")


def test_a_credit_officer_prepares_a_batch_sees_it_in_dutch_and_downloads_it(
    app, client, login_as, collected
):
    app.config["WTF_CSRF_ENABLED"] = False
    login_as("credit_officer")
    refresh()
    listing = client.get("/staff/collections")
    page = listing.get_data(as_text=True)
    assert listing.status_code == 200
    assert "Incassobatches" in page and "Er is nog geen incassobatch aangemaakt." in page
    on = collected["on"]
    response = client.post("/staff/collections/prepare", data={"collection_on": on.isoformat()})
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Incassobatch WBC-" in detail and "aangemaakt" in detail and "eerste (FRST)" in detail
    assert (
        f"€\xa0{_dutch_amount(collected['total'])}" in detail
        or f"€ {_dutch_amount(collected['total'])}" in detail
    )
    listing = client.get("/staff/collections").get_data(as_text=True)
    assert f"WBC-{on:%Y%m%d}-CORE-1" in listing and "aangemaakt" in listing
    with db.unit_of_work(db.new_session()) as s:
        batch = s.scalars(select(PaymentBatch)).one()
        batch_id, stored = batch.id, batch.xml_bytes
    download = client.post(f"/staff/collections/{batch_id}/download")
    assert download.status_code == 200
    assert download.mimetype == "application/xml"
    assert download.data == stored
    assert download.headers["Content-Disposition"] == f'attachment; filename="WBC-{on:%Y%m%d}-CORE-1.xml"'
    with db.unit_of_work(db.new_session()) as s:
        batch = s.get(PaymentBatch, batch_id)
        assert batch.state is BatchState.EXPORTED
        assert hashlib.sha256(download.data).hexdigest() == batch.sha256
    # Again for the same date: nothing more, and the page says so.
    again = client.post(
        "/staff/collections/prepare", data={"collection_on": on.isoformat()}, follow_redirects=True
    )
    assert "Niets meer aan te maken voor" in again.get_data(as_text=True)


def test_a_date_too_soon_is_refused_next_to_the_field_in_dutch(app, client, login_as, collected):
    app.config["WTF_CSRF_ENABLED"] = False
    login_as("credit_officer")
    refresh()
    too_soon = clock.today() + dt.timedelta(days=PRE_NOTIFICATION_DAYS - 1)
    response = client.post("/staff/collections/prepare", data={"collection_on": too_soon.isoformat()})
    assert response.status_code == 422
    assert "moet minstens 14 dagen vooruit liggen" in response.get_data(as_text=True)
    with db.unit_of_work(db.new_session()) as s:
        assert s.scalar(select(PaymentBatch)) is None


def test_a_teller_sees_the_batches_but_cannot_prepare_or_download(app, client, login_as, collected):
    login_as("teller")
    page = client.get("/staff/collections").get_data(as_text=True)
    assert "Batch aanmaken" not in page
    assert client.post("/staff/collections/prepare", data={}).status_code == 403


@pytest.fixture
def run(app):
    runner = app.test_cli_runner()

    def invoke(*args: str):
        return runner.invoke(cli, list(args), obj=ScriptInfo(create_app=lambda: app))

    return invoke


def test_the_command_prepares_stores_and_says_what_and_where(run, collected):
    on = collected["on"]
    done = run("payments", "collections", "--date", on.isoformat())
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()
    assert lines[0].startswith(f"prepared batch WBC-{on:%Y%m%d}-CORE-1 (id ")
    assert f"{collected['total']:.2f} EUR, prepared, sha256 " in lines[0]
    assert "/staff/collections/" in lines[0]
    assert lines[-1] == "2 pre-notifications queued in the outbox"
    with db.unit_of_work(db.new_session()) as s:
        batch = s.scalars(select(PaymentBatch)).one()
        assert batch.sha256 in lines[0] and hashlib.sha256(batch.xml_bytes).hexdigest() == batch.sha256
    again = run("payments", "collections", "--date", on.isoformat())
    assert again.exit_code == 0
    assert again.output.splitlines()[0] == (
        f"nothing more to prepare for {on.isoformat()}: every instalment due by mandate is in a batch"
    )


def test_the_command_refuses_a_date_too_soon_with_the_rule(run, collected):
    too_soon = clock.today() + dt.timedelta(days=3)
    done = run("payments", "collections", "--date", too_soon.isoformat())
    assert done.exit_code == 2
    assert "must be at least 14 days ahead" in done.output


PAIN_08 = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"


def test_the_form_offers_pain_008_001_08_and_the_batch_records_it(app, client, login_as, collected):
    app.config["WTF_CSRF_ENABLED"] = False
    login_as("credit_officer")
    refresh()
    page = client.get("/staff/collections").get_data(as_text=True)
    assert "Bestandsformaat" in page
    assert '<option selected value="pain.008.001.02">' in page and '<option value="pain.008.001.08">' in page
    on = collected["on"]
    response = client.post(
        "/staff/collections/prepare", data={"collection_on": on.isoformat(), "version": "pain.008.001.08"}
    )
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "pain.008.001.08 · " in detail
    with db.unit_of_work(db.new_session()) as s:
        batch = s.scalars(select(PaymentBatch)).one()
        assert batch.pain_version == "pain.008.001.08"
        assert f'xmlns="{PAIN_08}"'.encode() in batch.xml_bytes[:300]
        batch_id, stored = batch.id, batch.xml_bytes
    listing = client.get("/staff/collections").get_data(as_text=True)
    assert '<td data-label="Bestandsformaat">pain.008.001.08</td>' in listing
    # The download checks the stored bytes against the .08 schema they were built for.
    download = client.post(f"/staff/collections/{batch_id}/download")
    assert download.status_code == 200 and download.data == stored


def test_an_unknown_format_is_refused_next_to_the_field_and_nothing_is_stored(
    app, client, login_as, collected
):
    app.config["WTF_CSRF_ENABLED"] = False
    login_as("credit_officer")
    refresh()
    response = client.post(
        "/staff/collections/prepare",
        data={"collection_on": collected["on"].isoformat(), "version": "pain.008.001.99"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "moet een van deze zijn: pain.008.001.02, pain.008.001.08" in page
    with db.unit_of_work(db.new_session()) as s:
        assert s.scalar(select(PaymentBatch)) is None


def test_the_command_prepares_in_the_format_asked_and_refuses_another(run, collected):
    on = collected["on"]
    refused = run("payments", "collections", "--date", on.isoformat(), "--format", "pain.008.001.03")
    assert refused.exit_code == 2
    assert "pain.008.001.02" in refused.output and "pain.008.001.08" in refused.output
    with db.unit_of_work(db.new_session()) as s:
        assert s.scalar(select(PaymentBatch)) is None
    done = run("payments", "collections", "--date", on.isoformat(), "--format", "pain.008.001.08")
    assert done.exit_code == 0, done.output
    assert ", core, pain.008.001.08): " in done.output.splitlines()[0]
    with db.unit_of_work(db.new_session()) as s:
        batch = s.scalars(select(PaymentBatch)).one()
        assert batch.pain_version == "pain.008.001.08"
        assert f'xmlns="{PAIN_08}"'.encode() in batch.xml_bytes[:300]
