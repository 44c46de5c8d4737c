"""The demo's transaction monitoring (issue 17): alerts from every rule, one case reported and its
FIU-NL report downloaded, one case closed as not unusual, alerts dismissed and open; the rules ran
in every close day; and the pages the crawl reaches for them."""

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


def test_every_rule_raised_an_alert(demo: Demo) -> None:
    rules = {row[0] for row in _rows(demo, "SELECT DISTINCT rule FROM monitoring_alerts")}
    assert rules == {"cash_deposit", "structuring", "in_and_out", "high_risk_country", "above_expected_use"}
    statuses = dict(_rows(demo, "SELECT status, count(*) FROM monitoring_alerts GROUP BY status"))
    assert statuses["dismissed"] >= 2 and statuses["open"] >= 2 and statuses["in_case"] >= 3
    # Every alert has the transactions behind it.
    assert _rows(
        demo,
        "SELECT count(*) FROM monitoring_alerts a WHERE NOT EXISTS"
        " (SELECT 1 FROM monitoring_alert_items i WHERE i.alert_id = a.id)",
    ) == [(0,)]


def test_one_case_reported_and_exported_one_closed_one_waiting(demo: Demo) -> None:
    cases = _rows(
        demo,
        "SELECT status, exported_at IS NOT NULL,"
        " CASE WHEN decided_by_id IS NULL THEN -1 WHEN opened_by_id != decided_by_id THEN 1 ELSE 0 END"
        " FROM monitoring_cases ORDER BY id",
    )
    # Decided by a second officer (four eyes); the third waits for that decision.
    assert cases == [("reported", 1, 1), ("not_unusual", 0, 1), ("open", 0, -1)]
    assert _rows(demo, "SELECT count(*) FROM audit_events WHERE action = 'monitoring.case_exported'") == [
        (1,)
    ]


def test_the_close_days_ran_the_rules(demo: Demo) -> None:
    runs = _rows(demo, "SELECT count(*), min(status), max(status) FROM runs WHERE job = 'monitoring'")
    closes = _rows(demo, "SELECT count(*) FROM runs WHERE job = 'close_day'")
    assert runs[0][0] == closes[0][0] and runs[0][1] == runs[0][2] == "completed"


def test_the_crawl_reaches_the_monitoring_pages(crawl_result: crawl.CrawlResult) -> None:
    covered = crawl_result.reached | crawl_result.offered
    for endpoint in (
        "staff.monitoring_alerts",
        "staff.monitoring_alert",
        "staff.dismiss_monitoring_alert",
        "staff.open_monitoring_case",
        "staff.monitoring_cases",
        "staff.monitoring_case",
        "staff.add_monitoring_note",
        "staff.decide_monitoring_case",
        "staff.export_monitoring_case",
        "staff.monitoring_rules",
        "staff.update_monitoring_rule",
    ):
        assert endpoint in covered, endpoint
