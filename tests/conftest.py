"""Shared fixtures: a migrated database per test, the app, sessions, clients logged in by role.

SQLite (default): the schema is built once by Alembic into a template file, copied per test.
PostgreSQL (``BANK_TEST_DATABASE_URL``): migrated once, then every table is truncated and the
migration's rows (the chart of accounts) restored before each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import MetaData, create_engine, insert, make_url, select, text
from sqlalchemy.orm import Session

from bank import create_app, migrate
from bank.actor import Actor, system
from bank.auth import service as auth_service
from bank.auth.models import User
from bank.extensions import db
from bank.models import metadata
from config import TestConfig

PASSWORD = "correct horse battery staple"
PG_URL = os.environ.get("BANK_TEST_DATABASE_URL")


def pytest_report_header() -> str:
    return f"database: {'postgresql' if PG_URL else 'sqlite'}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """PostgreSQL-only tests are deselected (not skipped) on SQLite; .ci/run runs them on PostgreSQL.

    SQLite-only tests (``@pytest.mark.sqlite``: its single write lock) are deselected on PostgreSQL.
    """
    other = "sqlite" if PG_URL else "postgresql"
    kept = [item for item in items if other not in item.keywords]
    dropped = [item for item in items if other in item.keywords]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _worker_database(base_url: str) -> str:
    """Under pytest-xdist each worker gets a database of its own, named after the given one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return base_url
    url = make_url(base_url)
    name = f"{url.database}_{worker}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Migrate once per test session; remember how to hand each test a fresh copy."""
    if PG_URL:
        url = _worker_database(PG_URL)
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        migrate.upgrade(url)
        engine = create_engine(url)
        snapshot: dict[str, list[dict[str, Any]]] = {}
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                rows = [dict(row._mapping) for row in connection.execute(select(table))]
                if rows:
                    snapshot[table.name] = rows
        engine.dispose()
        return {"kind": "postgresql", "url": url, "snapshot": snapshot}
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return {"kind": "sqlite", "path": path}


def _reset_postgresql(template: dict[str, Any]) -> None:
    engine = create_engine(template["url"])
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        for table in metadata.sorted_tables:
            rows = template["snapshot"].get(table.name)
            if rows:
                connection.execute(insert(table), rows)
        # Keep sequences after the restored rows.
        for table in metadata.sorted_tables:
            if table.name in template["snapshot"] and "id" in table.c:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f'(SELECT MAX(id) FROM "{table.name}"))'
                    )
                )
    engine.dispose()


@pytest.fixture
def database_url(database_template: dict[str, Any], tmp_path: Path) -> str:
    """A fresh, migrated database for this test."""
    if database_template["kind"] == "postgresql":
        _reset_postgresql(database_template)
        return database_template["url"]
    target = tmp_path / "bank.db"
    shutil.copyfile(database_template["path"], target)
    return f"sqlite:///{target}"


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    application = create_app(TestConfig(database_url=database_url, instance_path=str(tmp_path / "instance")))
    with application.app_context():
        yield application
    db.remove()
    if db.engine is not None:
        db.engine.dispose()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session of its own; tests commit explicitly where a service's edge would."""
    s = db.new_session()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def actor() -> Actor:
    return system("test")


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    counter = {"n": 0}

    def make(role: str = "teller", email: str | None = None, **kwargs: Any) -> User:
        counter["n"] += 1
        with db.unit_of_work(db.new_session()) as s:
            user = auth_service.create_user(
                s,
                email=email or f"{role}{counter['n']}@test.example",
                name=kwargs.pop("name", f"{role.title()} {counter['n']}"),
                role=role,
                password=kwargs.pop("password", PASSWORD),
                actor=system("test"),
                **kwargs,
            )
        return user

    return make


@pytest.fixture
def login_as(client: FlaskClient, make_user: Callable[..., User]) -> Callable[..., User]:
    """Log the test client in as a new user with ``role`` (or as a given user)."""

    def login(role: str = "teller", user: User | None = None, **kwargs: Any) -> User:
        user = user or make_user(role, **kwargs)
        response = client.post("/login", data={"email": user.email, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return login


def metadata_without_alembic() -> MetaData:
    return metadata
