"""Child processes of the tests: setting Django up in one, and stopping servers."""

from __future__ import annotations

import os
import subprocess
from typing import Any


def setup_django() -> None:
    """Set Django up in a spawned process on the parent's test databases.

    pytest-django renames the databases in the parent only; a worker process of the tests
    must open the same test databases (the same run id comes through the environment).
    """
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    from django.conf import settings

    for database in settings.DATABASES.values():
        database["NAME"] = database["TEST"]["NAME"]
    import django

    django.setup()


def stop(process: subprocess.Popen[Any], timeout: float = 15) -> None:
    """Ask ``process`` to exit, and kill it if it has not within ``timeout`` seconds.

    A server left running would hold its port and skew the next test or benchmark phase.
    """
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
