"""Dates on Dutch staff pages: shown per locale through Babel, and read the way people type them."""

from __future__ import annotations

import datetime as dt

from flask import session as browser_session
from flask_babel import refresh

from bank.web.filters import date_filter

from .conftest import page_text


def test_dates_and_moments_are_written_per_locale(app) -> None:
    moment = dt.datetime(2026, 12, 3, 23, 30, tzinfo=dt.UTC)  # already 4 December in Amsterdam
    expected = (("nl", "03-12-2026", "04-12-2026 00:30"), ("en", "2026-12-03", "2026-12-04 00:30"))
    for language, day, at in expected:
        with app.test_request_context("/"):
            browser_session["lang"] = language
            refresh()
            assert date_filter(dt.date(2026, 12, 3)) == day
            assert date_filter(moment) == at


def test_the_trial_balance_reads_a_dutch_date_and_explains_a_bad_one(world, client, login_as) -> None:
    login_as("admin")
    typed = client.get("/staff/ledger/trial-balance?as_of=28-11-2026")
    assert typed.status_code == 200
    assert 'value="2026-11-28"' in typed.get_data(as_text=True)
    bad = client.get("/staff/ledger/trial-balance?as_of=31-02-20xx")
    assert bad.status_code == 200
    assert "Datum: moet een datum zijn zoals 31-10-2026" in page_text(bad.get_data(as_text=True))
