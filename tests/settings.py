"""Settings for the test suite.

Redis-backed caches use dedicated database numbers (13 and 14) on the local server, so
the tests never touch data another program keeps in database 0. The databases are real
files and servers, because the stores' guarantees are about several connections: SQLite
in a file (an in-memory database shares one cache between connections and locks whole
tables), and PostgreSQL at 127.0.0.1:5432. Their names carry a run id, so two runs on
one machine never share a test database; processes a test starts inherit the id.
"""

import os
import tempfile

SECRET_KEY = "tests-only-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
USE_TZ = True
USE_I18N = True
LANGUAGE_CODE = "en"
# Every language the package ships a catalogue for (tests/test_i18n.py checks the list).
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
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
STATIC_URL = "/static/"

REDIS_HOST = os.environ.get("CAPTCHA_GUARD_TEST_REDIS_HOST", "127.0.0.1")
REDIS_PORT = int(os.environ.get("CAPTCHA_GUARD_TEST_REDIS_PORT", "6379"))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # The admin whose default site asks for a captcha on login (tests/test_admin.py).
    "django_captcha_guard.apps.CaptchaAdminConfig",
    "django_captcha_guard",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_captcha_guard.middleware.CaptchaGuardMiddleware",
]

# Logins in tests need a password check, not a slow one (PBKDF2 costs ~0.3 s a login here).
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

RUN_ID = os.environ.setdefault("CAPTCHA_GUARD_TEST_RUN", str(os.getpid()))
POSTGRES_HOST = os.environ.get("CAPTCHA_GUARD_TEST_POSTGRES_HOST", "127.0.0.1")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(tempfile.gettempdir(), f"captcha_guard_{RUN_ID}.sqlite3"),
        "TEST": {"NAME": os.path.join(tempfile.gettempdir(), f"test_captcha_guard_{RUN_ID}.sqlite3")},
    },
    "postgresql": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": f"captcha_guard_{RUN_ID}",
        "USER": "postgres",
        "HOST": POSTGRES_HOST,
        "PORT": "5432",
        "TEST": {"NAME": f"test_captcha_guard_{RUN_ID}"},
    },
}

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "django_redis": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": f"redis://{REDIS_HOST}:{REDIS_PORT}/13",
    },
    "django_builtin_redis": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://{REDIS_HOST}:{REDIS_PORT}/14",
    },
}

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csrf",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

CAPTCHA_GUARD: dict[str, object] = {}
