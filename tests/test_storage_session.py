"""What only the session store promises: bounded, per-session, compact, across processes."""

from __future__ import annotations

import json
import multiprocessing
import socket
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client, RequestFactory

from django_captcha_guard import core
from django_captcha_guard.core import Reason
from django_captcha_guard.storage import StoreUnavailable
from django_captcha_guard.storage.session import SESSION_KEY
from django_captcha_guard.testing import solved_fields
from tests.processes import PrivateRedis, setup_django
from tests.stores import CACHE_SESSIONS, FakeClock, Harness, answer_for, configure


@pytest.fixture(params=["session-db", "session-cache"])
def session_store(request: pytest.FixtureRequest, db: None, settings: Any) -> Any:
    harness = Harness(request.param, FakeClock())
    configure(settings, request.param, harness.clock, harness.prefix)
    yield harness
    harness.cleanup()


def test_entries_sit_under_one_key_as_compact_json(session_store: Harness) -> None:
    request = session_store.request()
    keys = [core.issue(request) for _ in range(3)]
    assert list(request.session.keys()) == [SESSION_KEY]
    stored = request.session[SESSION_KEY]
    assert list(stored) == keys
    assert all(isinstance(v, list) and len(v) == 2 for v in stored.values())
    assert len(json.dumps(stored)) < 80 * len(keys)  # key, digest and expiry, nothing else


def test_at_most_ten_by_default_and_the_oldest_goes(session_store: Harness) -> None:
    request = session_store.request()
    keys = [core.issue(request) for _ in range(11)]
    assert len(request.session[SESSION_KEY]) == 10
    assert core.verify(request, keys[0], answer_for(keys[0])).reason is Reason.EXPIRED
    assert core.verify(request, keys[-1], answer_for(keys[-1])).ok


def test_expired_entries_are_dropped_on_write(session_store: Harness) -> None:
    request = session_store.request()
    old = [core.issue(request) for _ in range(3)]
    session_store.clock.advance(301)
    fresh = core.issue(request)
    assert list(request.session[SESSION_KEY]) == [fresh]
    assert core.verify(request, old[0], answer_for(old[0])).reason is Reason.EXPIRED


def test_another_session_can_neither_use_nor_spend_a_challenge(session_store: Harness) -> None:
    mine = session_store.request()
    key = core.issue(mine)
    session_store.finish(mine)
    stranger = Harness(session_store.name, session_store.clock)
    assert core.verify(stranger.request(), key, answer_for(key)).reason is Reason.EXPIRED
    assert core.verify(session_store.request(), key, answer_for(key)).ok


def test_a_request_without_a_session_is_a_configuration_error(settings: Any) -> None:
    configure(settings, "session-db", FakeClock(), "")
    with pytest.raises(ImproperlyConfigured, match="SessionMiddleware"):
        core.issue(RequestFactory().get("/"))


@pytest.mark.django_db
def test_an_unreadable_session_database_fails_closed(settings: Any) -> None:
    harness = Harness("session-db", FakeClock())
    configure(settings, "session-db", harness.clock, harness.prefix)
    issuing = harness.request()
    key = core.issue(issuing)
    harness.finish(issuing)
    with connection.cursor() as cursor:  # rolled back with the test's transaction
        cursor.execute("DROP TABLE django_session")
    with pytest.raises(StoreUnavailable):
        core.issue(harness.request())
    assert core.verify(harness.request(), key, answer_for(key)).reason is Reason.UNAVAILABLE


@pytest.mark.redis
def test_an_unreachable_session_cache_never_verifies(settings: Any) -> None:
    """Django's cache session engine reads a failing cache as an empty session: nothing verifies."""
    harness = Harness("session-cache", FakeClock())
    configure(settings, "session-cache", harness.clock, harness.prefix)
    issuing = harness.request()
    key = core.issue(issuing)
    harness.finish(issuing)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    down = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    settings.CACHES = {**settings.CACHES, "down": down}
    settings.SESSION_CACHE_ALIAS = "down"
    assert not core.verify(harness.request(), key, answer_for(key)).ok
    settings.SESSION_CACHE_ALIAS = "django_redis"
    harness.cleanup()


def _verify_in_session(session_key: str, key: str, answer: str, results: Any) -> None:
    """Runs in a spawned process: another worker, sharing only Redis with the parent."""
    setup_django()
    from importlib import import_module

    from django.conf import settings
    from django.test import override_settings

    with override_settings(**CACHE_SESSIONS, CAPTCHA_GUARD={"STORE": {"BACKEND": "session"}}):
        request = RequestFactory().post("/")
        request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
        results.put(core.verify(request, key, answer).reason.value)
        request.session.save()


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_cache_sessions_work_across_processes(settings: Any) -> None:
    harness = Harness("session-cache", FakeClock())
    configure(settings, "session-cache", harness.clock, harness.prefix)
    issuing = harness.request()
    key = core.issue(issuing)
    harness.finish(issuing)
    assert harness.session_key is not None
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    process = context.Process(target=_verify_in_session, args=(harness.session_key, key, answer_for(key), results))
    process.start()
    assert results.get(timeout=120) == "ok"
    process.join(timeout=60)
    results.close()
    results.join_thread()
    assert process.exitcode == 0
    assert core.verify(harness.request(), key, answer_for(key)).reason is Reason.EXPIRED
    harness.cleanup()


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_cache_sessions_on_a_redis_that_stopped_fail_closed_and_keep_the_cookie(
    settings: Any, private_redis: PrivateRedis
) -> None:
    """Django's cache backend reads a failing cache as "no such session" and deletes the cookie.

    The store asks Redis itself: the answer is a 503 (not "expired"), and the visitor keeps
    its session cookie, so the session is still there when Redis comes back.
    """
    redis = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": private_redis.url()}
    settings.CACHES = {**settings.CACHES, "sessions": redis}
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "session"}}
    client = Client()
    fields = solved_fields(client.get("/page/"))
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    private_redis.stop()
    refused = client.post("/guarded/protected/", fields)
    assert refused.status_code == 503
    assert settings.SESSION_COOKIE_NAME not in refused.cookies  # neither deleted nor replaced
    assert client.get("/captcha/new/").status_code == 503
    private_redis.start()
    assert client.cookies[settings.SESSION_COOKIE_NAME].value == cookie
