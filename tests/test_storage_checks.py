"""System checks for the store and rate-limit configuration (E020-E029, W020-W025)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import checks

from django_captcha_guard.storage import MemoryStore

SESSION_MIDDLEWARE = "django.contrib.sessions.middleware.SessionMiddleware"


class MySessionMiddleware(SessionMiddleware):
    """A project's own session middleware, derived from Django's."""


def all_ids() -> set[str]:
    return {m.id for m in checks.run_checks(tags=["captcha_guard"], include_deployment_checks=True) if m.id}


def ids(settings: Any, store: dict[str, Any], **overrides: Any) -> set[str]:
    """The store check IDs (E02x, W02x) reported for ``store`` under ``overrides``.

    The rate limit counts in Redis here, so that only the store's own problems show.
    """
    settings.CAPTCHA_GUARD = {"STORE": store, "RATE_LIMIT_CACHE": "django_redis"}
    for name, value in overrides.items():
        setattr(settings, name, value)
    return {i for i in all_ids() if i.startswith(("captcha_guard.E02", "captcha_guard.W02"))}


def test_the_test_settings_are_clean(settings: Any) -> None:
    for store in ({"BACKEND": "session"}, {"BACKEND": "cache", "OPTIONS": {"ALIAS": "django_redis"}}):
        assert ids(settings, store) == set()


@pytest.mark.parametrize("engine", ["signed_cookies", "db", "cache", "cached_db"])
def test_signed_cookie_sessions_are_refused(settings: Any, engine: str) -> None:
    found = ids(settings, {"BACKEND": "session"}, SESSION_ENGINE=f"django.contrib.sessions.backends.{engine}")
    assert ("captcha_guard.E020" in found) is (engine == "signed_cookies")


def test_signed_cookie_sessions_are_fine_for_another_store(settings: Any) -> None:
    engine = "django.contrib.sessions.backends.signed_cookies"
    assert ids(settings, {"BACKEND": "cache", "OPTIONS": {"ALIAS": "django_redis"}}, SESSION_ENGINE=engine) == set()


def test_session_middleware_is_required(settings: Any) -> None:
    middleware = [m for m in settings.MIDDLEWARE if m != SESSION_MIDDLEWARE]
    assert ids(settings, {"BACKEND": "session"}, MIDDLEWARE=middleware) == {"captcha_guard.E021"}
    assert "captcha_guard.E021" not in ids(settings, {"BACKEND": "memory"}, MIDDLEWARE=middleware)


def test_a_session_middleware_subclass_counts(settings: Any) -> None:
    middleware = [
        m if m != SESSION_MIDDLEWARE else "tests.test_storage_checks.MySessionMiddleware" for m in settings.MIDDLEWARE
    ]
    assert ids(settings, {"BACKEND": "session"}, MIDDLEWARE=middleware) == set()


def test_database_sessions_need_the_sessions_app(settings: Any) -> None:
    apps = [a for a in settings.INSTALLED_APPS if a != "django.contrib.sessions"]
    assert ids(settings, {"BACKEND": "session"}, INSTALLED_APPS=apps) == {"captcha_guard.E022"}
    cache_engine = "django.contrib.sessions.backends.cache"
    assert ids(settings, {"BACKEND": "session"}, INSTALLED_APPS=apps, SESSION_ENGINE=cache_engine) == set()


def test_unknown_cache_alias(settings: Any) -> None:
    assert ids(settings, {"BACKEND": "cache", "OPTIONS": {"ALIAS": "nope"}}) == {"captcha_guard.E023"}


def test_dummy_cache_is_refused(settings: Any) -> None:
    settings.CACHES = {**settings.CACHES, "dummy": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert ids(settings, {"BACKEND": "cache", "OPTIONS": {"ALIAS": "dummy"}}) == {"captcha_guard.E024"}


@pytest.mark.parametrize("backend", ["locmem.LocMemCache", "filebased.FileBasedCache"])
def test_process_local_caches_warn(settings: Any, tmp_path: Any, backend: str) -> None:
    location = str(tmp_path) if "filebased" in backend else ""
    cache = {"BACKEND": f"django.core.cache.backends.{backend}", "LOCATION": location}
    settings.CACHES = {**settings.CACHES, "local": cache}
    assert ids(settings, {"BACKEND": "cache", "OPTIONS": {"ALIAS": "local"}}) == {"captcha_guard.W020"}


def test_the_default_alias_is_checked(settings: Any) -> None:
    assert ids(settings, {"BACKEND": "cache"}) == {"captcha_guard.W020"}  # tests' default is LocMemCache


def test_memory_store_warns_in_the_deployment_checks_only(settings: Any) -> None:
    assert ids(settings, {"BACKEND": "memory"}) == {"captcha_guard.W021"}
    assert "captcha_guard.W021" not in {m.id for m in checks.run_checks(tags=["captcha_guard"])}


@pytest.mark.parametrize(
    "store",
    [
        {"BACKEND": "memory", "OPTIONS": {"MAXSIZE": -1}},
        {"BACKEND": "session", "OPTIONS": {"MAX_PER_SESSION": 0}},
        {"BACKEND": "cache", "OPTIONS": {"ALIAS": "django_redis", "TIMEOUT": 5}},
        {"BACKEND": "cache", "OPTIONS": {"ALIAS": "django_redis", "KEY_PREFIX": None}},
    ],
)
def test_bad_store_options(settings: Any, store: dict[str, Any]) -> None:
    assert "captcha_guard.E025" in ids(settings, store)


def test_an_invalid_store_setting_is_left_to_e011(settings: Any) -> None:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "no.such.Store"}}
    found = all_ids()
    assert "captcha_guard.E011" in found
    assert not {i for i in found if i.startswith(("captcha_guard.E02", "captcha_guard.W02"))}


@pytest.mark.parametrize("backend", ["database", "session"])
def test_the_stores_database_alias_must_exist(settings: Any, backend: str) -> None:
    assert ids(settings, {"BACKEND": backend, "OPTIONS": {"USING": "elsewhere"}}) == {"captcha_guard.E026"}
    assert ids(settings, {"BACKEND": backend, "OPTIONS": {"USING": "postgresql"}}) == set()


def rate_limit_ids(settings: Any, **config: Any) -> set[str]:
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "cache", "OPTIONS": {"ALIAS": "django_redis"}}, **config}
    return {i for i in all_ids() if i.startswith(("captcha_guard.E02", "captcha_guard.W02"))}


def test_the_rate_limit_counts_in_a_known_cache(settings: Any) -> None:
    assert rate_limit_ids(settings, RATE_LIMIT_CACHE="nowhere") == {"captcha_guard.E027"}
    assert rate_limit_ids(settings, RATE_LIMIT_CACHE="django_builtin_redis") == set()


def test_a_dummy_rate_limit_cache_is_refused(settings: Any) -> None:
    settings.CACHES = {**settings.CACHES, "dummy": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert rate_limit_ids(settings, RATE_LIMIT_CACHE="dummy") == {"captcha_guard.E028"}
    assert rate_limit_ids(settings, RATE_LIMIT_CACHE="dummy", RATE_LIMIT=None) == {"captcha_guard.W023"}


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, {"captcha_guard.W022"}),
        ({"WEB_CONCURRENCY": "1"}, {"captcha_guard.W022"}),
        ({"WEB_CONCURRENCY": "4"}, {"captcha_guard.E029"}),
        ({"GUNICORN_CMD_ARGS": "--bind 0.0.0.0:80 -w 3"}, {"captcha_guard.E029"}),
        ({"GUNICORN_CMD_ARGS": "--workers=2 --threads 4"}, {"captcha_guard.E029"}),
        ({"GUNICORN_CMD_ARGS": "--threads 4"}, {"captcha_guard.W022"}),
    ],
)
def test_a_per_process_rate_limit_is_an_error_when_the_site_runs_several(
    settings: Any, monkeypatch: pytest.MonkeyPatch, environment: dict[str, str], expected: set[str]
) -> None:
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert rate_limit_ids(settings, RATE_LIMIT_CACHE="default") == expected  # "default" is LocMemCache


@pytest.mark.parametrize("store", [{"BACKEND": "memory"}, {"BACKEND": "cache", "OPTIONS": {"ALIAS": "default"}}])
def test_per_process_stores_are_an_error_when_the_site_runs_several(
    settings: Any, monkeypatch: pytest.MonkeyPatch, store: dict[str, Any]
) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert "captcha_guard.E029" in ids(settings, store)
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    assert "captcha_guard.E029" not in ids(settings, store)


def test_no_rate_limit_is_a_deployment_warning(settings: Any) -> None:
    assert rate_limit_ids(settings, RATE_LIMIT=None) == {"captcha_guard.W023"}
    assert "captcha_guard.W023" not in {m.id for m in checks.run_checks(tags=["captcha_guard"])}


def test_session_claims_inside_sqlite_transactions_warn(settings: Any) -> None:
    settings.DATABASES["default"]["ATOMIC_REQUESTS"] = True
    try:
        assert "captcha_guard.W025" in ids(settings, {"BACKEND": "session"})
        assert "captcha_guard.W025" not in ids(settings, {"BACKEND": "session", "OPTIONS": {"USING": "postgresql"}})
        assert "captcha_guard.W025" not in ids(settings, {"BACKEND": "database"})
    finally:
        settings.DATABASES["default"]["ATOMIC_REQUESTS"] = False


class ReportingStore(MemoryStore):
    """A third-party store with a problem of its own to report."""

    def __init__(self, *, REGION: str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)

    @classmethod
    def check(cls, options: dict[str, Any]) -> list[checks.CheckMessage]:
        if options.get("REGION") != "eu":
            return [checks.Error("ReportingStore needs REGION 'eu'.", id="reporting_store.E001")]
        return []


def test_a_third_party_store_reports_its_own_problems(settings: Any) -> None:
    store = "tests.test_storage_checks.ReportingStore"
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": store, "OPTIONS": {"REGION": "us"}}}
    assert "reporting_store.E001" in all_ids()
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": store, "OPTIONS": {"REGION": "eu"}}}
    assert "reporting_store.E001" not in all_ids()
