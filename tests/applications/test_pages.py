"""The application pages through the test client: the portal journey, documents, and who sees what."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from sqlalchemy import select

from bank.applications.models import ApplicationStatus as S
from bank.applications.models import Attachment, LoanApplication
from bank.extensions import db
from bank.web.application_forms import DRAFT_AMOUNTS

from .helpers import coop_data, pdf_bytes, submitted_coop


def _stored(application_id: int) -> LoanApplication:
    """The application as stored now, read in a short session of its own (no lock kept)."""
    with db.new_session() as fresh:
        application = fresh.get(LoanApplication, application_id)
        fresh.expunge(application)
        return application


def _dutch(amount: str) -> str:
    """A canonical amount as a Dutch page takes it ("30000.00" → "30.000,00")."""
    return format_decimal(Decimal(amount), format="#,##0.00", locale="nl")


def _form(data: dict) -> dict:
    """coop_data as posted form fields, amounts typed the Dutch way (the page's language)."""
    form = {k: (_dutch(v) if k in DRAFT_AMOUNTS and v else v) for k, v in data.items() if k != "cost_lines"}
    for index, (description, amount) in enumerate(data["cost_lines"], start=1):
        form[f"cost_description_{index}"] = description
        form[f"cost_amount_{index}"] = _dutch(amount)
    return form


@pytest.fixture
def anna_login(client, login_as, make_user, world):
    def login():
        return login_as(user=make_user("member", member_id=world.anna.id, email="anna.portal@example.org"))

    return login


def test_a_representative_applies_for_the_coop_in_the_portal(client, session, world, anna_login, app):
    anna_login()
    page = client.get("/portal/applications/new")
    assert page.status_code == 200 and "Bakkerij De Korenschoof" in page.get_data(as_text=True)
    response = client.post(
        "/portal/applications/new",
        data={"applicant_id": world.bakery.id, "product_id": world.coop_product.id},
    )
    assert response.status_code == 302
    application = session.scalars(select(LoanApplication)).one()
    session.commit()  # end the read: SQLite lets one writer in, and the app must write
    url = f"/portal/applications/{application.id}"
    # Bad input: the amount is outside the product's bounds; shown beside the field, nothing saved.
    bad = client.post(url, data=_form(coop_data(world, amount="90000")))
    assert bad.status_code == 422
    # The page formats the product's bounds for its reader (Dutch here; the catalogue is not loaded).
    assert "must be between €\u00a05.000,00 and €\u00a075.000,00" in bad.get_data(as_text=True)
    assert _stored(application.id).amount is None
    saved = client.post(url, data=_form(coop_data(world)), follow_redirects=True)
    html = saved.get_data(as_text=True)
    assert saved.status_code == 200
    assert "579,98" in html or "579.98" in html  # the schedule preview before submitting
    # Upload a business plan, then download it again.
    upload = client.post(
        f"{url}/attachments",
        data={"kind": "business_plan", "file": (io.BytesIO(pdf_bytes()), "ondernemingsplan.pdf")},
        content_type="multipart/form-data",
    )
    assert upload.status_code == 302
    attachment = session.scalars(select(Attachment)).one()
    session.commit()
    download = client.get(f"{url}/attachments/{attachment.id}")
    assert download.status_code == 200 and download.data == pdf_bytes()
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    # A disguised program is refused with the reason.
    refused = client.post(
        f"{url}/attachments",
        data={"kind": "other", "file": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 64), "plan.pdf")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "program or script" in refused.get_data(as_text=True)
    submitted = client.post(f"{url}/submit", follow_redirects=True)
    assert submitted.status_code == 200
    assert _stored(application.id).status is S.SUBMITTED
    listing = client.get("/portal/applications").get_data(as_text=True)
    assert application.number in listing


def test_another_member_gets_404_for_everything_of_the_coop(client, session, world, login_as, make_user, app):
    application = submitted_coop(session, world)
    from bank.applications import attachments

    stored = attachments.store_attachment(
        session,
        application,
        filename="plan.pdf",
        content=pdf_bytes(),
        kind="business_plan",
        upload_dir=app.config["UPLOAD_DIR"],
        actor=world.anna_actor,
    )
    session.commit()
    login_as(user=make_user("member", member_id=world.bram.id, email="bram.portal@example.org"))
    base = f"/portal/applications/{application.id}"
    for url in (base, f"{base}/attachments/{stored.id}", f"{base}/letter.pdf"):
        assert client.get(url).status_code == 404, url
    for url in (base, f"{base}/submit", f"{base}/withdraw", f"{base}/attachments"):
        assert client.post(url, data={"amount": "6000"}).status_code == 404, url
    assert application.number not in client.get("/portal/applications").get_data(as_text=True)
    # Applying for an organisation one does not represent is refused.
    response = client.post(
        "/portal/applications/new",
        data={"applicant_id": world.bakery.id, "product_id": world.coop_product.id},
    )
    assert response.status_code == 422
    assert _stored(application.id).status is S.SUBMITTED


@pytest.mark.parametrize(
    ("role", "url", "expected"),
    [
        ("teller", "/committee/", 403),
        ("credit_officer", "/committee/", 403),
        ("committee", "/committee/", 200),
        ("admin", "/committee/", 200),
        ("committee", "/staff/applications", 403),
        ("teller", "/staff/applications", 200),
        ("teller", "/portal/applications", 403),
        ("committee", "/staff/outbox", 403),
        ("admin", "/staff/outbox", 200),
    ],
)
def test_access_by_role(client, login_as, role, url, expected):
    login_as(role)
    assert client.get(url).status_code == expected


def test_staff_enter_a_walk_in_application_and_the_officer_reviews_it(
    client, session, world, login_as, make_user
):
    officer = make_user("credit_officer")
    login_as(user=officer)
    response = client.post(
        "/staff/applications/new",
        data={"member_number": world.bakery.number, "product_id": world.coop_product.id},
    )
    assert response.status_code == 302
    application = session.scalars(select(LoanApplication)).one()
    session.commit()  # end the read: SQLite lets one writer in, and the app must write
    edit = f"/staff/applications/{application.id}/edit"
    assert client.post(edit, data=_form(coop_data(world))).status_code == 302
    # Cost lines that don't add up are named on submit; nothing changes.
    client.post(edit, data=_form(coop_data(world, own_contribution="1000.00")))
    page = client.post(f"/staff/applications/{application.id}/move/submitted", follow_redirects=True)
    assert "must equal the amount plus the own contribution" in page.get_data(as_text=True)
    client.post(edit, data=_form(coop_data(world)))
    client.post(f"/staff/applications/{application.id}/move/submitted")
    client.post(f"/staff/applications/{application.id}/move/in_review")
    stored = _stored(application.id)
    assert stored.status is S.IN_REVIEW and stored.reviewer_id == officer.id
    bad = client.post(f"/staff/applications/{application.id}/review", data={"risk_grade": "F"})
    assert bad.status_code == 422 and "must be one of A, B, C, D, E" in bad.get_data(as_text=True)
    ok = client.post(
        f"/staff/applications/{application.id}/review",
        data={
            "checklist": ["identity_verified", "kvk_extract", "statutes", "financials"],
            "risk_grade": "B",
            "recommended_amount": "30000",
            "recommended_term_months": "60",
            "recommended_rate_annual": "6",
            "proposed_conditions": "Statutes registered",
        },
    )
    assert ok.status_code == 302
    detail = client.get(f"/staff/applications/{application.id}").get_data(as_text=True)
    assert "Put on the agenda" in detail or "agenda" in detail
    assert re.search(r"KA-\d{4}-0001", detail)
    db.remove()
