"""Redis round trips per request: one to issue (rate limit included), one per picture, one to verify.

Counted with ``MONITOR`` on a private ``redis-server``, so the only commands it sees are
this test's. A Lua script's inner commands and a ``MULTI``/``EXEC`` block reach the
server in one request, so each counts as one round trip. Refusals are the point: a flood
of 429s costs one round trip in all, 410s one each for keys the site issued and none for
made-up keys, 400s none, and none stores or draws anything.
"""

from __future__ import annotations

import gc
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from asgiref.sync import async_to_sync
from django.core.cache import caches
from django.test import AsyncClient, Client, override_settings
from django.urls import reverse

from django_captcha_guard import core
from django_captcha_guard.core import Reason
from django_captcha_guard.paths import image_path
from django_captcha_guard.storage.redis_async import aclose_idle
from django_captcha_guard.storage.redis_commands import redis_commands
from tests.processes import PrivateRedis
from tests.stores import FakeClock, Harness, answer_for
from tests.test_storage_concurrency import race_threads

pytestmark = pytest.mark.redis

BACKENDS = {
    "django-redis": "django_redis.cache.RedisCache",
    "django-builtin-redis": "django.core.cache.backends.redis.RedisCache",
}
LIMIT = 3


class RoundTrips:
    """The requests clients send to ``server`` while the block runs, from ``MONITOR``.

    ``ECHO`` markers from a client of its own open and close the block, so the count does not
    depend on how long the monitor takes to see a command.
    """

    def __init__(self, server: PrivateRedis) -> None:
        self.server = server
        self.requests: list[str] = []
        self._marker = uuid.uuid4().hex
        self._seen_start = threading.Event()
        self._thread = threading.Thread(target=self._watch)
        self._markers = server.client()  # one connection: its handshake comes before the start marker

    def _watch(self) -> None:
        with self.server.client().monitor() as monitor:
            self._seen_start.set()  # MONITOR is on before the start marker is sent
            in_transaction, started = False, False
            while True:
                command = monitor.next_command()
                text = command["command"]
                if text == f"ECHO {self._marker}-start":
                    started = True
                elif text == f"ECHO {self._marker}-end":
                    return
                elif started and command["client_type"] != "lua" and not in_transaction:
                    self.requests.append(text)
                if started and text.upper() in ("MULTI", "EXEC"):
                    in_transaction = text.upper() == "MULTI"

    def __enter__(self) -> RoundTrips:
        self._thread.start()
        self._seen_start.wait(10)
        self._markers.echo(f"{self._marker}-start")
        return self

    def __exit__(self, *exc: object) -> None:
        self._markers.echo(f"{self._marker}-end")
        self._markers.close()
        self._thread.join(10)
        assert not self._thread.is_alive()

    @property
    def count(self) -> int:
        return len(self.requests)


@pytest.fixture(params=list(BACKENDS))
def counted(request: pytest.FixtureRequest, settings: Any) -> Iterator[PrivateRedis]:
    """The cache store and the rate limit (``RATE_LIMIT`` 3) on one alias, on a private Redis."""
    server = PrivateRedis()
    server.start()
    settings.CACHES = {**settings.CACHES, "counted": {"BACKEND": BACKENDS[request.param], "LOCATION": server.url()}}
    settings.CAPTCHA_GUARD = {
        "STORE": {"BACKEND": "cache", "OPTIONS": {"ALIAS": "counted"}},
        "RATE_LIMIT": LIMIT,
        "RATE_LIMIT_CACHE": "counted",
    }
    yield server
    caches["counted"].close()
    server.stop()


def new(client: Client) -> Any:
    return client.get(reverse("captcha_guard:new"))


def image(client: Client, key: str) -> Any:
    return client.get(reverse("captcha_guard:image", kwargs={"key": key, "extension": "png"}))


def warm(client: Client) -> str:
    """One whole flow first: loads the scripts (the first call of each is EVALSHA, then EVAL)."""
    key: str = new(client).json()["key"]
    assert image(client, key).status_code == 200
    request = client.get("/").wsgi_request
    assert core.verify(request, key, answer_for(key)).ok
    return key


