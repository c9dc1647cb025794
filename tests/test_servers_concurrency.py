"""Exactly once over HTTP: parallel POSTs of one solved challenge with one cookie pass at most once.

Each round one visitor loads the widget page (its cookie and a key), the test computes the
answer with the server's ``SECRET_KEY``, and 32 threads post that answer with that same
cookie at the same moment (a barrier) to a ``@require_captcha`` view. The server is
gunicorn with two sync worker processes, or one gthread worker with eight threads, so
the requests race across processes and across threads. Every configuration but the
cache store's runs on SQLite (a file) and on PostgreSQL: the database store (the default),
and the session store on Django's default database sessions. On the code before issue
11 the session store let several of the 32 through in most rounds. A round with no
success at all would mean the test could not see a pass, so most rounds must have one.

The figures are printed at the end of the pytest run ("server figures").
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.servers import FIGURES, Server, Visitor, serve_site, tally

pytestmark = [pytest.mark.slow, pytest.mark.redis]

THREADS = 32
ROUNDS = 100

# (server, store, database)
CONFIGURATIONS = [
    ("sync", "database", "sqlite"),
    ("sync", "database", "postgresql"),
    ("sync", "session", "sqlite"),
    ("sync", "session", "postgresql"),
    ("sync", "cache", "sqlite"),  # the cache store keeps challenges in Redis; the database holds nothing of it
    ("gthread", "database", "sqlite"),
    ("gthread", "database", "postgresql"),
    ("gthread", "session", "sqlite"),
    ("gthread", "session", "postgresql"),
]


def race(server: Server, rounds: int) -> list[list[int]]:
    """For each round, the statuses of THREADS simultaneous POSTs of one solved challenge with one cookie."""
    start = threading.Barrier(THREADS + 1)
    done = threading.Barrier(THREADS + 1)
    current: dict[str, object] = {}
    statuses: list[list[int]] = [[] for _ in range(rounds)]
    errors: list[BaseException] = []

    def post_in_turn() -> None:
        try:
            for round_ in range(rounds):
                start.wait()
                reply = server.send("POST", "/protected/", current["body"], current["headers"])  # type: ignore[arg-type]
                statuses[round_].append(reply.status)
                done.wait()
        except BaseException as exc:  # surfaced below, not swallowed
            errors.append(exc)
            start.abort()
            done.abort()

    threads = [threading.Thread(target=post_in_turn) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    try:
        for _ in range(rounds):
            visitor = Visitor(server)
            current["body"] = urlencode(visitor.challenge()).encode()
            current["headers"] = visitor.headers(**{"Content-Type": "application/x-www-form-urlencoded"})
            start.wait()
            done.wait()
    except BaseException:
        # Release the workers (a worker that failed has broken the barriers already).
        start.abort()
        done.abort()
        if not errors:
            raise
    finally:
        for thread in threads:
            thread.join()
    assert not errors, errors[:3]
    return statuses


@pytest.mark.parametrize(("kind", "store", "database"), CONFIGURATIONS, ids=["-".join(c) for c in CONFIGURATIONS])
def test_one_cookie_32_parallel_posts_pass_at_most_once(tmp_path: Path, kind: str, store: str, database: str) -> None:
    began = time.monotonic()
    with serve_site(tmp_path, database, kind, store=store) as server:
        statuses = race(server, ROUNDS)
    successes = [sum(200 <= status < 300 for status in round_) for round_ in statuses]
    several, once, never = sum(n > 1 for n in successes), successes.count(1), successes.count(0)
    FIGURES.append(
        f"concurrency {kind}-{store}-{database}: {ROUNDS} rounds x {THREADS} POSTs with one cookie: "
        f"{several} rounds with >1 success, {once} with exactly 1, {never} with none; "
        f"statuses {tally([status for round_ in statuses for status in round_])}; {time.monotonic() - began:.0f} s"
    )
    assert all(len(round_) == THREADS for round_ in statuses)
    assert several == 0, successes
    assert once > ROUNDS // 2, successes  # the test sees passes, so it could see two
