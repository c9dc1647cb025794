"""A Redis outage fails closed, logs an error, answers 503, and heals without a restart.

Real servers only: a closed loopback port, and a private ``redis-server`` on a free port
that the tests stop and start again. Runs for django-redis (with and without its
``IGNORE_EXCEPTIONS``) and for Django's own Redis backend.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.test import Client
from django.urls import reverse

from django_captcha_guard import core
from django_captcha_guard.core import Reason
from django_captcha_guard.storage import StoreUnavailable, get_storage
from tests.processes import stop
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """A throwaway ``redis-server`` without persistence, on its own loopback port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 20
        while True:  # waiting for the server to listen; no assertion depends on timing
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        assert self.process is not None
        stop(self.process, timeout=20)


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.stop()


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
