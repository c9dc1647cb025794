"""Settings of the demo project.

Everything a deployment would change comes from the environment, so the e2e tests can
run this very module against a temporary database:

- ``CAPTCHA_GUARD_STORE``: ``database`` (default, needs only SQLite), ``session``,
  ``memory`` or ``cache`` (django-redis at ``REDIS_URL``).
- ``DJANGO_SECRET_KEY``, ``DJANGO_DEBUG``, ``DEMO_DATABASE`` (path of the SQLite file),
  ``CAPTCHA_GUARD_RATE_LIMIT`` (new challenges per client and minute),
  ``CAPTCHA_GUARD_PROOF_OF_WORK`` (a puzzle size: switches proof of work on).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
# Whoever knows SECRET_KEY can compute every captcha answer from its key, so the demo never
# ships one: the first start writes a random key to this file (ignored by git, readable by
# its owner only), and later starts read it back. DJANGO_SECRET_KEY overrides it.
SECRET_KEY_FILE = BASE_DIR / ".secret_key"


def secret_key(path: Path) -> str:
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY") or secret_key(SECRET_KEY_FILE)
DEBUG = os.environ.get("DJANGO_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", *filter(None, os.environ.get("DEMO_ALLOWED_HOSTS", "").split(","))]

INSTALLED_APPS = [
    # django.contrib.admin whose admin.site asks for a captcha on /admin/login/.
    "django_captcha_guard.apps.CaptchaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Before the app, so demo/templates/captcha_guard/failure.html overrides its failure page.
    "demo",
    "django_captcha_guard",
]

MIDDLEWARE = [
    "demo.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so the failure page is translated and CSRF has already been checked.
    "django_captcha_guard.middleware.CaptchaGuardMiddleware",
]

ROOT_URLCONF = "demo_site.urls"
WSGI_APPLICATION = "demo_site.wsgi.application"
ASGI_APPLICATION = "demo_site.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
    {
        # Jinja2 pages (demo/jinja2/): the extension adds {{ captcha() }} and {{ captcha_js() }}.
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "NAME": "jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "demo.jinja2env.environment",
            "extensions": ["jinja2.ext.i18n", "django_captcha_guard.jinja2.CaptchaExtension"],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("DEMO_DATABASE", str(BASE_DIR / "db.sqlite3")),
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en"
# Every language the package ships: the widget and its messages follow the header buttons;
# the demo's own text is translated into Simplified Chinese only.
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
    ("ja", "日本語"),
    ("ko", "한국어"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("pt-br", "Português (Brasil)"),
    ("ru", "Русский"),
]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

STATIC_URL = "/static/"
LOGIN_URL = "login"


def captcha_store(name: str, redis_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``CACHES`` and ``CAPTCHA_GUARD['STORE']`` for the store named by the environment."""
    local = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if name in {"database", "session", "memory"}:
        return local, {"BACKEND": name}
    if name == "cache":
        # Challenges and the issuing rate limit then live in Redis, shared by every process.
        redis = {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": "captcha-demo"}
        return {"default": redis}, {"BACKEND": "cache", "OPTIONS": {"ALIAS": "default", "KEY_PREFIX": "captcha-demo:"}}
    raise ImproperlyConfigured(f"CAPTCHA_GUARD_STORE must be database, session, memory or cache, not {name!r}.")


CACHES, _STORE = captcha_store(
    os.environ.get("CAPTCHA_GUARD_STORE", "database"), os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
)

CAPTCHA_GUARD = {
    "STORE": _STORE,
    # The comment form has no captcha code of its own: the middleware guards its POSTs.
    "PROTECTED_ROUTES": [{"route": "/comments/", "methods": ["POST"], "scope": "comment"}],
    "RATE_LIMIT": int(os.environ.get("CAPTCHA_GUARD_RATE_LIMIT", "60")),
    # /signin/ shows a picture only after three wrong passwords (or captchas) within
    # 15 minutes, from one address or for one username. Counted in CACHES["default"]: one
    # runserver process here; Redis (CAPTCHA_GUARD_STORE=cache) when there are several.
    "PROGRESSIVE": {"signin": {"THRESHOLD": 3, "WINDOW": 900, "SUBJECT": "username"}},
    # CAPTCHA_GUARD_PROOF_OF_WORK=100000 adds a proof-of-work puzzle of that size to every
    # challenge (the widget solves it in a Web Worker); off by default, as in the app.
    "PROOF_OF_WORK": (
        {"MAX_NUMBER": int(os.environ["CAPTCHA_GUARD_PROOF_OF_WORK"])}
        if os.environ.get("CAPTCHA_GUARD_PROOF_OF_WORK")
        else False
    ),
}
