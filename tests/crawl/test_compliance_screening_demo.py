"""The demo's screening (issue 17): a made-up list loaded, one hit cleared by two compliance officers,
one sanctions match confirmed (the member's accounts frozen), one hit open, one clearing proposed
and waiting for the second officer; and the pages the crawl reaches for them."""

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


def test_one_list_is_loaded_and_four_members_are_hit(demo: Demo) -> None:
    assert _rows(demo, "SELECT kind, entry_count, is_current FROM screening_list_loads") == [("ftm", 30, 1)]
    hits = _rows(
        demo,
        "SELECT subject_name, status, is_sanction, is_pep FROM screening_hits ORDER BY subject_name",
    )
    assert hits == [
        ("Henrietta Bloemwater", "cleared", 0, 1),
        ("Ottokar Quispel", "open", 1, 0),
        ("Radomir Zelenko", "confirmed", 1, 0),
        ("Wendelina Trompetter", "clearing_proposed", 0, 1),
    ]


def test_the_clearing_had_four_eyes(demo: Demo) -> None:
    assert _rows(
        demo,
        "SELECT p.email, d.email FROM screening_hits h JOIN users p ON p.id = h.proposed_by_id"
        " JOIN users d ON d.id = h.decided_by_id WHERE h.status = 'cleared'",
    ) == [("naleving@wijkbank.example", "naleving2@wijkbank.example")]


def test_the_confirmed_member_has_a_small_savings_account_and_no_loan(demo: Demo) -> None:
    member_id = _rows(demo, "SELECT member_id FROM screening_hits WHERE status = 'confirmed'")[0][0]
    assert _rows(demo, f"SELECT count(*) FROM deposit_accounts WHERE member_id = {member_id}") == [(1,)]
    assert _rows(demo, f"SELECT count(*) FROM loans WHERE borrower_id = {member_id}") == [(0,)]


def test_the_crawl_reaches_the_screening_pages(crawl_result: crawl.CrawlResult) -> None:
    covered = crawl_result.reached | crawl_result.offered
    for endpoint in (
        "staff.screening_hits",
        "staff.screening_hit",
        "staff.screening_lists",
        "staff.upload_screening_list",
        "staff.screen_everyone_now",
        "staff.propose_hit_clearing",
        "staff.confirm_hit",
        "staff.clear_hit",
    ):
        assert endpoint in covered, endpoint
