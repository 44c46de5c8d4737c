"""The demo's due diligence (issue 17): members in every risk class, organisations with their UBOs
and one without, enhanced due diligence approved by a second officer and one waiting, reviews due
(by date and by an expired document); and the pages the crawl reaches for them."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from bank import clock
from bench import crawl

from .conftest import Demo


def _rows(demo: Demo, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    engine = create_engine(demo.url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(sql))]
    finally:
        engine.dispose()


LATEST = "risk_assessments r JOIN due_diligence_files f ON f.latest_assessment_id = r.id"


def test_members_in_every_risk_class(demo: Demo) -> None:
    classes = dict(_rows(demo, f"SELECT r.risk_class, count(*) FROM {LATEST} GROUP BY r.risk_class"))
    assert set(classes) == {"low", "normal", "high"}
    assert all(count >= 1 for count in classes.values())
    # Nobody in the files is low without the reason saying so, and organisations never are.
    assert _rows(
        demo,
        f"SELECT count(*) FROM {LATEST} JOIN members m ON m.id = f.member_id"
        " WHERE m.kind = 'organisation' AND r.risk_class = 'low'",
    ) == [(0,)]


def test_enhanced_due_diligence_approved_by_a_second_officer_and_one_waiting(demo: Demo) -> None:
    statuses = _rows(
        demo,
        f"SELECT r.edd_status, r.assessed_by_id != r.edd_decided_by_id FROM {LATEST}"
        " WHERE r.risk_class = 'high'",
    )
    assert sorted(status for status, _ in statuses).count("approved") >= 1
    assert [status for status, _ in statuses].count("pending") == 1
    assert all(four_eyes for status, four_eyes in statuses if status == "approved")


def test_organisations_with_ubos_and_one_without(demo: Demo) -> None:
    without = _rows(
        demo,
        "SELECT m.legal_name FROM due_diligence_files f JOIN members m ON m.id = f.member_id"
        " WHERE m.kind = 'organisation' AND NOT EXISTS"
        " (SELECT 1 FROM beneficial_owners b WHERE b.organisation_id = m.id)",
    )
    assert without == [("Sportvereniging Bijlmer Basketball",)]
    with_owners = _rows(demo, "SELECT count(DISTINCT organisation_id) FROM beneficial_owners")[0][0]
    assert with_owners >= 10
    # The bakery's bakers hold a quarter of the votes each: exactly 100 per cent.
    assert _rows(
        demo,
        "SELECT count(*), sum(b.share_percent) FROM beneficial_owners b"
        " JOIN members m ON m.id = b.organisation_id"
        " WHERE m.legal_name LIKE 'Bakkerij%' AND b.interest = 'voting_rights'",
    ) == [(4, 100 * 10**8)]
    # No application of the organisation without UBOs is in progress (its one was rejected).
    assert _rows(
        demo,
        "SELECT a.status FROM loan_applications a JOIN members m ON m.id = a.applicant_id"
        " WHERE m.legal_name = 'Sportvereniging Bijlmer Basketball'",
    ) == [("rejected",)]


def test_reviews_are_due_by_date_and_by_an_expired_document(demo: Demo) -> None:
    today = clock.today().isoformat()  # the demo is built today, on the real clock
    assert _rows(demo, f"SELECT count(*) FROM {LATEST} WHERE r.review_due_on <= '{today}'")[0][0] >= 1
    expired = _rows(
        demo,
        f"SELECT member_id FROM identity_documents GROUP BY member_id HAVING max(expires_on) < '{today}'",
    )
    assert len(expired) == 2


def test_the_crawl_reaches_the_compliance_pages(crawl_result: crawl.CrawlResult) -> None:
    covered = crawl_result.reached | crawl_result.offered
    for endpoint in (
        "staff.compliance_index",
        "staff.compliance_reviews",
        "staff.compliance_member",
        "staff.compliance_facts",
        "staff.compliance_flag",
        "staff.compliance_assess",
        "staff.compliance_edd",
        "staff.compliance_document",
        "staff.compliance_reveal",
        "staff.compliance_add_owner",
        "staff.compliance_remove_owner",
    ):
        assert endpoint in covered, endpoint
