"""A Redis outage fails closed, logs an error, answers 503, and heals without a restart.

Real servers only: a closed loopback port, and a private ``redis-server`` on a free port
that the tests stop and start again. Runs for django-redis (with and without its
``IGNORE_EXCEPTIONS``) and for Django's own Redis backend.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from django_captcha_guard import core
from django_captcha_guard.core import Reason
from django_captcha_guard.storage import StoreUnavailable, get_storage
from tests.processes import PrivateRedis, free_port
from tests.stores import answer_for

pytestmark = pytest.mark.redis

BACKENDS = {
    "django-redis": {"BACKEND": "django_redis.cache.RedisCache"},
    "django-redis-ignore-exceptions": {
        "BACKEND": "django_redis.cache.RedisCache",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True},
    },
    "django-builtin-redis": {"BACKEND": "django.core.cache.backends.redis.RedisCache"},
}


def use_redis_at(settings: Any, backend: str, port: int) -> None:
    """Point the cache store at ``backend`` on ``port`` through a fresh alias."""
    settings.CACHES = {**settings.CACHES, "outage": {**BACKENDS[backend], "LOCATION": f"redis://127.0.0.1:{port}/0"}}
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "cache", "OPTIONS": {"ALIAS": "outage"}}}


def assert_fails_closed(caplog: Any) -> None:
    """Issuing raises only StoreUnavailable, nothing verifies, each failure logs an error, 503s."""
    request = Client().get("/").wsgi_request
    key = core.new_key()
    caplog.clear()
    with pytest.raises(StoreUnavailable):
        core.issue(request)
    with pytest.raises(StoreUnavailable):
        get_storage().get(request, key)
    result = core.verify(request, key, answer_for(key))
    assert result.reason is Reason.UNAVAILABLE
    assert not result.ok
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "django_captcha_guard"]
    assert len(errors) == 2  # issuing and verifying; get() is the caller's to log

    client = Client(raise_request_exception=True)
    response = client.get(reverse("captcha_guard:new"))
    assert response.status_code == 503
    assert response.json()["errmsg"] == core.Result(Reason.UNAVAILABLE).message
    image = client.get(reverse("captcha_guard:image", kwargs={"key": key, "extension": "png"}))
    assert image.status_code == 503


@pytest.mark.parametrize("backend", list(BACKENDS))
def test_unreachable_redis_fails_closed(settings: Any, caplog: Any, backend: str) -> None:
    use_redis_at(settings, backend, free_port())
    assert_fails_closed(caplog)


@pytest.mark.slow
@pytest.mark.parametrize("backend", list(BACKENDS))
def test_redis_stopped_mid_run_fails_closed_and_recovers(
    settings: Any, caplog: Any, private_redis: PrivateRedis, backend: str
) -> None:
    use_redis_at(settings, backend, private_redis.port)
    request = Client().get("/").wsgi_request
    before = core.issue(request)
    assert get_storage().get(request, before) is not None

    private_redis.stop()
    assert_fails_closed(caplog)
    assert core.verify(request, before, answer_for(before)).reason is Reason.UNAVAILABLE

    private_redis.start()  # same port, same Django process, same cache objects
    after = core.issue(request)
    assert core.verify(request, after, answer_for(after)).ok
    # The restarted server kept nothing: the old challenge is gone, not accepted.
    assert core.verify(request, before, answer_for(before)).reason is Reason.EXPIRED
    response = Client().get(reverse("captcha_guard:new"))
    assert response.status_code == 200


def test_a_cache_that_stores_nothing_never_accepts(settings: Any) -> None:
    """DummyCache claims every write succeeded (a system check refuses it); still nothing verifies."""
    settings.CACHES = {**settings.CACHES, "outage": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "cache", "OPTIONS": {"ALIAS": "outage"}}}
    request = Client().get("/").wsgi_request
    key = core.issue(request)
    assert core.verify(request, key, answer_for(key)).reason is Reason.EXPIRED
