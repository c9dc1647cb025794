"""The storage contract, run against every store configuration (see tests/stores.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from django_captcha_guard import core
from django_captcha_guard.core import Reason
from django_captcha_guard.storage import Entry, get_storage
from tests.stores import STORES, FakeClock, Harness, SpyStore, answer_for, configure


def test_right_answer_verifies_once(any_store: Harness) -> None:
    request = any_store.request()
    key = core.issue(request)
    assert core.verify(request, key, answer_for(key)).reason is Reason.OK
    assert core.verify(request, key, answer_for(key)).reason is Reason.EXPIRED


def test_a_wrong_answer_consumes_the_challenge(any_store: Harness) -> None:
    request = any_store.request()
    key = core.issue(request)
    assert core.verify(request, key, "WRONG").reason is Reason.WRONG
    assert core.verify(request, key, answer_for(key)).reason is Reason.EXPIRED


def test_get_never_consumes(any_store: Harness) -> None:
    request = any_store.request()
    key = core.issue(request)
    first = any_store.store.get(request, key)
    assert first is not None
    assert any_store.store.get(request, key) == first
    assert core.verify(request, key, answer_for(key)).ok


def test_entries_round_trip_exactly(any_store: Harness) -> None:
    request = any_store.request()
    key = core.new_key()
    entry = Entry(core.digest(key, "ABCDE"), any_store.clock() + 300)
    any_store.store.save(request, key, entry, 300)
    assert any_store.store.get(request, key) == entry
    assert any_store.store.pop(request, key) == entry
    assert any_store.store.pop(request, key) is None


def test_unknown_key_is_expired(any_store: Harness) -> None:
    request = any_store.request()
    assert any_store.store.get(request, core.new_key()) is None
    assert any_store.store.pop(request, core.new_key()) is None
    assert core.verify(request, core.new_key(), "ABCDE").reason is Reason.EXPIRED


def test_a_challenge_lives_until_its_timeout(any_store: Harness) -> None:
    request = any_store.request()
    key = core.issue(request)
    any_store.clock.advance(299)
    assert any_store.store.get(request, key) is not None
    assert core.verify(request, key, answer_for(key)).ok


def test_after_its_timeout_a_challenge_is_gone(any_store: Harness) -> None:
    request = any_store.request()
    key = core.issue(request)
    any_store.clock.advance(301)
    assert any_store.store.get(request, key) is None
    assert core.verify(request, key, answer_for(key)).reason is Reason.EXPIRED


def test_a_scope_bound_challenge_fails_elsewhere(any_store: Harness) -> None:
    request = any_store.request()
    key = core.issue(request, scope="login")
    assert core.verify(request, key, answer_for(key), scope="signup").reason is Reason.WRONG


def test_issue_and_verify_in_separate_requests(any_store: Harness) -> None:
    """Issued by one request (one worker), verified by the next, replayed by a third."""
    issuing = any_store.request()
    key = core.issue(issuing)
    any_store.finish(issuing)

    verifying = any_store.request()
    assert any_store.store.get(verifying, key) is not None
    assert core.verify(verifying, key, answer_for(key)).ok
    any_store.finish(verifying)

    replay = any_store.request()
    assert core.verify(replay, key, answer_for(key)).reason is Reason.EXPIRED


def test_several_outstanding_challenges_each_verify(any_store: Harness) -> None:
    """Several tabs: each open form's challenge still verifies."""
    request = any_store.request()
    keys = [core.issue(request) for _ in range(5)]
    assert [core.verify(request, key, answer_for(key)).reason for key in reversed(keys)] == [Reason.OK] * 5


@pytest.mark.parametrize("key", ["", "short", "a" * 23, "a" * 21 + "!", "a" * 21 + "\x00", "k" * 10240, None, 5])
def test_malformed_keys_never_reach_the_store(settings: Any, key: object) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "tests.stores.SpyStore"}}
    SpyStore.calls.clear()
    request = RequestFactory().post("/")
    assert not core.verify(request, key, "ABCDE").ok
    assert not core.verify(request, key, "").ok
    assert SpyStore.calls == []


