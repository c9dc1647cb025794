"""PROGRESSIVE: no picture until a client or a subject has failed; counted in the real Redis.

Each test runs under a SECRET_KEY of its own, so its counters (namespaced by the site) start
at zero in the shared Redis database 13 without deleting anybody else's keys.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

import pytest
import redis
from django.conf import settings as django_settings
from django.core import checks
from django.test import Client, RequestFactory

from django_captcha_guard import counters, progressive
from django_captcha_guard.testing import solved_fields
from tests.processes import PrivateRedis

pytestmark = [pytest.mark.redis, pytest.mark.urls("tests.views_cost")]

LOGIN = {"THRESHOLD": 3, "WINDOW": 900, "SUBJECT": "username"}


@pytest.fixture
def progressive_on(settings: Any) -> dict[str, Any]:
    settings.SECRET_KEY = secrets.token_urlsafe(32)
    settings.CAPTCHA_GUARD = {
        "STORE": {"BACKEND": "memory"},
        "RATE_LIMIT_CACHE": "django_redis",
        "PROGRESSIVE": {"login": LOGIN},
    }
    return settings.CAPTCHA_GUARD  # type: ignore[no-any-return]


def client_from(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def fail_password(client: Client, username: str = "ann", times: int = 1) -> None:
    for _ in range(times):
        page = client.get("/login/page/").content.decode()
        extra = solved_fields(page) if "captcha_key" in page else {}
        assert client.post("/login/", {"username": username, "password": "no", **extra}).status_code == 401


def test_off_by_default_every_visitor_gets_a_picture(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory"}}
    client = Client()
    assert 'name="captcha_key"' in client.get("/login/page/").content.decode()
    assert client.post("/login/", {"username": "ann", "password": "right"}).status_code == 403


def test_no_picture_and_no_check_until_three_failures(progressive_on: Any) -> None:
    client = client_from("192.0.2.1")
    assert "captcha" not in client.get("/login/page/").content.decode()
    fail_password(client, times=3)
    page = client.get("/login/page/").content.decode()
    assert 'name="captcha_key"' in page
    assert client.post("/login/", {"username": "ann", "password": "right"}).status_code == 403
    response = client.post("/login/", {"username": "ann", "password": "right", **solved_fields(page)})
    assert response.content == b"signed in"


def test_a_person_who_signs_in_never_sees_a_picture(progressive_on: Any) -> None:
    client = client_from("192.0.2.2")
    for _ in range(3):
        assert "captcha" not in client.get("/login/page/").content.decode()
        assert client.post("/login/", {"username": "ann", "password": "right"}).content == b"signed in"


def test_a_failed_captcha_counts_as_a_failure(progressive_on: Any) -> None:
    client = client_from("192.0.2.3")
    fail_password(client, times=3)
    for _ in range(2):
        fields = solved_fields(client.get("/login/page/"))
        fields["captcha_answer"] += "X"
        assert client.post("/login/", {"username": "bob", "password": "right", **fields}).status_code == 403
    request = RequestFactory().get("/", REMOTE_ADDR="192.0.2.3")
    (address_failures, _pending), *_ = progressive._counters(request, "login", LOGIN)
    assert counters.value(address_failures) == 5


def test_failures_follow_the_subject_across_addresses(progressive_on: Any) -> None:
    for number in range(3):
        fail_password(client_from(f"198.51.100.{number}"), username="Ann")
    other = client_from("198.51.100.200")
    # The page knows no username yet; the check does, and asks for the captcha for " ann ".
    assert "captcha" not in other.get("/login/page/").content.decode()
    response = other.post("/login/", {"username": " ann ", "password": "right"})
    assert response.status_code == 403
    assert b"Please enter the characters" in response.content
    assert other.post("/login/", {"username": "zoe", "password": "right"}).content == b"signed in"


def test_the_subject_is_stored_only_as_a_keyed_digest(progressive_on: Any) -> None:
    username = f"user-{secrets.token_hex(4)}"
    fail_password(client_from("198.51.100.7"), username=username)
    client = redis.Redis(host=django_settings.REDIS_HOST, port=django_settings.REDIS_PORT, db=13)
    try:
        keys = [k.decode() for k in client.scan_iter(match="*captcha_guard:*:failures:*")]
    finally:
        client.close()
    assert keys
    assert not [k for k in keys if username in k or "198.51.100.7" in k]


def test_ipv6_clients_are_counted_per_64(progressive_on: Any) -> None:
    fail_password(client_from("2001:db8:1:2::1"), times=2)
    fail_password(client_from("2001:db8:1:2:ffff::9"), username="zoe", times=1)
    assert 'name="captcha_key"' in client_from("2001:db8:1:2::77").get("/login/page/").content.decode()
    assert "captcha" not in client_from("2001:db8:1:3::1").get("/login/page/").content.decode()


def test_the_form_field_hides_until_needed(progressive_on: Any) -> None:
    client = client_from("203.0.113.5")
    page = client.get("/login/form/").content.decode()
    assert "captcha" not in page.lower() and 'name="username"' in page
    assert client.post("/login/form/", {"username": "ann"}).content == b"signed in"
    fail_password(client, times=3)
    page = client.get("/login/form/").content.decode()
    assert "<legend>Captcha:</legend>" in page and 'name="captcha_key"' in page
    assert "This field is required" not in page
    assert b"Please enter the characters" in client.post("/login/form/", {"username": "ann"}).content


def test_an_outage_of_the_counters_asks_everyone(settings: Any, private_redis: PrivateRedis, caplog: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "counters": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": private_redis.url()},
    }
    settings.CAPTCHA_GUARD = {
        "STORE": {"BACKEND": "memory"},
        "RATE_LIMIT_CACHE": "counters",
        "RATE_LIMIT": None,
        "PROGRESSIVE": {"login": LOGIN},
    }
    private_redis.stop()
    client = client_from("192.0.2.50")
    with caplog.at_level(logging.ERROR, logger="django_captcha_guard"):
        assert 'name="captcha_key"' in client.get("/login/page/").content.decode()
        response = client.post("/login/", {"username": "ann", "password": "right"})
    assert response.status_code == 403
    assert any("counters" in record.getMessage() and "unavailable" in record.getMessage() for record in caplog.records)


def test_a_dummy_cache_asks_everyone_when_debug_is_off(settings: Any, caplog: Any) -> None:
    settings.CACHES = {**settings.CACHES, "dummy": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    settings.CAPTCHA_GUARD = {
        "STORE": {"BACKEND": "memory"},
        "RATE_LIMIT_CACHE": "dummy",
        "RATE_LIMIT": None,
        "PROGRESSIVE": {"login": LOGIN},
    }
    with caplog.at_level(logging.ERROR, logger="django_captcha_guard"):
        response = client_from("192.0.2.51").post("/login/", {"username": "ann", "password": "right"})
    assert response.status_code == 403
    assert "DummyCache" in caplog.text
    settings.DEBUG = True  # development: counting nothing is allowed, and nothing is asked
    assert client_from("192.0.2.51").post("/login/", {"password": "right"}).content == b"signed in"


@pytest.mark.parametrize(
    "value",
    [
        "login",
        {"login": {"THRESHOLD": 0}},
        {"login": {"WINDOW": "15m"}},
        {"login": {"SUBJECT": ""}},
        {"login": {"LIMIT": 3}},
        {"login": None},
    ],
)
def test_invalid_progressive_settings_are_refused(settings: Any, value: object) -> None:
    from django_captcha_guard.checks.registry import check_settings

    settings.CAPTCHA_GUARD = {"PROGRESSIVE": value}
    assert [m.id for m in check_settings()] == ["captcha_guard.E050"]


def test_a_per_process_counter_cache_is_refused_when_several_processes_run(settings: Any, monkeypatch: Any) -> None:
    from django_captcha_guard.checks.registry import check_store

    settings.CAPTCHA_GUARD = {"RATE_LIMIT": None, "PROGRESSIVE": {"login": {}}}
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    found = [m for m in check_store() if m.id == "captcha_guard.E029"]
    assert len(found) == 1 and found[0].level == checks.ERROR and "RATE_LIMIT_CACHE" in found[0].msg
    settings.CAPTCHA_GUARD = {"RATE_LIMIT": None}
    assert not [m for m in check_store() if m.id == "captcha_guard.E029"]


def test_a_per_process_counter_cache_asks_everyone_at_run_time_with_several_processes(
    progressive_on: Any, settings: Any, monkeypatch: Any, caplog: Any
) -> None:
    settings.CAPTCHA_GUARD = {**progressive_on, "RATE_LIMIT_CACHE": "default"}
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with caplog.at_level(logging.ERROR, logger="django_captcha_guard"):
        assert client_from("192.0.2.60").post("/login/", {"password": "right"}).status_code == 403
    assert "per process" in caplog.text


def test_a_subject_no_digest_can_hash_counts_by_address_only(progressive_on: Any) -> None:
    """A lone surrogate (a JSON body can carry one) in the subject field is no subject, never a 500."""
    client = client_from("198.51.100.8")
    body = json.dumps({"username": "\ud800", "password": "no"})
    for _ in range(3):
        assert client.post("/login/", body, content_type="application/json").status_code == 401
    asked = client.post("/login/", body, content_type="application/json")
    assert (asked.status_code, asked.json()["reason"]) == (400, "missing")  # the captcha is now needed
