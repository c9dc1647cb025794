"""The test site (tests/server_site) in real servers, and an HTTP client that keeps cookies.

A test describes a configuration with :class:`Site`, gets a fresh database from
:func:`fresh_database` (SQLite in a file, or PostgreSQL under a name of its own that is
dropped afterwards), and runs the site with :func:`serve` under gunicorn (two sync
workers, or one gthread worker with eight threads) or uvicorn. The server's log goes to a
file in the test's folder; when the test fails inside ``serve``, its last lines are
printed with the failure. :class:`Visitor` is one browser: it keeps its cookies and
computes answers with the server's ``SECRET_KEY``, as ``django_captcha_guard.testing``
does in-process. Nothing is mocked: the stores, databases and Redis servers are real.
"""

from __future__ import annotations

import collections
import http.client
import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import psycopg
import redis
from django.conf import settings
from django.test import override_settings
from psycopg import sql

from django_captcha_guard.keys import new_key
from django_captcha_guard.testing import solved_fields
from tests.processes import free_port, stop

REPO = Path(__file__).resolve().parents[1]
# The shared Redis database no other test uses (the suite has 13 and 14).
SHARED_REDIS = "redis://127.0.0.1:6379/12"
STARTUP_SECONDS = 60

# How each kind of server runs the site; server_command() adds the address and the application.
SERVERS = {
    "sync": ["gunicorn", "--workers", "2", "--worker-class", "sync"],
    "gthread": ["gunicorn", "--workers", "1", "--worker-class", "gthread", "--threads", "8"],
    "asgi": ["uvicorn"],
}

# Lines for the end of the pytest run (conftest.py prints them): the figures the tests measured.
FIGURES: list[str] = []


def tally(statuses: list[int]) -> str:
    """``[502, 403, 403]`` as ``502 x1, 403 x2``, in order of first appearance."""
    counts = collections.Counter(statuses)
    return ", ".join(f"{status} x{count}" for status, count in counts.items())


@dataclass
class Site:
    """One configuration of the test site; see tests/server_site/settings.py for each setting."""

    folder: Path
    database: str  # sqlite:///path or postgresql://host:port/name (fresh_database gives one)
    store: str = "database"
    store_database: str = ""
    sessions: str = "db"
    redis: str = SHARED_REDIS
    rate_limit: int | None = None
    rate_limit_redis: str = ""
    atomic: bool = False
    debug: bool = False
    enabled: bool = True
    progressive: dict[str, Any] | None = None
    async_urls: bool = False  # captcha/ from django_captcha_guard.urls_async
    count_in_store: bool = False  # RATE_LIMIT_CACHE is the store's Redis cache: one round trip to issue
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    # Keys the site leaves in the shared Redis carry this prefix; serve() deletes them.
    cache_prefix: str = field(default_factory=lambda: f"server-site-{uuid.uuid4().hex}")

    def env(self) -> dict[str, str]:
        inherited = ("DJANGO_", "SITE_", "GUNICORN_", "WEB_CONCURRENCY", "PYTHONPATH")
        env = {k: v for k, v in os.environ.items() if not k.startswith(inherited)}
        env.update(
            DJANGO_SETTINGS_MODULE="tests.server_site.settings",
            PYTHONPATH=str(REPO),
            PYTHONUNBUFFERED="1",
            SITE_SECRET_KEY=self.secret_key,
            SITE_DATABASE=self.database,
            SITE_STORE=self.store,
            SITE_STORE_DATABASE=self.store_database,
            SITE_SESSIONS=self.sessions,
            SITE_REDIS=self.redis,
            SITE_CACHE_PREFIX=self.cache_prefix,
            SITE_RATE_LIMIT="" if self.rate_limit is None else str(self.rate_limit),
            SITE_RATE_LIMIT_REDIS=self.rate_limit_redis,
            SITE_ATOMIC="1" if self.atomic else "0",
            SITE_DEBUG="1" if self.debug else "0",
            SITE_ENABLED="1" if self.enabled else "0",
            SITE_COUNTER_REDIS=SHARED_REDIS,
            SITE_PROGRESSIVE=json.dumps(self.progressive) if self.progressive else "",
            SITE_ASYNC_URLS="1" if self.async_urls else "0",
            SITE_COUNT_IN_STORE="1" if self.count_in_store else "0",
        )
        return env

    @property
    def uses_shared_redis(self) -> bool:
        shared_cache = self.redis == SHARED_REDIS and ("cache" in (self.store, self.sessions) or self.count_in_store)
        return shared_cache or self.rate_limit_redis == SHARED_REDIS

    def migrate(self) -> None:
        """Create the tables of the default database (a store database at a closed port stays as it is).

        Without the system checks: some configurations under test are ones the checks refuse,
        and servers such as gunicorn never run checks either.
        """
        command = [sys.executable, "-m", "django", "migrate", "--noinput", "--skip-checks", "-v", "0"]
        done = subprocess.run(command, cwd=REPO, env=self.env(), capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"migrate failed:\n{done.stdout}\n{done.stderr}")


