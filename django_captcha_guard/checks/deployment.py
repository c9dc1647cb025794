"""What the deployment looks like from ``manage.py check``: processes, and caches they share.

Checks run in ``manage.py check``, not in the server, so they read what servers read. The
store and rate-limit checks share these answers.
"""

from __future__ import annotations

import os
import re
import sys

from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string

__all__ = ["cache_backend", "per_process", "worker_processes"]


def worker_processes() -> int | None:
    """How many processes the server runs, where its environment says so; None if unknown.

    Checks run in ``manage.py check``, not in the server, so this reads what servers read:
    ``WEB_CONCURRENCY`` (gunicorn, uvicorn, most platforms), gunicorn's ``GUNICORN_CMD_ARGS``,
    and uWSGI's process count when running under it.
    """
    if os.environ.get("WEB_CONCURRENCY", "").isdigit():
        return int(os.environ["WEB_CONCURRENCY"])
    workers = re.search(r"(?:^|\s)(?:-w\s*|--workers[=\s]\s*)(\d+)", os.environ.get("GUNICORN_CMD_ARGS", ""))
    if workers:
        return int(workers.group(1))
    uwsgi = sys.modules.get("uwsgi")
    numproc = getattr(uwsgi, "numproc", None)
    return numproc if isinstance(numproc, int) else None


def per_process(msg: str, hint: str, *, warning_id: str) -> list[checks.CheckMessage]:
    """An error when several processes are known to run (E029), else a deployment warning."""
    processes = worker_processes()
    if processes is not None and processes > 1:
        return [checks.Error(f"{msg} This site runs {processes} processes.", hint=hint, id="captcha_guard.E029")]
    return [checks.Warning(msg, hint=hint, id=warning_id)]


def cache_backend(alias: str) -> type | None:
    try:
        backend = import_string(settings.CACHES[alias]["BACKEND"])
    except (ImportError, KeyError):
        return None  # Django's cache configuration errors report this
    return backend if isinstance(backend, type) else None
