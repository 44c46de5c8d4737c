"""The demo bank, built once for the crawl and the browser checks (also under pytest-xdist).

The first worker to get the lock builds the demo (``bench.crawl.build_demo``: ``bank demo`` plus
a second-factor secret for every staff log-in) into a folder shared by the workers; the others
wait for it. Each user of the demo gets a copy of its own, as the crawl submits forms.
SQLite by default; with ``BANK_TEST_DATABASE_URL`` the demo is a PostgreSQL database
``<name>_crawl_demo`` and the copies are made from it as a template.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import crawl  # noqa: E402

PG_URL = os.environ.get("BANK_TEST_DATABASE_URL")


@dataclass(frozen=True)
class Demo:
    """A built demo: where its database is and its instance folder (stored statements)."""

    folder: Path
    url: str

    def copy(self, name: str) -> tuple[str, str]:
        """(database url, instance path) of a fresh copy called ``name``."""
        instance = self.folder / f"{name}-instance"
        shutil.rmtree(instance, ignore_errors=True)
        shutil.copytree(self.folder / "instance", instance)
        if not self.url.startswith("postgresql"):
            target = self.folder / f"{name}.db"
            shutil.copyfile(self.folder / "demo.db", target)
            return f"sqlite:///{target}", str(instance)
        url = make_url(self.url)
        database = f"{url.database.removesuffix('_demo')}_{name}"
        _recreate(url, database, template=url.database)
        return url.set(database=database).render_as_string(hide_password=False), str(instance)


def _recreate(url, database: str, template: str | None = None) -> None:  # type: ignore[no-untyped-def]
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        suffix = f' TEMPLATE "{template}"' if template else ""
        connection.execute(text(f'CREATE DATABASE "{database}"{suffix}'))
    admin.dispose()


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.getbasetemp()
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "crawl-demo"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def locked(folder: Path) -> Iterator[None]:
    with (folder / "lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    folder = shared_folder(tmp_path_factory)
    with locked(folder):
        ready = folder / "ready"
        if ready.exists():
            return Demo(folder, ready.read_text())
        if PG_URL:
            url = make_url(PG_URL)
            database = f"{url.database}_crawl_demo"
            _recreate(url, database)
            database_url = url.set(database=database).render_as_string(hide_password=False)
        else:
            database_url = f"sqlite:///{folder / 'demo.db'}"
        crawl.build_demo(database_url, str(folder / "instance"))
        ready.write_text(database_url)
        return Demo(folder, database_url)


@pytest.fixture(scope="session")
def crawl_result(demo: Demo) -> crawl.CrawlResult:
    """The crawl of every role in Dutch and English with the forms, run once and shared by the workers."""
    cached = demo.folder / "crawl.json"
    with locked(demo.folder):
        if cached.exists():
            return crawl.CrawlResult.from_json(json.loads(cached.read_text()))
        url, instance = demo.copy("crawl")
        result = crawl.run(url, instance, languages=crawl.LANGUAGES, forms=True, sample=crawl.DEFAULT_SAMPLE)
        cached.write_text(json.dumps(result.to_json()))
        if os.environ.get("BANK_CRAWL_RESULT"):  # keep the findings to read them (pytest's temp folders go)
            shutil.copyfile(cached, os.environ["BANK_CRAWL_RESULT"])
        return result