@dataclass(frozen=True)
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Server:
    site: Site
    url: str
    log: Path

    def solved_fields(self, page: str) -> dict[str, str]:
        """The key on ``page`` and its answer, computed with the server's secret key."""
        with override_settings(SECRET_KEY=self.site.secret_key):
            return solved_fields(page)

    def new_key(self) -> str:
        """A key as the server issues them (tagged with its secret key), though it never stored it."""
        with override_settings(SECRET_KEY=self.site.secret_key):
            return new_key()

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])

    def send(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        """One request on a connection of its own (threads may call this at once)."""
        parts = urlsplit(self.url)
        connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return Reply(response.status, response.headers, response.read())
        finally:
            connection.close()


class Visitor:
    """One browser: requests to ``server`` with the cookies it was given so far, in ``language``."""

    def __init__(self, server: Server, language: str = "en") -> None:
        self.server = server
        self.language = language
        self.cookies: dict[str, str] = {}

    def headers(self, **extra: str) -> dict[str, str]:
        headers = {"Accept-Language": self.language, **extra}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return headers

    def get(self, path: str, **headers: str) -> Reply:
        return self.keep_cookies(self.server.send("GET", path, headers=self.headers(**headers)))

    def post(self, path: str, fields: dict[str, str], *, as_json: bool = False, **headers: str) -> Reply:
        """POST ``fields`` as a form (a browser), or as a JSON body (a script)."""
        if as_json:
            body, content_type = json.dumps(fields).encode(), "application/json"
            headers.setdefault("Accept", "application/json")
        else:
            body, content_type = urlencode(fields).encode(), "application/x-www-form-urlencoded"
        headers["Content-Type"] = content_type
        return self.keep_cookies(self.server.send("POST", path, body, self.headers(**headers)))

    def challenge(self, path: str = "/") -> dict[str, str]:
        """Load a page with a widget: its key and the right answer, as the fields to post."""
        page = self.get(path)
        assert page.status == 200, (page.status, page.text)
        return self.server.solved_fields(page.text)

    def keep_cookies(self, reply: Reply) -> Reply:
        for header in reply.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return reply


def server_command(kind: str, port: int) -> list[str]:
    """The command line of the server ``kind`` on ``port``: its own messages from warning up.

    The application's errors come through the site's LOGGING, to the same log.
    """
    program, *options = SERVERS[kind]
    if program == "gunicorn":
        address = ["--bind", f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "5"]
        application = ["django.core.wsgi:get_wsgi_application()"]
    else:
        address = ["--host", "127.0.0.1", "--port", str(port), "--lifespan", "off"]
        application = ["--factory", "django.core.asgi:get_asgi_application"]
    return [sys.executable, "-m", program, *options, *address, "--log-level", "warning", *application]


@contextmanager
def serve(site: Site, kind: str = "sync") -> Iterator[Server]:
    """Migrate ``site``'s database, run it under the server ``kind`` (see SERVERS), stop it afterwards."""
    site.migrate()
    port = free_port()
    log = site.folder / f"server-{kind}-{port}.log"
    with log.open("wb") as output:
        command = server_command(kind, port)
        process = subprocess.Popen(command, cwd=REPO, env=site.env(), stdout=output, stderr=subprocess.STDOUT)
    server = Server(site, f"http://127.0.0.1:{port}", log)
    try:
        wait_until_up(process, server)
        yield server
    except BaseException:
        print(f"--- last lines of {log} ---\n{server.log_tail()}", file=sys.stderr)
        raise
    finally:
        stop(process)
        if site.uses_shared_redis:
            _delete_shared_keys(site.cache_prefix)


@contextmanager
def serve_site(folder: Path, database: str = "sqlite", kind: str = "sync", **options: Any) -> Iterator[Server]:
    """:func:`serve` a :class:`Site` with ``options`` on a fresh ``database`` (``sqlite`` or ``postgresql``)."""
    with fresh_database(database, folder) as url, serve(Site(folder, url, **options), kind) as server:
        yield server


def wait_until_up(process: subprocess.Popen[bytes], server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:  # waiting for the server to listen; nothing timed is asserted
        if process.poll() is not None:
            raise RuntimeError(f"The server exited with status {process.returncode}")
        try:
            if server.send("GET", "/up/").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"The server did not answer within {STARTUP_SECONDS} s")


def _delete_shared_keys(prefix: str) -> None:
    client = redis.Redis.from_url(SHARED_REDIS)
    try:
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
    finally:
        client.close()


def _admin(statement: sql.Composable) -> None:
    """Run ``statement`` on the server's maintenance database (CREATE and DROP DATABASE need autocommit)."""
    host = settings.DATABASES["postgresql"]["HOST"]
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as connection:
        connection.execute(statement)


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of a new, empty database: ``sqlite`` (a file in ``folder``) or ``postgresql``.

    A PostgreSQL database is named after the run id and dropped afterwards, even while a
    server still holds connections to it.
    """
    if kind == "sqlite":
        yield f"sqlite:///{folder / f'site-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    name = f"captcha_guard_{settings.RUN_ID}_site_{uuid.uuid4().hex[:8]}"
    _admin(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgresql://{settings.DATABASES['postgresql']['HOST']}:5432/{name}"
    finally:
        _admin(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def make_read_only(database_url: str) -> None:
    """From the next connection on, every transaction on this PostgreSQL database is read-only."""
    name = urlsplit(database_url).path.lstrip("/")
    _admin(sql.SQL("ALTER DATABASE {} SET default_transaction_read_only = on").format(sql.Identifier(name)))


class Counter:
    """What the site's acting views did: a count in the shared Redis under a name of its own."""

    def __init__(self) -> None:
        self.name = uuid.uuid4().hex
        self.client = redis.Redis.from_url(SHARED_REDIS)

    def value(self) -> int:
        return int(self.client.get(f"server-site:acted:{self.name}") or 0)

    def delete(self) -> None:
        self.client.delete(f"server-site:acted:{self.name}")
        self.client.close()
