"""Issue 18: on SQLite a reader never waits for a writer (WAL, deferred read transactions).

A run's batch holds the write lock (``BEGIN IMMEDIATE`` and an uncommitted write) while a staff
page is read: the page must be served from the last committed state at once, not after the
batch. Writers still queue among themselves, and a reading request that writes after all (an
audit record of a download) becomes a writer without failing.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from bank import audit
from bank.audit.models import AuditEvent
from bank.db import reading
from bank.extensions import db

pytestmark = pytest.mark.sqlite


def _hold_the_write_lock(ready: threading.Event, release: threading.Event) -> None:
    """A batch: the write lock taken, a row written, not yet committed."""
    with db.engine.connect() as connection:
        connection.begin()
        connection.execute(text("UPDATE ledger_accounts SET name = name || '' WHERE id = 1"))
        ready.set()
        release.wait(30)
        connection.commit()


def test_a_page_is_read_while_a_batch_holds_the_write_lock(client, login_as):
    login_as("teller")
    # The same page with nobody writing: on a loaded machine rendering alone takes a while.
    started = time.monotonic()
    assert client.get("/staff/members").status_code == 200
    alone = time.monotonic() - started
    ready, release = threading.Event(), threading.Event()
    writer = threading.Thread(target=_hold_the_write_lock, args=(ready, release))
    writer.start()
    try:
        assert ready.wait(10)
        started = time.monotonic()
        page = client.get("/staff/members")
        took = time.monotonic() - started
        assert page.status_code == 200
        # Before, the read queued behind the batch until it committed (30 s here).
        assert took < 0.5 + 2 * alone, f"the read took {took:.2f}s beside a writer ({alone:.2f}s alone)"
        assert writer.is_alive()  # the batch still held the write lock all along
    finally:
        release.set()
        writer.join()


def test_writers_still_queue_and_a_read_that_writes_becomes_a_writer(app, actor):
    ready, release = threading.Event(), threading.Event()
    writer = threading.Thread(target=_hold_the_write_lock, args=(ready, release))
    session = db.new_session()
    try:
        with reading():
            # The request reads first (a snapshot, no lock) ...
            before = session.scalar(select(func.count()).select_from(AuditEvent))
            writer.start()
            assert ready.wait(10)
            # ... a writer commits after the snapshot was taken ...
            threading.Timer(0.3, release.set).start()
            started = time.monotonic()
            # ... and the request writes: it waits for the writer (writers queue), then writes.
            audit.record(session, actor, "statement.download.test", "member", 1, detail="read, then audited")
            session.commit()
            waited = time.monotonic() - started
        writer.join()
        assert 0.2 < waited < 5
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == before + 1
        session.commit()
    finally:
        release.set()
        session.close()
