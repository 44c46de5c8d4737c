"""Array literals and ``among``: the batch statements' parameters must round-trip exactly.

The runs send tens of thousands of ids, cents, keys and memos as PostgreSQL array literals
(bank.db). A memo with a quote or a backslash, an empty list or a NULL must arrive as it left.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, text

from bank.db import among, pg_date_array, pg_int_array, pg_text_array
from bank.ledger.models import LedgerAccount

# PostgreSQL text holds any character but NUL.
pg_text = st.text(
    alphabet=st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), max_size=12
)


def test_literals_quote_what_needs_quoting():
    assert pg_int_array([3, -1, None, 12345678901]) == "{3,-1,NULL,12345678901}"
    assert pg_int_array(x for x in (1, 2)) == "{1,2}"
    assert pg_int_array([]) == "{}"
    assert pg_text_array(["debit", "credit"]) == '{"debit","credit"}'
    assert pg_text_array(['say "hi"', "C:\\temp", None, ""]) == '{"say \\"hi\\"","C:\\\\temp",NULL,""}'
    assert pg_text_array([]) == "{}"
    assert pg_date_array([dt.date(2028, 2, 29), None]) == "{2028-02-29,NULL}"


@pytest.mark.postgresql
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(st.one_of(st.none(), pg_text), max_size=8),
    ints=st.lists(st.one_of(st.none(), st.integers(-(2**63), 2**63 - 1)), max_size=8),
    dates=st.lists(st.one_of(st.none(), st.dates()), max_size=8),
)
def test_literals_round_trip_through_postgresql(session, texts, ints, dates):
    row = session.execute(
        text("SELECT CAST(:t AS text[]), CAST(:i AS bigint[]), CAST(:d AS date[])"),
        {"t": pg_text_array(texts), "i": pg_int_array(ints), "d": pg_date_array(dates)},
    ).one()
    assert list(row) == [texts, ints, dates]


def test_among_selects_the_same_rows_as_in(session):
    ids = sorted(session.scalars(select(LedgerAccount.id)))[:5]
    wanted = [ids[0], ids[3], 10**9]
    found = sorted(session.scalars(select(LedgerAccount.id).where(among(session, LedgerAccount.id, wanted))))
    assert found == [ids[0], ids[3]]
    assert list(session.scalars(select(LedgerAccount.id).where(among(session, LedgerAccount.id, [])))) == []