def test_issuing_with_the_rate_limit_is_one_round_trip(counted: PrivateRedis) -> None:
    client = Client()
    warm(client)
    with RoundTrips(counted) as trips:
        response = new(client)
    assert response.status_code == 200
    assert [command.split()[0] for command in trips.requests] == ["EVALSHA"]
    raw = counted.client()
    [stored] = [k for k in raw.scan_iter() if response.json()["key"].encode() in k]
    assert 0 < raw.ttl(stored) <= 300  # the challenge expires in Redis too
    [rate] = [k for k in raw.scan_iter(match="*:rate:*")]
    assert int(raw.get(rate)) == 2 and 0 < raw.ttl(rate) <= 61  # warm() spent one


def test_with_the_rate_limit_in_another_cache_the_store_takes_one_round_trip(
    counted: PrivateRedis, settings: Any
) -> None:
    settings.CAPTCHA_GUARD = {**settings.CAPTCHA_GUARD, "RATE_LIMIT_CACHE": "default"}
    client = Client()
    warm(client)
    with RoundTrips(counted) as trips:
        key = new(client).json()["key"]
    assert [command.split()[0] for command in trips.requests] == ["SET"]
    assert image(client, key).status_code == 200  # written and read the same way


def test_a_flood_of_rate_limited_requests_costs_one_round_trip_and_stores_nothing(counted: PrivateRedis) -> None:
    """The first refusal counts in Redis; the process remembers it for the rest of the window."""
    client = Client()
    warm(client)
    for _ in range(LIMIT - 1):
        assert new(client).status_code == 200
    keys_before = counted.client().dbsize()
    with RoundTrips(counted) as trips:
        statuses = [new(client).status_code for _ in range(20)]
    assert statuses == [429] * 20
    assert trips.count == 1
    assert counted.client().dbsize() == keys_before  # no challenge stored for a refusal


def test_a_picture_is_one_round_trip_and_unknown_or_malformed_keys_draw_nothing(counted: PrivateRedis) -> None:
    client = Client()
    key = warm(client)  # verified, so gone
    live = new(client).json()["key"]
    with RoundTrips(counted) as picture:
        assert image(client, live)["Content-Type"] == "image/png"
    with RoundTrips(counted) as gone:
        responses = [image(client, key), image(client, core.new_key())]
    with RoundTrips(counted) as malformed:
        response = image(client, "not-a-key")
    assert picture.count == 1
    assert [r.status_code for r in responses] == [410, 410] and gone.count == 2
    assert all(r["Content-Type"].startswith("text/plain") for r in responses)
    assert response.status_code == 400 and malformed.count == 0


def test_made_up_keys_cost_no_round_trip_anywhere(counted: PrivateRedis) -> None:
    """A key the site never issued fails its tag: the picture is a 410, a post EXPIRED, with no command sent."""
    client = Client()
    warm(client)
    with override_settings(SECRET_KEY="another-site-" + "s" * 40):
        other_site = core.new_key()
    made_up = ["A" * 22, "abcdefghijklmnopqrstuv", other_site]
    request = client.get("/").wsgi_request
    with RoundTrips(counted) as trips:
        pictures = [image(client, key).status_code for key in made_up]
        reasons = [core.verify(request, key, "AAAAA").reason for key in made_up]
        replaced = client.get(reverse("captcha_guard:new"), {"replaces": "A" * 22})
    assert pictures == [410] * 3 and reasons == [Reason.EXPIRED] * 3
    assert replaced.status_code == 200
    assert [command.split()[0] for command in trips.requests] == ["EVALSHA"]  # only the new challenge's


def test_too_many_renders_are_refused_in_one_round_trip_without_drawing(counted: PrivateRedis) -> None:
    client = Client()
    warm(client)
    key = new(client).json()["key"]
    while image(client, key).status_code == 200:
        pass
    with RoundTrips(counted) as trips:
        responses = [image(client, key) for _ in range(10)]
    assert {r.status_code for r in responses} == {429}
    assert all(r["Content-Type"].startswith("text/plain") for r in responses)
    assert trips.count == 10


def test_verifying_is_one_round_trip(counted: PrivateRedis) -> None:
    client = Client()
    warm(client)
    key = new(client).json()["key"]
    request = client.get("/").wsgi_request
    with RoundTrips(counted) as trips:
        assert core.verify(request, key, answer_for(key)).ok
        assert core.verify(request, key, answer_for(key)).reason is Reason.EXPIRED
    assert [command.split()[0] for command in trips.requests] == ["GETDEL", "GETDEL"]


