"""The screening pages as compliance officers use them, in Dutch: the list loads and an upload, the hit
queue, a hit's page with its four-eyes forms; other staff are refused."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select
from translations.conftest import app, compiled_catalogue  # noqa: F401  (Dutch pages)

from bank.compliance.models import HitStatus, ScreeningHit, ScreeningListLoad
from bank.extensions import db
from compliance import screening_world as world


@pytest.fixture(autouse=True)
def _release_request_sessions(app):  # noqa: F811
    """The app fixture keeps one app context per test: end each request's transaction (SQLite lock)."""
    app.teardown_request(lambda _exc: db.remove())


def _csrf_free(app):  # noqa: F811
    app.config["WTF_CSRF_ENABLED"] = False


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _upload(client, data: bytes, name: str = "lijst.ftm.jsonl", kind: str = "ftm"):
    return client.post(
        "/staff/compliance/lists/upload",
        data={"kind": kind, "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_upload_screen_and_decide_with_four_eyes_in_dutch(app, client, session, login_as, make_user):  # noqa: F811
    _csrf_free(app)
    second = make_user("compliance")
    people = world.members(session)
    ivanova_id = people.ivanova.id
    session.commit()
    login_as("compliance")
    empty = _text(client.get("/staff/compliance/lists"))
    assert "Sanctie- en PEP-lijsten" in empty
    assert "Er is nog geen lijst geladen" in empty

    missing = client.post("/staff/compliance/lists/upload", data={"kind": "ftm"})
    assert missing.status_code == 422
    assert "Kies een lijstbestand om te laden." in _text(missing)
    bad = _upload(client, b"{kapot\n")
    assert bad.status_code == 422
    assert session.scalar(select(func.count()).select_from(ScreeningListLoad)) == 0
    session.rollback()  # let go of SQLite's lock before the next request writes

    loaded = _upload(client, world.LIST_FILE.read_bytes())
    assert loaded.status_code == 302
    page = _text(client.get("/staff/compliance/lists"))
    assert "Lijst geladen: 5 vermeldingen; 5 leden gescreend, 2 nieuwe treffers." in page
    assert "lijst.ftm.jsonl" in page and "actueel" in page
    twice = _upload(client, world.LIST_FILE.read_bytes(), "weer.jsonl")
    assert twice.status_code == 422
    assert "dit bestand is al geladen op" in _text(twice)

    queue = _text(client.get("/staff/compliance/hits"))
    assert "Screeningtreffers" in queue and "Wacht op een besluit" in queue
    assert "Olga Ivanova" in queue and "Dmitri Aleksandrovich Petrov" in queue
    assert "een geboortejaar dat een jaar afwijkt (−10)" in queue

    hit_id = session.scalar(select(ScreeningHit.id).where(ScreeningHit.member_id == ivanova_id))
    session.rollback()
    detail = _text(client.get(f"/staff/compliance/hits/{hit_id}"))
    assert "Het lid zoals gescreend" in detail and "De vermelding op de lijst" in detail
    assert "01-01-1949" in detail and "09-09-1948" in detail
    no_reason = client.post(f"/staff/compliance/hits/{hit_id}/propose-clearing", data={"propose-reason": ""})
    assert no_reason.status_code == 422
    assert "is verplicht: zeg waarom dit niet de vermelde persoon of organisatie is" in _text(no_reason)
    proposed = client.post(
        f"/staff/compliance/hits/{hit_id}/propose-clearing",
        data={"propose-reason": "Geboren in 1949, de vermelde persoon in 1948"},
    )
    assert proposed.status_code == 302
    own = _text(client.get(f"/staff/compliance/hits/{hit_id}"))
    assert "u hebt voorgesteld deze treffer vrij te geven" in own
    refused = client.post(f"/staff/compliance/hits/{hit_id}/clear", data={"clear-note": ""})
    assert refused.status_code == 422
    assert "een tweede medewerker naleving of een beheerder bevestigt het (vier-ogenprincipe)" in _text(
        refused
    )
    session.expire_all()
    assert session.get(ScreeningHit, hit_id).status is HitStatus.CLEARING_PROPOSED
    session.rollback()

    client.post("/logout")
    login_as(user=second)
    cleared = client.post(f"/staff/compliance/hits/{hit_id}/clear", data={"clear-note": "Akkoord"})
    assert cleared.status_code == 302
    session.expire_all()
    assert session.get(ScreeningHit, hit_id).status is HitStatus.CLEARED
    assert "vrijgegeven" in _text(client.get(f"/staff/compliance/hits/{hit_id}"))


def test_other_staff_are_refused(app, client, session, login_as):  # noqa: F811
    login_as("teller")
    for path in ("/staff/compliance/hits", "/staff/compliance/lists", "/staff/compliance/hits/1"):
        assert client.get(path).status_code == 403, path


def test_an_admin_sees_the_pages(app, client, login_as):  # noqa: F811
    login_as("admin")
    assert "Screeningtreffers" in _text(client.get("/staff/compliance/hits"))
    assert client.get("/staff/compliance/lists").status_code == 200
