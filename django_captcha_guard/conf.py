"""The ``CAPTCHA_GUARD`` settings dict, merged over documented defaults.

Settings are read when they are used, never copied into module constants at import
time, so ``override_settings`` and pytest-django's ``settings`` fixture just work. The
merged result is cached until Django's ``setting_changed`` signal says otherwise,
because the hot paths (issuing, rendering, verifying) read it on every request.

Validation lives here, in one place: the system checks report every problem found by
:func:`problems`, and :func:`get_settings` raises ``ImproperlyConfigured`` for the first
one when a broken configuration is used anyway.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from django_captcha_guard.render.options import DEFAULT_ALPHABET

DEFAULTS: dict[str, Any] = {
    # What the picture asks: a dotted path to a challenge function, or "text" / "arithmetic".
    "CHALLENGE": "text",
    "LENGTH": 5,
    # No look-alikes (render.options.DEFAULT_ALPHABET says which are left out and why).
    "ALPHABET": DEFAULT_ALPHABET,
    "CASE_SENSITIVE": False,
    # Seconds a challenge stays answerable: long enough to fill a form, short enough to
    # bound what a store holds.
    "TIMEOUT": 300,
    "IMAGE_SIZE": (240, 80),
    "FORMAT": "PNG",
    # Extra TrueType font files; empty means the bundled fonts.
    "FONTS": [],
    "BACKGROUND": (255, 255, 255),
    # Inks, one picked per picture (each at least 4.5:1 against BACKGROUND); empty picks a
    # fresh random ink at 7:1. One ink a picture, so colour never separates letters from field.
    "PALETTE": [],
    # "easy" | "normal" | "hard": how much distortion (render.options.PRESETS).
    "DIFFICULTY": "normal",
    # Rows in the project's database: single use across processes and hosts with nothing new
    # to run; "cache" (Redis) is for scale, "session" and "memory" for special cases.
    "STORE": {"BACKEND": "database", "OPTIONS": {}},
    "KEY_FIELD": "captcha_key",
    "ANSWER_FIELD": "captcha_answer",
    "PROTECTED_ROUTES": [],
    "FAILURE_VIEW": "django_captcha_guard.failure.captcha_failure",
    # New challenges per client address and minute; None switches the limit off.
    "RATE_LIMIT": 60,
    "RATE_LIMIT_CACHE": "default",
    # How many reverse proxies append to X-Forwarded-For in front of Django; 0 trusts
    # only REMOTE_ADDR, since a client can write any X-Forwarded-For it likes.
    "TRUSTED_PROXIES": 0,
    # Offer the challenge spoken too (a Listen button and captcha/<key>.wav), for people
    # who cannot see the picture (WCAG 1.1.1).
    "AUDIO": True,
    # Link the widget's default stylesheet (captcha_guard/captcha_guard.css); False leaves
    # the look to the project.
    "STYLESHEET": True,
    # Scopes that ask for a captcha only after failures, e.g. {"login": {"THRESHOLD": 3,
    # "WINDOW": 900, "SUBJECT": "username"}}; empty, every scope always asks (docs/cost.md).
    "PROGRESSIVE": {},
    # True (or {"MAX_NUMBER": n}, 200,000 by default) adds a proof-of-work puzzle to every
    # challenge, solved by the widget's Web Worker while the person reads the picture;
    # needs JavaScript.
    "PROOF_OF_WORK": False,
    # False skips verification entirely; a system check refuses it when DEBUG is off.
    "ENABLED": True,
}

CHALLENGE_ALIASES = {
    "text": "django_captcha_guard.challenges.text",
    "arithmetic": "django_captcha_guard.challenges.arithmetic",
}
STORE_ALIASES = {
    "database": "django_captcha_guard.storage.DatabaseStore",
    "session": "django_captcha_guard.storage.SessionStore",
    "cache": "django_captcha_guard.storage.CacheStore",
    "memory": "django_captcha_guard.storage.MemoryStore",
}
# As Django's CSRF protection: any other method (POST, PUT, PATCH, DELETE, and extension
# methods such as PROPFIND or QUERY) may act, so any other method is checked.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_LENGTH = 12


@dataclass(frozen=True)
class Problem:
    """One configuration mistake, reported by a system check or raised on use."""

    id: str
    msg: str
    hint: str


def user_settings() -> dict[str, Any]:
    """The user's ``CAPTCHA_GUARD`` dict, unmerged (an empty dict when unset)."""
    value = getattr(settings, "CAPTCHA_GUARD", {})
    return value if isinstance(value, dict) else {"__not_a_dict__": value}


