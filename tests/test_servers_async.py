"""The async endpoints (urls_async) under uvicorn, against real Redis, a database and memory.

The site runs with ``captcha/`` from django_captcha_guard.urls_async and the cache store
counting its rate limit in its own Redis cache, so issuing and each picture are one
asyncio round trip (storage/redis_async.py). Over HTTP: issuing and pictures work, with
the same 400/410/429 as the sync views; ``RATE_LIMIT`` N with 3N parallel requests from
one address gives exactly N challenges; stopping the site's private Redis answers 503
with an ERROR line in the server's log; and stores without Redis (memory, database) work
through the thread fallback.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from django_captcha_guard.core import MESSAGES, Reason, new_key
from django_captcha_guard.ratelimit import RENDERS_PER_KEY, WINDOW
from tests.processes import PrivateRedis
from tests.servers import FIGURES, Server, Visitor, serve_site, tally

pytestmark = [pytest.mark.slow, pytest.mark.redis]

LIMIT = 10
ISSUE_ERROR = "ERROR django_captcha_guard: Captcha store unavailable while issuing a challenge"
IMAGE_ERROR = "ERROR django_captcha_guard: Captcha store unavailable while serving an image"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("asgi-async")
    with serve_site(folder, kind="asgi", store="cache", async_urls=True, count_in_store=True) as running:
        yield running


def test_issuing_and_the_picture(server: Server) -> None:
    visitor = Visitor(server)
    issued = visitor.get("/captcha/new/")
    assert issued.status == 200, issued.text
    assert issued.headers["Cache-Control"].startswith("max-age=0, no-cache, no-store")
    data = issued.json()
    assert set(data) == {"key", "image_url", "audio_url", "expires_in"}
    picture = visitor.get(data["image_url"])
    assert (picture.status, picture.headers["Content-Type"]) == (200, "image/png")
    assert picture.body.startswith(b"\x89PNG")
    assert visitor.get(data["image_url"]).body == picture.body  # the same key, the same picture
    inline = visitor.get("/captcha/new/?inline=1").json()
    assert inline["image"].startswith("data:image/png;base64,")


def test_the_picture_refusals(server: Server) -> None:
    visitor = Visitor(server)
    key = visitor.get("/captcha/new/").json()["key"]
    statuses = [visitor.get(f"/captcha/{key}.png").status for _ in range(RENDERS_PER_KEY + 2)]
    assert statuses == [200] * RENDERS_PER_KEY + [429, 429]
    gone = visitor.get(f"/captcha/{new_key()}.png")
    assert (gone.status, gone.text) == (410, str(MESSAGES[Reason.EXPIRED]))
    assert visitor.get("/captcha/not-a-key.png").status == 400
    assert visitor.get(f"/captcha/{new_key()}.png?scale=3").status == 400
    assert visitor.get(f"/captcha/{new_key()}.gif").status == 404
    assert server.send("POST", "/captcha/new/").status == 405


def parallel_gets(server: Server, path: str, count: int) -> list[int]:
    """``count`` GETs of ``path`` released at once (a barrier); their statuses."""
    start = threading.Barrier(count)
    statuses = [0] * count

    def get(index: int) -> None:
        start.wait()
        statuses[index] = server.send("GET", path).status

    threads = [threading.Thread(target=get, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_the_rate_limit_counts_exactly_under_parallel_requests(tmp_path: Path) -> None:
    with serve_site(
        tmp_path, kind="asgi", store="cache", async_urls=True, count_in_store=True, rate_limit=LIMIT
    ) as server:
        statuses = parallel_gets(server, "/captcha/new/", 3 * LIMIT)
        after = server.send("GET", "/captcha/new/")
    FIGURES.append(f"uvicorn async urls, RATE_LIMIT {LIMIT}, {3 * LIMIT} parallel issues: {tally(statuses)}")
    assert sorted(statuses) == [200] * LIMIT + [429] * (2 * LIMIT)
    assert after.status == 429 and 1 <= int(after.headers["Retry-After"]) <= 60


def test_a_redis_outage_answers_503_and_logs(tmp_path: Path, private_redis: PrivateRedis) -> None:
    with serve_site(
        tmp_path, kind="asgi", store="cache", async_urls=True, count_in_store=True, redis=private_redis.url()
    ) as server:
        visitor = Visitor(server)
        key = visitor.get("/captcha/new/").json()["key"]
        assert visitor.get(f"/captcha/{key}.png").status == 200
        private_redis.stop()
        issued, picture = visitor.get("/captcha/new/"), visitor.get(f"/captcha/{key}.png")
        log = server.log_text()
    unavailable = str(MESSAGES[Reason.UNAVAILABLE])
    assert (issued.status, issued.json()) == (503, {"code": 503, "errmsg": unavailable, "reason": "unavailable"})
    assert (picture.status, picture.text) == (503, unavailable)
    assert ISSUE_ERROR in log and IMAGE_ERROR in log
    assert "Traceback" not in issued.text + picture.text


@pytest.mark.parametrize("store", ["memory", "database"])
def test_stores_without_redis_work_through_the_fallback(tmp_path: Path, store: str) -> None:
    with serve_site(tmp_path, kind="asgi", store=store, async_urls=True, rate_limit=LIMIT) as server:
        visitor = Visitor(server)
        # The limit counts in fixed windows: start well inside one, or the count restarts midway.
        left = WINDOW - time.time() % WINDOW
        if left < 15:
            time.sleep(left + 0.5)
        key = visitor.get("/captcha/new/").json()["key"]
        assert visitor.get(f"/captcha/{key}.png").status == 200
        assert visitor.get(f"/captcha/{new_key()}.png").status == 410
        replaced = visitor.get(f"/captcha/new/?replaces={key}")
        assert replaced.status == 200
        assert visitor.get(f"/captcha/{key}.png").status == 410  # retired by the replacement
        statuses = [visitor.get("/captcha/new/").status for _ in range(LIMIT)]
        log = server.log_text()
    assert statuses.count(429) == 2  # LIMIT a minute: two were issued above
    assert "ERROR" not in log
