"""The demo's settings module reads its environment: store choice, and a secret key of its own."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.e2e.server import load_settings, server_env


def env(**changes: str) -> dict[str, str]:
    return {**server_env(Path("/nonexistent.sqlite3"), "database", "redis://127.0.0.1:6379/13"), **changes}


@pytest.mark.parametrize("store", ["database", "session", "memory"])
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
    with pytest.raises(ImproperlyConfigured, match="database, session, memory or cache"):
        load_settings(env(CAPTCHA_GUARD_STORE="redis"))


def test_the_store_defaults_to_the_database() -> None:
    without_store = {k: v for k, v in env().items() if k != "CAPTCHA_GUARD_STORE"}
    assert load_settings(without_store).CAPTCHA_GUARD["STORE"] == {"BACKEND": "database"}


def test_a_new_demo_makes_a_secret_key_of_its_own(tmp_path: Path) -> None:
    """The demo once shipped a fixed, public SECRET_KEY: every answer could be computed offline."""
    settings = load_settings(env())
    first = settings.secret_key(tmp_path / ".secret_key")
    assert len(first) >= 50
    assert (tmp_path / ".secret_key").stat().st_mode & 0o777 == 0o600
    assert settings.secret_key(tmp_path / ".secret_key") == first  # kept across restarts
    assert settings.secret_key(tmp_path / "another") != first  # and a copy elsewhere gets its own
    assert load_settings(env(DJANGO_SECRET_KEY="from-the-environment")).SECRET_KEY == "from-the-environment"


def test_the_key_file_is_ignored_by_git() -> None:
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "demo_site/.secret_key"], cwd=Path(__file__).resolve().parents[2], check=False
    )
    assert ignored.returncode == 0
