"""The demo's arrears follow-up (issue 16): letters sent by the year's close days, a case with a
kept and a broken promise, a case open today, and the pages the crawl reaches for them."""

from __future__ import annotations

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


def test_the_years_close_days_sent_the_ladder(demo: Demo) -> None:
    kinds = {kind for (kind,) in _rows(demo, "SELECT DISTINCT kind FROM reminder_letters")}
    assert {"reminder", "second_reminder", "notice_of_default", "handover"} <= kinds
    # One letter per kind and episode, each announced through the outbox.
    assert _rows(demo, "SELECT count(*) FROM reminder_letters WHERE outbox_message_id IS NULL") == [(0,)]


def test_one_case_has_a_kept_and_a_broken_promise_an_owner_and_contacts(demo: Demo) -> None:
    statuses: dict[tuple[int, int | None], set[str]] = {}
    for case_id, owner_id, status in _rows(
        demo,
        "SELECT c.id, c.owner_id, p.status FROM collection_cases c"
        " JOIN payment_promises p ON p.case_id = c.id",
    ):
        statuses.setdefault((case_id, owner_id), set()).add(status)
    both = [key for key, found in statuses.items() if {"kept", "broken"} <= found]
    assert len(both) == 1
    case_id, owner_id = both[0]
    assert owner_id is not None
    assert _rows(demo, f"SELECT count(*) FROM collection_contacts WHERE case_id = {case_id}")[0][0] >= 2
    # A case is open today with a promise still to be checked.
    assert _rows(demo, "SELECT count(*) FROM payment_promises WHERE status = 'pending'")[0][0] >= 1


def test_the_crawl_reaches_the_follow_up_pages(crawl_result: crawl.CrawlResult) -> None:
    covered = crawl_result.reached | crawl_result.offered
    for endpoint in (
        "staff.collection_cases",
        "staff.collection_case",
        "staff.reminder_letter",
        "staff.edit_reminder_ladder",
        "staff.collection_case_contact",
        "staff.collection_case_promise",
        "portal.reminder_letter",
    ):
        assert endpoint in covered, endpoint
