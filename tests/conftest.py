"""Fixtures shared by the whole suite, and the rule that nothing is skipped in CI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.utils import translation

# Fixtures defined with what they serve: the parametrised stores of the storage tests, and a
# throwaway Redis server for the outage tests.
from tests.processes import private_redis  # noqa: F401
from tests.servers import FIGURES
from tests.stores import FakeClock, any_store, redis_store  # noqa: F401


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Start every test in the default language.

    LocaleMiddleware activates a request's language in the thread and nothing switches it
    back, so one test-client request in Chinese would otherwise leak into the next test.
    """
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture
def memory_store(settings: Any) -> FakeClock:
    """The memory store on a hand-moved clock: a real store that needs no service or database."""
    clock = FakeClock()
    settings.CAPTCHA_GUARD = {"STORE": {"BACKEND": "memory", "OPTIONS": {"clock": clock}}}
    return clock


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    """Start every test with no challenges counted against the test client's address.

    Every challenge counts towards RATE_LIMIT (60 a minute per address by default), and the
    whole suite runs as 127.0.0.1 against the LocMemCache of this process.
    """
    caches["default"].clear()


@pytest.fixture
def api() -> Any:
    """DRF's test client, for the DRF tests."""
    from rest_framework.test import APIClient

    return APIClient()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Store tests run with real transactions on every database, and are marked ``stores``.

    The stores' guarantees are about several connections and processes; inside the one
    transaction that ``db`` wraps a test in, other connections would see nothing (PostgreSQL)
    or wait on its locks (SQLite). Flushing real databases after each of them is what
    makes them slow, so ``make quick`` leaves them to ``make test``.
    """
    real_transactions = pytest.mark.django_db(transaction=True, databases="__all__")
    for item in items:
        if {"any_store", "redis_store"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(real_transactions, append=False)
            item.add_marker(pytest.mark.stores)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI a skipped test is a failure: the Redis and browser tests must really run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line("CI: skipped tests are not allowed; failing the run.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """What the server tests measured (tests/servers.py FIGURES), for the issue and the docs to quote."""
    if FIGURES:
        terminalreporter.section("server figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
