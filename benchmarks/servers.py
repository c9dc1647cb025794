"""The two sites under load: ours from the project's environment, django-simple-captcha's
from its own, both behind gunicorn with identical settings, on 127.0.0.1 only; ours also
behind uvicorn (ASGI) for the ASGI rows.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import redis

from tests.processes import free_port, stop

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
WORK_DIR = REPO / ".bench"  # git-ignored: the incumbent's venv, SQLite files, key lists
INCUMBENT_VENV = WORK_DIR / "incumbent-venv"
REDIS_URL = "redis://127.0.0.1:6379/11"  # a database no test uses (they take 12-14), so flushing it is safe
WORKERS = 2


def ensure_incumbent_venv() -> Path:
    """django-simple-captcha's latest release in a venv of its own; returns its python.

    Django and gunicorn are pinned to the versions our environment runs, so the sites
    differ only in the captcha app. Our environment never has ``captcha`` installed.
    """
    WORK_DIR.mkdir(exist_ok=True)
    python = INCUMBENT_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(INCUMBENT_VENV)], check=True)
    pins = [f"{name}=={importlib.metadata.version(name)}" for name in ("Django", "gunicorn")]
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "--upgrade", "django-simple-captcha", *pins], check=True)
    return python


def incumbent_version() -> str:
    python = INCUMBENT_VENV / "bin" / "python"
    code = "import importlib.metadata as m; print(m.version('django-simple-captcha'))"
    return subprocess.run([str(python), "-c", code], check=True, capture_output=True, text=True).stdout.strip()


def flush_redis() -> None:
    redis.Redis.from_url(REDIS_URL).flushdb()


def site_env(settings: str, db_name: str, store: str = "", **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "PYTHON"))}
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        BENCH_DB=str(WORK_DIR / db_name),
        BENCH_STORE=store,
        BENCH_REDIS_URL=REDIS_URL,
        **extra,
    )
    return env


def migrate(python: Path, env: dict[str, str]) -> None:
    """A fresh SQLite database for one run: no rows left over from the previous one."""
    db = Path(env["BENCH_DB"])
    db.parent.mkdir(exist_ok=True)  # .bench/ on a fresh clone, when no part made it yet
    for leftover in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        leftover.unlink(missing_ok=True)
    command = [str(python), "-m", "django", "migrate", "--noinput", "-v", "0"]
    subprocess.run(command, cwd=BENCH_DIR, env=env, check=True)


@dataclass(frozen=True)
class Site:
    """A running gunicorn: where to send requests, and what it has cost so far."""

    url: str
    pid: int  # gunicorn's master process
    uses_redis: bool  # whether the Redis server's CPU is part of this site's cost

    def cpu_seconds(self) -> float:
        """CPU time used so far by gunicorn's master and workers (and Redis, when the site uses it).

        On a shared machine wall-clock rates also measure the neighbours; CPU time per
        request measures only what the site itself spent.
        """
        total = sum(process_cpu_seconds(pid) for pid in (self.pid, *children(self.pid)))
        if self.uses_redis:
            info = redis.Redis.from_url(REDIS_URL).info("cpu")
            total += float(info["used_cpu_user"]) + float(info["used_cpu_sys"])
        return total


def process_cpu_seconds(pid: int) -> float:
    # /proc/<pid>/stat: fields 14 and 15 (utime, stime), counted after the ")" ending the name.
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # the process ended while being read
        if parent == pid:
            found.append(int(stat.parent.name))
    return found


@contextlib.contextmanager
def serve(
    python: Path, env: dict[str, str], workers: int = WORKERS, uses_redis: bool = False, asgi: bool = False
) -> Iterator[Site]:
    """Run gunicorn (sync workers), or with ``asgi`` uvicorn, for the duration of the block.

    uvicorn runs as ``uvicorn[standard]`` is deployed (uvloop and httptools, which it picks
    when installed), with as many worker processes as gunicorn.
    """
    port = free_port()
    if asgi:
        command = [str(python.parent / "uvicorn"), "--factory", "django.core.asgi:get_asgi_application"]
        command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
        command += ["--log-level", "warning", "--no-access-log"]
    else:
        command = [str(python.parent / "gunicorn"), "--workers", str(workers), "--worker-class", "sync"]
        command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "--timeout", "60"]
        command += ["django.core.wsgi:get_wsgi_application()"]
    server = subprocess.Popen(command, cwd=BENCH_DIR, env=env)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url, server)
        yield Site(base_url, server.pid, uses_redis)
    finally:
        stop(server)


def wait_until_up(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with status {server.returncode}")
        try:
            with urllib.request.urlopen(base_url + "/up/", timeout=2):  # any answer, even a 404, will do
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not answer at {base_url} within 30 s")
