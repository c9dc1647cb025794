"""The per-client fixed-window limit on issuing challenges."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import caches
from django.test import RequestFactory

from django_captcha_guard.ratelimit import WINDOW, client_bucket, retry_after
from django_captcha_guard.storage import StoreUnavailable
from tests.stores import redis_client

WINDOW_START = 1_800_000_000.0  # a multiple of 60: the start of a window


@pytest.fixture(autouse=True)
def limit_of_three(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"RATE_LIMIT": 3}
    caches["default"].clear()


def request_from(address: str, forwarded: str | None = None) -> Any:
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    return RequestFactory().get("/captcha/new/", REMOTE_ADDR=address, **extra)


def hits(request: Any, count: int, now: float = WINDOW_START) -> list[int | None]:
    return [retry_after(request, clock=lambda: now) for _ in range(count)]


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
        for key in client.scan_iter(match="*captcha_guard:rate:*"):
            client.delete(key)


def test_an_unreachable_cache_fails_closed(settings: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "down": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"},
    }
    settings.CAPTCHA_GUARD = {"RATE_LIMIT_CACHE": "down"}
    with pytest.raises(StoreUnavailable):
        retry_after(request_from("192.0.2.10"))
