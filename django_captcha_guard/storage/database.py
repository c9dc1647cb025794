"""DatabaseStore: challenges as rows in the project's database (the default store).

It needs nothing Django does not already have: with the default SQLite, or PostgreSQL,
MySQL and MariaDB, every process and host that shares the database shares the
challenges, and a page that shows a picture creates one short-lived row, not a session.

Single use comes from the database itself: ``pop`` deletes the row and only the caller
whose ``DELETE`` removed it gets the entry. Of concurrent deleters the database reports
the row to exactly one (PostgreSQL and InnoDB make the others wait on the row lock and
then find nothing; SQLite runs one write at a time). The delete commits at once, before
the view runs, so nothing the view does afterwards (answering a 5xx, raising, failing to
save the session) can bring the challenge back: see :mod:`.ledger` for transactions.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage
from django.db import DEFAULT_DB_ALIAS
from django.http import HttpRequest

from django_captcha_guard.storage.base import BaseStore, Entry, StoreUnavailable, site_namespace
from django_captcha_guard.storage.ledger import CHALLENGES, Ledger

__all__ = ["DatabaseStore"]


class DatabaseStore(BaseStore):
    """Rows in ``captcha_guard_challenge`` on the database ``USING`` (default ``"default"``).

    Run ``manage.py migrate`` once to create the table. ``CULL_EVERY`` writes, the expired
    rows are deleted (default 100, which keeps the table near ``TIMEOUT``'s worth of rows).
    """

    @classmethod
    def check(cls, options: dict[str, Any]) -> list[CheckMessage]:
        from django_captcha_guard.checks import stores  # imported late: the checks import every store

        return stores.database_problems(options)

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
