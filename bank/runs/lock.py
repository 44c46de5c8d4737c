"""The run lock: two runs never work at the same time, and a killed run never leaves it stuck.

PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) on a connection of its
own, held for the whole run while the work commits batch by batch on other connections.
SQLite: an exclusive ``flock`` on a file beside the database file, the same kind of lock for a
single-file database. Both are released by the server or the kernel the moment the holding
process dies (kill -9 included), so a rerun never waits for a stale lease to expire; and both
are *try* locks, so a second start reports at once that a run is in progress.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from collections.abc import Iterator

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from bank.errors import Conflict

log = logging.getLogger("bank.runs.lock")
#: The advisory lock key of the runs ("WIJKRUNS" as an integer, fits a bigint).
ADVISORY_KEY = 0x57494A4B52554E53 & 0x7FFFFFFFFFFFFFFF
#: In-memory SQLite databases have no file to lock; a process-wide lock stands in.
_MEMORY_LOCK = threading.Lock()


class RunInProgress(Conflict):
    """Another run holds the lock; nothing was started."""

    code = "run_in_progress"


def _lock_path(engine: Engine) -> str | None:
    database = engine.url.database
    if not database or database == ":memory:":
        return None
    return os.path.abspath(database) + ".runlock"


#: A run start retries this long before it reports a run in progress, so a momentary probe of
#: the lock (the runs page asking whether a run works) never makes a scheduled run give up.
DEFAULT_WAIT_SECONDS = 3.0


@contextlib.contextmanager
def run_lock(engine: Engine, *, wait_seconds: float = DEFAULT_WAIT_SECONDS) -> Iterator[None]:
    """Hold the run lock for the block, or raise :class:`RunInProgress` after ``wait_seconds``."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            with _try_lock(engine):
                yield
            return
        except _Busy:
            if time.monotonic() >= deadline:
                raise RunInProgress("a run is in progress; wait until it has finished") from None
            time.sleep(0.1)


class _Busy(Exception):
    """The lock is held by someone else (internal: retried, then reported as RunInProgress)."""


@contextlib.contextmanager
def _try_lock(engine: Engine) -> Iterator[None]:
    """One attempt: hold the lock for the block or raise :class:`_Busy` before entering it."""
    if engine.dialect.name == "postgresql":
        connection = engine.connect()
        try:
            got = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": ADVISORY_KEY}
            ).scalar()
            connection.commit()
            if not got:
                raise _Busy
            try:
                yield
            finally:
                _unlock(connection)
        finally:
            try:
                connection.close()
            except Exception:  # a dead connection: nothing left to give back
                log.debug("run lock: closing the lock's connection failed", exc_info=True)
        return
    path = _lock_path(engine)
    if path is None:
        if not _MEMORY_LOCK.acquire(blocking=False):
            raise _Busy
        try:
            yield
        finally:
            _MEMORY_LOCK.release()
        return
    handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _Busy from None
        try:
            os.ftruncate(handle, 0)
            os.write(handle, f"{os.getpid()}\n".encode())
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    finally:
        os.close(handle)


def _unlock(connection: Connection) -> None:
    """Release the advisory lock; never raises.

    When the database went away during the run, the lock's connection went with it and the
    server released the lock already. An error here must not replace the run's own failure
    (the operator would read "pg_advisory_unlock failed" instead of the real cause), so it is
    logged and the connection is thrown away.
    """
    try:
        connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_KEY})
        connection.commit()
    except Exception as error:  # one line: the run's own failure is what the operator must read
        log.warning(
            "run lock: its connection was lost (%s); the server released the lock with it",
            type(getattr(error, "orig", None) or error).__name__,
        )
        with contextlib.suppress(Exception):  # invalidating a dead connection
            connection.invalidate()


def run_in_progress(engine: Engine) -> bool:
    """Whether another run holds the lock right now (for the runs page and the start button)."""
    try:
        with _try_lock(engine):
            return False
    except _Busy:
        return True