def test_a_well_formed_key_does_reach_the_store(settings: Any) -> None:
    """The spy works: without this, the test above could pass by never calling anything."""
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "tests.stores.SpyStore"}}
    SpyStore.calls.clear()
    key = core.new_key()
    core.verify(RequestFactory().post("/"), key, "ABCDE")
    assert SpyStore.calls == [("pop", key)]


@pytest.mark.parametrize(
    ("name", "options"),
    [("memory", {"MAXSIZE": 3}), ("session-db", {"MAX_PER_SESSION": 3})],
)
@pytest.mark.django_db
def test_a_full_store_drops_the_oldest_and_never_accepts_it(settings: Any, name: str, options: dict[str, Any]) -> None:
    harness = Harness(name, FakeClock())
    configure(settings, name, harness.clock, harness.prefix, **options)
    request = harness.request()
    keys = [core.issue(request) for _ in range(4)]
    assert core.verify(request, keys[0], answer_for(keys[0])).reason is Reason.EXPIRED
    assert all(core.verify(request, key, answer_for(key)).ok for key in keys[1:])


def test_an_evicting_cache_never_accepts_an_evicted_challenge(settings: Any) -> None:
    settings.CACHES = {
        **settings.CACHES,
        "tiny": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 6}},
    }
    configure(settings, "cache-locmem", FakeClock(), "captcha_guard:", ALIAS="tiny")
    request = RequestFactory().post("/")
    keys = [core.issue(request) for _ in range(20)]
    reasons = [core.verify(request, key, answer_for(key)).reason for key in keys]
    assert set(reasons) == {Reason.OK, Reason.EXPIRED}
    assert reasons.count(Reason.OK) <= 6


@pytest.mark.parametrize(
    ("backend", "options"),
    [("memory", {"MAXSIZE": 0}), ("session", {"MAX_PER_SESSION": "10"}), ("cache", {"ALIASES": "default"})],
)
def test_bad_options_name_the_store(settings: Any, backend: str, options: dict[str, Any]) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": backend, "OPTIONS": options}}
    with pytest.raises(ImproperlyConfigured, match="OPTIONS"):
        get_storage()


def test_every_configuration_is_covered() -> None:
    """The contract suite runs on all four backends, Redis through both clients, both databases."""
    backends = {store["BACKEND"] for store, _ in STORES.values()}
    aliases = {store.get("OPTIONS", {}).get("ALIAS") for store, _ in STORES.values()}
    databases = {store.get("OPTIONS", {}).get("USING", "default") for store, _ in STORES.values()}
    assert backends == {"database", "session", "cache", "memory"}
    assert databases == {"default", "postgresql"}
    assert {"django_redis", "django_builtin_redis", "default"} <= aliases


SHARED_STORES = ["database-sqlite", "database-postgresql", "cache-django-redis", "cache-django-builtin-redis"]


@pytest.mark.django_db(transaction=True, databases="__all__")
@pytest.mark.parametrize("name", SHARED_STORES)
def test_sites_sharing_a_store_cannot_touch_each_others_challenges(settings: Any, name: str) -> None:
    """Two sites on one Redis or database, with different SECRET_KEYs: B once consumed A's challenges."""
    harness = Harness(name, FakeClock())
    configure(settings, name, harness.clock, harness.prefix)
    try:
        request = harness.request()
        settings.SECRET_KEY = "site-a"
        key = core.issue(request)
        answer = answer_for(key)
        settings.SECRET_KEY = "site-b"
        assert get_storage().get(request, key) is None
        assert core.verify(request, key, answer).reason is Reason.EXPIRED
        settings.SECRET_KEY = "site-a"
        assert core.verify(request, key, answer).ok
    finally:
        harness.cleanup()
