"""Run the demo project in a real server process for the browser tests.

The server is ``manage.py runserver --noreload`` with the demo's own settings module, a
temporary SQLite database and a secret key made up for the run. The test process gets
the same key and ``CAPTCHA_GUARD`` settings (see :meth:`DemoServer.solve`), so it can
compute answers with ``django_captcha_guard.testing.solve`` just as the server draws them.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

from django.test import override_settings

from django_captcha_guard.testing import solve
from tests.processes import free_port, stop

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo_site"
STARTUP_SECONDS = 60


@dataclass
class DemoServer:
    url: str
    env: dict[str, str]
    log: Path
    settings: ModuleType

    def solve(self, key: str) -> str:
        """The answer for ``key``, computed with the server's secret key and settings."""
        with override_settings(SECRET_KEY=self.settings.SECRET_KEY, CAPTCHA_GUARD=self.settings.CAPTCHA_GUARD):
            return solve(key)

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def server_env(database: Path, store: str, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CAPTCHA_GUARD_", "DEMO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="demo_site.settings",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(32),
        DJANGO_DEBUG="1",  # runserver serves the static files only with DEBUG on
        DEMO_DATABASE=str(database),
        CAPTCHA_GUARD_STORE=store,
        # The suite asks for far more pictures a minute than a person would.
        CAPTCHA_GUARD_RATE_LIMIT="10000",
        REDIS_URL=redis_url,
        PYTHONUNBUFFERED="1",
    )
    return env


def load_settings(env: dict[str, str]) -> ModuleType:
    """The demo's settings module as the server sees it (it reads the environment on import)."""
    spec = importlib.util.spec_from_file_location("demo_settings_under_test", DEMO_DIR / "demo_site" / "settings.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    with mock.patch.dict(os.environ, env, clear=True):
        spec.loader.exec_module(module)
    return module


def migrate(database: Path) -> None:
    """Build a database once; each server gets a copy (migrating takes seconds)."""
    env = server_env(database, "database", "redis://127.0.0.1:6379/13")
    subprocess.run(
        [sys.executable, str(DEMO_DIR / "manage.py"), "migrate", "--noinput", "-v0"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


@contextmanager
def run_demo(
    folder: Path, template_db: Path, store: str, redis_url: str, extra_env: dict[str, str] | None = None
) -> Iterator[DemoServer]:
    """The demo under runserver; ``extra_env`` sets more of its variables (e.g. CAPTCHA_GUARD_PROOF_OF_WORK)."""
    database = folder / "demo.sqlite3"
    shutil.copy(template_db, database)
    env = {**server_env(database, store, redis_url), **(extra_env or {})}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = folder / "server.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, str(DEMO_DIR / "manage.py"), "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = DemoServer(url=url, env=env, log=log, settings=load_settings(env))
    try:
        wait_until_up(process, server)
        yield server
    finally:
        stop(process, timeout=10)


def wait_until_up(process: subprocess.Popen[Any], server: DemoServer) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The demo server exited with {process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + "/", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"The demo server did not answer within {STARTUP_SECONDS}s:\n{server.log_tail()}")