@pytest.fixture
def without_getdel(settings: Any) -> Iterator[PrivateRedis]:
    """A server that answers GETDEL as Redis before 6.2 did: unknown command."""
    server = PrivateRedis("--rename-command", "GETDEL", "")
    server.start()
    settings.CACHES = {**settings.CACHES, "old": {"BACKEND": BACKENDS["django-redis"], "LOCATION": server.url()}}
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "cache", "OPTIONS": {"ALIAS": "old"}}, "RATE_LIMIT": None}
    yield server
    caches["old"].close()
    server.stop()


def test_without_getdel_consuming_is_one_transaction_and_still_single_use(without_getdel: PrivateRedis) -> None:
    with pytest.raises(redis.ResponseError, match="unknown command"):
        without_getdel.client().execute_command("GETDEL", "x")
    request = Client().get("/").wsgi_request
    first = core.issue(request)
    assert core.verify(request, first, answer_for(first)).ok  # learns that GETDEL is missing
    assert redis_commands(caches["old"]).has_getdel is False  # type: ignore[union-attr]
    key = core.issue(request)
    with RoundTrips(without_getdel) as trips:
        assert core.verify(request, key, answer_for(key)).ok
        assert core.verify(request, key, answer_for(key)).reason is Reason.EXPIRED
    assert [command.split()[0] for command in trips.requests] == ["MULTI", "MULTI"]


def test_without_getdel_exactly_one_of_32_threads_passes(without_getdel: PrivateRedis, settings: Any) -> None:
    harness = Harness("cache-django-redis", FakeClock())
    assert race_threads(harness, rounds=20) == [1] * 20


@pytest.mark.parametrize("counted", ["django-redis"], indirect=True)
def test_a_cache_instance_per_request_leaves_no_connections_behind(counted: PrivateRedis, settings: Any) -> None:
    """Under ASGI Django makes a cache instance per request; each must not keep a connection open.

    django-redis shares one pool per server between cache instances, so the store adds one
    connection per thread. (Django's own backend makes a pool per cache instance, and with
    redis-py 8 such a pool outlives its instance whatever the store does: not tested here.)
    """
    for _ in range(50):
        commands = redis_commands(caches.create_connection("counted"))
        assert commands is not None
        assert commands.set(core.new_key(), b"x", 10)
    del commands
    gc.collect()
    client, deadline = counted.client(), time.monotonic() + 10
    # The server notices closed connections on its own schedule: wait for it, up to a bound.
    while (connected := client.info("clients")["connected_clients"]) > 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert connected <= 2  # this client, and the thread's one connection of the shared pool


def test_the_async_endpoints_take_the_same_round_trips(counted: PrivateRedis, settings: Any) -> None:
    """urls_async on Redis: issuing (rate limit included) and a picture are one asyncio round trip each."""
    settings.ROOT_URLCONF = "tests.urls_async"
    client = AsyncClient()

    async def scenario() -> tuple[RoundTrips, RoundTrips, RoundTrips, RoundTrips, list[int]]:
        try:
            first = (await client.get(reverse("captcha_guard:new"))).json()["key"]  # loads the scripts
            assert (await client.get(image_path(first, "png"))).status_code == 200
            with RoundTrips(counted) as issuing:
                key = (await client.get(reverse("captcha_guard:new"))).json()["key"]
            with RoundTrips(counted) as picture:
                drawn = await client.get(image_path(key, "png"))
            with RoundTrips(counted) as gone:
                unknown = await client.get(image_path(core.new_key(), "png"))
            with RoundTrips(counted) as made_up:
                forged = await client.get(image_path("A" * 22, "png"))
            return issuing, picture, gone, made_up, [drawn.status_code, unknown.status_code, forged.status_code]
        finally:
            await aclose_idle()

    issuing, picture, gone, made_up, statuses = async_to_sync(scenario)()
    assert statuses == [200, 410, 410]
    assert [command.split()[0] for command in issuing.requests] == ["EVALSHA"]
    assert [command.split()[0] for command in picture.requests] == ["EVALSHA"]
    assert gone.count == 1 and made_up.count == 0
