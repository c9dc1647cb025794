"""DatabaseStore: challenges as rows in the project's database (the default store).

It needs nothing Django does not already have: with the default SQLite, or PostgreSQL,
MySQL and MariaDB, every process and host that shares the database shares the
challenges, and a page that shows a picture creates one short-lived row, not a session.

Single use comes from the database itself: ``pop`` deletes the row and only the caller
whose ``DELETE`` removed it gets the entry. Of concurrent deleters the database reports
the row to exactly one (PostgreSQL and InnoDB make the others wait on the row lock and
then find nothing; SQLite runs one write at a time). The delete commits at once, in
autocommit mode, before the view runs, so nothing the view does afterwards (answering a
5xx, raising, failing to save the session) can bring the challenge back.

Inside a transaction (``ATOMIC_REQUESTS``, or ``transaction.atomic`` around the check) a
rollback would bring it back, so there the store works on a connection of its own, which
commits each statement at once. SQLite allows one writer at a time, and a second
connection would wait for the request's own transaction; on SQLite the store therefore
works inside the transaction, in a savepoint (see the docs: check the captcha before
writing, and prefer PostgreSQL for ``ATOMIC_REQUESTS``).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, NamedTuple

from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, Error, IntegrityError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.http import HttpRequest

from django_captcha_guard.storage.base import BaseStore, Entry, StoreUnavailable, site_namespace

CHALLENGES = "captcha_guard_challenge"
SPENT_KEYS = "captcha_guard_spent_key"


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


class Ledger:
    """Plain SQL on one table of :mod:`django_captcha_guard.models`, through a durable connection.

    Plain SQL rather than the ORM: each call is one short statement, and the private
    connection used inside transactions has no alias the ORM could route to.
    Every database error becomes :class:`StoreUnavailable`.
    """

    def __init__(self, table: str, using: str, *, cull_every: int) -> None:
        self.table = table
        self.using = using
        self.cull_every = cull_every
        self._writes = itertools.count(1)
        self._sql: dict[str, _Statements] = {}  # by database vendor

    def insert(self, key: str, expires_at: float, now: float, digest: str | None = None) -> bool:
        """Add a row; False when ``key`` is already there (the database's unique key says so)."""
        with self._cursor() as (cursor, sql):
            if next(self._writes) % self.cull_every == 0:
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

    def select(self, key: str) -> Entry | None:
        with self._cursor() as (cursor, sql):
            cursor.execute(sql.select, [key])
            return _entry(cursor.fetchone())

    def delete(self, key: str) -> Entry | None:
        """Remove the row and return it, to at most one of any number of concurrent callers."""
        with self._cursor() as (cursor, sql):
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

    @contextmanager
    def _cursor(self) -> Iterator[tuple[CursorWrapper, _Statements]]:
        connection = _durable_connection(self.using)
        try:
            sql = self._sql.get(connection.vendor)
            if sql is None:
                sql = self._sql[connection.vendor] = _statements(connection, self.table)
            with ExitStack() as stack:
                # SQLite inside the request's transaction: a failed statement must not leave
                # that transaction unusable for the view.
                stack.enter_context(_savepoint(connection))
                yield stack.enter_context(connection.cursor()), sql
        except Error as exc:
            raise StoreUnavailable(f"Database {self.using!r} failed on {self.table}: {exc}") from exc
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


class DatabaseStore(BaseStore):
    """Rows in ``captcha_guard_challenge`` on the database ``USING`` (default ``"default"``).

    Run ``manage.py migrate`` once to create the table. ``CULL_EVERY`` writes, the expired
    rows are deleted (default 100, which keeps the table near ``TIMEOUT``'s worth of rows).
    """

    def __init__(self, *, USING: str = DEFAULT_DB_ALIAS, CULL_EVERY: int = 100, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(USING, str):
            raise ValueError(f"DatabaseStore USING must be a database alias, not {USING!r}.")
        if not isinstance(CULL_EVERY, int) or isinstance(CULL_EVERY, bool) or CULL_EVERY < 1:
            raise ValueError(f"DatabaseStore CULL_EVERY must be a positive whole number, not {CULL_EVERY!r}.")
        self.using = USING
        self.ledger = Ledger(CHALLENGES, USING, cull_every=CULL_EVERY)

    def save(self, request: HttpRequest, key: str, entry: Entry, timeout: int) -> None:
        if not self.ledger.insert(_row_key(key), entry.expires_at, self.clock(), entry.digest):
            raise StoreUnavailable("A challenge key was issued twice.")

    def get(self, request: HttpRequest, key: str) -> Entry | None:
        entry = self.ledger.select(_row_key(key))
        return entry if self.is_live(entry) else None

    def pop(self, request: HttpRequest, key: str) -> Entry | None:
        return self.ledger.delete(_row_key(key))


def _row_key(key: str) -> str:
    return f"{site_namespace()}:{key}"


def _returns_rows(connection: BaseDatabaseWrapper) -> bool:
    """Whether ``DELETE ... RETURNING`` works here: one round trip instead of two."""
    if connection.vendor == "postgresql":
        return True
    if connection.vendor == "sqlite":
        return bool(connection.Database.sqlite_version_info >= (3, 35))  # type: ignore[attr-defined]
    return False


_private = threading.local()


def _durable_connection(using: str) -> BaseDatabaseWrapper:
    """The request's connection, or inside a transaction a private one whose writes commit at once."""
    connection = connections[using]
    if not connection.in_atomic_block or connection.vendor == "sqlite":
        return connection
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
