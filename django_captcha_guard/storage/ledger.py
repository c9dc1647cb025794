"""Rows that must stay written: the SQL of the database store and of the session store's claims.

A challenge is consumed when its row is deleted (or its claim inserted), and that must
hold whatever happens afterwards. In autocommit mode each statement commits at once. Inside
a transaction (``ATOMIC_REQUESTS``, or ``transaction.atomic`` around the check) a rollback
would bring the challenge back, so there a private connection of the ledger's own does the
work and commits each statement at once.

SQLite allows one writer at a time: once the request's own transaction has written, a
second connection must wait for it, and it would wait for the view that is waiting for the
check. So on SQLite the private connection waits briefly, and when the database stays
locked the statement runs inside the request's transaction instead, in a savepoint. That
is the one case where a rollback can undo a check (documented in docs/stores.md); the
middleware, which checks before the view's transaction starts, is never in it.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple, TypeVar

from django.core.signals import request_finished, request_started
from django.db import Error, IntegrityError, OperationalError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

from django_captcha_guard.storage.base import Entry, StoreUnavailable

__all__ = ["CHALLENGES", "SPENT_KEYS", "Ledger"]

CHALLENGES = "captcha_guard_challenge"
SPENT_KEYS = "captcha_guard_spent_key"
# How long SQLite's private connection waits for a lock before the statement falls back to
# the request's transaction: long enough for another process's short write, far shorter
# than a view that holds the lock until it returns.
SQLITE_WAIT_MS = 200

Result = TypeVar("Result")


class _Statements(NamedTuple):
    insert_challenge: str
    insert_key: str
    select: str
    delete: str
    delete_returning: str
    cull: str


def _statements(connection: BaseDatabaseWrapper, table: str) -> _Statements:
    """The SQL for one table, quoted for ``connection``'s database; no value is ever formatted in."""
    q = connection.ops.quote_name
    t, key, digest, expires = q(table), q("key"), q("digest"), q("expires_at")
    # Identifiers only, all of them constants of this module: values always go as parameters.
    return _Statements(
        insert_challenge=f"INSERT INTO {t} ({key}, {expires}, {digest}) VALUES (%s, %s, %s)",  # noqa: S608
        insert_key=f"INSERT INTO {t} ({key}, {expires}) VALUES (%s, %s)",  # noqa: S608
        select=f"SELECT {digest}, {expires} FROM {t} WHERE {key} = %s",  # noqa: S608
        delete=f"DELETE FROM {t} WHERE {key} = %s",  # noqa: S608
        delete_returning=f"DELETE FROM {t} WHERE {key} = %s RETURNING {digest}, {expires}",  # noqa: S608
        cull=f"DELETE FROM {t} WHERE {expires} <= %s",  # noqa: S608
    )


Work = Callable[[CursorWrapper, _Statements], Result]


class Ledger:
    """Plain SQL on one table of :mod:`django_captcha_guard.models`; every error is StoreUnavailable.

    Plain SQL rather than the ORM: each call is one or two short statements, and the private
    connection has no alias the ORM could route to.
    """

    def __init__(self, table: str, using: str, *, cull_every: int) -> None:
        self.table = table
        self.using = using
        self.cull_every = cull_every
        self._writes = itertools.count(1)
        self._sql: dict[str, _Statements] = {}  # by database vendor

    def insert(self, key: str, expires_at: float, now: float, digest: str | None = None) -> bool:
        """Add a row; False when ``key`` is already there (the database's unique key says so)."""
        cull = next(self._writes) % self.cull_every == 0

        def work(cursor: CursorWrapper, sql: _Statements) -> bool:
            if cull:
                # Amortised clean-up: every cull_every-th write drops what has expired (an index
                # on expires_at keeps it cheap), so the table holds about TIMEOUT's worth of rows.
                cursor.execute(sql.cull, [now])
            try:
                with _savepoint(cursor.db):
                    if digest is None:
                        cursor.execute(sql.insert_key, [key, expires_at])
                    else:
                        cursor.execute(sql.insert_challenge, [key, expires_at, digest])
            except IntegrityError:
                return False
            return True

        return self._run(work)

    def select(self, key: str) -> Entry | None:
        def work(cursor: CursorWrapper, sql: _Statements) -> Entry | None:
            cursor.execute(sql.select, [key])
            return _entry(cursor.fetchone())

        return self._run(work)

    def delete(self, key: str) -> Entry | None:
        """Remove the row and return it, to at most one of any number of concurrent callers."""

        def work(cursor: CursorWrapper, sql: _Statements) -> Entry | None:
            if _returns_rows(cursor.db):
                cursor.execute(sql.delete_returning, [key])
                return _entry(cursor.fetchone())
            cursor.execute(sql.select, [key])
            row = cursor.fetchone()
            if row is None:
                return None
            cursor.execute(sql.delete, [key])
            # Of all callers that read the row, only the one whose delete removed it may use it.
            return _entry(row) if cursor.rowcount == 1 else None

        return self._run(work)

    def _run(self, work: Work[Result]) -> Result:
        request_connection = connections[self.using]
        try:
            if not request_connection.in_atomic_block:
                return self._on(request_connection, work)
            private = _private_connection(self.using)
            if request_connection.vendor != "sqlite":
                return self._on(private, work)
            try:
                return self._on(private, work, wait_ms=SQLITE_WAIT_MS)
            except OperationalError as exc:
                if "locked" not in str(exc):
                    raise
                return self._on(request_connection, work)  # the documented SQLite limit
        except Error as exc:
            raise StoreUnavailable(f"Database {self.using!r} failed on {self.table}: {exc}") from exc

    def _on(self, connection: BaseDatabaseWrapper, work: Work[Result], wait_ms: int | None = None) -> Result:
        sql = self._sql.get(connection.vendor)
        if sql is None:
            sql = self._sql[connection.vendor] = _statements(connection, self.table)
        try:
            # In the request's transaction, a failed statement must not leave it unusable.
            with _savepoint(connection), connection.cursor() as cursor:
                if wait_ms is not None:
                    cursor.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
                return work(cursor, sql)
        finally:
            if connection is not connections[self.using]:
                # A private connection lives as long as CONN_MAX_AGE allows: with the default 0,
                # it closes at once, so none is left open when the thread or a test run ends.
                connection.close_if_unusable_or_obsolete()


@contextmanager
def _savepoint(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """A savepoint of its own inside a transaction, so an error leaves that transaction usable."""
    if connection.in_atomic_block:
        with transaction.atomic(using=connection.alias):
            yield
    else:
        yield


def _entry(row: tuple[Any, ...] | None) -> Entry | None:
    return Entry(row[0], float(row[1])) if row else None


def _returns_rows(connection: BaseDatabaseWrapper) -> bool:
    """Whether ``DELETE ... RETURNING`` works here: one round trip instead of two."""
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        return bool(connection.Database.sqlite_version_info >= (3, 35))  # type: ignore[attr-defined]
    return False


_private = threading.local()


def _private_connection(using: str) -> BaseDatabaseWrapper:
    """This thread's private connection to ``using``: its own autocommit, outside any transaction."""
    private: dict[str, BaseDatabaseWrapper] = _private.__dict__.setdefault("connections", {})
    if using not in private:
        private[using] = connections.create_connection(using)
    return private[using]


def _close_private_connections(**kwargs: Any) -> None:
    """Close this thread's private connections as Django closes its own: when obsolete or broken."""
    for connection in getattr(_private, "connections", {}).values():
        connection.close_if_unusable_or_obsolete()


request_started.connect(_close_private_connections)
request_finished.connect(_close_private_connections)
