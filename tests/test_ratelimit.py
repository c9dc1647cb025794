"""The per-client fixed-window limit on issuing challenges, at every entry point, and renders per picture."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.db import connections
from django.test import Client, RequestFactory
from django.utils import translation

from django_captcha_guard.core import MESSAGES, Reason
from django_captcha_guard.ratelimit import RENDERS_PER_KEY, WINDOW, client_bucket, issuing_limit
from django_captcha_guard.storage import StoreUnavailable
from django_captcha_guard.testing import solve
from tests.stores import DATABASE_STORES, REDIS_STORES, FakeClock, Harness, configure, redis_client

WINDOW_START = 1_800_000_000.0  # a multiple of 60: the start of a window


@pytest.fixture(autouse=True)
def limit_of_three(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"RATE_LIMIT": 3, "STORE": {"BACKEND": "memory"}}
    caches["default"].clear()


def request_from(address: str, forwarded: str | None = None) -> Any:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/captcha/new/", REMOTE_ADDR=address, **extra)


def retry_after(request: Any, now: float = WINDOW_START) -> int | None:
    """Spend one of the client's challenges, as issuing does: None if allowed, else the wait."""
    limit = issuing_limit(request, clock=lambda: now)
    if limit is None or limit.counter.spend():
        return None
    return limit.retry_after


def hits(request: Any, count: int, now: float = WINDOW_START) -> list[int | None]:
    return [retry_after(request, now) for _ in range(count)]


def test_the_limit_allows_that_many_per_minute_then_says_how_long_to_wait() -> None:
    request = request_from("192.0.2.10")
    assert hits(request, 3, WINDOW_START + 15) == [None, None, None]
    assert hits(request, 2, WINDOW_START + 15) == [45, 45]


def test_the_wait_is_at_least_one_second() -> None:
    request = request_from("192.0.2.10")
    assert hits(request, 4, WINDOW_START + WINDOW - 0.2)[-1] == 1


def test_a_new_window_starts_a_new_count() -> None:
    request = request_from("192.0.2.10")
    assert hits(request, 4)[-1] == 60
    assert hits(request, 3, WINDOW_START + WINDOW) == [None, None, None]


def test_clients_are_counted_separately() -> None:
    hits(request_from("192.0.2.10"), 3)
    assert hits(request_from("192.0.2.11"), 1) == [None]
    assert hits(request_from("192.0.2.10"), 1) == [60]


def test_one_ipv6_network_is_one_client() -> None:
    hits(request_from("2001:db8:1:2::1"), 3)
    assert hits(request_from("2001:db8:1:2:ffff::9"), 1) == [60]  # same /64
    assert hits(request_from("2001:db8:1:3::1"), 1) == [None]  # next /64


@pytest.mark.parametrize(
    ("address", "bucket"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("::ffff:192.0.2.10", "192.0.2.10"),
        ("2001:db8::1", "2001:db8::/64"),
        ("", ""),
        ("not an address", "not an address"),
    ],
)
def test_client_bucket(address: str, bucket: str) -> None:
    assert client_bucket(request_from(address)) == bucket


def test_forwarded_for_counts_only_behind_trusted_proxies(settings: Any) -> None:
    # Without trusted proxies, a client forging X-Forwarded-For is still counted by address.
    hits(request_from("198.51.100.1", forwarded="192.0.2.1"), 3)
    assert hits(request_from("198.51.100.1", forwarded="192.0.2.2"), 1) == [60]
    settings.CAPTCHA_GUARD = {"RATE_LIMIT": 3, "TRUSTED_PROXIES": 1}
    assert hits(request_from("198.51.100.1", forwarded="192.0.2.3"), 3) == [None, None, None]
    assert hits(request_from("198.51.100.1", forwarded="192.0.2.3"), 1) == [60]
    assert hits(request_from("198.51.100.1", forwarded="192.0.2.4"), 1) == [None]


def test_none_switches_the_limit_off(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"RATE_LIMIT": None}
    assert set(hits(request_from("192.0.2.10"), 100)) == {None}


@pytest.mark.redis
@pytest.mark.parametrize("alias", ["django_redis", "django_builtin_redis"])
def test_counts_live_in_the_configured_cache(settings: Any, alias: str) -> None:
    """Shared by every process through Redis; both Redis cache backends count atomically."""
    settings.CAPTCHA_GUARD = {"RATE_LIMIT": 1, "RATE_LIMIT_CACHE": alias}
    request = request_from("192.0.2.99")
    try:
        assert hits(request, 2) == [None, 60]
        caches["default"].clear()  # the default cache holds no part of the count
        assert hits(request, 1) == [60]
    finally:
        client = redis_client(alias)
        for key in client.scan_iter(match="*captcha_guard:*:rate:*"):
            client.delete(key)


