"""Database plumbing (L1): engine, sessions, the declarative Base and exact column types.

No Flask here: the web layer binds a :class:`Database` in the app factory, the CLI and the
scheduler use the same object. Money is stored as integer cents and rates as integer
hundred-millionths, so SQLite and PostgreSQL hold exactly the same numbers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
from collections.abc import Collection, Iterable, Iterator
from contextvars import ContextVar, Token
from decimal import Decimal
from typing import Any
from typing import cast as cast_type

from sqlalchemy import (
    ARRAY,
    BigInteger,
    DateTime,
    Enum,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    any_,
    bindparam,
    cast,
    create_engine,
    event,
    func,
    literal_column,
    select,
)
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, scoped_session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement, SQLCoreOperations

from bank.money import from_cents, to_cents, to_decimal

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Rates are stored as integers of this many parts per unit: 0.045 (4.5 %) is 4 500 000.
RATE_SCALE = 10**8
#: PostgreSQL fillfactor of tables whose rows are rewritten in place all the time (cached
#: totals, a run's resume marker): half of each page stays free for HOT updates (migration 0009).
UPDATE_ROOM_FILLFACTOR = 50
#: Seconds a new PostgreSQL connection may take before the attempt fails.
PG_CONNECT_TIMEOUT_SECONDS = 5


class Base(DeclarativeBase):
    """Declarative base whose constraint names are stable, so Alembic revisions stay readable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class MoneyType(TypeDecorator[Decimal]):
    """A Decimal amount stored as integer cents (BigInteger): exact on every database."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        return to_cents(value)

    def process_result_value(self, value: int | None, dialect: Dialect | None) -> Decimal | None:
        if value is None:
            return None
        return from_cents(value)


class RateType(TypeDecorator[Decimal]):
    """A rate (0.045 for 4.5 % a year) stored as an integer of RATE_SCALE parts: exact."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = to_decimal(value) * RATE_SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"rate {value} has more than 8 decimals")
        return int(scaled)

    def process_result_value(self, value: int | None, dialect: Dialect | None) -> Decimal | None:
        if value is None:
            return None
        return (Decimal(value) / RATE_SCALE).normalize() if value else Decimal("0")


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware UTC datetimes on SQLite too (which otherwise hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where UTC is required")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class AppendOnlyViolation(RuntimeError):
    """Raised when code tries to change or delete a row of an append-only table.

    Journal entries, postings and audit events are history: corrections are new rows
    (a reversal entry), never edits. The database refuses it too (triggers, migration 0001).
    """


def make_append_only(*classes: type) -> None:
    """Make the ORM refuse updates and deletes of ``classes``, in a flush or as a bulk statement.

    Two hooks are needed: ``before_flush`` sees changed or deleted objects, while ORM-enabled
    ``update()``/``delete()`` statements bypass the flush and are caught in ``do_orm_execute``.
    """
    guarded = tuple(classes)

    @event.listens_for(Session, "before_flush")
    def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
        for obj in session.deleted:
            if isinstance(obj, guarded):
                raise AppendOnlyViolation(
                    f"{type(obj).__name__} {getattr(obj, 'id', None)} is append-only: it cannot be deleted"
                )
        for obj in session.dirty:
            if isinstance(obj, guarded) and session.is_modified(obj, include_collections=False):
                raise AppendOnlyViolation(
                    f"{type(obj).__name__} {getattr(obj, 'id', None)} is append-only:"
                    " post a correction instead of editing it"
                )

    @event.listens_for(Session, "do_orm_execute")
    def _refuse_bulk(state: ORMExecuteState) -> None:
        if not (state.is_update or state.is_delete):
            return
        for mapper in state.all_mappers:
            if issubclass(mapper.class_, guarded):
                verb = "updated" if state.is_update else "deleted"
                raise AppendOnlyViolation(
                    f"{mapper.class_.__name__} rows are append-only and cannot be {verb}"
                )


def is_postgresql(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


def table_of(model: type[Any]) -> Table:
    """The Table of a mapped class, for Core statements (the ORM types ``__table__`` as any FromClause)."""
    return cast_type(Table, model.__table__)


def engine_of(session: Session) -> Engine:
    """The engine under ``session``, for work that opens a transaction of its own beside the session's.

    The bank binds its sessions to an engine; a session bound to a connection gives that
    connection's engine.
    """
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


# PostgreSQL array literals for the set-based statements (``CAST(:ids AS integer[])``).
# psycopg's list dumper visits every element in Python (about 0.75 µs each); a batch sends a
# few tens of thousands of values, so building the literal with ``str.join`` is several
# times faster. ``None`` becomes an SQL NULL element.


def pg_int_array(values: Iterable[int | None]) -> str:
    """``{1,2,NULL}``: integers (ids, cents) as one PostgreSQL array literal."""
    items = values if isinstance(values, list) else list(values)
    if None in items:
        return "{" + ",".join("NULL" if value is None else str(value) for value in items) + "}"
    return "{" + ",".join(map(str, items)) + "}"


def pg_text_array(values: Iterable[str | None]) -> str:
    """``{"a","b \\"c\\""}``: every string quoted, backslashes and double quotes escaped."""
    items: list[str | None] = values if isinstance(values, list) else list(values)
    if not items:
        return "{}"
    if None not in items:
        # Fast path: joined once, checked once; a NUL inside a value (which PostgreSQL refuses
        # anyway) would be taken for a separator, hence the count.
        body = "\x00".join(cast_type("list[str]", items))  # no None in it: tested just above
        if '"' not in body and "\\" not in body and body.count("\x00") == len(items) - 1:
            return '{"' + body.replace("\x00", '","') + '"}'
    return (
        "{"
        + ",".join(
            "NULL" if value is None else '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            for value in items
        )
        + "}"
    )


def pg_date_array(values: Iterable[dt.date | None]) -> str:
    """``{2026-03-02,NULL}``: dates in ISO form."""
    return "{" + ",".join("NULL" if value is None else value.isoformat() for value in values) + "}"


def among(session: Session, column: SQLCoreOperations[int], ids: Collection[int]) -> ColumnElement[bool]:
    """``column IN ids`` for a batch, with ONE parameter: ``= ANY(array)`` on PostgreSQL, a JSON
    array read by ``json_each`` on SQLite.

    An expanding ``IN`` renders one bound parameter per id, so a 1 000-loan batch's statement
    is compiled, converted and planned anew each time (a tenth of a SQLite repayment run went to
    coercing and rendering those literals); one parameter keeps it one cached statement. Both
    planners probe the column's index once per id.
    """
    if is_postgresql(session):
        return column == any_(cast(bindparam(None, pg_int_array(ids), type_=String), ARRAY(Integer)))
    listed = json.dumps([int(value) for value in ids])
    return column.in_(
        select(literal_column("value")).select_from(func.json_each(bindparam(None, listed, type_=String)))
    )


def make_engine(url: str, **options: Any) -> Engine:
    """An engine tuned for the bank: SQLite gets foreign keys, WAL, durable commits and write-locking BEGINs.

    pysqlite's own transaction handling is switched off and every transaction that may write
    starts with ``BEGIN IMMEDIATE``: two writers then queue on the database lock instead of one
    of them failing halfway, which is SQLite's equivalent of PostgreSQL's row locks. Reading
    requests (:func:`reading`) begin a plain deferred transaction instead and so never queue
    behind a writer; should one write after all, it becomes a writer at that statement.

    ``synchronous=FULL``: a commit returns only once the WAL is on disk. With ``NORMAL`` a
    committed withdrawal could vanish after a power cut or an OS crash (only an application
    crash is survived); a system of record commits durably, as PostgreSQL does by default.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 60}, **options)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.close()

        writers = _writers_path(engine)

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            if _reading.get():
                connection.exec_driver_sql("BEGIN")
                connection.info[_DEFERRED] = True
            else:
                _announce_writer(connection.info, writers)
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                connection.info[_DEFERRED] = False

        @event.listens_for(engine, "commit")
        @event.listens_for(engine, "rollback")
        def _sqlite_end(connection: Any) -> None:
            _withdraw_writer(connection.info)

        @event.listens_for(engine, "checkin")
        @event.listens_for(engine, "invalidate")
        def _sqlite_released(_dbapi_connection: Any, record: Any, *_: Any) -> None:
            # A transaction that ended without its event (a connection lost or invalidated).
            if record is not None:
                _withdraw_writer(record.info)

        @event.listens_for(engine, "before_cursor_execute")
        def _sqlite_write_in_a_read(
            connection: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
        ) -> None:
            # A reading request that writes after all (an audit record of a download): its read
            # snapshot ends here and a writer's transaction begins, queued like any writer. In
            # WAL mode a deferred transaction whose snapshot is older than the last commit
            # could not take the write lock at all (SQLITE_BUSY_SNAPSHOT).
            if connection.info.get(_DEFERRED) and statement.lstrip()[:7].upper().startswith(_WRITES):
                connection.info[_DEFERRED] = False
                raw = connection.connection.dbapi_connection
                raw.execute("COMMIT")
                _announce_writer(connection.info, writers)
                raw.execute("BEGIN IMMEDIATE")

        return engine
    options.setdefault("pool_pre_ping", True)
    if url.startswith("postgresql"):
        # A stopped or unreachable server must fail a request in seconds (the 503 page, the
        # health check), not after the operating system's TCP time-out of minutes.
        connect_args = dict(options.pop("connect_args", {}))
        connect_args.setdefault("connect_timeout", PG_CONNECT_TIMEOUT_SECONDS)
        options["connect_args"] = connect_args
    return create_engine(url, **options)


#: Where a connection's announcement as a writer is kept (an open descriptor of the writers file).
_WRITER_FD = "bank_sqlite_writer_fd"


def _writers_path(engine: Engine) -> str | None:
    """SQLite: the file beside the database on which writers announce themselves (None in memory)."""
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database) + ".writers"


def _announce_writer(info: dict[str, Any], path: str | None) -> None:
    """Hold a shared ``flock`` on the writers file from before ``BEGIN IMMEDIATE`` to the end.

    SQLite queues no one for its write lock: a waiting writer sleeps in its busy handler and
    polls. A job between two batches cannot see such a waiter, so it used to pause after
    every batch whether anyone waited or not. With every writer announced here, it pauses only
    while someone is announced (:func:`writers_waiting`). The kernel drops the lock when the
    descriptor closes, the process dies included, so an announcement can never go stale.
    """
    if path is None:
        return
    _withdraw_writer(info)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH)
    except BaseException:
        os.close(descriptor)
        raise
    info[_WRITER_FD] = descriptor


def _withdraw_writer(info: dict[str, Any]) -> None:
    descriptor = info.pop(_WRITER_FD, None)
    if descriptor is not None:
        os.close(descriptor)


def writers_waiting(engine: Engine) -> bool:
    """SQLite: whether another connection is in, or waiting for, a write transaction.

    True while any connection other than the caller's (which must have ended its own
    transaction) is announced (:func:`_announce_writer`). Always False for PostgreSQL and
    in-memory databases.
    """
    if engine.dialect.name != "sqlite":
        return False
    path = _writers_path(engine)
    if path is None:
        return False
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)  # closing also releases the test lock
    return False


#: True while the current request only reads (GET, HEAD): its SQLite transactions begin
#: deferred (a WAL snapshot; no lock) instead of ``BEGIN IMMEDIATE``.
_reading: ContextVar[bool] = ContextVar("bank_db_reading", default=False)
_DEFERRED = "bank_deferred_transaction"
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "DROP", "ALTER")


@contextlib.contextmanager
def reading() -> Iterator[None]:
    """Transactions begun in the block only read, until they write (see :func:`make_engine`).

    On SQLite a reader then never waits for a writer: WAL gives it the last committed state
    while a run's batch or a teller's booking holds the write lock. PostgreSQL needs nothing.
    """
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def begin_reading() -> Token[bool]:
    """:func:`reading` for request hooks: returns the token for :func:`end_reading`."""
    return _reading.set(True)


def end_reading(token: Token[bool]) -> None:
    _reading.reset(token)


class Database:
    """Engine and session factory of one configured database, bound late by the app factory."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None
        self.scoped: scoped_session[Session] | None = None

    def configure(self, url: str, **options: Any) -> None:
        if self.engine is not None:
            self.engine.dispose()
        self.engine = make_engine(url, **options)
        self.session_factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        self.scoped = scoped_session(self.session_factory)

    @property
    def session(self) -> Session:
        """The current thread's session (the request's, in the web layer)."""
        if self.scoped is None:
            raise RuntimeError("database not configured")
        return self.scoped()

    def remove(self) -> None:
        if self.scoped is not None:
            self.scoped.remove()

    def new_session(self) -> Session:
        """A session of its own, for jobs and threads that must not share the scoped one."""
        if self.session_factory is None:
            raise RuntimeError("database not configured")
        return self.session_factory()

    @contextlib.contextmanager
    def unit_of_work(self, session: Session | None = None) -> Iterator[Session]:
        """One transaction: commit when the block ends, roll back whole on any exception."""
        session = session or self.session
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


def StrEnum(enum_class: type, name: str, length: int = 30) -> Enum:
    """A portable enum column storing the members' *values* ("asset"), checked by a constraint."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        create_constraint=True,
        validate_strings=True,
    )