@functools.cache
def get_settings() -> dict[str, Any]:
    """The merged settings; raises ``ImproperlyConfigured`` naming the first mistake."""
    found = problems()
    if found:
        first = found[0]
        raise ImproperlyConfigured(f"{first.msg} ({first.id}) {first.hint}")
    return {**DEFAULTS, **user_settings()}


@dataclass(frozen=True, slots=True)
class StoreConfig:
    backend: str  # a dotted path, the short names resolved
    options: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Config:
    """The validated ``CAPTCHA_GUARD`` settings as typed, read-only values.

    Built once per settings change by :func:`get_config`, so the hot paths read attributes
    instead of merging and indexing a dict on every request, and a typo in a setting's
    name is an ``AttributeError`` that mypy sees, not a ``KeyError`` in production.
    Names are the settings' names in lower case; dotted-path settings have their short
    names ("text", "database"...) resolved.
    """

    challenge: str
    length: int
    alphabet: str
    case_sensitive: bool
    timeout: int
    image_size: tuple[int, int]
    format: str
    fonts: tuple[str, ...]
    background: tuple[int, int, int]
    palette: tuple[tuple[int, int, int], ...]
    difficulty: str
    store: StoreConfig
    key_field: str
    answer_field: str
    protected_routes: tuple[str | Mapping[str, Any], ...]
    failure_view: str | Callable[..., Any]
    rate_limit: int | None
    rate_limit_cache: str
    trusted_proxies: int
    audio: bool
    stylesheet: bool
    progressive: Mapping[str, Mapping[str, Any]]
    proof_of_work: bool | Mapping[str, Any]
    enabled: bool

    @classmethod
    def from_settings(cls, merged: dict[str, Any]) -> Config:
        """Typed values from a merged, already validated settings dict."""
        store = merged["STORE"]
        values = {name.lower(): value for name, value in merged.items()}
        values.update(
            challenge=CHALLENGE_ALIASES.get(merged["CHALLENGE"], merged["CHALLENGE"]),
            image_size=tuple(merged["IMAGE_SIZE"]),
            fonts=tuple(map(str, merged["FONTS"])),
            background=tuple(merged["BACKGROUND"]),
            palette=tuple(tuple(colour) for colour in merged["PALETTE"]),
            store=StoreConfig(
                backend=STORE_ALIASES.get(store["BACKEND"], store["BACKEND"]),
                options=MappingProxyType(dict(store.get("OPTIONS", {}))),
            ),
            protected_routes=tuple(merged["PROTECTED_ROUTES"]),
            progressive=MappingProxyType({scope: dict(options) for scope, options in merged["PROGRESSIVE"].items()}),
            proof_of_work=(
                merged["PROOF_OF_WORK"]
                if isinstance(merged["PROOF_OF_WORK"], bool)
                else MappingProxyType(dict(merged["PROOF_OF_WORK"]))
            ),
        )
        return cls(**values)


@functools.cache
def get_config() -> Config:
    """The settings as a :class:`Config`; raises ``ImproperlyConfigured`` as :func:`get_settings` does."""
    return Config.from_settings(get_settings())


@receiver(setting_changed)
def _clear_cache(*, setting: str, **kwargs: Any) -> None:
    if setting in {"CAPTCHA_GUARD", "SECRET_KEY", "DEBUG"}:
        get_settings.cache_clear()
        get_config.cache_clear()


def problems() -> list[Problem]:
    """Every mistake in the ``CAPTCHA_GUARD`` dict itself (the project's wiring is checked in checks/)."""
    from django_captcha_guard.checks import settings as settings_checks

    return settings_checks.settings_problems(user_settings())
