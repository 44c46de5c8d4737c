"""The demo's privacy (issue 17): a withdrawn applicant anonymised by the retention run after
yesterday's close, another's request to be forgotten answered; and the pages the crawl reaches."""

from __future__ import annotations

import json

from sqlalchemy import create_engine, text

from bench import crawl

from .conftest import Demo


def _rows(demo: Demo, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    engine = create_engine(demo.url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


def _json(value: object) -> object:
    """A JSON column: text on SQLite, already read on PostgreSQL."""
    return json.loads(value) if isinstance(value, str) else value


def test_one_withdrawn_applicant_is_anonymised_by_the_retention_run(demo: Demo) -> None:
    erased = _rows(
        demo,
        "SELECT m.number, m.display_name, m.first_name, m.email, m.phone, m.street, m.postcode, e.run_id"
        " FROM erasures e JOIN members m ON m.id = e.member_id",
    )
    assert len(erased) == 1
    number, display_name, first_name, email, phone, street, postcode, run_id = erased[0]
    assert (display_name, first_name, email, phone, street) == (f"#{number}", None, None, None, "")
    assert postcode == "1092"
    assert _rows(demo, f"SELECT job, status, items_done FROM runs WHERE id = {run_id}") == [
        ("retention", "completed", 1)
    ]


def test_requests_to_erase_are_answered_with_what_is_kept_until_when(demo: Demo) -> None:
    answered = _rows(
        demo, "SELECT channel, answer, erasable_on, erased_now FROM erasure_requests ORDER BY id"
    )
    assert [row[0] for row in answered] == ["staff", "portal"]
    (_, former_answer, erasable_on, erased_now), member_row = answered
    _, member_answer, member_erasable_on, member_erased = member_row
    assert [item["law"] for item in _json(former_answer)] == ["wwft", "tax", "none"]
    assert all(item["kept_until"] for item in _json(former_answer))
    assert erasable_on is not None and "everything" not in _json(erased_now)
    # A member still a member: every period waits for the end of the membership; nothing erased.
    assert [item["kept_until"] for item in _json(member_answer)] == [None, None, None]
    assert member_erasable_on is None and _json(member_erased) == []


def test_the_crawl_reaches_the_privacy_pages(crawl_result: crawl.CrawlResult) -> None:
    covered = crawl_result.reached | crawl_result.offered
    for endpoint in (
        "staff.privacy_overview",
        "staff.erasure_request",
        "staff.record_erasure_request",
        "portal.request_erasure",
        "portal.erasure_answer",
    ):
        assert endpoint in covered, endpoint
