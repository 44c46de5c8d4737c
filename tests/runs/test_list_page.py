"""The runs list shows what needs a person: failures first, then runs that did something; the
days on which a job found nothing to do are hidden behind a link (the demo's list was 47 pages)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from bank import clock
from bank.runs.models import Run, RunJob, RunStatus

D = dt.date


def _run(job: RunJob, on: dt.date, status: RunStatus = RunStatus.COMPLETED, **counts: object) -> Run:
    started = dt.datetime.combine(on, dt.time(4, 30), tzinfo=dt.UTC)
    finished = None if status is RunStatus.RUNNING else started + dt.timedelta(seconds=2)
    return Run(job=job, business_date=on, status=status, started_at=started, finished_at=finished, **counts)


def _rows(html: str, table_id: str) -> list[str]:
    match = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S)
    assert match is not None, f"no table {table_id}"
    rows = match.group(0).split("<tr")[2:]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]


def test_runs_that_did_nothing_are_hidden_until_asked_and_failures_come_first(session, client, login_as):
    with clock.frozen(D(2026, 3, 10)):
        session.add_all(
            [_run(RunJob.EXPIRE_OFFERS, D(2026, 3, day)) for day in range(1, 10)]
            + [_run(RunJob.CLOSE_DAY, D(2026, 3, day)) for day in range(1, 10)]
            + [
                _run(
                    RunJob.REPAYMENTS,
                    D(2026, 3, 2),
                    due_count=3,
                    collected_full_count=2,
                    collected_nothing_count=1,
                    amount_due=Decimal("900.00"),
                    amount_collected=Decimal("600.00"),
                    entries_posted=2,
                ),
                _run(RunJob.SAVINGS_INTEREST, D(2026, 1, 31), progress_done=4, entries_posted=4),
                _run(RunJob.POOL_WITHDRAWALS, D(2026, 3, 9), RunStatus.FAILED, error="disk full\ntraceback"),
            ]
        )
        session.commit()
        login_as("admin")
        html = client.get("/staff/runs").get_data(as_text=True)
        attention = _rows(html, "runs-attention-table")
        assert len(attention) == 1 and "disk full" in attention[0] and "traceback" not in attention[0]
        listed = _rows(html, "runs")
        assert len(listed) == 3
        # Newest first: the failure, the repayments, the interest.
        assert "Pool withdrawals" in listed[0] and "failed" in listed[0]
        assert "3 loans due: 2 paid in full, 0 partly, 1 nothing" in listed[1]
        assert "€ 600,00 of € 900,00" in listed[1].replace("\u00a0", " ")
        assert "4 accounts" in listed[2]
        assert "nothing to do" not in html.split('id="runs"', 1)[1]
        assert "18 runs that found nothing to do are hidden." in html
        everything = client.get("/staff/runs?all=1").get_data(as_text=True)
        assert len(_rows(everything, "runs")) == 21
        assert "nothing to do" in everything
        assert "Hide the runs that did nothing" in everything
