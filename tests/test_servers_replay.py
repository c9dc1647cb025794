"""A protected view that fails after acting cannot be replayed, over HTTP against gunicorn.

The acting views count what they did in Redis, outside any database transaction (as an
SMS, once sent, stays sent), then answer 502 or raise (500). The same solved challenge,
with the same cookie, is posted ten times: the action must happen once. On the code
before issue 11 the session store saved nothing on a 5xx, so every replay acted again.

With ``ATOMIC_REQUESTS`` a view that raises rolls its transaction back. On PostgreSQL the
stores consume the challenge on a connection of their own, so the rollback cannot bring it
back. On SQLite they work in a savepoint of the request's transaction (docs/stores.md):
the test at the end records what that means for a view that acts and raises, and that the
middleware, whose check runs before the view's transaction, is the way out there.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import FIGURES, Counter, Visitor, serve_site, tally

pytestmark = [pytest.mark.slow, pytest.mark.redis]

REPLAYS = 10
CRASH = "RuntimeError: acted, then crashed"

# (store, database)
STORES = [
    ("database", "sqlite"),
    ("database", "postgresql"),
    ("session", "sqlite"),
    ("session", "postgresql"),
    ("cache", "sqlite"),
]


@pytest.fixture
def counter() -> Iterator[Counter]:
    acted = Counter()
    yield acted
    acted.delete()


def replay(visitor: Visitor, path: str, counter: Counter, label: str) -> list[int]:
    """Post one solved challenge REPLAYS times with the visitor's cookie; the statuses."""
    fields = {**visitor.challenge(), "counter": counter.name}
    statuses = [visitor.post(path, fields).status for _ in range(REPLAYS)]
    FIGURES.append(f"replay {label} {path}: {REPLAYS} posts of one answer: {tally(statuses)}; acted {counter.value()}x")
    return statuses


@pytest.mark.parametrize(("store", "database"), STORES, ids=["-".join(s) for s in STORES])
def test_a_view_that_acts_then_answers_502_acts_once(
    tmp_path: Path, counter: Counter, store: str, database: str
) -> None:
    with serve_site(tmp_path, database, store=store) as server:
        statuses = replay(Visitor(server), "/act/502/", counter, f"{store}-{database}")
        assert statuses == [502] + [403] * (REPLAYS - 1)
        assert counter.value() == 1


@pytest.mark.parametrize("store", ["database", "session"])
def test_atomic_requests_on_postgresql_a_view_that_acts_then_raises_acts_once(
    tmp_path: Path, counter: Counter, store: str
) -> None:
    with serve_site(tmp_path, "postgresql", store=store, atomic=True) as server:
        statuses = replay(Visitor(server), "/act/raise/", counter, f"{store}-postgresql-atomic")
        assert statuses == [500] + [403] * (REPLAYS - 1)
        assert counter.value() == 1
        assert server.log_text().count(CRASH) == 1  # the 500 was the view's own, after acting


@pytest.mark.parametrize("store", ["database", "session"])
def test_atomic_requests_on_sqlite_the_decorator_check_rolls_back_with_the_view(
    tmp_path: Path, counter: Counter, store: str
) -> None:
    """The documented limit: on SQLite the check is part of the view's transaction.

    A view under ``@require_captcha`` that acts and then raises rolls back the consumption
    with everything else, so the same answer passes again and the view acts on every
    replay. ``PROTECTED_ROUTES`` checks before the transaction begins: there it acts once.
    """
    with serve_site(tmp_path, store=store, atomic=True) as server:
        statuses = replay(Visitor(server), "/act/raise/", counter, f"{store}-sqlite-atomic")
        assert statuses == [500] * REPLAYS
        assert counter.value() == REPLAYS

        through_middleware = Counter()
        try:
            statuses = replay(Visitor(server), "/route/act/raise/", through_middleware, f"{store}-sqlite-atomic")
            assert statuses == [500] + [403] * (REPLAYS - 1)
            assert through_middleware.value() == 1
        finally:
            through_middleware.delete()
