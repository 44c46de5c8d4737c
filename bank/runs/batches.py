"""Batches: how every job commits its work, a slice at a time, and keeps memory flat.

A job is an edge like a web request: it commits, but per *batch*, not once. Each batch's work
and the run's counters commit together (:meth:`Batches.end_batch`), so the run row always tells
the truth about what is in the ledger, and a run killed at any point and started again resumes
from the first item not yet done with nothing posted twice (the ledger keys) and nothing missed.
Shared by the jobs of every feature (repayments, savings interest, pools, statements, offers).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bank.db import engine_of, is_postgresql, writers_waiting

#: SQLite: after a committed batch, wait at most this long for writers that wait (see
#: _yield_the_write_lock); twice the longest sleep of SQLite's busy handler between two tries.
SQLITE_YIELD_SECONDS = 0.2
#: ... checking this often whether they are through.
SQLITE_YIELD_POLL_SECONDS = 0.002
#: Items (loans, accounts) per batch (one commit each): big enough for set-based work, small
#: enough that a kill loses little and memory stays flat.
BATCH_SIZE = 500
#: Python's young-generation collection threshold while a job works (the default is 700).
GC_YOUNG_THRESHOLD = 20_000
#: Progress callback: (done, total).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Batches:
    """How a job ends a batch: commit it (runs), or only flush it into a caller's transaction.

    The demo loader services a year of history inside its own single transaction, so it passes
    ``commit=False``; everything else commits each batch.
    """

    session: Session
    commit_batches: bool = True

    def end_batch(self) -> None:
        if self.commit_batches:
            self.session.commit()
            # Keep memory flat over long runs: nothing from earlier batches stays in the session.
            self.session.expunge_all()
            free_batch_cycles()
            if not is_postgresql(self.session):
                _yield_the_write_lock(self.session)
            return
        self.session.flush()
        free_batch_cycles()


def _yield_the_write_lock(session: Session) -> None:
    """SQLite: after a committed batch, let writers that wait (a teller's booking) in first.

    SQLite has one write lock and no queue: a waiting writer polls for it (its busy handler
    sleeps up to 100 ms between tries), so a job that begins its next batch at once would take
    the lock again before anyone else could, batch after batch. Every writer announces itself
    before it asks for the lock (:func:`bank.db.writers_waiting`), so the job waits only while
    one is announced, until it is through or ``SQLITE_YIELD_SECONDS`` have passed; with no one
    waiting (a night's run) it goes on at once (it used to sleep 50 ms after every batch that
    held the lock 0.1 s, whether anyone waited or not). Readers never wait (WAL and deferred
    read transactions, :func:`bank.db.reading`).
    """
    engine = engine_of(session)
    if not writers_waiting(engine):
        return
    deadline = time.monotonic() + SQLITE_YIELD_SECONDS
    while time.monotonic() < deadline:
        time.sleep(SQLITE_YIELD_POLL_SECONDS)
        if not writers_waiting(engine):
            return


@contextmanager
def collecting_less() -> Iterator[None]:
    """Let Python's cycle collector run less often while a job works; restore it afterwards.

    A batch keeps tens of thousands of small objects (rows, requests, cents tuples) alive until
    it commits. At the default threshold of 700 new objects the collector runs hundreds of
    times per batch, promotes those objects and then walks them again, with the process's
    long-lived objects, in its older generations: about 15 % of a repayment run's time (see
    DEVELOPERS.md, "Runs"). The collector still runs, every ``GC_YOUNG_THRESHOLD`` objects, and
    after each batch (:func:`free_batch_cycles`), so memory stays flat however many loans.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], GC_YOUNG_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def free_batch_cycles() -> None:
    """Collect the young generations after a batch (see :func:`collecting_less`).

    A batch leaves about a hundred objects in reference cycles (a session transaction and its
    companions). The raised threshold would let them pile up over hundreds of batches, so a
    job's memory would grow with the number of loans or accounts; collected here, where little
    is alive, they cost a fraction of a millisecond per batch. Every job ends its batches with
    :meth:`Batches.end_batch`, which calls this; the repayment run's parallel workers commit on
    their own sessions and call it themselves.
    """
    gc.collect(1)
