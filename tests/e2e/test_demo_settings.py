"""The demo's settings module reads its environment: store choice and the secret-key guard."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.e2e.server import load_settings, server_env


def env(**changes: str) -> dict[str, str]:
    return {**server_env(Path("/nonexistent.sqlite3"), "session", "redis://127.0.0.1:6379/13"), **changes}


@pytest.mark.parametrize("store", ["session", "memory"])
def test_default_stores_need_no_service(store: str) -> None:
    settings = load_settings(env(CAPTCHA_GUARD_STORE=store))
    assert settings.CAPTCHA_GUARD["STORE"] == {"BACKEND": store}
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_cache_store_uses_django_redis_at_redis_url() -> None:
    settings = load_settings(env(CAPTCHA_GUARD_STORE="cache", REDIS_URL="redis://example.invalid:6380/2"))
    assert settings.CAPTCHA_GUARD["STORE"]["BACKEND"] == "cache"
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    assert settings.CACHES["default"]["LOCATION"] == "redis://example.invalid:6380/2"


def test_unknown_store_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="memory, session or cache"):
        load_settings(env(CAPTCHA_GUARD_STORE="redis"))


def test_public_secret_key_is_refused_without_debug() -> None:
    without_key = {k: v for k, v in env(DJANGO_DEBUG="0").items() if k != "DJANGO_SECRET_KEY"}
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        load_settings(without_key)
    assert load_settings(env(DJANGO_DEBUG="0")).DEBUG is False  # fine with a key of its own