def test_an_unreachable_cache_fails_closed(settings: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "down": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    settings.CAPTCHA_GUARD = {"RATE_LIMIT_CACHE": "down"}
    with pytest.raises(StoreUnavailable):
        retry_after(request_from("192.0.2.10"))


# --- every way of asking for a challenge counts ----------------------------------------


def test_page_renders_count_towards_the_limit(client: Client) -> None:
    """A page with a widget is as good a way to ask for challenges as captcha/new/."""
    for _ in range(3):
        assert client.get("/page/").status_code == 200
    over = client.get("/page/")
    assert over.status_code == 429
    assert 0 < int(over["Retry-After"]) <= 60
    html = over.content.decode()
    assert 'data-captcha-guard-notice="rate_limited"' in html
    assert "Please wait a moment" in html
    assert "captcha_key" not in html  # no challenge was issued
    assert client.get("/captcha/new/").status_code == 429  # the same budget


def test_captcha_new_counts_towards_the_pages_budget(client: Client) -> None:
    for _ in range(3):
        assert client.get("/captcha/new/").status_code == 200
    assert client.get("/page/").status_code == 429


def test_the_wait_notice_is_translated(client: Client) -> None:
    for _ in range(3):
        client.get("/page/")
    with translation.override("zh-hans"):
        html = client.get("/page/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert translation.gettext("Too many new pictures were requested. Please wait a moment.") not in html
    assert "请稍候" in html or "请稍后" in html


@pytest.mark.slow
@pytest.mark.redis
@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.parametrize("store", ["cache-django-redis", "database-postgresql"])
def test_a_flood_of_page_loads_leaves_a_bounded_number_of_challenges(settings: Any, store: str) -> None:
    """100,000 page loads once left 100,001 keys in Redis; now one client holds what RATE_LIMIT allows."""
    harness = Harness(store, FakeClock())
    configure(settings, store, harness.clock, harness.prefix)
    settings.CAPTCHA_GUARD = {**settings.CAPTCHA_GUARD, "RATE_LIMIT": 20}
    flooder = Client(REMOTE_ADDR="198.51.100.7")
    statuses = [flooder.get("/page/").status_code for _ in range(500)]
    try:
        assert statuses.count(200) <= 40  # 20 a window; the run may straddle one window boundary
        assert statuses.count(429) >= 460
        assert 20 <= stored_challenges(harness) <= 40
    finally:
        harness.cleanup()


def stored_challenges(harness: Harness) -> int:
    if harness.name in REDIS_STORES:
        client = redis_client(harness.store.alias)  # type: ignore[attr-defined]
        return len(list(client.scan_iter(match=f"*{harness.prefix}*")))
    with connections[DATABASE_STORES[harness.name]].cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM captcha_guard_challenge")
        return int(cursor.fetchone()[0])


def test_a_flood_from_one_client_cannot_push_out_another_clients_challenge(settings: Any) -> None:
    """The memory store drops its oldest challenge when full; one client can no longer fill it."""
    settings.CAPTCHA_GUARD = {"RATE_LIMIT": 20, "STORE": {"BACKEND": "memory", "OPTIONS": {"MAXSIZE": 200}}}
    victim = Client(REMOTE_ADDR="192.0.2.1")
    key = victim.get("/captcha/new/").json()["key"]
    flooder = Client(REMOTE_ADDR="198.51.100.7")
    for _ in range(1000):
        flooder.get("/page/")
    assert victim.post("/guarded/protected/", {"captcha_key": key, "captcha_answer": solve(key)}).status_code == 200


# --- renders per picture -----------------------------------------------------------------


def test_one_picture_is_drawn_a_bounded_number_of_times(client: Client, settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}}
    key = client.get("/captcha/new/").json()["key"]
    urls = [f"/captcha/{key}.png", f"/captcha/{key}.png?scale=2"]
    statuses = [client.get(urls[n % 2]).status_code for n in range(RENDERS_PER_KEY)]
    assert statuses == [200] * RENDERS_PER_KEY
    assert client.get(urls[0]).status_code == 429
    assert client.head(urls[1]).status_code == 429
    other = client.get("/captcha/new/").json()["key"]
    assert client.get(f"/captcha/{other}.png").status_code == 200  # each key has its own count
    # The refused picture is still a live challenge: it can be answered.
    assert client.post("/guarded/protected/", {"captcha_key": key, "captcha_answer": solve(key)}).status_code == 200


def test_unknown_keys_are_refused_before_anything_is_counted_or_drawn(client: Client, settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}}
    key = "A" * 22
    assert {client.get(f"/captcha/{key}.png").status_code for _ in range(RENDERS_PER_KEY + 2)} == {410}


# --- counters that cannot count fail closed -------------------------------------------------


def test_a_dummy_rate_limit_cache_refuses_to_issue_in_production(client: Client, settings: Any, caplog: Any) -> None:
    settings.CACHES = {**settings.CACHES, "dummy": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.CAPTCHA_GUARD = {"RATE_LIMIT_CACHE": "dummy", "STORE": {"BACKEND": "memory"}}
    response = client.get("/captcha/new/")
    assert response.status_code == 503
    assert "DummyCache" in caplog.text
    assert client.get("/page/").status_code == 503
    settings.DEBUG = True
    assert client.get("/captcha/new/").status_code == 200


@pytest.mark.parametrize("ignore_exceptions", [False, True])
def test_a_rate_limit_cache_that_is_down_answers_503(client: Client, settings: Any, ignore_exceptions: bool) -> None:
    """With django-redis's IGNORE_EXCEPTIONS the count came back as None, and the comparison was a 500."""
    down = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"IGNORE_EXCEPTIONS": ignore_exceptions},
    }
    settings.CACHES = {**settings.CACHES, "down": down}
    settings.CAPTCHA_GUARD = {"RATE_LIMIT_CACHE": "down", "STORE": {"BACKEND": "memory"}}
    response = client.get("/captcha/new/")
    assert response.status_code == 503
    assert response.json()["errmsg"] == str(MESSAGES[Reason.UNAVAILABLE])
    page = client.get("/page/")
    assert page.status_code == 503
    assert str(MESSAGES[Reason.UNAVAILABLE]) in page.content.decode()
