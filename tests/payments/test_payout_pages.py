"""The payout pages in Dutch (and English): orders waiting, preparing a date's batch, release by a
second teller above the limit (not by the one who prepared it), the download, a payment that
came back; on a phone the lists are stacked tables."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from decimal import Decimal

import pytest
from conftest import PASSWORD
from flask import Flask
from flask_babel import refresh
from savings import factories
from sqlalchemy import select
from translations.conftest import DutchTestConfig, compiled_catalogue  # noqa: F401  (compiles the .mo)

from bank import clock, create_app
from bank.extensions import db
from bank.payment_orders.models import OrderState, PaymentOrder
from bank.payments.payout_models import PayoutBatch, PayoutBatchState
from bank.savings import service as savings


@pytest.fixture
def app(database_url: str, tmp_path) -> Iterator[Flask]:
    """The shared app with the real Dutch catalogue, Dutch by default, as in production."""
    application = create_app(
        DutchTestConfig(database_url=database_url, instance_path=str(tmp_path / "instance"))
    )
    application.config["WTF_CSRF_ENABLED"] = False
    application.config["PAYMENTS_PAYOUT_FOUR_EYES_LIMIT"] = Decimal("1000.00")
    application.teardown_request(lambda _exc: db.remove())
    with application.app_context():
        yield application
    db.remove()
    if db.engine is not None:
        db.engine.dispose()


@pytest.fixture
def ordered(app) -> list[int]:
    """Two withdrawals of Anna (700,00 and 450,50: 1 150,50 together, above the limit)."""
    with db.unit_of_work(db.new_session()) as s:
        anna = factories.member(s, first_name="Anna", last_name="de Vries", iban="NL02ABNA0123456789")
        account = factories.account(s, anna, factories.product(s))
        factories.deposit(s, account, "2000.00", clock.today())
        for key, amount in (("p1", "700.00"), ("p2", "450.50")):
            savings.withdraw(s, account, amount, key=key, actor=factories.TELLER, approval_threshold=None)
        return [o.id for o in s.scalars(select(PaymentOrder).order_by(PaymentOrder.id))]


def test_prepare_release_by_a_second_teller_and_download_in_dutch(app, client, login_as, make_user, ordered):
    preparer = login_as("teller")
    refresh()
    page = client.get("/staff/payouts").get_data(as_text=True)
    assert "Betaalopdrachten" in page and "Wachtend en onderweg" in page
    assert "Anna de Vries" in page and "€\xa0700,00" in page and "opgedragen" in page
    assert 'class="data stacked"' in page
    response = client.post("/staff/payouts/prepare", data={"execution_on": clock.today().isoformat()})
    assert response.status_code == 302
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Uitbetalingsbatch WBP-" in detail and "wacht op vrijgave" in detail and "€\xa01.150,50" in detail
    assert "Batch vrijgeven" not in detail  # the preparer sees why, not the button
    assert "een andere medewerker dan degene die hem klaarzette" in detail
    with db.unit_of_work(db.new_session()) as s:
        batch = s.scalars(select(PayoutBatch)).one()
        batch_id = batch.id
        assert batch.created_by_id == preparer.id and batch.state is PayoutBatchState.PREPARED
    # Neither release nor download by the preparer.
    refused = client.post(f"/staff/payouts/batches/{batch_id}/release", follow_redirects=True)
    assert "moet worden vrijgegeven door een andere medewerker" in refused.get_data(as_text=True)
    not_yet = client.post(f"/staff/payouts/batches/{batch_id}/download", follow_redirects=True)
    assert "een tweede medewerker moet hem vrijgeven" in not_yet.get_data(as_text=True)

    client.get("/logout")
    login_as("teller")
    detail = client.get(f"/staff/payouts/batches/{batch_id}").get_data(as_text=True)
    assert "Batch vrijgeven" in detail
    released = client.post(f"/staff/payouts/batches/{batch_id}/release", follow_redirects=True)
    assert "Batch vrijgegeven" in released.get_data(as_text=True)
    download = client.post(f"/staff/payouts/batches/{batch_id}/download")
    assert download.status_code == 200 and download.mimetype == "application/xml"
    with db.unit_of_work(db.new_session()) as s:
        batch = s.get(PayoutBatch, batch_id)
        assert download.data == batch.xml_bytes
        assert hashlib.sha256(download.data).hexdigest() == batch.sha256
        assert batch.state is PayoutBatchState.EXPORTED
        assert {item.order.state for item in batch.items} == {OrderState.EXPORTED}

    # The first transfer comes back: staff record it with its reason code.
    bad = client.post(f"/staff/payouts/orders/{ordered[0]}/reject", data={"reason_code": "zz"},
                      follow_redirects=True)  # fmt: skip
    assert "Redencode: moet een ISO-redencode van vier letters of cijfers zijn" in bad.get_data(as_text=True)
    back = client.post(
        f"/staff/payouts/orders/{ordered[0]}/reject",
        data={"reason_code": "AC04", "batch_id": str(batch_id)},
        follow_redirects=True,
    )
    assert "Betaling vastgelegd als teruggekomen" in back.get_data(as_text=True)
    overview = client.get("/staff/payouts").get_data(as_text=True)
    assert "Teruggekomen" in overview and "de rekening is opgeheven (AC04)" in overview
    settled = client.post(f"/staff/payouts/orders/{ordered[1]}/settle", follow_redirects=True)
    assert "Betaling vastgelegd als afgeschreven" in settled.get_data(as_text=True)
    with db.unit_of_work(db.new_session()) as s:
        states = [s.get(PaymentOrder, order_id).state for order_id in ordered]
    assert states == [OrderState.REJECTED, OrderState.SETTLED]


def test_a_past_date_is_refused_next_to_the_field_and_the_page_reads_in_english(
    app, client, login_as, make_user, ordered
):
    login_as("teller")
    refresh()
    response = client.post("/staff/payouts/prepare", data={"execution_on": "2020-01-01"})
    assert response.status_code == 422
    assert "mag niet in het verleden liggen" in response.get_data(as_text=True)
    with db.unit_of_work(db.new_session()) as s:
        assert s.scalar(select(PayoutBatch)) is None
    english = app.test_client()
    user = make_user("teller", language="en")
    assert english.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
    english.post("/lang/en")
    refresh()  # the test's app context keeps the locale it chose first
    page = english.get("/staff/payouts").get_data(as_text=True)
    assert "Payment orders" in page and "Waiting and on their way" in page


def test_a_credit_officer_sees_the_orders_but_cannot_prepare(app, client, login_as, ordered):
    login_as("credit_officer")
    page = client.get("/staff/payouts").get_data(as_text=True)
    assert "Batch klaarzetten" not in page and "Prepare batch" not in page
    assert client.post("/staff/payouts/prepare", data={}).status_code == 403
