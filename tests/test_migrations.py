"""Migrations: from empty to head on the test database, and the models match the schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from bank.models import metadata


def test_head_schema_matches_the_models(database_url):
    engine = create_engine(database_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        differences = compare_metadata(context, metadata)
    engine.dispose()
    assert differences == [], "models and migrations differ; add an Alembic revision:\n" + "\n".join(
        map(str, differences)
    )


@pytest.mark.postgresql
def test_tables_rewritten_in_place_leave_room_on_each_page(database_url):
    # Cached totals and a run's resume marker are rewritten all the time: half a page free
    # lets PostgreSQL write each new row version beside the old one (migration 0009).
    engine = create_engine(database_url)
    with engine.connect() as connection:
        options = dict(
            connection.execute(
                text(
                    "SELECT relname, reloptions FROM pg_class"
                    " WHERE relname IN ('ledger_accounts', 'loans', 'instalments', 'postings')"
                )
            ).all()
        )
    engine.dispose()
    assert options == {
        "ledger_accounts": ["fillfactor=50"],
        "loans": ["fillfactor=50"],
        "instalments": None,
        "postings": None,
    }
