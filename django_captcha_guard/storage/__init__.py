"""Challenge stores and the accessor that builds the configured one."""

from __future__ import annotations

import functools
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from django_captcha_guard.conf import get_config
from django_captcha_guard.storage.base import BaseStore, Entry, StoreUnavailable
from django_captcha_guard.storage.cache import CacheStore
from django_captcha_guard.storage.database import DatabaseStore
from django_captcha_guard.storage.memory import MemoryStore
from django_captcha_guard.storage.session import SessionStore

__all__ = [
    "BaseStore",
    "CacheStore",
    "DatabaseStore",
    "Entry",
    "MemoryStore",
    "SessionStore",
    "StoreUnavailable",
    "get_storage",
]


@functools.cache
def get_storage() -> BaseStore:
    """The configured store, built once per process (the memory store must be shared)."""
    config = get_config().store
    path = config.backend
    try:
        store_class = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"CAPTCHA_GUARD['STORE']['BACKEND'] {path!r} does not import: {exc}") from exc
    options = dict(config.options)
    try:
        store: BaseStore = store_class(**options)
    except (TypeError, ValueError) as exc:
        raise ImproperlyConfigured(f"CAPTCHA_GUARD['STORE']['OPTIONS'] do not suit {path}: {exc}") from exc
    return store


@receiver(setting_changed)
def _reset_storage(*, setting: str, **kwargs: Any) -> None:
    if setting in {"CAPTCHA_GUARD", "CACHES", "SESSION_ENGINE", "DATABASES"}:
        get_storage.cache_clear()
