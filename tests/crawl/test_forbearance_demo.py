"""The demo's forbearance (issue 16): one loan granted a payment holiday during the year, forborne
and provisioned in stage 2 from then on; one request waiting for its decision; and the pages the
crawl reaches for them."""

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


def test_one_loan_is_forborne_with_a_new_schedule_version_and_stage_two(demo: Demo) -> None:
    granted = _rows(
        demo,
        "SELECT m.loan_id, m.schedule_version, m.decided_on, m.holiday_periods, l.schedule_version,"
        " m.requested_by_id != m.decided_by_id FROM forbearance_measures m JOIN loans l ON l.id = m.loan_id"
        " WHERE m.status = 'granted'",
    )
    assert len(granted) == 1
    loan_id, version, decided_on, holiday, in_force, four_eyes = granted[0]
    assert version == in_force and version >= 2 and holiday >= 1 and four_eyes
    # The old schedule is kept beside the new one.
    assert (
        _rows(demo, f"SELECT count(*) FROM instalments WHERE loan_id = {loan_id} AND status = 'superseded'")[
            0
        ][0]
        >= 1
    )
    # Every month-end after the grant provisions the loan in stage 2 at least.
    stages = _rows(
        demo,
        f"SELECT stage, reason FROM loan_provisions WHERE loan_id = {loan_id}"
        f" AND month_end >= '{decided_on}'",
    )
    assert stages and all(stage >= 2 for stage, _reason in stages)
    assert ("forborne" in {reason for _stage, reason in stages}) or any(stage == 3 for stage, _ in stages)


def test_one_request_waits_for_its_decision(demo: Demo) -> None:
    assert _rows(demo, "SELECT count(*) FROM forbearance_measures WHERE status = 'requested'") == [(1,)]


def test_the_crawl_reaches_the_forbearance_pages(crawl_result: crawl.CrawlResult) -> None:
    covered = crawl_result.reached | crawl_result.offered
    for endpoint in (
        "staff.forbearance_list",
        "staff.forbearance_measure",
        "staff.request_forbearance",
        "staff.decide_forbearance",
        "staff.withdraw_forbearance",
    ):
        assert endpoint in covered, endpoint
