"""Child processes of the tests: setting Django up in one, free ports, throwaway Redis servers, stopping servers."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis


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


def free_port() -> int:
    """A loopback port nothing listens on (nor will, until a server of the test takes it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """A throwaway ``redis-server`` without persistence, on its own loopback port.

    Tests stop it, restart it and reconfigure it (``client().config_set``) as they please;
    the shared server on 6379 is never touched that way.
    """

    def __init__(self, *options: str) -> None:
        self.port = free_port()
        self.options = options  # more redis-server options, e.g. ("--rename-command", "GETDEL", "")
        self.process: subprocess.Popen[bytes] | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_connect_timeout=1)

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        command += self.options
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = self.client()
        deadline = time.monotonic() + 20
        while True:  # waiting for the server to listen; no assertion depends on timing
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"redis-server did not start on port {self.port}") from None
                time.sleep(0.05)
            finally:
                client.close()

    def stop(self) -> None:
        assert self.process is not None
        stop(self.process, timeout=20)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    if server.running():
        server.stop()
